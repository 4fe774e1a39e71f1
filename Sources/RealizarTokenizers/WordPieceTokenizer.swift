/// BERT WordPiece (`tokenizer.ggml.model` = `bert`).
///
/// Text is normalized (lowercased and accents stripped when the vocabulary says so), split at
/// whitespace and around punctuation and CJK characters, and each word is covered greedily by the
/// longest tokens from its start; a word that cannot be covered becomes the unknown token. Word
/// starts carry ▁ in GGUF vocabularies (where BERT's continuation pieces carry `##`). As llama.cpp's
/// `llm_tokenizer_wpm_session`.
public struct WordPieceTokenizer: Tokenizer {
    public let vocabulary: Vocabulary

    public init(vocabulary: Vocabulary) {
        self.vocabulary = vocabulary
    }

    public func encode(_ text: String, addSpecial: Bool, parseSpecial: Bool) -> [Int] {
        let bytes = text.utf8Bytes
        var output: [Int] = []
        if addSpecial, let bos = vocabulary.bosID { output.append(bos) }
        bytes.withUnsafeBufferPointer { buffer in
            for fragment in vocabulary.partition(buffer, parseSpecial: parseSpecial) {
                switch fragment {
                case .token(let id): output.append(id)
                case .text(let range): tokenize(UnsafeBufferPointer(rebasing: buffer[range]), into: &output)
                }
            }
        }
        if addSpecial, let sep = vocabulary.separatorID { output.append(sep) }
        return output
    }

    func tokenize(_ text: UnsafeBufferPointer<UInt8>, into output: inout [Int]) {
        let maxLength = vocabulary.maxTokenLength
        for word in words(text) where !word.isEmpty {
            var piece: [UInt8] = [0xE2, 0x96, 0x81]  // ▁
            piece.append(contentsOf: word)
            let n = piece.count
            let before = output.count
            piece.withUnsafeBufferPointer { p in
                var i = 0
                while i < n {
                    var matched = false
                    var j = min(n, i + maxLength + 1)
                    while j > i {
                        let id = vocabulary.find(UnsafeBufferPointer(rebasing: p[i..<j]))
                        if id >= 0 {
                            output.append(id)
                            matched = true
                            i = j - 1
                            break
                        }
                        j -= 1
                    }
                    if !matched {
                        output.removeSubrange(before...)
                        break
                    }
                    i += 1
                }
            }
            if output.count == before, let unk = vocabulary.unknownID { output.append(unk) }
        }
    }

    /// llama.cpp's `preprocess`: the words of the text, normalized.
    func words(_ text: UnsafeBufferPointer<UInt8>) -> [[UInt8]] {
        var cpts = UnicodeData.codepoints(text)
        if vocabulary.stripAccents { cpts = cpts.map(UnicodeData.decompositionBase) }
        var words: [[UInt8]] = [[]]
        for cpt in cpts {
            let flags = UnicodeData.flags(cpt)
            if flags.isWhitespace {
                if !words[words.count - 1].isEmpty { words.append([]) }
                continue
            }
            if cpt == 0 || cpt == 0xFFFD || flags.isControl { continue }
            if vocabulary.stripAccents && flags.isAccentMark { continue }
            let c = vocabulary.lowercase ? UnicodeData.toLower(cpt) : cpt
            if flags.isPunctuation || (cpt < 0x7F && flags.isSymbol) || Self.isChinese(cpt) {
                if !words[words.count - 1].isEmpty { words.append([]) }
                UnicodeData.appendUTF8(c, to: &words[words.count - 1])
                words.append([])
            } else {
                UnicodeData.appendUTF8(c, to: &words[words.count - 1])
            }
        }
        if words[words.count - 1].isEmpty { words.removeLast() }
        return words
    }

    static func isChinese(_ cpt: UInt32) -> Bool {
        (0x04E00...0x09FFF).contains(cpt) || (0x03400...0x04DBF).contains(cpt) || (0x20000...0x2A6DF).contains(cpt)
            || (0x2A700...0x2B73F).contains(cpt) || (0x2B740...0x2B81F).contains(cpt) || (0x2B920...0x2CEAF).contains(cpt)
            || (0x0F900...0x0FAFF).contains(cpt) || (0x2F800...0x2FA1F).contains(cpt)
    }
}
