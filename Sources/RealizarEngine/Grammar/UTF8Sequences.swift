/// Unicode scalar ranges as UTF-8 byte-range sequences: each sequence matches the encodings of
/// one contiguous block of scalars, one byte range per byte. What lets character classes (and
/// their negations) run in a byte-level automaton. After Rust's `regex-syntax` `Utf8Sequences`.
enum UTF8Sequences {
    /// Scalars in `ranges` (negated: all scalars outside them), surrogates never included.
    static func scalars(_ ranges: [ClosedRange<UInt32>], negated: Bool) -> [ClosedRange<UInt32>] {
        var sorted = ranges.map { $0.lowerBound...min($0.upperBound, 0x10FFFF) }.filter { $0.lowerBound <= 0x10FFFF }
        sorted.sort { $0.lowerBound < $1.lowerBound }
        var merged: [ClosedRange<UInt32>] = []
        for range in sorted {
            if let last = merged.last, range.lowerBound <= last.upperBound &+ 1 {
                merged[merged.count - 1] = last.lowerBound...max(last.upperBound, range.upperBound)
            } else {
                merged.append(range)
            }
        }
        if negated {
            var complement: [ClosedRange<UInt32>] = []
            var next: UInt32 = 0
            for range in merged {
                if range.lowerBound > next { complement.append(next...(range.lowerBound - 1)) }
                next = range.upperBound + 1
            }
            if next <= 0x10FFFF { complement.append(next...0x10FFFF) }
            merged = complement
        }
        // Take the surrogates out: they have no UTF-8 encoding.
        var result: [ClosedRange<UInt32>] = []
        for range in merged {
            if range.upperBound < 0xD800 || range.lowerBound > 0xDFFF {
                result.append(range)
                continue
            }
            if range.lowerBound < 0xD800 { result.append(range.lowerBound...0xD7FF) }
            if range.upperBound > 0xDFFF { result.append(0xE000...range.upperBound) }
        }
        return result
    }

    /// The byte-range sequences that together match exactly the UTF-8 encodings of `range`.
    static func sequences(_ range: ClosedRange<UInt32>) -> [[ClosedRange<UInt8>]] {
        var output: [[ClosedRange<UInt8>]] = []
        split(range.lowerBound, range.upperBound, into: &output)
        return output
    }

    private static let lengthEnds: [UInt32] = [0x7F, 0x7FF, 0xFFFF, 0x10FFFF]

    private static func split(_ low: UInt32, _ high: UInt32, into output: inout [[ClosedRange<UInt8>]]) {
        guard low <= high else { return }
        // Ranges that cross an encoded-length boundary are split there first.
        for end in lengthEnds.dropLast() where low <= end && high > end {
            split(low, end, into: &output)
            split(end + 1, high, into: &output)
            return
        }
        if high <= 0x7F {
            output.append([UInt8(low)...UInt8(high)])
            return
        }
        let length = high <= 0x7FF ? 2 : high <= 0xFFFF ? 3 : 4
        // Split until every continuation byte position spans either one value or its full range.
        for i in 1..<length {
            let mask: UInt32 = (1 << (6 * UInt32(i))) - 1
            if low & ~mask != high & ~mask {
                if low & mask != 0 {
                    split(low, low | mask, into: &output)
                    split((low | mask) + 1, high, into: &output)
                    return
                }
                if high & mask != mask {
                    split(low, (high & ~mask) - 1, into: &output)
                    split(high & ~mask, high, into: &output)
                    return
                }
            }
        }
        let a = encode(low), b = encode(high)
        output.append(zip(a, b).map { $0...$1 })
    }

    static func encode(_ scalar: UInt32) -> [UInt8] {
        switch scalar {
        case ..<0x80: [UInt8(scalar)]
        case ..<0x800: [UInt8(0xC0 | scalar >> 6), UInt8(0x80 | scalar & 0x3F)]
        case ..<0x10000: [UInt8(0xE0 | scalar >> 12), UInt8(0x80 | scalar >> 6 & 0x3F), UInt8(0x80 | scalar & 0x3F)]
        default: [UInt8(0xF0 | scalar >> 18), UInt8(0x80 | scalar >> 12 & 0x3F), UInt8(0x80 | scalar >> 6 & 0x3F), UInt8(0x80 | scalar & 0x3F)]
        }
    }
}
