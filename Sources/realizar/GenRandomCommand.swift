import ArgumentParser
import Foundation
import RealizarCore

/// `realizar gen-random`: a random-weight model of a real shape as a standard GGUF file, for speed
/// measurements at sizes that cannot be downloaded (llama.cpp loads the same file).
struct GenRandomCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gen-random",
        abstract: "Write a random-weight GGUF model of a real architecture and shape (for benchmarks).")

    @Option(help: "Architecture: \(RandomModel.Family.allCases.map(\.rawValue).joined(separator: ", ")).")
    var arch: String

    @Option(help: "Shape: tiny, 1b, 8b (llama); tiny, 0.6b, 8b (qwen3); tiny, 270m, 1b (gemma3).")
    var shape: String

    @Option(help: "File type: \(RandomModel.FileType.allCases.map(\.rawValue).joined(separator: ", ")).")
    var type = "q4_k_m"

    @Option(help: "Seed of the weights.")
    var seed: UInt64 = 1

    @Argument(help: "The GGUF file to write.")
    var output: String

    func run() throws {
        try reportingErrors {
            guard let family = RandomModel.Family(rawValue: arch) else {
                throw ValidationError("unknown --arch '\(arch)'; known: \(RandomModel.Family.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard let fileType = RandomModel.FileType(rawValue: type) else {
                throw ValidationError("unknown --type '\(type)'; known: \(RandomModel.FileType.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let model = try RandomModel(family: family, shape: shape, fileType: fileType)
            let start = Date()
            try model.write(to: URL(fileURLWithPath: output), seed: seed)
            let size = (try? FileManager.default.attributesOfItem(atPath: output)[.size] as? Int) ?? 0
            print("wrote \(output): \(arch) \(shape) \(type), \(ByteCount.format(size)) in \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
        }
    }
}
