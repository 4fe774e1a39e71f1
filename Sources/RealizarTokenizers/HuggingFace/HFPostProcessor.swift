/// A `tokenizer.json` post-processor (`post_processor` field): adds the special tokens around one
/// sequence or a pair.
indirect enum HFPostProcessor: Sendable {
    /// One element of a template: a special token's ids or one of the input sequences.
    enum Piece: Sendable {
        case special(ids: [Int], typeID: Int)
        case sequence(second: Bool, typeID: Int)
    }

    case template(single: [Piece], pair: [Piece])
    /// BERT's `[CLS] A [SEP] B [SEP]` and RoBERTa's `<s> A </s></s> B </s>`.
    case bert(cls: Int, sep: Int, roberta: Bool)
    /// ByteLevel only adjusts offsets, which are not kept.
    case none
    case sequence([HFPostProcessor])

    /// Every token id the processor may add, for validation against the vocabulary.
    var specialIDs: [Int] {
        switch self {
        case .template(let single, let pair):
            return (single + pair).flatMap { piece -> [Int] in
                if case .special(let ids, _) = piece { return ids }
                return []
            }
        case .bert(let cls, let sep, _): return [cls, sep]
        case .none: return []
        case .sequence(let steps): return steps.flatMap(\.specialIDs)
        }
    }

    /// How many tokens `process(addSpecial: true)` adds.
    func addedCount(pair: Bool) -> Int {
        switch self {
        case .template(let single, let pairTemplate):
            return (pair ? pairTemplate : single).reduce(0) { n, piece in
                if case .special(let ids, _) = piece { return n + ids.count }
                return n
            }
        case .bert(_, _, let roberta): return pair ? (roberta ? 4 : 3) : 2
        case .none: return 0
        case .sequence(let steps): return steps.reduce(0) { $0 + $1.addedCount(pair: pair) }
        }
    }

    func process(_ first: HuggingFaceEncoding, _ second: HuggingFaceEncoding?) -> HuggingFaceEncoding {
        switch self {
        case .template(let single, let pair):
            var out = HuggingFaceEncoding(ids: [])
            for piece in second == nil ? single : pair {
                switch piece {
                case .special(let ids, let typeID):
                    for id in ids { out.appendSpecial(id, typeID: typeID) }
                case .sequence(let isSecond, let typeID):
                    guard var part = isSecond ? second : first else { continue }
                    part.typeIDs = Array(repeating: typeID, count: part.count)
                    out.append(part)
                }
            }
            return out
        case .bert(let cls, let sep, let roberta):
            var out = HuggingFaceEncoding(ids: [])
            out.appendSpecial(cls, typeID: 0)
            out.append(first)
            out.appendSpecial(sep, typeID: 0)
            if var second {
                let typeID = roberta ? 0 : 1
                if roberta { out.appendSpecial(sep, typeID: 0) }
                second.typeIDs = Array(repeating: typeID, count: second.count)
                out.append(second)
                out.appendSpecial(sep, typeID: typeID)
            }
            return out
        case .none:
            var out = first
            if let second { out.append(second) }
            return out
        case .sequence(let steps):
            // Each step gets the previous step's sequences; only the template-like steps join a
            // pair into one, and the others (ByteLevel) pass sequences through unchanged.
            let joining = steps.filter { if case .none = $0 { return false } else { return true } }
            guard let head = joining.first else { return HFPostProcessor.none.process(first, second) }
            var out = head.process(first, second)
            for step in joining.dropFirst() { out = step.process(out, nil) }
            return out
        }
    }
}
