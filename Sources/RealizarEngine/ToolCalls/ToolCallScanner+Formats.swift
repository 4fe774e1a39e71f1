// Each format's reading of an output, written from the family's chat template and documentation.
// A pass reads from `position` and stops at the end of the text or where it halts.

extension ToolCallScanner {
    mutating func scan(_ format: ToolCallFormat) {
        switch format {
        case .hermes: scanHermes()
        case .llama3: scanLlama3()
        case .mistral: scanMistral()
        case .deepseek: scanDeepSeek()
        case .granite: scanGranite()
        case .functionaryV31: scanFunctionaryV31()
        case .functionaryV32: scanFunctionaryV32()
        case .harmony: scanHarmony()
        case .generic: scanGeneric()
        }
    }

    // MARK: Hermes, Qwen

    static let toolCallOpen = Array("<tool_call>".utf8)
    static let toolCallClose = Array("</tool_call>".utf8)

    /// `<tool_call>{json}</tool_call>` blocks among text. A block that is not a call object is text.
    mutating func scanHermes() {
        while !atEnd {
            guard content(until: [Self.toolCallOpen]) != nil else { return }
            hermesBlock(markerStart: position - Self.toolCallOpen.count)
        }
    }

    mutating func hermesBlock(markerStart: Int) {
        let p = JSONPrefix.skipSpace(text, from: position)
        if p >= text.count {
            if final { emitText(markerStart..<text.count); position = text.count } else { halt() }
            return
        }
        if text[p] == UInt8(ascii: "{"), singleCall(at: p, bare: false) {
            guard !halted else { return }
            skip(past: Self.toolCallClose)
            return
        }
        guard !halted else { return }
        // Not a call: the whole block is text, once it has ended.
        position = markerStart
        guard let found = find([Self.toolCallClose], from: markerStart + Self.toolCallOpen.count), found.marker != nil else {
            if final { emitText(markerStart..<text.count); position = text.count } else { halt() }
            return
        }
        let end = found.at + Self.toolCallClose.count
        emitText(markerStart..<end)
        position = end
    }

    // MARK: Llama 3.x

    static let pythonTag = Array("<|python_tag|>".utf8)

    /// A bare JSON call at the start (and after each call, separated by whitespace or `;`), or a
    /// call after `<|python_tag|>` anywhere; the rest is text.
    mutating func scanLlama3() {
        while !atEnd {
            var p = position
            while p < text.count, JSONPrefix.isSpace(text[p]) || text[p] == UInt8(ascii: ";") { p += 1 }
            if p >= text.count {
                if final { position = text.count } else { halt() }
                return
            }
            if text[p] == UInt8(ascii: "{") {
                let saved = items.count
                if singleCall(at: p, bare: true) { continue }
                items.removeSubrange(saved...)
                if halted { return }
            } else if match(Self.pythonTag, at: p) != .none {
                guard match(Self.pythonTag, at: p) == .full else {
                    if final { emitText(position..<text.count); position = text.count } else { halt() }
                    return
                }
                position = p + Self.pythonTag.count
                pythonTagCall()
                continue
            }
            // Text from here on, with python-tag calls inside it.
            while !atEnd {
                guard content(until: [Self.pythonTag]) != nil else { return }
                pythonTagCall()
            }
        }
    }

    /// After `<|python_tag|>`: a JSON call, a built-in tool's `name.call(key="value", ...)`, or
    /// code for the `python` tool. Such a call runs to the end of the output (`<|eom_id|>`).
    mutating func pythonTagCall() {
        let p = JSONPrefix.skipSpace(text, from: position)
        if p < text.count, text[p] == UInt8(ascii: "{"), singleCall(at: p, bare: false) { return }
        guard final else { return halt() }
        let body = trimmed(p..<text.count)
        position = text.count
        if let builtin = PythonCall(body) {
            items.append(.call(PartialCall(name: builtin.name, arguments: Array(builtin.argumentsJSON.utf8))))
        } else if !body.isEmpty {
            items.append(.call(PartialCall(name: "python", arguments: Array("{\"code\": \(OrderedJSON.quote(body))}".utf8))))
        }
    }

    // MARK: Mistral

    static let mistralCalls = Array("[TOOL_CALLS]".utf8)
    static let mistralArgs = Array("[ARGS]".utf8)
    static let mistralCallID = Array("[CALL_ID]".utf8)

