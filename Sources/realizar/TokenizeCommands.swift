import ArgumentParser
import Foundation
import RealizarCore
import RealizarTokenizers

/// Loads the tokenizer of a model given as a path or a catalog name.
private func openTokenizer(_ model: String) throws -> (any Tokenizer, String) {
    let path = try ModelStore.standard.resolve(model).path
    return (try loadTokenizer(from: try GGUFFile(path: path)), path)
}

/// A piece for display: control characters escaped, invalid UTF-8 as U+FFFD.
private func displayPiece(_ text: String) -> String {
    var out = ""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "\\": out += "\\\\"
        default:
            if scalar.value < 0x20 || scalar.value == 0x7F {
                out += String(format: "\\x%02x", scalar.value)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out
}

struct Tokenize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the token ids of a text, as llama.cpp tokenizes it.",
        discussion: """
            Prints one line per token, "id<TAB>piece", or a JSON array of ids with --json. No BOS is \
            added unless --bos; special tokens written in the text are plain text unless --special.
            With --bench, times loading the tokenizer and tokenizing the text (repeated up to \
            --bench-bytes) instead.
            """
    )

    @Argument(help: "A GGUF file or a catalog model name.")
    var model: String

    @Option(help: "The text to tokenize.")
    var text: String?

    @Option(help: "A file whose contents to tokenize.")
    var file: String?

    @Flag(help: "Print a JSON array of token ids.")
    var json = false

    @Flag(help: "Add BOS (and EOS/SEP) as the model's metadata asks.")
    var bos = false

    @Flag(help: "Turn special tokens written in the text (<start_of_turn>, <|im_start|>) into their ids.")
    var special = false

    @Flag(help: "Time loading and tokenizing instead of printing the tokens.")
    var bench = false

    @Option(help: "With --bench, repeat the text until it has at least this many bytes.")
    var benchBytes = 100_000

    func validate() throws {
        if (text == nil) == (file == nil) && !bench {
            throw ValidationError("Give exactly one of --text and --file.")
        }
        if text != nil && file != nil { throw ValidationError("Give only one of --text and --file.") }
    }

    func input() throws -> String {
        if let text { return text }
        if let file {
            let data = try Data(contentsOf: URL(fileURLWithPath: (file as NSString).expandingTildeInPath))
            return String(decoding: data, as: UTF8.self)
        }
        return ""
    }

    func run() throws {
        if bench { return try runBenchmark() }
        let (tokenizer, _) = try openTokenizer(model)
        let ids = tokenizer.encode(try input(), addSpecial: bos, parseSpecial: special)
        if json {
            print("[" + ids.map(String.init).joined(separator: ", ") + "]")
        } else {
            for id in ids {
                print("\(id)\t\(displayPiece(tokenizer.pieceText(id, renderSpecial: true)))")
            }
        }
    }

    func runBenchmark() throws {
        let clock = ContinuousClock()
        func ms(_ d: Duration) -> String {
            let (s, a) = d.components
            return String(format: "%.1f ms", Double(s) * 1000 + Double(a) / 1e15)
        }
        let path = try ModelStore.standard.resolve(model).path
        var base = try input()
        if base.isEmpty {
            base = "The quick brown fox jumps over the lazy dog. Ünïcödé, 日本語のテキスト, emoji 🦙🚀, numbers 1234567.\n"
        }
        var text = base
        while text.utf8.count < benchBytes { text += base }

        let start = clock.now
        let file = try GGUFFile(path: path)
        let opened = clock.now
        let tokenizer = try loadTokenizer(from: file)
        let loaded = clock.now
        let ids = tokenizer.encode(text, addSpecial: bos, parseSpecial: special)
        let encoded = clock.now
        var best = encoded - loaded
        for _ in 0..<4 {
            let t0 = clock.now
            _ = tokenizer.encode(text, addSpecial: bos, parseSpecial: special)
            best = min(best, clock.now - t0)
        }
        let t1 = clock.now
        let decoded = tokenizer.decode(ids)
        let decodeTime = clock.now - t1
        var stream = StreamingDetokenizer(tokenizer: tokenizer)
        let t2 = clock.now
        var streamed = ""
        for id in ids { streamed += stream.append(id) }
        streamed += stream.finish()
        let streamTime = clock.now - t2

        print("model:              \(path)")
        print("tokenizer:          \(tokenizer.model.rawValue), \(tokenizer.vocabularySize) tokens\(tokenizer.vocabulary.preTokenizerName.map { ", pre-tokenizer \($0)" } ?? "")")
        print("open GGUF:          \(ms(opened - start))")
        print("build tokenizer:    \(ms(loaded - opened))")
        print("tokenize:           \(ms(encoded - loaded)) first, \(ms(best)) best of 5 (\(text.utf8.count) bytes -> \(ids.count) tokens)")
        print("load + tokenize:    \(ms(encoded - start))")
        print("detokenize:         \(ms(decodeTime)) (round trip \(decoded == text ? "exact" : "differs"))")
        print("stream detokenize:  \(ms(streamTime)) (\(streamed == decoded ? "same as detokenize" : "DIFFERS from detokenize"))")
    }
}

struct Detokenize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the text of a sequence of token ids, as llama.cpp detokenizes it."
    )

    @Argument(help: "A GGUF file or a catalog model name.")
    var model: String

    @Argument(help: "Token ids.")
    var ids: [Int]

    @Flag(help: "Write control tokens (BOS, <end_of_turn>, ...) as their text.")
    var special = false

    func run() throws {
        let (tokenizer, _) = try openTokenizer(model)
        if let bad = ids.first(where: { $0 < 0 || $0 >= tokenizer.vocabularySize }) {
            throw ValidationError("token id \(bad) is outside the vocabulary of \(tokenizer.vocabularySize) tokens")
        }
        print(tokenizer.decode(ids, renderSpecial: special))
    }
}
