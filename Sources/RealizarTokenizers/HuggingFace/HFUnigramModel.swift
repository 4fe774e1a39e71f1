/// The `Unigram` model of `tokenizer.json`: the segmentation of highest total score (Viterbi over
/// every vocabulary token), characters no token covers scored as the unknown token at the lowest
/// score minus 10, runs of unknown characters fused into one, and with `byte_fallback` an unknown
/// run spelled as `<0xXX>` byte tokens instead.
struct HFUnigramModel: Sendable {
    let vocab: HFTokenTable
    /// Scores by token id.
    let scores: [Double]
    let unknownID: Int?
    let byteFallback: Bool
    let unknownScore: Double

    init(vocab: HFTokenTable, scores: [Double], unknownID: Int?, byteFallback: Bool) {
        self.vocab = vocab
        self.scores = scores
        self.unknownID = unknownID
        self.byteFallback = byteFallback
        unknownScore = (scores.min() ?? 0) - 10
    }

    func tokenize(_ text: [UInt8], into output: inout [Int]) {
        let n = text.count
        guard n > 0 else { return }
        struct Best { var id: Int; var start: Int; var score: Double; var reached: Bool }
        var best = [Best](repeating: Best(id: -1, start: 0, score: 0, reached: false), count: n + 1)
        best[0].reached = true
        let maxLength = vocab.maxLength
        text.withUnsafeBufferPointer { input in
            var offset = 0
            while offset < n {
                let units = min(UnicodeData.sequenceLength(input[offset]), n - offset)
                let base = best[offset].score
                var coversCharacter = false
                var end = offset + 1
                while end <= n && end - offset <= maxLength {
                    if let id = vocab.id(UnsafeBufferPointer(rebasing: input[offset..<end])) {
                        let score = base + scores[id]
                        if !best[end].reached || score > best[end].score {
                            best[end] = Best(id: id, start: offset, score: score, reached: true)
                        }
                        if end - offset == units { coversCharacter = true }
                    }
                    end += 1
                }
                if !coversCharacter {
                    let end = offset + units
                    let score = base + unknownScore
                    if !best[end].reached || score > best[end].score {
                        best[end] = Best(id: -1, start: offset, score: score, reached: true)
                    }
                }
                offset += units
            }
        }
        // Backtrack; -1 marks an unknown span, and adjacent unknown spans fuse.
        var spans: [(id: Int, range: Range<Int>)] = []
        var end = n
        while end > 0 {
            let b = best[end]
            let isUnknown = b.id < 0 || b.id == unknownID
            if isUnknown, let last = spans.last, last.id < 0 {
                spans[spans.count - 1].range = b.start..<last.range.upperBound
            } else {
                spans.append((isUnknown ? -1 : b.id, b.start..<end))
            }
            end = b.start
        }
        for span in spans.reversed() {
            if span.id >= 0 {
                output.append(span.id)
                continue
            }
            // A fused unknown span is looked up as text, as the crate does (it may be `<unk>` itself).
            if let id = vocab.id(Array(text[span.range])) {
                output.append(id)
                continue
            }
            if byteFallback {
                let ids = text[span.range].map { vocab.id(Vocabulary.byteTokenText($0)) }
                if ids.allSatisfy({ $0 != nil }) {
                    output.append(contentsOf: ids.map { $0! })
                    continue
                }
            }
            if let unk = unknownID { output.append(unk) }
        }
    }
}