    /// `[TOOL_CALLS]` then a JSON array of calls (tokenizers up to v7), or `name[ARGS]{...}` (v11
    /// and later), possibly `name[CALL_ID]id[ARGS]{...}`, each call after its own marker.
    mutating func scanMistral() {
        while !atEnd {
            guard content(until: [Self.mistralCalls]) != nil else { return }
            let markerStart = position - Self.mistralCalls.count
            let p = JSONPrefix.skipSpace(text, from: position)
            guard p < text.count else {
                if final { position = text.count } else { halt() }
                return
            }
            if text[p] == UInt8(ascii: "[") {
                if !callArray(at: p) { textFrom(markerStart) }
                continue
            }
            if text[p] == UInt8(ascii: "{") {
                if !singleCall(at: p, bare: false) { textFrom(markerStart) }
                continue
            }
            guard let found = find([Self.mistralArgs, Self.mistralCallID], from: p), let marker = found.marker else {
                if final { textFrom(markerStart) } else { halt() }
                return
            }
            let name = trimmed(p..<found.at)
            position = found.at + (marker == 0 ? Self.mistralArgs.count : Self.mistralCallID.count)
            if marker == 1 {
                skip(past: Self.mistralArgs)
                if halted { return }
            }
            let (arguments, end) = rawArguments(at: position)
            items.append(.call(PartialCall(name: name, arguments: arguments)))
            guard let end else { return halt() }
            position = end
        }
    }

    /// Text from `start` to the end, for markers not followed by a call after all.
    mutating func textFrom(_ start: Int) {
        if final {
            emitText(start..<text.count)
            position = text.count
        } else {
            position = start
            halt()
        }
    }

    // MARK: DeepSeek

    static let deepSeekCallsBegin = Array("<｜tool▁calls▁begin｜>".utf8)
    static let deepSeekCallsEnd = Array("<｜tool▁calls▁end｜>".utf8)
    static let deepSeekCallBegin = Array("<｜tool▁call▁begin｜>".utf8)
    static let deepSeekCallEnd = Array("<｜tool▁call▁end｜>".utf8)
    static let deepSeekSeparator = Array("<｜tool▁sep｜>".utf8)

    /// V3/R1: `<｜tool▁call▁begin｜>function<｜tool▁sep｜>name\n```json\n{...}\n```<｜tool▁call▁end｜>`;
    /// V3.1: `<｜tool▁call▁begin｜>name<｜tool▁sep｜>{...}<｜tool▁call▁end｜>`; the calls inside
    /// `<｜tool▁calls▁begin｜>` ... `<｜tool▁calls▁end｜>`.
    mutating func scanDeepSeek() {
        while !atEnd {
            guard let marker = content(until: [Self.deepSeekCallsBegin, Self.deepSeekCallsEnd, Self.deepSeekCallBegin]) else { return }
            guard marker == 2 else { continue }
            guard let separator = find([Self.deepSeekSeparator], from: position), separator.marker != nil else {
                if final { position = text.count } else { halt() }
                return
            }
            let head = trimmed(position..<separator.at)
            let afterSeparator = separator.at + Self.deepSeekSeparator.count
            let p = JSONPrefix.skipSpace(text, from: afterSeparator)
            guard p < text.count else {
                if final { items.append(.call(PartialCall(name: head, arguments: Array("{}".utf8)))); position = text.count } else { halt() }
                return
            }
            var argumentsStart = p
            var name = head
            if text[p] != UInt8(ascii: "{") {
                // V3: the name on the separator's line, then a fenced JSON block.
                guard let newline = text[afterSeparator...].firstIndex(of: 0x0A) else {
                    if final { items.append(.call(PartialCall(name: trimmed(afterSeparator..<text.count), arguments: Array("{}".utf8)))); position = text.count } else { halt() }
                    return
                }
                name = trimmed(afterSeparator..<newline)
                argumentsStart = JSONPrefix.skipSpace(text, from: newline + 1)
                switch match(Array("```".utf8), at: argumentsStart) {
                case .full:
                    argumentsStart += 3
                    while argumentsStart < text.count, Self.isNameByte(text[argumentsStart]) { argumentsStart += 1 }
                case .partial:
                    if !final { return halt() }
                case .none: break
                }
            }
            let (arguments, end) = rawArguments(at: argumentsStart)
            items.append(.call(PartialCall(name: name, arguments: arguments)))
            guard let end else { return halt() }
            position = end
            skip(past: Self.deepSeekCallEnd)
        }
    }

    // MARK: Granite

    static let graniteCall = Array("<|tool_call|>".utf8)

