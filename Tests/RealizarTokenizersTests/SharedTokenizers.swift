import Foundation
import RealizarCore
import RealizarTestSupport
@testable import RealizarTokenizers

/// Tokenizers loaded once and shared by the tests (loading a 262k vocabulary in a debug build
/// takes a while).
enum SharedTokenizers {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var cache: [String: any Tokenizer] = [:]

    /// The GGUF path of a named vocabulary: a llama.cpp suite (`ggml-vocab-NAME.gguf`) or a
    /// catalog model (`gemma3`, `smollm2`).
    static func path(_ name: String) throws -> String {
        switch name {
        case "gemma3": return try TestModels.path(.gemma)
        case "smollm2": return try TestModels.path(.smolLM2)
        default: return try TokenizerCases.llamaCppModels.appendingPathComponent("ggml-vocab-\(name).gguf").path
        }
    }

    static func tokenizer(_ name: String) throws -> any Tokenizer {
        lock.lock()
        if let cached = cache[name] {
            lock.unlock()
            return cached
        }
        lock.unlock()
        let tokenizer = try loadTokenizer(from: try GGUFFile(path: try path(name)))
        lock.lock()
        cache[name] = tokenizer
        lock.unlock()
        return tokenizer
    }
}
