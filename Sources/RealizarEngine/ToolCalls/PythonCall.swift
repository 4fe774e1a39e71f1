/// A Llama 3.1 built-in tool call as the model writes it after `<|python_tag|>`:
/// `brave_search.call(query="...")`, keyword arguments of string, number, boolean or None literals.
struct PythonCall {
    var name: String
    /// The keyword arguments as a JSON object.
    var argumentsJSON: String

    init?(_ source: String) {
        let text = Array(source.utf8)
        var i = 0
        while i < text.count, ToolCallScanner.isNameByte(text[i]), text[i] != UInt8(ascii: ".") { i += 1 }
        guard i > 0, source.utf8.dropFirst(i).starts(with: ".call(".utf8), text.last == UInt8(ascii: ")") else { return nil }
        name = String(decoding: text[..<i], as: UTF8.self)
        i += ".call(".utf8.count
        let end = text.count - 1
        var members: [String] = []
        func skipSpace() { while i < end, JSONPrefix.isSpace(text[i]) { i += 1 } }
        skipSpace()
        while i < end {
            let keyStart = i
            while i < end, ToolCallScanner.isNameByte(text[i]) { i += 1 }
            guard i > keyStart else { return nil }
            let key = String(decoding: text[keyStart..<i], as: UTF8.self)
            skipSpace()
            guard i < end, text[i] == UInt8(ascii: "=") else { return nil }
            i += 1
            skipSpace()
            guard let value = Self.literal(text, &i, end: end) else { return nil }
            members.append("\(OrderedJSON.quote(key)): \(value)")
            skipSpace()
            if i < end {
                guard text[i] == UInt8(ascii: ",") else { return nil }
                i += 1
                skipSpace()
            }
        }
        argumentsJSON = "{" + members.joined(separator: ", ") + "}"
    }

    /// A Python literal at `i` as JSON text.
    private static func literal(_ text: [UInt8], _ i: inout Int, end: Int) -> String? {
        guard i < end else { return nil }
        let quote = text[i]
        if quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") {
            var value: [UInt8] = []
            i += 1
            while i < end, text[i] != quote {
                if text[i] == UInt8(ascii: "\\"), i + 1 < end {
                    i += 1
                    switch text[i] {
                    case UInt8(ascii: "n"): value.append(0x0A)
                    case UInt8(ascii: "t"): value.append(0x09)
                    default: value.append(text[i])
                    }
                } else {
                    value.append(text[i])
                }
                i += 1
            }
            guard i < end else { return nil }
            i += 1
            return OrderedJSON.quote(String(decoding: value, as: UTF8.self))
        }
        let start = i
        while i < end, text[i] != UInt8(ascii: ","), !JSONPrefix.isSpace(text[i]) { i += 1 }
        let word = String(decoding: text[start..<i], as: UTF8.self)
        switch word {
        case "True": return "true"
        case "False": return "false"
        case "None": return "null"
        default: return Double(word) != nil ? word : nil
        }
    }
}
