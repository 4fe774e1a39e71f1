/// xoshiro256** (Blackman and Vigna, 2018): the sampler's pseudo-random generator.
///
/// The sampler owns its generator rather than using the system one so that a seeded request is
/// reproducible on every platform and every Swift version: `SystemRandomNumberGenerator` cannot be
/// seeded, and the standard library does not promise a stable algorithm for anything else.
/// xoshiro256** is small (32 bytes of state), fast and passes BigCrush; it is not cryptographic,
/// which sampling does not need.
public struct Xoshiro256: RandomNumberGenerator, Sendable, Equatable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    /// Seeds the four state words from SplitMix64, as the algorithm's authors recommend: any 64-bit
    /// seed (0 included) gives a well-mixed, non-zero state, and nearby seeds give unrelated streams.
    public init(seed: UInt64) {
        var splitMix = SplitMix64(seed: seed)
        s0 = splitMix.next()
        s1 = splitMix.next()
        s2 = splitMix.next()
        s3 = splitMix.next()
        // SplitMix64 is a bijection of a counter, so four consecutive outputs cannot all be zero;
        // the check only documents the one state xoshiro must never be in.
        if s0 | s1 | s2 | s3 == 0 { s0 = 1 }
    }

    /// A generator with exactly this state (tests check it against the reference implementation).
    init(state: (UInt64, UInt64, UInt64, UInt64)) {
        precondition(state != (0, 0, 0, 0), "the all-zero state is a fixed point of xoshiro")
        (s0, s1, s2, s3) = state
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = rotateLeft(s1 &* 5, by: 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotateLeft(s3, by: 45)
        return result
    }

    /// A uniform double in [0, 1): the top 53 bits of one output, so every value is an exact
    /// multiple of 2⁻⁵³ and 1 itself never comes up.
    public mutating func nextUnitInterval() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    @inline(__always)
    private func rotateLeft(_ x: UInt64, by k: UInt64) -> UInt64 {
        (x << k) | (x >> (64 - k))
    }
}

/// SplitMix64 (Steele, Lea and Flood, 2014): expands one seed into xoshiro's state, and is the
/// seeded generator of random weights and test data (the same sequence on every machine).
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
