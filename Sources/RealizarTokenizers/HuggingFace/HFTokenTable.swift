/// A model's token → id map: token bytes in a hash table, each with the id the file gives it
/// (ids need not be dense or in file order).
struct HFTokenTable: Sendable {
    private var table = ByteStringTable()
    private var ids: [Int32] = []
    /// The longest token, in bytes, to bound prefix searches.
    private(set) var maxLength = 0

    init(capacity: Int = 16) {
        table = ByteStringTable(reservingCapacity: capacity)
        ids.reserveCapacity(capacity)
    }

    var count: Int { ids.count }

    /// Adds a token; false if the text is already present.
    mutating func insert(_ text: [UInt8], id: Int) -> Bool {
        let (_, inserted) = table.insert(text)
        guard inserted else { return false }
        ids.append(Int32(id))
        maxLength = max(maxLength, text.count)
        return true
    }

    @inline(__always)
    func id(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        let index = table.find(bytes)
        return index >= 0 ? Int(ids[index]) : nil
    }

    func id(_ bytes: [UInt8]) -> Int? { bytes.withUnsafeBufferPointer { id($0) } }

    func id(_ text: String) -> Int? { id(Array(text.utf8)) }

    /// The ids of `<0x00>` ... `<0xFF>`, where present.
    func byteTokenIDs() -> [Int32] {
        (0...255).map { id(Vocabulary.byteTokenText(UInt8($0))).map(Int32.init) ?? -1 }
    }

    /// Every (text, id) pair, in insertion order.
    func forEach(_ body: (ArraySlice<UInt8>, Int) -> Void) {
        for index in 0..<ids.count { body(table[index], Int(ids[index])) }
    }
}

/// The tokenization model of a `tokenizer.json` (`model` field).
enum HFModel: Sendable {
    case bpe(HFBPEModel)
    case wordPiece(HFWordPieceModel)
    case unigram(HFUnigramModel)

    /// The ids of one pre-tokenized piece (UTF-8).
    func tokenize(_ piece: [UInt8], into output: inout [Int]) {
        switch self {
        case .bpe(let m): m.tokenize(piece, into: &output)
        case .wordPiece(let m): m.tokenize(piece, into: &output)
        case .unigram(let m): m.tokenize(piece, into: &output)
        }
    }

    var tokens: HFTokenTable {
        switch self {
        case .bpe(let m): return m.vocab
        case .wordPiece(let m): return m.vocab
        case .unigram(let m): return m.vocab
        }
    }

    var unknownID: Int? {
        switch self {
        case .bpe(let m): return m.unknownID
        case .wordPiece(let m): return m.unknownID
        case .unigram(let m): return m.unknownID
        }
    }
}
