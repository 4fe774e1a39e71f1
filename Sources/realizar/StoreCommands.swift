import ArgumentParser
import Foundation
import RealizarCore

struct PullCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pull",
        abstract: "Download a model into the model store.",
        discussion: """
        NAME is a catalog model (\(CatalogModel.all.map(\.name).joined(separator: ", "))) or \
        hf:OWNER/REPO[:FILE] for Hugging Face (FILE may be a quantization tag such as Q4_K_M; \
        HF_TOKEN is sent when set, HF_ENDPOINT overrides the Hub's address). The store is \
        $REALIZAR_HOME, by default ~/.cache/realizar.
        """)

    @Argument(help: "Catalog name or hf:OWNER/REPO[:FILE].")
    var name: String

    func run() throws {
        try reportingErrors {
            let store = ModelStore.standard
            let progress = ProgressDisplay().callback
            let location: URL
            if let model = CatalogModel.named(name) {
                location = try store.pull(model, progress: progress)
            } else if let reference = HuggingFaceReference(name) {
                location = try store.pull(reference, progress: progress)
            } else {
                throw ModelStoreError.unknownModel(name, available: CatalogModel.all.map(\.name))
            }
            print(location.path)
        }
    }
}

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the models in the store.")

    @Flag(help: "Print JSON.")
    var json = false

    @Flag(help: "Also list catalog models that are not pulled yet.")
    var all = false

    func run() throws {
        let store = ModelStore.standard
        let entries = store.entries()
        if json {
            let rows: [[String: Any]] = entries.map { ["name": $0.name, "path": $0.location.path, "size": $0.size] }
            let data = try JSONSerialization.data(withJSONObject: rows, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        let nameWidth = max(entries.map(\.name.count).max() ?? 0, 24)
        print("NAME".padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  SIZE       PATH")
        for entry in entries {
            let size = ByteCount.format(entry.size).padding(toLength: 9, withPad: " ", startingAt: 0)
            print(entry.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  \(size)  \(entry.location.path)")
        }
        if all {
            for model in CatalogModel.all where !store.isPulled(model) {
                print(model.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  -          (not pulled) \(model.summary)")
            }
        }
    }
}

struct RemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove a model from the store.")

    @Argument(help: "Catalog name or hf:OWNER/REPO[:FILE].")
    var name: String

    func run() throws {
        try reportingErrors {
            for url in try ModelStore.standard.remove(name) { print("removed \(url.path)") }
        }
    }
}
