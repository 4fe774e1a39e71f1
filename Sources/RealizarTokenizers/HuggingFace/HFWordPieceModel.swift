/// The `WordPiece` model of `tokenizer.json`: each piece is covered greedily by the longest tokens
/// from its start, later tokens carrying the continuing-subword prefix (`##`); a piece that cannot
/// be covered, or is longer than `max_input_chars_per_word` characters, becomes the unknown token.
struct HFWordPieceModel: Sendable {
    let vocab: HFTokenTable
    let unknownID: Int?
    let continuingSubwordPrefix: [UInt8]
    let maxInputCharsPerWord: Int

    func tokenize(_ word: [UInt8], into output: inout [Int]) {
        guard !word.isEmpty else { return }
        // Character boundaries, in bytes.
        var boundaries: [Int] = [0]
        var offset = 0
        while offset < word.count {
            offset = min(offset + UnicodeData.sequenceLength(word[offset]), word.count)
            boundaries.append(offset)
        }
        func unknown() { if let unk = unknownID { output.append(unk) } }
        if boundaries.count - 1 > maxInputCharsPerWord { return unknown() }
        var pieces: [Int] = []
        var candidate: [UInt8] = []
        var startIndex = 0
        while startIndex < boundaries.count - 1 {
            var endIndex = boundaries.count - 1
            var found: Int?
            while endIndex > startIndex {
                candidate.removeAll(keepingCapacity: true)
                if startIndex > 0 { candidate.append(contentsOf: continuingSubwordPrefix) }
                candidate.append(contentsOf: word[boundaries[startIndex]..<boundaries[endIndex]])
                if let id = vocab.id(candidate) { found = id; break }
                endIndex -= 1
            }
            guard let id = found else { return unknown() }
            pieces.append(id)
            startIndex = endIndex
        }
        output.append(contentsOf: pieces)
    }
}
