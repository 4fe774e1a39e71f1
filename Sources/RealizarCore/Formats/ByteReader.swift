/// A bounds-checked little-endian cursor over a file's bytes.
///
/// Every read checks the remaining length first, so a truncated or hostile file produces a
/// `FormatError` at the offset where it went wrong instead of a read past the end.
struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    let path: String
    private(set) var offset: Int

    init(bytes: UnsafeRawBufferPointer, path: String, offset: Int = 0) {
        self.bytes = bytes
        self.path = path
        self.offset = offset
    }

    var remaining: Int { bytes.count - offset }

    func error(_ field: String, _ problem: String, at position: Int? = nil) -> FormatError {
        FormatError(path: path, offset: position ?? offset, field: field, problem: problem)
    }

    /// Fails unless `count` more bytes are present.
    func require(_ count: Int, for field: String) throws(FormatError) {
        guard count >= 0, count <= remaining else {
            throw error(field, "needs \(count) bytes but the file has \(remaining) left (truncated file?)")
        }
    }

    mutating func read<T: FixedWidthInteger>(_: T.Type, _ field: String) throws(FormatError) -> T {
        try require(MemoryLayout<T>.size, for: field)
        let value = bytes.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += MemoryLayout<T>.size
        return T(littleEndian: value)
    }

    mutating func readFloat(_ field: String) throws(FormatError) -> Float {
        Float(bitPattern: try read(UInt32.self, field))
    }

    mutating func readDouble(_ field: String) throws(FormatError) -> Double {
        Double(bitPattern: try read(UInt64.self, field))
    }

    /// Reads `count` raw bytes.
    mutating func readBytes(_ count: Int, _ field: String) throws(FormatError) -> UnsafeRawBufferPointer {
        try require(count, for: field)
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])
        offset += count
        return slice
    }

    /// Reads a u64 length that must fit in what is left of the file, given each element needs at
    /// least `minimumElementSize` bytes: absurd counts fail here, before anything is allocated.
    mutating func readCount(_ field: String, minimumElementSize: Int) throws(FormatError) -> Int {
        let start = offset
        let raw = try read(UInt64.self, field)
        let limit = UInt64(remaining / max(minimumElementSize, 1))
        guard raw <= limit else {
            throw error(field, "count \(raw) cannot fit in the \(remaining) bytes left in the file (truncated or corrupt file?)", at: start)
        }
        return Int(raw)
    }

    mutating func skip(to position: Int, _ field: String) throws(FormatError) {
        guard position >= offset, position <= bytes.count else {
            throw error(field, "position \(position) is outside the file (\(bytes.count) bytes)")
        }
        offset = position
    }
}
