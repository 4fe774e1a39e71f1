import Foundation
import RealizarCore
import RealizarTokenizers

/// What to generate.
public struct GenerationRequest: Sendable {
    public var prompt: [Int]
    public var maxTokens: Int
    public var sampling: SamplingParameters
    public var stop: [String]
    /// Context size of the sequence (prompt plus generated tokens).
    public var context: Int

    public init(prompt: [Int], maxTokens: Int, sampling: SamplingParameters = SamplingParameters(), stop: [String] = [], context: Int) {
        self.prompt = prompt
        self.maxTokens = maxTokens
        self.sampling = sampling
        self.stop = stop
        self.context = context
    }
}

/// What came out, and why it ended.
public struct GenerationResult: Sendable {
    public enum FinishReason: String, Sendable, Codable {
        /// The model produced an end-of-generation token.
        case endOfGeneration = "stop"
        /// A stop string matched.
        case stopSequence = "stop_sequence"
        /// `maxTokens` or the context was reached.
        case length
        /// The caller asked to stop.
        case cancelled
    }

    public var tokens: [Int]
    public var text: String
    public var finishReason: FinishReason
    public var promptSeconds: Double
    public var generationSeconds: Double
}

/// One request generated on the caller's thread, through the same ``Scheduler`` the server runs
/// (one slot): the CLI's `run` and `chat` step through exactly the server's per-sequence code.
public struct Generator {
    public let model: LoadedModel
    /// Prompt tokens per forward pass.
    public var batchSize = 512

    public init(model: LoadedModel) {
        self.model = model
    }

    /// Runs `request`; `onText` receives each piece of final text as it becomes final and may
    /// return false to stop.
    public func generate(_ request: GenerationRequest, onText: (String) -> Bool = { _ in true }) throws -> GenerationResult {
        try model.validate(prompt: request.prompt, context: request.context)
        let scheduler = try Scheduler(model: model, configuration: .init(slots: 1, context: request.context, queueLimit: 1,
                                                                        prefillChunk: batchSize))
        defer { scheduler.shutdown() }
        let events = EventQueue()
        let handle: SequenceHandle
        do {
            handle = try scheduler.submit([SequenceJob(request: request)]) { _, event in events.push(event) }[0]
        } catch {
            throw ModelError("\(error)")
        }
        var tokens: [Int] = []
        var text = ""
        while true {
            switch events.pop() {
            case .step(let step):
                if let token = step.token { tokens.append(token) }
                if !step.text.isEmpty {
                    text += step.text
                    if !onText(step.text) && step.finishReason == nil { handle.cancel() }
                }
            case .finished(let summary):
                if let error = summary.error { throw ModelError(error) }
                return GenerationResult(tokens: tokens, text: text, finishReason: summary.finishReason,
                                        promptSeconds: summary.promptSeconds, generationSeconds: summary.generationSeconds)
            }
        }
    }
}

/// Hands the scheduler thread's events to the caller's thread, in order.
private final class EventQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var events: [SequenceEvent] = []

    func push(_ event: SequenceEvent) {
        condition.lock()
        events.append(event)
        condition.signal()
        condition.unlock()
    }

    func pop() -> SequenceEvent {
        condition.lock()
        defer { condition.unlock() }
        while events.isEmpty { condition.wait() }
        return events.removeFirst()
    }
}
