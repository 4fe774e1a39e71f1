import RealizarCore

/// Deterministic pseudo-random inputs (splitmix64) for the self-test cases.
struct TestData {
    var generator: SplitMix64

    init(seed: UInt64) { generator = SplitMix64(seed: seed) }

    mutating func next() -> UInt64 { generator.next() }

    /// Uniform in -scale..<scale.
    mutating func float(_ scale: Float = 1) -> Float { (Float(next() >> 40) / Float(1 << 24) * 2 - 1) * scale }

    mutating func floats(_ count: Int, scale: Float = 1) -> [Float] { (0..<count).map { _ in float(scale) } }
}

extension Array where Element == Float {
    var bytes: [UInt8] { withUnsafeBytes { [UInt8]($0) } }
}
