import Foundation
import Hummingbird
import RealizarCore
import RealizarEngine
import RealizarTemplates
import RealizarTokenizers

/// The generation path the chat dialects share (OpenAI's chat completions and Responses,
/// Anthropic's Messages): a conversation in the template's message shape and the request's
/// tools become prompt tokens and jobs, and each choice's output is read back into text and
/// calls by a ``ChatOutputReader``. The dialects only decode their requests into this and encode
/// what it reads.
struct ChatGeneration: Sendable {
    let host: ModelHost
    let template: ChatPrompt
    let tools: ToolRequest?
    /// The syntax the model writes calls in, from its template.
    let format: ToolCallFormat
    let prompt: [Int]

    /// Renders `messages` (role, content, tool_calls with argument objects, tool_call_id, name)
    /// with `tools`; templates that cannot show tools get them in a system message, and earlier
    /// calls as text. `messagesField` names the request field a failed render is blamed on.
    /// `continuing` is text the answer must start with (Anthropic's prefilled assistant turn): its
    /// tokens follow the generation prompt.
    init(host: ModelHost, messages: [JinjaValue], tools: ToolRequest?, messagesField: String, continuing: String = "") throws(APIError) {
        guard let template = host.chat else {
            throw APIError.invalid("the model '\(host.name)' has no chat template; use /v1/completions", param: "model")
        }
        self.host = host
        self.template = template
        self.tools = tools
        format = template.toolCallFormat
        var messages = messages
        if let tools, let shown = tools.shownTools { messages = template.adapting(messages, tools: shown, format: format) }
        do {
            var tokens = try template.tokens(messages, tools: tools?.shownTools, model: host.model)
            if !continuing.isEmpty { tokens += host.model.tokenizer.encode(continuing, addSpecial: false, parseSpecial: false) }
            prompt = tokens
        } catch {
            throw APIError.invalid("the chat template failed on these messages: \(error)", param: messagesField)
        }
    }

    /// The request's own output constraint, or the grammar of a forced call (`tool_choice`
    /// required or naming a function); a request cannot have both. `conflict` names the
    /// request's constraint fields for the message.
    func constraint(_ requested: OutputConstraint?, toolChoiceField: String, conflict: String) throws(APIError) -> OutputConstraint? {
        guard let forced = try tools?.constraint(format: format) else { return requested }
        guard requested == nil else {
            throw APIError.invalid("'\(toolChoiceField)' \(tools?.choice == .required ? "required" : "naming a function") cannot be combined with \(conflict)",
                                   param: toolChoiceField)
        }
        return forced
    }

    /// `n` jobs of the prompt. When calls are read from the output and the format's markers
    /// are control tokens, the text keeps them so the parser sees the calls.
    func jobs(n: Int = 1, maxTokens: Int, sampling: SamplingParameters, stop: [String], topLogprobs: Int? = nil,
              constraint: OutputConstraint?) -> [SequenceJob] {
        var jobs = OpenAIRequestFields.jobs(prompts: [prompt], n: n, maxTokens: maxTokens, sampling: sampling, stop: stop,
                                            topLogprobs: topLogprobs, constraint: constraint, context: host.context)
        if tools?.parsesCalls == true, format.markersAreControlTokens {
            for index in jobs.indices { jobs[index].rendersControlTokens = true }
        }
        return jobs
    }

    /// A reader for one choice's output; call ids start with `idPrefix`.
    func reader(idPrefix: String = "call_") -> ChatOutputReader {
        ChatOutputReader(parser: tools?.parsesCalls == true ? tools?.parser(format: format, idPrefix: idPrefix) : nil,
                         maxCalls: tools?.parallel == false ? 1 : Int.max)
    }
}

/// One choice's output as text and calls. Without tools (or under `tool_choice: none`) all of it
/// is text; with them, a ``ToolCallParser`` of the model's format splits out the calls. Calls
/// past the first are dropped when parallel calls are not allowed.
struct ChatOutputReader: Sendable {
    private var parser: ToolCallParser?
    private let maxCalls: Int

    init(parser: ToolCallParser?, maxCalls: Int) {
        self.parser = parser
        self.maxCalls = maxCalls
    }

    var readsCalls: Bool { parser != nil }

    /// The calls so far; all of them after ``finish()``.
    var calls: [ToolCall] { Array((parser?.calls ?? []).prefix(maxCalls)) }

    /// What the next text of the output makes final: never an empty text.
    mutating func feed(_ text: String) -> [ToolCallEvent] {
        guard parser != nil else { return text.isEmpty ? [] : [.content(text)] }
        return kept(parser!.feed(text))
    }

    /// What the parser held back, at the end of the output.
    mutating func finish() -> [ToolCallEvent] {
        guard parser != nil else { return [] }
        return kept(parser!.finish())
    }

    /// A whole output at once: its text, reasoning and calls.
    mutating func read(_ output: String) -> (content: String, reasoning: String, calls: [ToolCall]) {
        var content = "", reasoning = ""
        for event in feed(output) + finish() {
            if case .content(let text) = event { content += text }
            if case .reasoning(let text) = event { reasoning += text }
        }
        return (content, reasoning, calls)
    }

    private func kept(_ events: [ToolCallEvent]) -> [ToolCallEvent] {
        events.filter { event in
            switch event {
            case .content(let text), .reasoning(let text): !text.isEmpty
            case .toolCall(let delta): delta.index < maxCalls
            }
        }
    }
}

/// One sequence's output collected for a non-streamed answer: its text, its tokens (to tell
/// which stop string ended it) and its summary.
struct CollectedOutput: Sendable {
    var text = ""
    var tokens: [Int] = []
    var summary: SequenceSummary?

    /// Collects the only sequence of `generation`.
    static func collect(_ generation: Generation) async -> CollectedOutput {
        var output = CollectedOutput()
        for await (_, event) in generation.events {
            output.add(event)
        }
        if Task.isCancelled { generation.cancel() }
        return output
    }

    mutating func add(_ event: SequenceEvent) {
        switch event {
        case .step(let step):
            text += step.text
            if let token = step.token { tokens.append(token) }
        case .finished(let summary):
            self.summary = summary
        }
    }

    /// The stop string that ended the output, when one did: the stop matcher cuts the text
    /// where the first of them begins, so it is the one found earliest in the tokens' text.
    func matchedStop(_ stops: [String], tokenizer: any Tokenizer) -> String? {
        guard summary?.finishReason == .stopSequence, !stops.isEmpty else { return nil }
        let whole = tokenizer.decode(tokens)
        return stops.compactMap { stop in whole.range(of: stop).map { (stop, $0.lowerBound) } }
            .min { $0.1 < $1.1 }?.0 ?? (stops.count == 1 ? stops[0] : nil)
    }
}

extension StreamingBody {
    /// A server-sent event with a name (`event: TYPE`), as the Responses and Messages streams send them.
    static func sse<T: Encodable>(event: String, _ value: T) throws -> ByteBuffer {
        var buffer = ByteBuffer(string: "event: \(event)\ndata: ")
        buffer.writeBytes(try JSONBody.encoder.encode(value))
        buffer.writeString("\n\n")
        return buffer
    }
}
