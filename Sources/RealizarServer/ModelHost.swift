import Foundation
import RealizarCore
import RealizarEngine
import RealizarTemplates

/// One served model: the loaded weights, its scheduler, and its chat template.
public final class ModelHost: Sendable {
    /// The name requests use (`model`): the catalog name or reference given on the command line,
    /// or a file's name without its extension.
    public let name: String
    public let path: String
    public let model: LoadedModel
    public let scheduler: Scheduler
    /// Nil when no template could be made; chat routes then answer 400.
    public let chat: ChatPrompt?
    public let loadedAt: Date
    public let loadSeconds: Double
    public let fileSize: Int

    /// Loads the model at `path` onto the first of `backends` that computes all of it.
    public init(name: String, path: String, backends: [any Backend], context: Int?, slots: Int, queueLimit: Int) throws {
        let start = Date()
        self.name = name
        self.path = path
        model = try LoadedModel(path: path, preferring: backends)
        let context = min(context ?? model.defaultContext, model.decoder.architecture.contextLength)
        scheduler = try Scheduler(model: model, configuration: .init(slots: slots, context: context, queueLimit: queueLimit))
        chat = try? ChatPrompt(model: model)
        loadedAt = Date()
        loadSeconds = Date().timeIntervalSince(start)
        fileSize = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    }

    public var context: Int { scheduler.configuration.context }
}

/// The models a server answers for, found by name.
public struct ModelCatalog: Sendable {
    public let hosts: [ModelHost]

    public init(hosts: [ModelHost]) {
        precondition(!hosts.isEmpty, "a server needs at least one model")
        self.hosts = hosts
    }

    /// The model called `name`; Ollama clients may add `:latest`. No name: the first model.
    func host(_ name: String?) throws(APIError) -> ModelHost {
        guard let name, !name.isEmpty else { return hosts[0] }
        if let host = hosts.first(where: { $0.name == name }) { return host }
        if name.hasSuffix(":latest"), let host = hosts.first(where: { $0.name == String(name.dropLast(7)) }) { return host }
        throw APIError.modelNotFound(name, available: hosts.map(\.name))
    }
}
