import ArgumentParser
import Foundation
import RealizarCore

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Describe a model: architecture, hyper-parameters, tokenizer, tensors.")

    @Argument(help: "A model file or folder, a catalog name, or hf:OWNER/REPO[:FILE].")
    var model: String

    @Flag(help: "Print JSON.")
    var json = false

    @Flag(help: "List every tensor.")
    var tensors = false

    func run() throws {
        try reportingErrors {
            let path = try resolveModel(model)
            let info = try ModelInfo.inspect(path: path, includeTensors: tensors)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(info), as: UTF8.self))
            } else {
                print(Self.render(info), terminator: "")
            }
        }
    }

    static func render(_ info: ModelInfo) -> String {
        var out = ""
        func line(_ label: String, _ value: Any?) {
            guard let value else { return }
            out += label.padding(toLength: 22, withPad: " ", startingAt: 0) + "\(value)\n"
        }
        line("path", info.path)
        line("format", info.format + (info.formatVersion.map { " v\($0)" } ?? ""))
        line("file size", "\(ByteCount.format(info.fileSize)) (\(info.fileSize) bytes)")
        line("name", info.name)
        line("architecture", info.architecture)
        line("parameters", "\(info.parameterCount) (\(String(format: "%.1f", Double(info.parameterCount) / 1e6))M)")
        line("context length", info.contextLength)
        line("embedding length", info.embeddingLength)
        line("blocks", info.blockCount)
        line("feed-forward length", info.feedForwardLength)
        line("attention heads", info.headCount)
        line("key/value heads", info.headCountKV)
        line("head dimension", info.headDimension)
        line("vocabulary size", info.vocabularySize)
        line("tokenizer", [info.tokenizer.kind, info.tokenizer.preTokenizer.map { "pre=\($0)" }]
            .compactMap { $0 }.joined(separator: " ").nonEmpty ?? "none")
        line("chat template", info.hasChatTemplate ? "yes" : "no")
        line("tensors", info.tensorCount)
        if !info.hyperParameters.isEmpty {
            out += "\nhyper-parameters\n"
            for parameter in info.hyperParameters { out += "  \(parameter.key) = \(parameter.value)\n" }
        }
        if !info.details.isEmpty {
            out += "\narchitecture details\n"
            for detail in info.details { out += "  \(detail.key): \(detail.value)\n" }
        }
        out += "\ntensor types\n"
        for type in info.tensorTypes {
            out += "  " + type.type.padding(toLength: 8, withPad: " ", startingAt: 0)
                + String(type.tensors).leftPadded(6) + " tensors  " + ByteCount.format(type.bytes).leftPadded(10) + "\n"
        }
        if let tensors = info.tensors {
            out += "\ntensors\n"
            for tensor in tensors {
                out += "  \(tensor.name)  \(tensor.type)  \(tensor.shape)  offset \(tensor.offset)  \(tensor.bytes) bytes\n"
            }
        }
        return out
    }
}

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
