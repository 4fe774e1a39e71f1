/// Byte-level BPE (`tokenizer.ggml.model` = `gpt2`, or `gemma4`): Llama 3, Qwen2/3, SmolLM2,
/// GPT-2, StarCoder, DeepSeek, Falcon, MPT, Refact, Command-R, Gemma 4.
///
/// The pre-tokenizer named by `tokenizer.ggml.pre` splits the text into pieces; each piece is mapped
/// to GPT-2's byte alphabet (except for SentencePiece-style vocabularies such as Gemma 4, which
/// escape spaces as ▁ instead) and merged pairwise, lowest merge rank first (leftmost among
/// equals), as llama.cpp's `llm_tokenizer_bpe_session` does.
public struct BytePairTokenizer: Tokenizer {
    public let vocabulary: Vocabulary
    let preTokenizer: PreTokenizer
    let merges: MergeTable

    public init(vocabulary: Vocabulary) throws {
        self.vocabulary = vocabulary
        preTokenizer = try PreTokenizer(type: vocabulary.preTokenizer?.type ?? .default)
        merges = vocabulary.merges ?? MergeTable.empty
    }

    public func encode(_ text: String, addSpecial: Bool, parseSpecial: Bool) -> [Int] {
        let bytes = text.utf8Bytes
        var output: [Int] = []
        output.reserveCapacity(bytes.count / 3 + 2)
        if addSpecial && vocabulary.addBOS, let bos = vocabulary.bosID { output.append(bos) }
        bytes.withUnsafeBufferPointer { buffer in
            var escaped: [UInt8] = []
            for fragment in vocabulary.partition(buffer, parseSpecial: parseSpecial) {
                switch fragment {
                case .token(let id):
                    output.append(id)
                case .text(let range):
                    let piece = UnsafeBufferPointer(rebasing: buffer[range])
                    if vocabulary.modelName == "whitespace" {
                        tokenizeWhitespaceSeparated(piece, into: &output)
                    } else if vocabulary.escapeWhitespaces {
                        escaped.removeAll(keepingCapacity: true)
                        Vocabulary.escapeWhitespace(piece, into: &escaped)
                        escaped.withUnsafeBufferPointer { tokenize($0, into: &output) }
                    } else {
                        tokenize(piece, into: &output)
                    }
                }
            }
        }
        if addSpecial && vocabulary.addEOS, let eos = vocabulary.eosID { output.append(eos) }
        return output
    }

    /// The `whitespace` tokenizer model: whitespace separates words (and is dropped); each word,
    /// lowercased when the normalizer says so, is tokenized on its own.
    private func tokenizeWhitespaceSeparated(_ text: UnsafeBufferPointer<UInt8>, into output: inout [Int]) {
        var segment: [UInt8] = []
        func flush() {
            if !segment.isEmpty {
                segment.withUnsafeBufferPointer { tokenize($0, into: &output) }
                segment.removeAll(keepingCapacity: true)
            }
        }
        for cp in UnicodeData.codepoints(text) {
            if UnicodeData.flags(cp).isWhitespace {
                flush()
            } else {
                UnicodeData.appendUTF8(vocabulary.lowercase ? UnicodeData.toLower(cp) : cp, to: &segment)
            }
        }
        flush()
    }

    private struct Symbol {
        var start: Int32
        var length: Int32
        var next: Int32
        var previous: Int32
        /// The token the symbol's text is, or -1.
        var id: Int32
    }

    private struct Bigram: Comparable {
        var rank: Int32
        var left: Int32
        var right: Int32
        var leftID: Int32
        var rightID: Int32
        var result: Int32

        /// Heap order: lower rank first, then the leftmost.
        static func < (a: Bigram, b: Bigram) -> Bool {
            a.rank < b.rank || (a.rank == b.rank && a.left < b.left)
        }
    }

    /// Pre-tokenizes and merges one text fragment.
    func tokenize(_ text: UnsafeBufferPointer<UInt8>, into output: inout [Int]) {
        let words = preTokenizer.split(text)
        var symbols: [Symbol] = []
        var queue = BinaryHeap<Bigram>()
        for word in words {
            word.withUnsafeBufferPointer { merge($0, symbols: &symbols, queue: &queue, into: &output) }
        }
    }

    private func merge(_ word: UnsafeBufferPointer<UInt8>, symbols: inout [Symbol], queue: inout BinaryHeap<Bigram>,
                       into output: inout [Int]) {
        guard !word.isEmpty else { return }
        symbols.removeAll(keepingCapacity: true)
        var offset = 0
        if vocabulary.ignoreMerges {
            let id = vocabulary.find(word)
            if id >= 0 {
                output.append(id)
                return
            }
        } else if preTokenizer.type == .gemma4 && !word.contains(where: { $0 != 0x0A }) {
            let id = vocabulary.find(word)
            if id >= 0 {
                output.append(id)
                return
            }
        }
        while offset < word.count {
            let length = min(UnicodeData.sequenceLength(word[offset]), word.count - offset)
            let index = Int32(symbols.count)
            let id = vocabulary.find(UnsafeBufferPointer(rebasing: word[offset..<(offset + length)]))
            offset += length
            symbols.append(Symbol(start: Int32(offset - length), length: Int32(length),
                                  next: offset == word.count ? -1 : index + 1, previous: index - 1, id: Int32(id)))
        }

        @inline(__always)
        func addBigram(_ left: Int32, _ right: Int32, _ symbols: [Symbol], _ queue: inout BinaryHeap<Bigram>) {
            guard left >= 0, right >= 0 else { return }
            let leftID = symbols[Int(left)].id, rightID = symbols[Int(right)].id
            guard leftID >= 0, rightID >= 0, let (rank, result) = merges.lookup(Int(leftID), Int(rightID)) else { return }
            queue.push(Bigram(rank: rank, left: left, right: right, leftID: leftID, rightID: rightID, result: result))
        }

        for i in 1..<max(symbols.count, 1) { addBigram(Int32(i - 1), Int32(i), symbols, &queue) }
        while let bigram = queue.pop() {
            let l = Int(bigram.left), r = Int(bigram.right)
            if symbols[l].length == 0 || symbols[r].length == 0 { continue }
            if symbols[l].id != bigram.leftID || symbols[r].id != bigram.rightID { continue }  // outdated
            symbols[l].length += symbols[r].length
            symbols[l].id = bigram.result
            symbols[r].length = 0
            symbols[l].next = symbols[r].next
            if symbols[r].next >= 0 { symbols[Int(symbols[r].next)].previous = bigram.left }
            addBigram(symbols[l].previous, bigram.left, symbols, &queue)
            addBigram(bigram.left, symbols[l].next, symbols, &queue)
        }

        for symbol in symbols where symbol.length > 0 {
            if symbol.id >= 0 {
                output.append(Int(symbol.id))
                continue
            }
            // Not a token: one token per byte, where there is one.
            let start = Int(symbol.start)
            for byte in word[start..<(start + Int(symbol.length))] {
                let id: Int
                if preTokenizer.byteEncode {
                    id = vocabulary.find([byte])
                } else {
                    id = vocabulary.find(Vocabulary.byteTokenText(byte))
                }
                if id >= 0 { output.append(id) }
            }
        }
    }
}
