/// RWKV "world" tokenizer (`tokenizer.ggml.model` = `rwkv`): tokens are escaped byte strings, and
/// text is covered greedily by the longest token at each position (llama.cpp's
/// `llm_tokenizer_rwkv_session`).
public struct RWKVTokenizer: Tokenizer {
    public let vocabulary: Vocabulary
    let table: ByteStringTable
    let ids: [Int]
    let maxLength: Int

    public init(vocabulary: Vocabulary) {
        self.vocabulary = vocabulary
        var table = ByteStringTable(reservingCapacity: vocabulary.count)
        var ids: [Int] = []
        var maxLength = 0
        for id in 0..<vocabulary.count {
            let bytes = Self.unescape(vocabulary.texts[id])
            guard !bytes.isEmpty else { continue }
            let (index, inserted) = table.insert(bytes)
            if inserted { ids.append(id) } else { ids[index] = id }  // a later duplicate wins, as in llama.cpp's trie
            maxLength = max(maxLength, bytes.count)
        }
        self.table = table
        self.ids = ids
        self.maxLength = maxLength
    }

    public func encode(_ text: String, addSpecial: Bool, parseSpecial: Bool) -> [Int] {
        let bytes = text.utf8Bytes
        var output: [Int] = []
        bytes.withUnsafeBufferPointer { buffer in
            for fragment in vocabulary.partition(buffer, parseSpecial: parseSpecial) {
                switch fragment {
                case .token(let id): output.append(id)
                case .text(let range): tokenize(UnsafeBufferPointer(rebasing: buffer[range]), into: &output)
                }
            }
        }
        return output
    }

    func tokenize(_ text: UnsafeBufferPointer<UInt8>, into output: inout [Int]) {
        var position = 0
        while position < text.count {
            var length = min(maxLength, text.count - position)
            var found = -1
            while length > 0 {
                let index = table.find(UnsafeBufferPointer(rebasing: text[position..<(position + length)]))
                if index >= 0 { found = ids[index]; break }
                length -= 1
            }
            if found >= 0 {
                output.append(found)
                position += length
            } else {
                if let unk = vocabulary.unknownID { output.append(unk) }
                position += 1
            }
        }
    }

    /// The bytes of an escaped RWKV token (`\t`, `\n`, `\r`, `\xNN`, `\<c>`).
    static func unescape(_ escaped: ArraySlice<UInt8>) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(escaped.count)
        var escaping = false
        var hexRemaining = 0
        var hex: UInt8 = 0
        for c in escaped {
            if hexRemaining > 0 {
                let value: UInt8 = c >= 0x61 ? c &- 0x61 &+ 10 : c &- 0x30
                hex = (hex << 4) &+ value
                hexRemaining -= 1
                if hexRemaining == 0 { output.append(hex); hex = 0 }
                continue
            }
            if escaping {
                switch c {
                case 0x74: output.append(0x09)
                case 0x6E: output.append(0x0A)
                case 0x72: output.append(0x0D)
                case 0x78: hexRemaining = 2
                default: output.append(c)
                }
                escaping = false
                continue
            }
            if c == 0x5C { escaping = true; continue }
            output.append(c)
        }
        return output
    }
}
