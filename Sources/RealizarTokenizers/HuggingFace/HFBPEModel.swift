/// The `BPE` model of `tokenizer.json`: each piece starts as its characters (with the
/// continuing-subword prefix and end-of-word suffix where configured) and adjacent symbols merge,
/// lowest merge rank first and leftmost among equals, as the `tokenizers` crate's `Word::merge_all`.
struct HFBPEModel: Sendable {
    let vocab: HFTokenTable
    let merges: PairTable
    let unknownID: Int?
    let continuingSubwordPrefix: [UInt8]
    let endOfWordSuffix: [UInt8]
    let fuseUnknown: Bool
    let byteFallback: Bool
    let ignoreMerges: Bool

    private struct Symbol {
        var id: Int32
        var length: Int32
        var previous: Int32
        var next: Int32
    }

    private struct Candidate: Comparable {
        var rank: Int32
        var position: Int32
        var result: Int32
        static func < (a: Candidate, b: Candidate) -> Bool {
            a.rank < b.rank || (a.rank == b.rank && a.position < b.position)
        }
    }

    func tokenize(_ word: [UInt8], into output: inout [Int]) {
        guard !word.isEmpty else { return }
        if ignoreMerges, let id = vocab.id(word) {
            output.append(id)
            return
        }
        var symbols: [Symbol] = []
        symbols.reserveCapacity(word.count)
        func add(_ id: Int, _ length: Int) {
            let index = Int32(symbols.count)
            symbols.append(Symbol(id: Int32(id), length: Int32(length), previous: index - 1, next: index + 1))
        }
        var pendingUnknown: (id: Int, length: Int)?
        var offset = 0
        var text: [UInt8] = []
        while offset < word.count {
            let length = min(UnicodeData.sequenceLength(word[offset]), word.count - offset)
            let end = offset + length
            text.removeAll(keepingCapacity: true)
            if offset > 0 { text.append(contentsOf: continuingSubwordPrefix) }
            text.append(contentsOf: word[offset..<end])
            if end == word.count { text.append(contentsOf: endOfWordSuffix) }
            defer { offset = end }
            if let id = vocab.id(text) {
                if let unknown = pendingUnknown { add(unknown.id, unknown.length); pendingUnknown = nil }
                add(id, length)
                continue
            }
            if byteFallback {
                let ids = text.map { vocab.id(Vocabulary.byteTokenText($0)) }
                if ids.allSatisfy({ $0 != nil }) {
                    // As the crate does, a pending unknown token stays pending across byte tokens.
                    for id in ids { add(id!, 1) }
                    continue
                }
            }
            if let unk = unknownID {
                if let unknown = pendingUnknown {
                    if fuseUnknown {
                        pendingUnknown = (unknown.id, unknown.length + length)
                    } else {
                        add(unknown.id, unknown.length)
                        pendingUnknown = (unk, length)
                    }
                } else {
                    pendingUnknown = (unk, length)
                }
            }
        }
        if let unknown = pendingUnknown { add(unknown.id, unknown.length) }
        guard !symbols.isEmpty else { return }
        symbols[symbols.count - 1].next = -1

        var queue = BinaryHeap<Candidate>()
        func consider(_ left: Int32) {
            guard left >= 0 else { return }
            let right = symbols[Int(left)].next
            guard right >= 0,
                  let (rank, result) = merges.find(left: Int(symbols[Int(left)].id), right: Int(symbols[Int(right)].id))
            else { return }
            queue.push(Candidate(rank: rank, position: left, result: result))
        }
        for i in 0..<(symbols.count - 1) { consider(Int32(i)) }
        while let top = queue.pop() {
            let l = Int(top.position)
            guard symbols[l].length > 0, symbols[l].next >= 0 else { continue }
            let r = Int(symbols[l].next)
            // Stale when either side has merged since the candidate was queued.
            guard let (_, result) = merges.find(left: Int(symbols[l].id), right: Int(symbols[r].id)), result == top.result
            else { continue }
            symbols[l].id = result
            symbols[l].length += symbols[r].length
            symbols[r].length = 0
            symbols[l].next = symbols[r].next
            if symbols[r].next >= 0 { symbols[Int(symbols[r].next)].previous = Int32(l) }
            consider(symbols[l].previous)
            consider(Int32(l))
        }
        var i: Int32 = 0
        while i >= 0 {
            output.append(Int(symbols[Int(i)].id))
            i = symbols[Int(i)].next
        }
    }
}
