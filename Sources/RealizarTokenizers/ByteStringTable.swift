/// A table of byte strings with dense ids and hash lookup by bytes.
///
/// Token texts are compared as bytes, never as Swift `String`s: `String` equality is canonical
/// equivalence, which would make "é" (one code point) and "e\u{301}" the same token.
struct ByteStringTable: Sendable {
    private(set) var storage: [UInt8] = []
    private(set) var offsets: [Int] = [0]
    /// Open addressing, linear probing. A slot holds `tag << 32 | (id + 1)`, 0 when empty; the tag
    /// (high hash bits) rejects most mismatches without touching the strings.
    private var slots: [UInt64] = []
    private var mask = 0

    init(reservingCapacity capacity: Int = 16, bytes: Int = 0) {
        storage.reserveCapacity(bytes)
        offsets.reserveCapacity(capacity + 1)
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = [UInt64](repeating: 0, count: size)
        mask = size - 1
    }

    @inline(__always) private static func tag(_ hash: Int) -> UInt64 { UInt64(UInt32(truncatingIfNeeded: hash >> 32)) << 32 }

    var count: Int { offsets.count - 1 }

    /// FNV-1a, in steps so that callers can hash growing prefixes incrementally.
    static let hashSeed: UInt64 = 0xCBF2_9CE4_8422_2325
    @inline(__always) static func hashStep(_ h: UInt64, _ b: UInt8) -> UInt64 { (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
    @inline(__always) static func hashFinish(_ h: UInt64) -> Int {
        var x = h ^ (h >> 29)
        x = x &* 0xBF58_476D_1CE4_E5B9
        return Int(truncatingIfNeeded: x ^ (x >> 32))
    }

    @inline(__always)
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var h = hashSeed
        for b in bytes { h = hashStep(h, b) }
        return hashFinish(h)
    }

    /// The id of `bytes`, or -1.
    @inline(__always)
    func find(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        find(bytes, hash: Self.hash(bytes))
    }

    /// The id of `bytes` given `hash(bytes)`, or -1.
    @inline(__always)
    func find(_ bytes: UnsafeBufferPointer<UInt8>, hash: Int) -> Int {
        var slot = hash & mask
        let tag = Self.tag(hash)
        return storage.withUnsafeBufferPointer { store in
            offsets.withUnsafeBufferPointer { offs in
                slots.withUnsafeBufferPointer { table in
                    while true {
                        let entry = table[slot]
                        if entry == 0 { return -1 }
                        if entry & 0xFFFF_FFFF_0000_0000 == tag {
                            let id = Int(entry & 0xFFFF_FFFF) - 1
                            let start = offs[id], end = offs[id + 1]
                            if end - start == bytes.count {
                                var equal = true
                                var i = 0
                                while i < bytes.count {
                                    if store[start + i] != bytes[i] { equal = false; break }
                                    i += 1
                                }
                                if equal { return id }
                            }
                        }
                        slot = (slot + 1) & mask
                    }
                }
            }
        }
    }

    func find(_ bytes: [UInt8]) -> Int {
        bytes.withUnsafeBufferPointer { find($0) }
    }

    func find(_ bytes: ArraySlice<UInt8>) -> Int {
        bytes.withUnsafeBufferPointer { find($0) }
    }

    /// Adds `bytes` unless present; returns its id and whether it was added.
    @discardableResult
    mutating func insert(_ bytes: UnsafeBufferPointer<UInt8>) -> (id: Int, inserted: Bool) {
        let existing = find(bytes)
        if existing >= 0 { return (existing, false) }
        if (count + 1) * 2 > slots.count { grow() }
        let id = count
        storage.append(contentsOf: bytes)
        offsets.append(storage.count)
        let hash = Self.hash(bytes)
        var slot = hash & mask
        while slots[slot] != 0 { slot = (slot + 1) & mask }
        slots[slot] = Self.tag(hash) | UInt64(id + 1)
        return (id, true)
    }

    /// Adds the UTF-8 of `string` unless present (without an intermediate array).
    @discardableResult
    mutating func insert(utf8 string: String) -> (id: Int, inserted: Bool) {
        var string = string
        return string.withUTF8 { insert($0) }
    }

    @discardableResult
    mutating func insert(_ bytes: [UInt8]) -> (id: Int, inserted: Bool) {
        bytes.withUnsafeBufferPointer { insert($0) }
    }

    private mutating func grow() {
        let size = slots.count * 2
        var table = [UInt64](repeating: 0, count: size)
        let newMask = size - 1
        storage.withUnsafeBufferPointer { store in
            for id in 0..<count {
                let bytes = UnsafeBufferPointer(rebasing: store[offsets[id]..<offsets[id + 1]])
                let hash = Self.hash(bytes)
                var slot = hash & newMask
                while table[slot] != 0 { slot = (slot + 1) & newMask }
                table[slot] = Self.tag(hash) | UInt64(id + 1)
            }
        }
        slots = table
        mask = newMask
    }

    /// The bytes of string `id`.
    @inline(__always)
    subscript(id: Int) -> ArraySlice<UInt8> {
        storage[offsets[id]..<offsets[id + 1]]
    }

    @inline(__always)
    func length(_ id: Int) -> Int { offsets[id + 1] - offsets[id] }

    func withBytes<R>(_ id: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try storage.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[offsets[id]..<offsets[id + 1]])) }
    }
}
