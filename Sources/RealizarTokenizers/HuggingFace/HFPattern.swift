/// The `pattern` of a `Split` pre-tokenizer or a `Replace` normalizer or decoder: `{"String": s}`
/// (a literal) or `{"Regex": r}`.
///
/// Regular expressions run on the project's own engine (`SplitRegex`), with the hand-written
/// matchers llama.cpp uses for the common GPT-2 and Llama 3 expressions; Oniguruma syntax beyond
/// what `SplitRegex` supports is refused when the file is loaded.
enum HFPattern: Sendable {
    case literal([UInt32])
    /// A hand-written matcher whose pieces cover the whole text, every piece a match.
    case covering(SplitStep.Custom)
    case regex(SplitRegex, collapsed: Bool)

    init(_ field: JSONField) throws {
        if let s = field.optional("String") {
            let text = try s.asString()
            self = .literal(text.unicodeScalars.map(\.value))
            return
        }
        let r = try field.required("Regex")
        let expression = try r.asString()
        do {
            switch try SplitStep(expression: expression) {
            case .custom(let kind) where [.gpt2, .llama3, .qwen2, .qwen35, .newlines].contains(kind):
                self = .covering(kind)
            default:
                let bytes = Array(expression.utf8)
                if let collapsed = try SplitStep.collapse(bytes, display: expression) {
                    self = .regex(try SplitRegex(collapsed.map(UInt32.init), display: expression), collapsed: true)
                } else {
                    self = .regex(try SplitRegex(UnicodeData.codepoints(bytes), display: expression), collapsed: false)
                }
            }
        } catch {
            throw r.fail("\(error)")
        }
    }

    /// The non-overlapping matches in `text`, leftmost first; empty matches are skipped.
    func matches(in text: [UInt32]) -> [Range<Int>] {
        var result: [Range<Int>] = []
        let n = text.count
        switch self {
        case .literal(let needle):
            guard !needle.isEmpty, needle.count <= n else { return [] }
            var i = 0
            while i + needle.count <= n {
                if text[i] == needle[0] && text[i..<(i + needle.count)].elementsEqual(needle) {
                    result.append(i..<(i + needle.count))
                    i += needle.count
                } else {
                    i += 1
                }
            }
        case .covering(let kind):
            let lengths = text.withUnsafeBufferPointer { CustomSplitters.split(kind, $0, [n]) }
            var start = 0
            for length in lengths where length > 0 {
                result.append(start..<(start + length))
                start += length
            }
        case .regex(let regex, let collapsed):
            let units = collapsed
                ? text.map(SplitStep.collapsedUnit)
                : text.map { $0 > 0x7F && UnicodeData.flags($0).isWhitespace ? 0x0B : $0 }
            var stack: [(Int, Int)] = []
            units.withUnsafeBufferPointer { u in
                var i = 0
                while i < n {
                    if let end = regex.match(u, lower: 0, upper: n, at: i, notEmpty: true, stack: &stack), end > i {
                        result.append(i..<end)
                        i = end
                    } else {
                        i += 1
                    }
                }
            }
        }
        return result
    }
}
