/// One pass over a model's output so far, split into content, reasoning and calls. The
/// streaming ``ToolCallParser`` runs it on the whole text after every delta and sends only what
/// grew, so a pass must never show what a longer text could take back: with `final` false it
/// stops (`halted`) where the text could still turn out otherwise, such as a possible marker
/// prefix, a call whose name has not ended, or JSON that may or may not be a call.
struct ToolCallScanner {
    /// A call as far as the text goes.
    struct PartialCall: Equatable {
        /// Known once it has ended; a call shows only from then on.
        var name: String?
        /// Arguments text so far; later passes only extend it.
        var arguments: [UInt8] = []
    }

    enum Item: Equatable {
        case content(ArraySlice<UInt8>)
        case reasoning(ArraySlice<UInt8>)
        case call(PartialCall)
    }

    let text: [UInt8]
    let final: Bool
    /// Names the bare-JSON formats accept as calls (any when nil), so that a JSON answer with a
    /// "name" key is not taken for a call.
    let toolNames: Set<String>?
    var position = 0
    var items: [Item] = []
    /// The rest of the text cannot be read yet.
    var halted = false

    init(text: [UInt8], final: Bool, toolNames: Set<String>?) {
        self.text = text
        self.final = final
        self.toolNames = toolNames
    }

    var atEnd: Bool { halted || position >= text.count }

    mutating func halt() { halted = true }

    // MARK: Markers

    enum Match { case full, partial, none }

    /// Whether `marker` is at `index`, or the text ends inside it.
    func match(_ marker: [UInt8], at index: Int) -> Match {
        var i = 0
        while i < marker.count {
            if index + i >= text.count { return i == 0 && index >= text.count ? .none : .partial }
            if text[index + i] != marker[i] { return .none }
            i += 1
        }
        return .full
    }

    func starts(with marker: [UInt8], at index: Int) -> Bool { match(marker, at: index) == .full }

    /// The first of `markers` from `start` (which one, and where), or where the text ends inside
    /// one of them, whichever comes first.
    func find(_ markers: [[UInt8]], from start: Int) -> (marker: Int?, at: Int)? {
        var i = start
        while i < text.count {
            var partial = false
            for (index, marker) in markers.enumerated() {
                switch match(marker, at: i) {
                case .full: return (index, i)
                case .partial: partial = true
                case .none: break
                }
            }
            if partial { return (nil, i) }
            i += 1
        }
        return nil
    }

    /// Text from `position` to the first of `markers` as content (or reasoning). Returns the
    /// marker's index with `position` past it (or at it, without `consume`); nil when the text
    /// ends first: all of it is then emitted when final, else all but a possible marker prefix,
    /// and the pass halts. A stretch of only whitespace (between calls, mostly) is dropped.
    mutating func content(until markers: [[UInt8]], reasoning: Bool = false, consume: Bool = true) -> Int? {
        let found = find(markers, from: position)
        let end: Int
        if let found, let marker = found.marker {
            end = found.at
            emitText(position..<end, reasoning: reasoning)
            position = consume ? end + markers[marker].count : end
            return marker
        }
        if let found, final == false {
            end = found.at
        } else {
            end = text.count
        }
        if final || text[position..<end].contains(where: { !JSONPrefix.isSpace($0) }) {
            emitText(position..<end, reasoning: reasoning)
        }
        position = end
        if !final { halt() } else { position = text.count }
        return nil
    }

    mutating func emitText(_ range: Range<Int>, reasoning: Bool = false) {
        guard text[range].contains(where: { !JSONPrefix.isSpace($0) }) else { return }
        items.append(reasoning ? .reasoning(text[range]) : .content(text[range]))
    }

    // MARK: Calls

    /// The text of `range` trimmed of whitespace.
    func trimmed(_ range: Range<Int>) -> String {
        var lower = range.lowerBound, upper = range.upperBound
        while lower < upper, JSONPrefix.isSpace(text[lower]) { lower += 1 }
        while upper > lower, JSONPrefix.isSpace(text[upper - 1]) { upper -= 1 }
        return String(decoding: text[lower..<upper], as: UTF8.self)
    }

    /// A JSON value written as arguments at `start` (after whitespace): its text so far and
    /// where it ends. Text that is not JSON ends the arguments where it starts; empty arguments
    /// that have ended are `{}`.
    func rawArguments(at start: Int) -> (arguments: [UInt8], end: Int?) {
        let p = JSONPrefix.skipSpace(text, from: start)
        guard p < text.count else { return ([], final ? text.count : nil) }
        switch JSONPrefix.valueEnd(text, from: p) {
        case .complete(let end): return (Array(text[p..<end]), end)
        case .incomplete: return (Array(text[p...]), final ? text.count : nil)
        case .invalid(let at): return (at == p ? Array("{}".utf8) : Array(text[p..<at]), at)
        }
    }

