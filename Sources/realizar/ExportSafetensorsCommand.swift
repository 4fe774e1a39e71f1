import ArgumentParser
import Foundation
import RealizarCore
import RealizarTokenizers

extension HuggingFaceExport.ElementType: ExpressibleByArgument {}

/// `realizar export-safetensors`: a GGUF model as a Hugging Face folder (safetensors weights,
/// config.json, tokenizer files) that `transformers` and this engine load.
struct ExportSafetensorsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-safetensors",
        abstract: "Write a GGUF model as a Hugging Face folder (model.safetensors, config.json, tokenizer files).",
        discussion: """
            Every tensor is dequantized (quantized weights stay as lossy as they were, now in \
            --type) and written under its Hugging Face name, with llama.cpp's conversion undone \
            (Gemma's norms, Llama's q/k row order). tokenizer.json is written for SentencePiece \
            vocabularies (Gemma, Llama 2, Mistral) and byte-level BPE ones (SmolLM2, Llama 3, Qwen); \
            for others (WordPiece, Unigram) the folder gets tokenizer_config.json only, with a warning. Models whose configuration a folder cannot express (Llama 3.1 \
            RoPE factors, LongRoPE, mixtures of experts, GPT-2, Gemma 2) are refused.
            """)

    @Argument(help: "A GGUF file or a catalog model name (gemma3-270m).")
    var model: String

    @Argument(help: "The folder to write (created; must be empty unless --force).")
    var output: String

    @Option(help: "Element type of the weights: f32, f16 or bf16.")
    var type: HuggingFaceExport.ElementType = .f32

    @Flag(help: "Write into an existing folder that is not empty, replacing files of the same names.")
    var force = false

    func run() throws {
        try reportingErrors {
            let start = Date()
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: output, isDirectory: &isFolder) {
                guard isFolder.boolValue else { throw ModelError("\(output) exists and is not a folder") }
                let contents = try FileManager.default.contentsOfDirectory(atPath: output)
                if !contents.isEmpty && !force {
                    throw ModelError("\(output) is not empty (\(contents.count) entries); choose another folder or pass --force")
                }
            }
            let file = try GGUFFile(path: try resolveModel(model))
            try HuggingFaceExport.check(file)
            var tokenizer = HuggingFaceExport.Tokenizer()
            do {
                let vocabulary = try Vocabulary(file: file)
                tokenizer.addBOS = vocabulary.addBOS
                tokenizer.addEOS = vocabulary.addEOS
                tokenizer.cleanUpSpaces = vocabulary.cleansSpaces
                if vocabulary.model == .bytePair {
                    tokenizer.json = try TokenizerJSONExport.byteLevelTokenizerJSON(
                        for: vocabulary, merges: try file.optionalStringArray("tokenizer.ggml.merges") ?? [])
                } else {
                    tokenizer.json = try TokenizerJSONExport.tokenizerJSON(for: vocabulary)
                }
            } catch {
                FileHandle.standardError.write(Data("warning: no tokenizer.json written: \(error)\n".utf8))
            }
            let summary = try HuggingFaceExport.export(file, to: output, type: type, tokenizer: tokenizer)
            let total = summary.files.reduce(0) { $0 + $1.bytes }
            print("wrote \(output): \(summary.modelType), \(summary.tensorCount) tensors in \(type.rawValue)"
                  + (summary.tiedOutput ? " (output tied to the embedding)" : "")
                  + ", \(ByteCount.format(total)) in \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
            for (name, bytes) in summary.files {
                print("  \(name)  \(ByteCount.format(bytes))")
            }
        }
    }
}
