/// Element-wise kernels, one thread per element (`threads` per block, grid covers `count`).
public enum ElementwiseKernel {
    public static let threads = 256

    public enum Op: String, Sendable, CaseIterable {
        /// `y = a + b` (the residual connection).
        case add
        /// `y = silu(gate) · up`, `silu(g) = g / (1 + e^-g)`.
        case siluGate = "silu_gate"
        /// `y = gelu_tanh(gate) · up`, `0.5·g·(1 + tanh(√(2/π)·(g + 0.044715·g³)))`.
        case geluGate = "gelu_tanh_gate"
        /// `y = tanh(a / cap) · cap` (logit soft-capping; `b` unused, pass `a`).
        case softCap = "softcap"
        /// `y = a · scalar` (`b` unused).
        case scale
        /// `y = silu(a)`, a feed-forward without a gate (`b` unused).
        case silu
        /// `y = gelu_tanh(a)` (GPT-2's feed-forward; `b` unused).
        case gelu = "gelu_tanh"
    }

    public static func name(_ op: Op) -> String { "\(op.rawValue)_f32" }

    /// Parameters: `a`, `b`, `y`, `count`, `scalar` (the cap for `softCap`, else unused).
    public static func make(_ op: Op) -> Kernel {
        let k = KernelBuilder(name: name(op), maxThreads: threads)
        let a = k.pointerParameter("a")
        let b = k.pointerParameter("b")
        let y = k.pointerParameter("y")
        let count = k.u32Parameter("count")
        let scalar = k.f32Parameter("scalar")
        let i = k.blockIndex * threads + k.threadIndex
        k.returnIf(i.ge(count))
        let offset = i << 2
        let x = k.load(.f32, from: a + offset)
        let result: Value
        switch op {
        case .add:
            result = x + k.load(.f32, from: b + offset)
        case .siluGate:
            result = silu(k, x) * k.load(.f32, from: b + offset)
        case .geluGate:
            result = gelu(k, x) * k.load(.f32, from: b + offset)
        case .softCap:
            result = k.tanhAccurate(x / scalar) * scalar
        case .scale:
            result = x * scalar
        case .silu:
            result = silu(k, x)
        case .gelu:
            result = gelu(k, x)
        }
        k.store(result, to: y + offset)
        return k.finish()
    }

    static func silu(_ k: KernelBuilder, _ x: Value) -> Value {
        x * k.reciprocal(k.exp(-x) + Float(1))
    }

    static func gelu(_ k: KernelBuilder, _ x: Value) -> Value {
        let inner = k.fma(x * x * x, Float(0.044715), x) * Float(0.7978845608028654)
        return Float(0.5) * x * (k.tanhAccurate(inner) + Float(1))
    }

    public static func grid(count: Int) -> Dim3 { Dim3((count + threads - 1) / threads) }
}
