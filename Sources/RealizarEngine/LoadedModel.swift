import Foundation
import RealizarCore
import RealizarTokenizers

/// A model ready to run: its GGUF file or Hugging Face folder, its decoder and its tokenizer.
public final class LoadedModel: @unchecked Sendable {
    /// The GGUF file, for a model loaded from one.
    public let file: GGUFFile?
    /// The model folder, for a model loaded from one.
    public let folder: HuggingFaceFolder?
    public let decoder: DecoderModel
    public let tokenizer: any Tokenizer
    /// The context a new sequence gets unless told otherwise: the model's, capped at 4,096.
    public let defaultContext: Int

    /// Loads the model at `path` onto `backend` (by default the CPU with `threads` threads).
    public convenience init(path: String, threads: Int? = nil, backend: (any Backend)? = nil) throws {
        try self.init(path: path, preferring: [backend ?? CPUBackend(threads: threads)])
    }

    /// Loads the model at `path` (a GGUF file, or a Hugging Face folder whose matrices are
    /// quantized to `quantize` when given) onto the first of `backends` that computes all of it
    /// (see `ModelRegistry.load(_:preferring:)`). `output` `.hiddenStates` builds it for embeddings.
    public init(path: String, preferring backends: [any Backend], quantize: GGMLType? = nil,
                output: ModelGraph.Output = .logits) throws {
        if HuggingFaceFolder.isModelFolder(path) {
            let folder = try HuggingFaceFolder(path: path)
            let (graph, weights) = try ModelRegistry.load(folder: folder, quantize: quantize, output: output)
            decoder = try ModelRegistry.load(graph, weights: weights, preferring: backends)
            tokenizer = try HuggingFaceTokenizer.load(folder: path)
            self.folder = folder
            file = nil
        } else {
            if quantize != nil { throw ModelError("--quantize applies to Hugging Face folders; \(path) is a GGUF file, already in its types") }
            let file = try GGUFFile(path: path)
            decoder = try ModelRegistry.load(file, preferring: backends, output: output)
            tokenizer = try loadTokenizer(from: file)
            self.file = file
            folder = nil
        }
        defaultContext = min(decoder.architecture.contextLength, 4096)
        let limit = decoder.graph.output == .logits ? decoder.vocabularySize : decoder.graph.tokenCount
        guard tokenizer.vocabularySize <= limit else {
            throw ModelError("\(sourceName): the tokenizer has \(tokenizer.vocabularySize) tokens but the model's \(decoder.graph.output == .logits ? "output layer" : "embedding table") only \(limit)")
        }
    }

    /// Parameters of the weights the graph computes with.
    public var parameterCount: Int {
        decoder.graph.matrices.reduce(0) { $0 + $1.rows * $1.columns } + decoder.graph.vectors.reduce(0) { $0 + $1.count }
    }

    /// The file or folder name, for messages.
    public var sourceName: String { file?.file.fileName ?? folder?.name ?? "model" }

    /// The model's own chat template: GGUF's `tokenizer.chat_template`, or a folder's
    /// `tokenizer_config.json` / `chat_template.jinja`.
    public var embeddedChatTemplate: String? {
        get throws {
            if let file { return try file.optionalString("tokenizer.chat_template") }
            return (tokenizer as? HuggingFaceTokenizer)?.configuration.chatTemplate
        }
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