    /// `<|tool_call|>` then a JSON array of calls.
    mutating func scanGranite() {
        while !atEnd {
            guard content(until: [Self.graniteCall]) != nil else { return }
            let markerStart = position - Self.graniteCall.count
            let p = JSONPrefix.skipSpace(text, from: position)
            guard p < text.count else {
                if final { position = text.count } else { halt() }
                return
            }
            if text[p] == UInt8(ascii: "[") {
                if !callArray(at: p) { textFrom(markerStart) }
            } else if text[p] == UInt8(ascii: "{") {
                if !singleCall(at: p, bare: false), !halted { textFrom(markerStart) }
            } else {
                textFrom(markerStart)
            }
        }
    }

    // MARK: Functionary

    static let functionOpen = Array("<function=".utf8)
    static let functionClose = Array("</function>".utf8)

    /// v3.1: `<function=name>{...}</function>` among text, and `<|python_tag|>` code.
    mutating func scanFunctionaryV31() {
        while !atEnd {
            guard let marker = content(until: [Self.functionOpen, Self.pythonTag]) else { return }
            if marker == 1 {
                pythonTagCall()
                continue
            }
            guard let close = find([[UInt8(ascii: ">")]], from: position), close.marker != nil else {
                if final { position = text.count } else { halt() }
                return
            }
            let name = trimmed(position..<close.at)
            let (arguments, end) = rawArguments(at: close.at + 1)
            items.append(.call(PartialCall(name: name, arguments: arguments)))
            guard let end else { return halt() }
            position = end
            let p = JSONPrefix.skipSpace(text, from: position)
            switch match(Self.functionClose, at: p) {
            case .full: position = p + Self.functionClose.count
            case .partial: if final { position = text.count } else { halt() }
            case .none: break
            }
        }
    }

    static let recipientMarker = Array(">>>".utf8)

    /// v3.2: messages `recipient\ncontent`, each after `>>>` (the first one's is in the prompt):
    /// `all` is text for the user, another recipient a call with JSON arguments (raw code for `python`).
    mutating func scanFunctionaryV32() {
        if match(Self.recipientMarker, at: position) == .full { position += Self.recipientMarker.count }
        else if match(Self.recipientMarker, at: position) == .partial && !final { return halt() }
        while !atEnd {
            // The recipient: a name up to the line's end; anything else means the model wrote text.
            var i = position
            while i < text.count, Self.isNameByte(text[i]) { i += 1 }
            if i >= text.count {
                if final { emitText(position..<text.count); position = text.count } else { halt() }
                return
            }
            guard text[i] == 0x0A, i > position else {
                guard content(until: [Self.recipientMarker]) != nil else { return }
                continue
            }
            let recipient = String(decoding: text[position..<i], as: UTF8.self)
            position = i + 1
            if recipient == "all" {
                guard content(until: [Self.recipientMarker]) != nil else { return }
                continue
            }
            let p = JSONPrefix.skipSpace(text, from: position)
            if p < text.count, text[p] == UInt8(ascii: "{") || text[p] == UInt8(ascii: "[") {
                let (arguments, end) = rawArguments(at: p)
                items.append(.call(PartialCall(name: recipient, arguments: arguments)))
                guard let end else { return halt() }
                position = end
                skip(past: Self.recipientMarker)
                continue
            }
            if p >= text.count && !final { return halt() }
            // Raw code: whole once the next message starts or the output ends.
            let end: Int, next: Int
            if let found = find([Self.recipientMarker], from: position), found.marker != nil {
                (end, next) = (found.at, found.at + Self.recipientMarker.count)
            } else if final {
                (end, next) = (text.count, text.count)
            } else {
                return halt()
            }
            let code = trimmed(position..<end)
            items.append(.call(PartialCall(name: recipient, arguments: Array("{\"code\": \(OrderedJSON.quote(code))}".utf8))))
            position = next
        }
    }

