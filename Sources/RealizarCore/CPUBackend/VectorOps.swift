import Foundation
import RealizarKernelsAVX2

/// The element-wise and per-row operations of a transformer layer, written plainly: they are a
/// small share of the time next to the matrix products.
enum VectorOps {
    /// `x ← x / sqrt(mean(x²) + ε) · weight` for each of `rows` rows of `width`.
    static func rmsNorm(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int, weight: [Float], epsilon: Float) {
        weight.withUnsafeBufferPointer { w in
            for r in 0..<rows {
                let row = x + r * width
                var sum: Double = 0
                for i in 0..<width { sum += Double(row[i]) * Double(row[i]) }
                let scale = Float(1 / (sum / Double(width) + Double(epsilon)).squareRoot())
                for i in 0..<width { row[i] = row[i] * scale * w[i] }
            }
        }
    }

    /// `x ← (x − mean) / sqrt(var + ε) · weight + bias` for each row.
    static func layerNorm(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int, weight: [Float], bias: [Float], epsilon: Float) {
        for r in 0..<rows {
            let row = x + r * width
            var mean: Double = 0
            for i in 0..<width { mean += Double(row[i]) }
            mean /= Double(width)
            var variance: Double = 0
            for i in 0..<width { variance += (Double(row[i]) - mean) * (Double(row[i]) - mean) }
            let scale = 1 / (variance / Double(width) + Double(epsilon)).squareRoot()
            for i in 0..<width { row[i] = Float((Double(row[i]) - mean) * scale) * weight[i] + bias[i] }
        }
    }

    static func addBias(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int, stride: Int? = nil, bias: [Float]) {
        let stride = stride ?? width
        for r in 0..<rows {
            for i in 0..<width { x[r * stride + i] += bias[i] }
        }
    }

    /// The portable dot product.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Float {
        var sum = SIMD8<Float>()
        var i = 0
        while i + 8 <= count {
            sum += UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self) * UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self)
            i += 8
        }
        var total = sum.sum()
        while i < count {
            total += a[i] * b[i]
            i += 1
        }
        return total
    }

    static func add(_ x: UnsafeMutablePointer<Float>, _ y: UnsafePointer<Float>, count: Int) {
        for i in 0..<count { x[i] += y[i] }
    }

    @inline(__always)
    static func silu(_ x: Float) -> Float { x / (1 + exp(-x)) }

    /// GELU with the tanh approximation (`gelu_pytorch_tanh`).
    @inline(__always)
    static func geluTanh(_ x: Float) -> Float {
        0.5 * x * (1 + tanh(0.797_884_560_802_865_4 * (x + 0.044715 * x * x * x)))
    }

    /// GELU with the error function: `x · Φ(x)`.
    @inline(__always)
    static func gelu(_ x: Float) -> Float {
        0.5 * x * (1 + erf(x * 0.707_106_781_186_547_5))
    }

    /// `values[i] ← act(gate[i]) · values[i]` (or `act(values[i])` when `gate` is nil) for `count` values.
    static func activate(_ activation: Activation, gate: UnsafePointer<Float>?, values: UnsafeMutablePointer<Float>,
                         count: Int, family: KernelFamily) {
        if family != .generic && activation == .gelu && gate == nil {
            avx2GeluErf(values, count: count)
            return
        }
        if family != .generic && activation != .gelu {
            avx2ActivateMultiply(gate: gate ?? UnsafePointer(values), up: values, count: count,
                                 gelu: activation == .geluTanh, multiply: gate != nil)
            return
        }
        for i in 0..<count {
            let x = gate?[i] ?? values[i]
            let activated: Float
            switch activation {
            case .silu: activated = silu(x)
            case .geluTanh: activated = geluTanh(x)
            case .gelu: activated = gelu(x)
            }
            values[i] = gate == nil ? activated : activated * values[i]
        }
    }

    /// Rotates `heads` heads of `headDimension` (RoPE), the first `dimensions` of each, by the
    /// angles of `RotaryEmbedding.angles`.
    static func rope(_ x: UnsafeMutablePointer<Float>, heads: Int, headDimension: Int, dimensions: Int,
                     cosines: UnsafePointer<Float>, sines: UnsafePointer<Float>, style: DecoderArchitecture.RotaryStyle) {
        let half = dimensions / 2
        for i in 0..<half {
            let c = cosines[i], s = sines[i]
            for h in 0..<heads {
                let head = x + h * headDimension
                let (a, b) = style == .halves ? (i, i + half) : (2 * i, 2 * i + 1)
                let x0 = head[a], x1 = head[b]
                head[a] = x0 * c - x1 * s
                head[b] = x1 * c + x0 * s
            }
        }
    }

    /// Index of the largest value (the lowest index on ties).
    static func argmax(_ x: UnsafeBufferPointer<Float>) -> Int {
        var best = 0
        for i in 1..<x.count where x[i] > x[best] { best = i }
        return best
    }
}
