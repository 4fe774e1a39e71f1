import Foundation
import RealizarCore
import RealizarTokenizers

/// A model ready to run: its file, its decoder and its tokenizer.
public final class LoadedModel: @unchecked Sendable {
    public let file: GGUFFile
    public let decoder: DecoderModel
    public let tokenizer: any Tokenizer
    /// The context a new sequence gets unless told otherwise: the model's, capped at 4,096.
    public let defaultContext: Int

    /// Loads the model at `path` onto `backend` (by default the CPU with `threads` threads).
    public convenience init(path: String, threads: Int? = nil, backend: (any Backend)? = nil) throws {
        try self.init(path: path, preferring: [backend ?? CPUBackend(threads: threads)])
    }

    /// Loads the model at `path` onto the first of `backends` that computes all of it (see
    /// `ModelRegistry.load(_:preferring:)`).
    public init(path: String, preferring backends: [any Backend]) throws {
        file = try GGUFFile(path: path)
        decoder = try ModelRegistry.load(file, preferring: backends)
        tokenizer = try loadTokenizer(from: file)
        guard tokenizer.vocabularySize <= decoder.vocabularySize else {
            throw ModelError("\(file.file.fileName): the tokenizer has \(tokenizer.vocabularySize) tokens but the output layer only \(decoder.vocabularySize)")
        }
        defaultContext = min(decoder.architecture.contextLength, 4096)
    }

    /// Prompt token ids as llama.cpp makes them: BOS (and EOS/SEP) as the vocabulary asks, special
    /// tokens in the text parsed when `parseSpecial`.
    public func tokenize(_ text: String, parseSpecial: Bool = true) -> [Int] {
        tokenizer.encode(text, addSpecial: true, parseSpecial: parseSpecial)
    }

    /// Checks a context size before a cache of it is made: positive, within what one cache may
    /// hold, and within the learned positions of a model that has them (GPT-2).
    public func validate(context: Int) throws {
        guard context > 0, context <= DecoderModel.contextLimit else {
            throw ModelError("a context of \(context) tokens is out of range (1...\(DecoderModel.contextLimit)); use a smaller --ctx")
        }
        if let limit = decoder.maximumContext, context > limit {
            throw ModelError("\(decoder.architecture.name) learned \(limit) positions (\(decoder.architecture.name).context_length), so a context of \(context) tokens cannot run; use --ctx \(limit) or less")
        }
    }

    /// Checks prompt ids before they reach the model: not empty, inside the vocabulary, fitting
    /// the context with room for `reserve` generated tokens.
    public func validate(prompt: [Int], context: Int, reserve: Int = 0) throws {
        guard !prompt.isEmpty else { throw ModelError("the prompt is empty: give at least one token") }
        try validate(context: context)
        try DecoderModel.validate(tokens: prompt, vocabulary: decoder.graph.tokenCount)
        guard prompt.count + reserve <= context else {
            throw ModelError("the prompt has \(prompt.count) tokens\(reserve > 0 ? " and \(reserve) more were asked for" : ""), but the context holds \(context); use a shorter prompt or a larger --ctx")
        }
    }
}
