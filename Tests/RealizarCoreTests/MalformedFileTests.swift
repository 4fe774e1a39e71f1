import Foundation
import Testing
import RealizarCore
import RealizarTestSupport

/// Every malformed file must end `realizar info` with a clear error and a non-zero exit: no crash,
/// no hang, no huge allocation.
@Suite struct MalformedFileTests {
    @Test func corpusIsLargeEnough() {
        #expect(MalformedGGUFCorpus.cases().count >= 30)
        #expect(MalformedSafetensorsCorpus.cases().count >= 15)
    }

    @Test func validCorpusBaseFilesLoad() throws {
        let folder = try TemporaryFolder()
        let gguf = folder.file("valid.gguf")
        try RawGGUF.valid().bytes().write(to: gguf)
        let file = try GGUFFile(path: gguf.path)
        #expect(file.tensors.map(\.name) == ["a.weight", "b.weight"])
        let safetensors = folder.file("valid.safetensors")
        try MalformedSafetensorsCorpus.valid().write(to: safetensors)
        #expect(try SafetensorsFile(path: safetensors.path).tensors.map(\.name) == ["a", "b"])
        for url in [gguf, safetensors] {
            let result = try RealizarBinary.run(["info", url.path])
            #expect(result.status == 0, "info \(url.lastPathComponent) failed: \(result.stderr)")
        }
    }

    @Test(arguments: MalformedGGUFCorpus.cases().map(\.name))
    func malformedGGUFIsRejectedClearly(name: String) throws {
        let bytes = try #require(MalformedGGUFCorpus.cases().first { $0.name == name }).bytes
        try expectCleanRejection(bytes, fileName: "case.gguf", name: name)
    }

    @Test(arguments: MalformedSafetensorsCorpus.cases().map(\.name))
    func malformedSafetensorsIsRejectedClearly(name: String) throws {
        let bytes = try #require(MalformedSafetensorsCorpus.cases().first { $0.name == name }).bytes
        try expectCleanRejection(bytes, fileName: "case.safetensors", name: name)
    }

    @Test func shardIndexNamingAMissingShardIsRejected() throws {
        let folder = try TemporaryFolder()
        try MalformedSafetensorsCorpus.valid().write(to: folder.file("model-00001-of-00002.safetensors"))
        let index = #"{"weight_map":{"a":"model-00001-of-00002.safetensors","c":"model-00002-of-00002.safetensors"}}"#
        try Data(index.utf8).write(to: folder.file("model.safetensors.index.json"))
        let result = try RealizarBinary.run(["info", folder.url.path], timeout: 5)
        #expect(result.status == 1 && !result.crashed)
        #expect(result.stderr.contains("model-00002-of-00002.safetensors"), "\(result.stderr)")
    }

    @Test func shardIndexPointingAtTheWrongShardIsRejected() throws {
        let folder = try TemporaryFolder()
        try MalformedSafetensorsCorpus.valid().write(to: folder.file("one.safetensors"))
        try MalformedSafetensorsCorpus.file(
            header: #"{"c":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}}"#, data: Data(count: 4)
        ).write(to: folder.file("two.safetensors"))
        let index = #"{"weight_map":{"a":"two.safetensors","c":"two.safetensors"}}"#
        try Data(index.utf8).write(to: folder.file("model.safetensors.index.json"))
        #expect(throws: FormatError.self) { try SafetensorsCheckpoint(path: folder.url.path) }
        let good = #"{"weight_map":{"a":"one.safetensors","b":"one.safetensors","c":"two.safetensors"}}"#
        try Data(good.utf8).write(to: folder.file("model.safetensors.index.json"))
        #expect(try SafetensorsCheckpoint(path: folder.url.path).tensors.count == 3)
    }

    private func expectCleanRejection(_ bytes: Data, fileName: String, name: String) throws {
        let folder = try TemporaryFolder()
        let url = folder.file(fileName)
        try bytes.write(to: url)
        let result = try RealizarBinary.run(["info", url.path], timeout: 5)
        #expect(!result.crashed, "\(name): realizar crashed: \(result.stderr)")
        #expect(result.status == 1, "\(name): exit status \(result.status), stderr: \(result.stderr)")
        #expect(result.stderr.hasPrefix("error: ") && result.stderr.contains(fileName),
                "\(name): the error should name the file: \(result.stderr)")
        #expect(result.stdout.isEmpty, "\(name): printed \(result.stdout)")
        #expect(result.seconds < 1, "\(name): took \(result.seconds) s")
    }
}
