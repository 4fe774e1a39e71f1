/// The ids of one encoded input with their per-token annotations, as `tokenizers`' `Encoding`.
public struct HuggingFaceEncoding: Sendable, Equatable {
    public var ids: [Int]
    /// Segment ids (0 for the first sequence, 1 for the second, as the template says).
    public var typeIDs: [Int]
    /// 1 for a real token, 0 for padding.
    public var attentionMask: [Int]
    /// 1 for a token the post-processor or padding added, 0 for the input's own tokens.
    public var specialTokensMask: [Int]

    public init(ids: [Int], typeID: Int = 0) {
        self.ids = ids
        typeIDs = Array(repeating: typeID, count: ids.count)
        attentionMask = Array(repeating: 1, count: ids.count)
        specialTokensMask = Array(repeating: 0, count: ids.count)
    }

    public var count: Int { ids.count }

    mutating func append(_ other: HuggingFaceEncoding) {
        ids += other.ids
        typeIDs += other.typeIDs
        attentionMask += other.attentionMask
        specialTokensMask += other.specialTokensMask
    }

    mutating func appendSpecial(_ id: Int, typeID: Int) {
        ids.append(id)
        typeIDs.append(typeID)
        attentionMask.append(1)
        specialTokensMask.append(1)
    }

    /// Keeps `length` tokens, dropping from the end (or, with `fromLeft`, the start).
    mutating func truncate(to length: Int, fromLeft: Bool) {
        guard count > length else { return }
        func cut<T>(_ a: inout [T]) { a = fromLeft ? Array(a.suffix(length)) : Array(a.prefix(length)) }
        cut(&ids); cut(&typeIDs); cut(&attentionMask); cut(&specialTokensMask)
    }

    /// Pads to `length` with `id`, on the right (or, with `onLeft`, the left).
    mutating func pad(to length: Int, id: Int, typeID: Int, onLeft: Bool) {
        let n = length - count
        guard n > 0 else { return }
        func fill<T>(_ a: inout [T], _ v: T) { a = onLeft ? Array(repeating: v, count: n) + a : a + Array(repeating: v, count: n) }
        fill(&ids, id); fill(&typeIDs, typeID); fill(&attentionMask, 0); fill(&specialTokensMask, 1)
    }
}