    static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "."):
            return true
        default: return false
        }
    }

    // MARK: gpt-oss harmony

    static let harmonyStart = Array("<|start|>".utf8)
    static let harmonyChannel = Array("<|channel|>".utf8)
    static let harmonyMessage = Array("<|message|>".utf8)
    static let harmonyEnds = [Array("<|end|>".utf8), Array("<|call|>".utf8), Array("<|return|>".utf8)]

    /// Messages `[<|start|>assistant][ to=functions.name]<|channel|>channel[ to=functions.name][ <|constrain|>json]<|message|>body`
    /// ended by `<|end|>`, `<|call|>` or `<|return|>`: the analysis channel is reasoning, a
    /// message to `functions.name` a call, the others text for the user.
    mutating func scanHarmony() {
        while !atEnd {
            switch match(Self.harmonyStart, at: position) {
            case .full: position += Self.harmonyStart.count
            case .partial: if final { emitText(position..<text.count); position = text.count } else { halt() }; continue
            case .none: break
            }
            let headerLike = [Self.harmonyChannel, Array("assistant".utf8), Array(" to=".utf8), Array("to=".utf8)]
                .map { match($0, at: position) }
            if headerLike.contains(.partial) && !final { return halt() }
            guard headerLike.contains(.full) else {
                // Text outside any message (a prompt that opened the final channel itself).
                guard content(until: [Self.harmonyStart, Self.harmonyChannel] + Self.harmonyEnds, consume: false) != nil else { return }
                for end in Self.harmonyEnds where starts(with: end, at: position) { position += end.count }
                continue
            }
            guard let message = find([Self.harmonyMessage], from: position), message.marker != nil else {
                if final { position = text.count } else { halt() }
                return
            }
            let header = String(decoding: text[position..<message.at], as: UTF8.self)
            position = message.at + Self.harmonyMessage.count
            let recipient = Self.headerField(header, after: "to=")
            let channel = Self.headerField(header, after: "<|channel|>")
            if let recipient, recipient.hasPrefix("functions.") {
                let (arguments, end) = rawArguments(at: position)
                items.append(.call(PartialCall(name: String(recipient.dropFirst("functions.".count)), arguments: arguments)))
                guard let end else { return halt() }
                position = end
                if let found = find(Self.harmonyEnds, from: position), let marker = found.marker {
                    position = found.at + Self.harmonyEnds[marker].count
                } else if final {
                    position = text.count
                } else {
                    return halt()
                }
                continue
            }
            guard content(until: Self.harmonyEnds + [Self.harmonyStart], reasoning: channel == "analysis", consume: false) != nil else { return }
            for end in Self.harmonyEnds where starts(with: end, at: position) { position += end.count }
        }
    }

    /// The word after `key` in a harmony header (`to=functions.x`, `<|channel|>commentary`).
    static func headerField(_ header: String, after key: String) -> String? {
        guard let range = header.range(of: key) else { return nil }
        let value = header[range.upperBound...].prefix { !$0.isWhitespace && $0 != "<" }
        return value.isEmpty ? nil : String(value)
    }

    // MARK: Generic

    /// The whole output as JSON: a call object, an array of them, `{"tool_calls": [...]}` or
    /// `{"tool_call": {...}}`; otherwise Hermes tags among text.
    mutating func scanGeneric() {
        let p = JSONPrefix.skipSpace(text, from: position)
        if p >= text.count {
            if final { position = text.count } else { halt() }
            return
        }
        let saved = items.count
        if text[p] == UInt8(ascii: "[") {
            if callArray(at: p) {
                if !halted { _ = content(until: []) }
                return
            }
            items.removeSubrange(saved...)
            if halted { return }
        } else if text[p] == UInt8(ascii: "{") {
            if genericObject(at: p) {
                if !halted { _ = content(until: []) }
                return
            }
            items.removeSubrange(saved...)
            if halted { return }
        }
        position = 0
        halted = false
        scanHermes()
    }

    /// `{"tool_calls": [...]}`, `{"tool_call": {...}}` or a call object at `start`.
    mutating func genericObject(at start: Int) -> Bool {
        let (members, end) = JSONPrefix.members(text, from: start)
        guard let first = members.first else {
            if case .incomplete = end, !final { halt() }
            return false
        }
        let opensArray = first.valueStart < text.count && text[first.valueStart] == UInt8(ascii: "[")
        let opensObject = first.valueStart < text.count && text[first.valueStart] == UInt8(ascii: "{")
        if first.key == "tool_calls" && opensArray || first.key == "tool_call" && opensObject {
            let accepted = opensArray ? callArray(at: first.valueStart) : singleCall(at: first.valueStart, bare: true)
            guard accepted else { return false }
            if halted { return true }
            // The wrapper's closing brace (and any further members) are not content.
            switch end {
            case .complete(let after): position = after
            case .incomplete: if final { position = text.count } else { halt() }
            case .invalid(let at): position = at
            }
            return true
        }
        return singleCall(at: start, bare: true)
    }
}
