/// Reads tool calls out of a model's output as it streams, in one ``ToolCallFormat``.
///
/// Fed the output's text deltas, it returns content deltas (text outside calls) and call deltas
/// (id and name once, then fragments of the arguments). It never returns text that more output
/// could show to be part of a call: a possible marker prefix, or JSON that may yet be a call,
/// waits. The argument fragments of a call concatenate to exactly its final `arguments`, and the
/// result after ``finish()`` does not depend on how the output was split into deltas.
public struct ToolCallParser: Sendable {
    public let format: ToolCallFormat
    /// Names of the request's tools: a bare JSON object is a call only when it names one.
    public let toolNames: Set<String>?
    private let makeID: @Sendable (Int) -> String
    private var text: [UInt8] = []
    private var sentContent = 0
    private var sentReasoning = 0
    private var sentArguments: [Int] = []
    private var ids: [String] = []
    private var names: [String] = []
    private var arguments: [[UInt8]] = []
    private var finished = false

    /// - Parameter makeID: the id of the call at an index (OpenAI's `call_...`; Mistral's
    ///   templates want nine alphanumerics).
    public init(format: ToolCallFormat, toolNames: Set<String>? = nil,
                makeID: @escaping @Sendable (Int) -> String = { "call_\($0)" }) {
        self.format = format
        self.toolNames = toolNames
        self.makeID = makeID
    }

    /// The calls so far; all of them once ``finish()`` has run.
    public var calls: [ToolCall] {
        names.indices.map { ToolCall(id: ids[$0], name: names[$0], arguments: String(decoding: arguments[$0], as: UTF8.self)) }
    }

    /// What `delta` (the next text of the output) makes final.
    public mutating func feed(_ delta: String) -> [ToolCallEvent] {
        precondition(!finished, "the parser has finished")
        guard !delta.isEmpty else { return [] }
        text.append(contentsOf: delta.utf8)
        return advance(final: false)
    }

    /// The rest, at the end of the output.
    public mutating func finish() -> [ToolCallEvent] {
        guard !finished else { return [] }
        finished = true
        return advance(final: true)
    }

    /// The whole output at once: its content, reasoning and calls.
    public static func parse(_ output: String, format: ToolCallFormat, toolNames: Set<String>? = nil,
                             makeID: @escaping @Sendable (Int) -> String = { "call_\($0)" }) -> (content: String, reasoning: String, calls: [ToolCall]) {
        var parser = ToolCallParser(format: format, toolNames: toolNames, makeID: makeID)
        var content = "", reasoning = ""
        for event in parser.feed(output) + parser.finish() {
            switch event {
            case .content(let text): content += text
            case .reasoning(let text): reasoning += text
            case .toolCall: break
            }
        }
        return (content, reasoning, parser.calls)
    }

    private mutating func advance(final: Bool) -> [ToolCallEvent] {
        var scanner = ToolCallScanner(text: text, final: final, toolNames: toolNames)
        scanner.scan(format)
        var events: [ToolCallEvent] = []
        var contentOffset = 0, reasoningOffset = 0, callIndex = 0
        for item in scanner.items {
            switch item {
            case .content(let bytes):
                if contentOffset + bytes.count > sentContent {
                    let new = bytes.dropFirst(max(0, sentContent - contentOffset))
                    events.append(.content(String(decoding: new, as: UTF8.self)))
                    sentContent = contentOffset + bytes.count
                }
                contentOffset += bytes.count
            case .reasoning(let bytes):
                if reasoningOffset + bytes.count > sentReasoning {
                    let new = bytes.dropFirst(max(0, sentReasoning - reasoningOffset))
                    events.append(.reasoning(String(decoding: new, as: UTF8.self)))
                    sentReasoning = reasoningOffset + bytes.count
                }
                reasoningOffset += bytes.count
            case .call(let call):
                defer { callIndex += 1 }
                guard let name = call.name else { continue }
                if callIndex == names.count {
                    ids.append(makeID(callIndex))
                    names.append(name)
                    arguments.append(call.arguments)
                    sentArguments.append(call.arguments.count)
                    events.append(.toolCall(ToolCallDelta(index: callIndex, id: ids[callIndex], name: name,
                                                          arguments: String(decoding: call.arguments, as: UTF8.self))))
                } else if callIndex < names.count, call.arguments.count > sentArguments[callIndex] {
                    let new = call.arguments[sentArguments[callIndex]...]
                    events.append(.toolCall(ToolCallDelta(index: callIndex, arguments: String(decoding: new, as: UTF8.self))))
                    arguments[callIndex] = call.arguments
                    sentArguments[callIndex] = call.arguments.count
                }
            }
        }
        return events
    }
}
