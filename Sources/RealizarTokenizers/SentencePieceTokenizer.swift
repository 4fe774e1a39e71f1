/// SentencePiece BPE (`tokenizer.ggml.model` = `llama`): Llama 2, Gemma, Mistral, Phi-3.
///
/// Spaces become U+2581 (▁), optionally with one in front of the text; then characters are merged
/// pairwise, highest-scoring merge first (leftmost among equals), as long as the merged text is a
/// token; what is left that is not a token falls back to `<0xNN>` byte tokens (llama.cpp's
/// `llm_tokenizer_spm_session`).
public struct SentencePieceTokenizer: Tokenizer {
    public let vocabulary: Vocabulary

    public init(vocabulary: Vocabulary) {
        self.vocabulary = vocabulary
    }

    public func encode(_ text: String, addSpecial: Bool, parseSpecial: Bool) -> [Int] {
        let bytes = text.utf8Bytes
        var output: [Int] = []
        output.reserveCapacity(bytes.count / 3 + 2)
        if addSpecial && vocabulary.addBOS, let bos = vocabulary.bosID { output.append(bos) }
        bytes.withUnsafeBufferPointer { buffer in
            var previousWasSpecial = true  // a space goes in front of the first text too
            var escaped: [UInt8] = []
            for fragment in vocabulary.partition(buffer, parseSpecial: parseSpecial) {
                switch fragment {
                case .token(let id):
                    output.append(id)
                    previousWasSpecial = true
                case .text(let range):
                    escaped.removeAll(keepingCapacity: true)
                    if vocabulary.addSpacePrefix && previousWasSpecial { escaped.append(contentsOf: [0xE2, 0x96, 0x81]) }
                    Vocabulary.escapeWhitespace(UnsafeBufferPointer(rebasing: buffer[range]), into: &escaped)
                    escaped.withUnsafeBufferPointer { tokenize($0, into: &output) }
                    previousWasSpecial = false
                }
            }
        }
        if addSpecial && vocabulary.addEOS, let eos = vocabulary.eosID { output.append(eos) }
        return output
    }

    private struct Symbol {
        var start: Int32
        var length: Int32
        var previous: Int32
        var next: Int32
    }

    private struct Bigram: Comparable {
        var score: Float
        var left: Int32
        var right: Int32
        var length: Int32

        /// Heap order: higher score first, then the leftmost.
        static func < (a: Bigram, b: Bigram) -> Bool {
            a.score > b.score || (a.score == b.score && a.left < b.left)
        }
    }

    /// Tokenizes escaped text (`llm_tokenizer_spm_session::tokenize`).
    func tokenize(_ text: UnsafeBufferPointer<UInt8>, into output: inout [Int]) {
        guard !text.isEmpty else { return }
        var symbols: [Symbol] = []
        symbols.reserveCapacity(text.count)
        var offset = 0
        while offset < text.count {
            let length = min(UnicodeData.sequenceLength(text[offset]), text.count - offset)
            let index = Int32(symbols.count)
            offset += length
            symbols.append(Symbol(start: Int32(offset - length), length: Int32(length), previous: index - 1,
                                  next: offset == text.count ? -1 : index + 1))
        }
        var queue = BinaryHeap<Bigram>()
        queue.reserveCapacity(symbols.count)

        func tryAdd(_ left: Int32, _ right: Int32, _ symbols: [Symbol], _ queue: inout BinaryHeap<Bigram>) {
            guard left >= 0, right >= 0 else { return }
            let start = Int(symbols[Int(left)].start)
            let length = Int(symbols[Int(left)].length + symbols[Int(right)].length)
            let id = vocabulary.find(UnsafeBufferPointer(rebasing: text[start..<(start + length)]))
            guard id >= 0 else { return }
            queue.push(Bigram(score: vocabulary.scores[id], left: left, right: right, length: Int32(length)))
        }

        for i in 1..<max(symbols.count, 1) { tryAdd(Int32(i - 1), Int32(i), symbols, &queue) }

        while let bigram = queue.pop() {
            let l = Int(bigram.left), r = Int(bigram.right)
            let leftLength = symbols[l].length, rightLength = symbols[r].length
            if leftLength == 0 || rightLength == 0 || leftLength + rightLength != bigram.length { continue }
            symbols[l].length += rightLength
            symbols[r].length = 0
            symbols[l].next = symbols[r].next
            if symbols[r].next >= 0 { symbols[Int(symbols[r].next)].previous = bigram.left }
            tryAdd(symbols[l].previous, bigram.left, symbols, &queue)
            tryAdd(bigram.left, symbols[l].next, symbols, &queue)
        }

        var i: Int32 = 0
        while i != -1 {
            let symbol = symbols[Int(i)]
            let start = Int(symbol.start), end = start + Int(symbol.length)
            let piece = UnsafeBufferPointer(rebasing: text[start..<end])
            let id = vocabulary.find(piece)
            if id >= 0 {
                output.append(id)
            } else {
                for byte in piece {
                    if let token = vocabulary.byteToken(byte) { output.append(token) }
                }
            }
            i = symbol.next
        }
    }
}

/// A binary min-heap (by `<`).
struct BinaryHeap<Element: Comparable> {
    private var items: [Element] = []

    mutating func reserveCapacity(_ n: Int) { items.reserveCapacity(n) }

    var isEmpty: Bool { items.isEmpty }

    mutating func push(_ element: Element) {
        items.append(element)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            if items[child] < items[parent] {
                items.swapAt(child, parent)
                child = parent
            } else {
                break
            }
        }
    }

    mutating func pop() -> Element? {
        guard let first = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var parent = 0
            let count = items.count
            while true {
                let left = 2 * parent + 1, right = left + 1
                var best = parent
                if left < count && items[left] < items[best] { best = left }
                if right < count && items[right] < items[best] { best = right }
                if best == parent { break }
                items.swapAt(parent, best)
                parent = best
            }
        }
        return first
    }
}
