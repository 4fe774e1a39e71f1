import Foundation
import RealizarCore
import RealizarTestSupport
@testable import RealizarTokenizers

/// One case of llama.cpp's tokenizer test format: a text and the ids llama.cpp gives it (no BOS).
struct TokenizerCase {
    var text: String
    var ids: [Int]
}

enum TokenizerCases {
    /// Reads `.inp` (cases separated by lines `__ggml_vocab_test__`) and `.out` (line N: the ids of
    /// case N), the way llama.cpp's tests/test-tokenizer-0.cpp reads them.
    static func load(input: URL, output: URL) throws -> [TokenizerCase] {
        let raw = [UInt8](try Data(contentsOf: input))
        let separator = Array("\n__ggml_vocab_test__\n".utf8)
        var texts: [String] = []
        var position = 0
        while position < raw.count {
            if let next = find(separator, in: raw, from: position) {
                texts.append(String(decoding: raw[position..<next], as: UTF8.self))
                position = next + separator.count
            } else {
                texts.append(String(decoding: raw[position...], as: UTF8.self))
                break
            }
        }
        let lines = String(decoding: try Data(contentsOf: output), as: UTF8.self)
            .split(separator: "\n", omittingEmptySubsequences: false)
        var outputs = lines.map { line in
            line.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        }
        if outputs.count == texts.count + 1, lines.last?.isEmpty == true { outputs.removeLast() }
        precondition(outputs.count == texts.count, "\(input.lastPathComponent): \(texts.count) inputs, \(outputs.count) outputs")
        return zip(texts, outputs).map { TokenizerCase(text: $0, ids: $1) }
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        var i = start
        while i + needle.count <= haystack.count {
            if haystack[i] == needle[0] && haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }

    /// Runs every case through the tokenizer; returns a description of each mismatch.
    static func mismatches(_ tokenizer: any Tokenizer, _ cases: [TokenizerCase]) -> [String] {
        var failures: [String] = []
        for (index, c) in cases.enumerated() {
            let ids = tokenizer.encode(c.text, addSpecial: false, parseSpecial: false)
            if ids != c.ids {
                failures.append("case \(index) \(c.text.debugDescription): expected \(c.ids), got \(ids)")
            }
        }
        return failures
    }

    /// Whether llama.cpp gets `text` back from its tokens: not for WordPiece (it lowercases, strips
    /// accents and drops whitespace), and not where the vocabulary's space clean-up
    /// (`clean_up_tokenization_spaces`: " ?" to "?", " 's" to "'s", ...) changes the text.
    static func llamaCppRoundTrips(_ tokenizer: any Tokenizer, _ text: String) -> Bool {
        if tokenizer.model == .wordPiece { return false }
        if tokenizer.vocabulary.cleansSpaces {
            var bytes = Array(text.utf8)
            Vocabulary.cleanUpSpaces(&bytes)
            if bytes != Array(text.utf8) { return false }
        }
        return true
    }

    /// Decodes the tokens of every case; returns how many gave the text back, and a description of
    /// each case that did not although llama.cpp's would.
    static func roundTrip(_ tokenizer: any Tokenizer, _ cases: [TokenizerCase]) -> (Int, [String]) {
        var count = 0
        var failures: [String] = []
        for c in cases {
            let decoded = tokenizer.decode(tokenizer.encode(c.text, addSpecial: false, parseSpecial: false))
            if decoded == c.text {
                count += 1
            } else if llamaCppRoundTrips(tokenizer, c.text) {
                failures.append("\(c.text.debugDescription) decodes to \(decoded.debugDescription)")
            }
        }
        return (count, failures)
    }

    static var llamaCppModels: URL {
        get throws { try ProjectPaths.llamaCppSource().appendingPathComponent("models") }
    }
}