    /// A call object at `start` (its `{`): `{"name": ..., "arguments" | "parameters": ...}`, or
    /// OpenAI's `{"type": "function", "function": {...}}`. Arguments written as a JSON string
    /// are its value, whole once the string has ended.
    func callObject(at start: Int) -> (call: PartialCall, end: JSONPrefix.End) {
        let (members, end) = JSONPrefix.members(text, from: start)
        var call = PartialCall()
        var sawArguments = false
        for member in members {
            switch member.key {
            case "name" where call.name == nil:
                if case .complete(let after) = member.valueEnd {
                    call.name = JSONPrefix.decodeString(text[member.valueStart..<after])
                }
            case "function" where call.name == nil && member.valueStart < text.count && text[member.valueStart] == UInt8(ascii: "{"):
                let inner = callObject(at: member.valueStart)
                call = inner.call
                sawArguments = !inner.call.arguments.isEmpty
            case "arguments" where !sawArguments, "parameters" where !sawArguments:
                sawArguments = true
                let valueEnd: Int
                switch member.valueEnd {
                case .complete(let after): valueEnd = after
                case .incomplete: valueEnd = text.count
                case .invalid(let at): valueEnd = at
                }
                if member.valueStart < text.count, text[member.valueStart] == UInt8(ascii: "\"") {
                    if case .complete = member.valueEnd {
                        call.arguments = Array((JSONPrefix.decodeString(text[member.valueStart..<valueEnd]) ?? "{}").utf8)
                    }
                } else {
                    call.arguments = Array(text[member.valueStart..<valueEnd])
                }
            default: break
            }
        }
        if case .complete = end, call.arguments.isEmpty { call.arguments = Array("{}".utf8) }
        return (call, end)
    }

    /// Whether a bare JSON object's name makes it a call.
    func accepts(_ name: String?) -> Bool {
        guard let name else { return false }
        return toolNames?.contains(name) ?? true
    }

    /// A JSON array of call objects at `start` (its `[`), as Mistral and Granite write them.
    /// Returns false when it turned out not to be one (nothing was added).
    mutating func callArray(at start: Int) -> Bool {
        var i = JSONPrefix.skipSpace(text, from: start + 1)
        var calls: [PartialCall] = []
        func flush(_ halting: Bool) -> Bool {
            items += calls.map { .call($0) }
            if halting { halt() }
            return true
        }
        while true {
            guard i < text.count else {
                if final { position = text.count; return calls.isEmpty ? false : flush(false) }
                return flush(true)
            }
            if text[i] == UInt8(ascii: "]") { position = i + 1; return flush(false) }
            guard text[i] == UInt8(ascii: "{") else { position = i; return calls.isEmpty ? false : flush(false) }
            let (call, end) = callObject(at: i)
            switch end {
            case .complete(let after):
                guard call.name != nil else {
                    position = i
                    return calls.isEmpty ? false : flush(false)
                }
                calls.append(call)
                i = JSONPrefix.skipSpace(text, from: after)
                if i < text.count, text[i] == UInt8(ascii: ",") { i = JSONPrefix.skipSpace(text, from: i + 1) }
            case .incomplete:
                if call.name != nil { calls.append(call) }
                if final { position = text.count; return calls.isEmpty ? false : flush(false) }
                return flush(true)
            case .invalid(let at):
                if call.name != nil { calls.append(call) }
                position = at
                return calls.isEmpty ? false : flush(false)
            }
        }
    }

    /// A call object at `start` as one call. Returns false when it is not one (a JSON answer,
    /// or not JSON at all), with nothing added; halts while that cannot be told yet.
    mutating func singleCall(at start: Int, bare: Bool) -> Bool {
        let (call, end) = callObject(at: start)
        let isCall = bare ? accepts(call.name) : call.name != nil
        switch end {
        case .complete(let after):
            guard isCall else { return false }
            items.append(.call(call))
            position = after
        case .incomplete:
            if final {
                guard isCall else { return false }
                items.append(.call(call))
                position = text.count
            } else {
                if isCall { items.append(.call(call)) } else if call.name != nil && bare { return false }
                halt()
            }
        case .invalid(let at):
            guard isCall else { return false }
            items.append(.call(call))
            position = at
        }
        return true
    }

    /// Moves past `marker`, dropping what comes before it; halts (or, final, ends) without one.
    mutating func skip(past marker: [UInt8]) {
        guard let found = find([marker], from: position) else {
            position = text.count
            if !final { halt() }
            return
        }
        if found.marker == nil {
            if final { position = text.count } else { halt() }
            return
        }
        position = found.at + marker.count
    }
}
