import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A small blocking HTTP client for model downloads: JSON look-ups, and streamed downloads to a
/// file that resume with a `Range` request.
enum HTTPClient {
    struct Response {
        let status: Int
        let body: Data
    }

    /// GETs a small resource into memory (at most `limit` bytes).
    static func get(_ url: URL, headers: [String: String], limit: Int = 64 << 20) throws -> Response {
        let sink = MemorySink(limit: limit)
        let status = try perform(url, headers: headers, sink: sink)
        return Response(status: status, body: sink.data)
    }

    /// Downloads `url` into `file`, continuing after the bytes already there when the server
    /// honours the range. Returns the final HTTP status (200 or 206 on success).
    static func download(_ url: URL, headers: [String: String], to file: URL, progress: @escaping PullProgress) throws -> Int {
        let fm = FileManager.default
        if !fm.fileExists(atPath: file.path) { _ = fm.createFile(atPath: file.path, contents: nil) }
        let handle = try FileHandle(forWritingTo: file)
        defer { try? handle.close() }
        let existing = Int(try handle.seekToEnd())
        var headers = headers
        if existing > 0 { headers["Range"] = "bytes=\(existing)-" }
        let sink = FileSink(handle: handle, alreadyPresent: existing, progress: progress)
        let status = try perform(url, headers: headers, sink: sink)
        try handle.synchronize()
        return status
    }

    private static func perform(_ url: URL, headers: [String: String], sink: Sink) throws -> Int {
        var request = URLRequest(url: url)
        request.timeoutInterval = 60
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let delegate = TaskDelegate(sink: sink)
        let session = URLSession(configuration: .ephemeral, delegate: delegate, delegateQueue: nil)
        defer { session.finishTasksAndInvalidate() }
        session.dataTask(with: request).resume()
        delegate.finished.wait()
        if let error = delegate.failure { throw ModelStoreError.transportFailed("\(url.absoluteString): \(error)") }
        return delegate.status
    }

    class Sink: @unchecked Sendable {
        /// Called once per response with its status and `Content-Length`/`Content-Range` total.
        func begin(status: Int, response: HTTPURLResponse) throws {}
        func write(_ data: Data) throws {}
    }

    final class MemorySink: Sink, @unchecked Sendable {
        let limit: Int
        var data = Data()
        init(limit: Int) { self.limit = limit }
        override func write(_ chunk: Data) throws {
            guard data.count + chunk.count <= limit else {
                throw ModelStoreError.transportFailed("response larger than \(limit) bytes")
            }
            data.append(chunk)
        }
    }

    final class FileSink: Sink, @unchecked Sendable {
        let handle: FileHandle
        let alreadyPresent: Int
        let progress: PullProgress
        var written = 0
        var total: Int?
        var writing = false

        init(handle: FileHandle, alreadyPresent: Int, progress: @escaping PullProgress) {
            self.handle = handle
            self.alreadyPresent = alreadyPresent
            self.progress = progress
        }

        override func begin(status: Int, response: HTTPURLResponse) throws {
            let length = response.value(forHTTPHeaderField: "Content-Length").flatMap { Int($0) }
            switch status {
            case 206:
                writing = true
                written = alreadyPresent
                total = length.map { $0 + alreadyPresent }
            case 200:
                // The server ignored the range: start the file again.
                try handle.truncate(atOffset: 0)
                writing = true
                written = 0
                total = length
            default:
                writing = false
            }
        }

        override func write(_ data: Data) throws {
            guard writing else { return }
            try handle.write(contentsOf: data)
            written += data.count
            progress(.bytes(done: written, total: total))
        }
    }

    private final class TaskDelegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
        let sink: Sink
        let finished = DispatchSemaphore(value: 0)
        var status = 0
        var failure: Error?

        init(sink: Sink) { self.sink = sink }

        func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
            guard let http = response as? HTTPURLResponse else {
                failure = ModelStoreError.transportFailed("not an HTTP response")
                completionHandler(.cancel)
                return
            }
            status = http.statusCode
            do {
                try sink.begin(status: status, response: http)
                completionHandler(.allow)
            } catch {
                failure = error
                completionHandler(.cancel)
            }
        }

        func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
            guard failure == nil else { return }
            do { try sink.write(data) } catch {
                failure = error
                dataTask.cancel()
            }
        }

        func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
            if failure == nil, let error { failure = error }
            finished.signal()
        }
    }
}
