import Foundation
import Testing
import RealizarCore
import RealizarTestSupport

/// Path traversal through model names, pull targets and what a Hub listing says (a published
/// attack class against model servers): every such name is refused before it becomes a path, and a
/// hostile listing writes nothing, inside the store or out of it.
@Suite struct PathTraversalTests {
    static let hostileNames = [
        "hf:../../x", "hf:acme/../../x", "hf:acme/tiny-GGUF:../../x", "hf:acme/tiny-GGUF:/etc/passwd", "hf:acme/tiny-GGUF:a/./b",
        "hf.co/../x", "https://huggingface.co/acme/..", "../x", "../../etc/passwd", "a/../../b", "./../x", "models/.. /x",
        "/etc/passwd", "~/model", "~root/x", "x\\..\\y", "x\0/../y", "a\nb", "a\rb", "\u{1b}[2Jx", "", String(repeating: "a", count: 600),
    ]

    @Test(arguments: hostileNames)
    func hostileNamesAreRefused(_ name: String) {
        #expect(throws: ModelStoreError.self, "\(name.debugDescription) was accepted") { try ModelStore.validateRequestName(name) }
    }

    @Test func ordinaryNamesPass() {
        for name in ["gemma3-270m", "smollm2-135m-instruct:latest", "hf:acme/tiny-GGUF:Q4_K_M", "hf:acme/tiny-GGUF:sub/tiny.Q8_0.gguf",
                     "library/my-model:v1.2", "hf.co/acme/tiny-GGUF"] {
            #expect(throws: Never.self, "\(name) was refused") { try ModelStore.validateRequestName(name) }
        }
    }

    @Test func pullingAHostileNameTouchesNothing() throws {
        let sandbox = try TemporaryFolder()
        let home = sandbox.file("home")
        for name in ["hf:../../escape", "hf:acme/tiny-GGUF:../../../escape.gguf", "../escape"] {
            let result = try RealizarBinary.run(["pull", name], environment: ["HF_ENDPOINT": "http://127.0.0.1:1", "REALIZAR_HOME": home.path],
                                                timeout: 30)
            #expect(result.status != 0 && !result.crashed, "pull \(name) gave \(result.status): \(result.stderr)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: sandbox.url.path).allSatisfy { $0 == "home" },
                "something was written beside the store")
    }

    @Test func aHubListingWithATraversalPathIsRefused() throws {
        let hub = try HuggingFacePullTests.makeHub()
        let sandbox = try TemporaryFolder()
        let home = sandbox.file("home")
        for evil in ["../../../escape.gguf", "sub/../../escape.gguf", "/tmp/escape.gguf", "a\\..\\escape.gguf", "x\u{1}.gguf"] {
            let server = try HubMockServer(root: hub.url, options: ["--evil-path", evil])
            let result = try RealizarBinary.run(["pull", "hf:acme/tiny-GGUF:Q8_0"], environment: ["HF_ENDPOINT": server.endpoint, "REALIZAR_HOME": home.path],
                                                timeout: 30)
            #expect(result.status == 1 && !result.crashed, "\(evil.debugDescription): status \(result.status)")
            #expect(result.stderr.contains("unsafe path"), "\(evil.debugDescription): \(result.stderr)")
            #expect(!server.requests.contains("/resolve/"), "\(evil.debugDescription): a file was downloaded from a hostile listing")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: sandbox.url.path).allSatisfy { $0 == "home" })
        #expect(!FileManager.default.fileExists(atPath: "/tmp/escape.gguf"))
    }

    @Test func aHubDigestThatIsAPathIsRefused() throws {
        let hub = try HuggingFacePullTests.makeHub()
        let home = try TemporaryFolder()
        let server = try HubMockServer(root: hub.url, options: ["--evil-digest", "tiny.Q8_0.gguf"])
        let result = try RealizarBinary.run(["pull", "hf:acme/tiny-GGUF:Q8_0"], environment: ["HF_ENDPOINT": server.endpoint, "REALIZAR_HOME": home.url.path],
                                            timeout: 30)
        #expect(result.status == 1 && !result.crashed, "status \(result.status)")
        #expect(result.stderr.contains("64 lowercase hex digits"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: home.file("models/hf/acme/tiny-GGUF/tiny.Q8_0.gguf").path))
    }
}
