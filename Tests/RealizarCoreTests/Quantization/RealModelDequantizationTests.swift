import Foundation
import Testing
import RealizarCore
import RealizarTestSupport

/// Every tensor of both real GGUF models dequantizes to exactly the values the `gguf` Python
/// package's reference code produces (compared by SHA-256 of the float32 bytes).
@Suite struct RealModelDequantizationTests {
    @Test(arguments: [TestModels.Name.gemma, .smolLM2])
    func everyTensorMatchesTheGGUFPackage(model: TestModels.Name) throws {
        let path = try TestModels.path(model)
        let script = ProjectPaths.root.appendingPathComponent("scripts/dequant_digests.py").path
        let reference = try Shell.run(["python3", script, path])
        var expected: [String: (type: String, digest: String)] = [:]
        for line in reference.split(separator: "\n") {
            let fields = line.split(separator: "\t").map(String.init)
            try #require(fields.count == 3, "unexpected line from dequant_digests.py: \(line)")
            expected[fields[0]] = (fields[1], fields[2])
        }
        let file = try GGUFFile(path: path)
        #expect(expected.count == file.tensors.count)
        var mismatches: [String] = []
        for tensor in file.tensors {
            var values = [Float](repeating: .nan, count: tensor.elementCount)
            try values.withUnsafeMutableBufferPointer { out in
                try Dequantization.dequantize(tensor.type, from: file.data(of: tensor).baseAddress!, count: tensor.elementCount, into: out.baseAddress!)
            }
            let digest = values.withUnsafeBytes { Checksum.sha256Hex($0) }
            if expected[tensor.name]?.digest != digest {
                mismatches.append("\(tensor.name) (\(tensor.type.name)): expected \(expected[tensor.name]?.digest ?? "no reference"), got \(digest)")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) of \(file.tensors.count) tensors differ:\n\(mismatches.prefix(10).joined(separator: "\n"))")
    }
}
