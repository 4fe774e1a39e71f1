import ArgumentParser
import Foundation
import RealizarCore

/// Shows pull progress on standard error: a redrawn bar on a terminal, a line per phase otherwise.
final class ProgressDisplay: @unchecked Sendable {
    private let lock = NSLock()
    private let isTerminal = isatty(STDERR_FILENO) != 0
    private var lastDraw = Date.distantPast
    private var phase = ""

    func handle(_ event: PullEvent) {
        lock.lock()
        defer { lock.unlock() }
        switch event {
        case .phase(let text):
            if isTerminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            phase = text
            FileHandle.standardError.write(Data("\(text)\n".utf8))
        case .bytes(let done, let total):
            guard isTerminal, Date().timeIntervalSince(lastDraw) > 0.1 || done == total else { return }
            lastDraw = Date()
            var line = "  \(ByteCount.format(done))"
            if let total, total > 0 {
                let fraction = min(Double(done) / Double(total), 1)
                let width = 30
                let filled = Int(fraction * Double(width))
                line = "  [" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
                    + "] \(Int(fraction * 100))% \(ByteCount.format(done)) / \(ByteCount.format(total))"
            }
            FileHandle.standardError.write(Data("\r\u{1B}[K\(line)".utf8))
            if done == total { FileHandle.standardError.write(Data("\n".utf8)) }
        }
    }

    var callback: PullProgress { { [self] event in handle(event) } }
}

/// Resolves a model argument (path, catalog name or hf: reference), pulling with a progress
/// display when needed.
func resolveModel(_ nameOrPath: String) throws -> String {
    try ModelStore.standard.resolve(nameOrPath, progress: ProgressDisplay().callback).path
}

/// Runs a command body, turning any error into one clear line on standard error and exit status 1.
func reportingErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let exit as ExitCode {
        throw exit
    } catch let validation as ValidationError {
        throw validation
    } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        // ExitCode ends the program quietly: the error is already reported.
        throw ExitCode.failure
    }
}
