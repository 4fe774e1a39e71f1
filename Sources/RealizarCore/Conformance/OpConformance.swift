import Foundation

/// Every operation a backend computes, on random inputs, against plain float64 math: the spirit
/// of ggml's `test-backend-ops`. `realizar selftest` prints the table for each kernel family this
/// CPU has (and, once they exist, for other backends).
///
/// The error of a case is its largest |Δ| divided by max(1, largest |reference|): absolute for
/// small outputs, relative for large ones. Tolerances are stated per case: 1e-5 where the math is
/// f32 throughout, 2e-2 where activations are quantized to 8 bits for the integer kernels (their
/// measured error on these cases is 0.4–1.2e-2, from the activations' rounding alone).
public enum OpConformance {
    public struct Result: Sendable {
        public let operation: String
        public let type: String
        public let backend: String
        public let maxError: Double
        public let tolerance: Double
        public var passed: Bool { maxError <= tolerance }
    }

    struct Case {
        let operation: String
        let type: String
        let tolerance: Double
        /// Tokens per sequence of the pass, and the position each sequence starts at.
        var sequences: [(count: Int, start: Int)]
        let probe: ProbeGraph
        let reference: [Float]
    }

    /// The weight types with a matrix product to check (those the quantizer can write).
    public static let matrixTypes: [GGMLType] = [.f32, .f16, .bf16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q4_K, .q5_K, .q6_K]

    /// Runs every case whose operations `backend` computes (the CUDA backend leaves encoders'
    /// operations to the CPU).
    public static func run(on backend: any Backend) throws -> [Result] {
        try cases().filter { c in c.probe.graph.operations.allSatisfy { backend.supports($0, in: c.probe.graph) } }
            .map { try run($0, on: backend) }
    }

    static func run(_ c: Case, on backend: any Backend) throws -> Result {
        let prepared = try backend.prepare(c.probe.graph, weights: c.probe.source)
        var entries: [SequenceBatch] = []
        var row = 0
        for sequence in c.sequences {
            let cache = try prepared.makeCache(capacity: sequence.start + sequence.count)
            cache.count = sequence.start
            entries.append(SequenceBatch(cache: cache, tokens: Array(row..<(row + sequence.count))))
            row += sequence.count
        }
        var logits: [Float] = []
        try prepared.run(ForwardPass(entries: entries, logitRows: entries.map { 0..<$0.tokens.count }, rowCount: row), into: &logits)
        var largest: Double = 1
        var error: Double = logits.count == c.reference.count ? 0 : .infinity
        for (value, expected) in zip(logits, c.reference) {
            largest = max(largest, Double(abs(expected)))
            error = max(error, value.isFinite ? Double(abs(value - expected)) : .infinity)
        }
        return Result(operation: c.operation, type: c.type, backend: backend.name, maxError: error / largest, tolerance: c.tolerance)
    }

    /// The table `realizar selftest` prints.
    public static func table(_ results: [Result]) -> String {
        var lines = ["| op | type | backend | max error | tolerance | pass |", "| --- | --- | --- | ---: | ---: | --- |"]
        for r in results {
            lines.append("| \(r.operation) | \(r.type) | \(r.backend) | \(String(format: "%.2e", r.maxError)) | \(String(format: "%.0e", r.tolerance)) | \(r.passed ? "yes" : "NO") |")
        }
        return lines.joined(separator: "\n")
    }

    static func cases() throws -> [Case] {
        var all: [Case] = []
        var seed: UInt64 = 1
        func next() -> UInt64 { seed += 1; return seed &* 0x9E37_79B9_7F4A_7C15 }
        for type in matrixTypes {
            // 70 rows: a prompt, which a backend may multiply with another kernel (tensor cores),
            // longer than one tile of 64 tokens and ending in a partial one.
            for rows in [1, 5, 70] { all.append(try matmul(type, batch: rows, seed: next())) }
        }
        all.append(try norm(layer: false, width: 320, group: 320, seed: next()))
        all.append(try norm(layer: false, width: 256, group: 64, seed: next()))
        all.append(try norm(layer: true, width: 320, group: 320, seed: next()))
        for style in [DecoderArchitecture.RotaryStyle.adjacent, .halves] {
            all.append(try rope(style, dimensions: 64, scale: 1, start: 0, seed: next()))
            all.append(try rope(style, dimensions: 32, scale: 8, start: 3000, seed: next()))
        }
        all.append(try attention(window: nil, seed: next()))
        all.append(try attention(window: 5, seed: next()))
        all.append(try attention(window: 5, softCap: 0.5, seed: next()))
        all.append(try attention(window: nil, causal: false, seed: next()))
        for activation in [Activation.silu, .geluTanh, .gelu] {
            all.append(try activate(activation, gated: true, seed: next()))
            all.append(try activate(activation, gated: false, seed: next()))
        }
        for type in [GGMLType.f16, .q8_0, .q4_K] { all.append(try embed(type, seed: next())) }
        all.append(try elementwise(seed: next()))
        all.append(try addRow(seed: next()))
        return all
    }

    static func matmul(_ type: GGMLType, batch: Int, seed: UInt64) throws -> Case {
        let columns = 512, outputs = 48
        var p = try ProbeGraph(rows: batch, inputWidth: columns, outputWidth: outputs, seed: seed)
        let weight = try p.matrix("w", type: type, rows: outputs, columns: columns, values: p.uniform(outputs * columns, in: -0.1...0.1))
        let out = p.tensor("out", width: outputs)
        p.graph.operations.append(.matmul(input: p.input, products: [.init(weight: weight, output: out)]))
        p.output(out)
        let w = p.stored(weight)
        let reference = p.inputRows.flatMap { x in
            (0..<outputs).map { r in Float((0..<columns).reduce(0.0) { $0 + Double(w[r * columns + $1]) * Double(x[$1]) }) }
        }
        let integer = QuantizedMatmul.supports(type, columns: columns)
        return Case(operation: "matmul ×\(batch)", type: type.name, tolerance: integer ? 2e-2 : 1e-5,
                    sequences: [(batch, 0)], probe: p, reference: reference)
    }

    static func norm(layer: Bool, width: Int, group: Int, seed: UInt64) throws -> Case {
        let rows = 3
        var p = try ProbeGraph(rows: rows, inputWidth: width, outputWidth: width, seed: seed)
        let weightValues = p.uniform(group, in: 0.5...1.5), biasValues = p.uniform(group, in: -0.5...0.5)
        let weight = try p.vector("norm", values: weightValues)
        let out = p.tensor("out", width: width)
        let epsilon: Float = 1e-6
        if layer {
            let bias = try p.vector("bias", values: biasValues)
            p.graph.operations.append(.layerNorm(input: p.input, output: out, weight: weight, bias: bias, epsilon: epsilon))
        } else {
            p.graph.operations.append(.rmsNorm(input: p.input, output: out, weight: weight, groupWidth: group, epsilon: epsilon))
        }
        p.output(out)
        var reference: [Float] = []
        for x in p.inputRows {
            for g in stride(from: 0, to: width, by: group) {
                let values = x[g..<(g + group)].map(Double.init)
                let mean = layer ? values.reduce(0, +) / Double(group) : 0
                let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(group)
                let inverse = 1 / (variance + Double(epsilon)).squareRoot()
                for (i, v) in values.enumerated() {
                    reference.append(Float((v - mean) * inverse * Double(weightValues[i]) + (layer ? Double(biasValues[i]) : 0)))
                }
            }
        }
        return Case(operation: layer ? "layer norm" : group == width ? "rms norm" : "rms norm per head",
                    type: "f32", tolerance: 1e-5, sequences: [(rows, 0)], probe: p, reference: reference)
    }

    static func rope(_ style: DecoderArchitecture.RotaryStyle, dimensions: Int, scale: Float, start: Int, seed: UInt64) throws -> Case {
        let heads = 3, hd = 64, rows = 4
        var p = try ProbeGraph(rows: rows, inputWidth: heads * hd, outputWidth: heads * hd, seed: seed)
        p.graph.rotations = [RotaryEmbedding(style: style, dimensions: dimensions, base: 10_000, scale: scale)]
        p.graph.operations.append(.rope(p.input, heads: heads, headDimension: hd, rotation: RotaryRef(index: 0)))
        p.output(p.input)
        var reference: [Float] = []
        for (t, x) in p.inputRows.enumerated() {
            var y = x.map(Double.init)
            let position = Double(start + t) / Double(scale)
            for h in 0..<heads {
                for i in 0..<(dimensions / 2) {
                    let theta = position * pow(10_000, -2 * Double(i) / Double(dimensions))
                    let (a, b) = style == .halves ? (i, i + dimensions / 2) : (2 * i, 2 * i + 1)
                    let x0 = Double(x[h * hd + a]), x1 = Double(x[h * hd + b])
                    y[h * hd + a] = x0 * cos(theta) - x1 * sin(theta)
                    y[h * hd + b] = x1 * cos(theta) + x0 * sin(theta)
                }
            }
            reference += y.map(Float.init)
        }
        return Case(operation: "rope \(style) \(dimensions)/\(hd)\(scale != 1 ? " ÷\(Int(scale))" : "")", type: "f32",
                    tolerance: 1e-5, sequences: [(rows, start)], probe: p, reference: reference)
    }

    /// Two sequences (12 and 8 tokens) in one pass; each row's queries, keys and values are
    /// slices of its input row; four query heads share two KV heads.
    static func attention(window: Int?, softCap: Float? = nil, causal: Bool = true, seed: UInt64) throws -> Case {
        let heads = 4, kvHeads = 2, hd = 64
        let qDim = heads * hd, kvDim = kvHeads * hd, width = qDim + 2 * kvDim
        let lengths = [12, 8]
        var p = try ProbeGraph(rows: lengths.reduce(0, +), inputWidth: width, outputWidth: qDim, seed: seed)
        p.graph.cacheLayers = 1
        p.graph.cacheRowWidth = kvDim
        let q = p.tensor("q", width: qDim), k = p.tensor("k", width: kvDim), v = p.tensor("v", width: kvDim)
        let out = p.tensor("out", width: qDim)
        let scale = 1 / Float(hd).squareRoot()
        var shape = AttentionShape(heads: heads, kvHeads: kvHeads, headDimension: hd, scale: scale, window: window, softCap: softCap)
        shape.causal = causal
        p.graph.operations += [
            .slice(input: p.input, offset: 0, output: q), .slice(input: p.input, offset: qDim, output: k),
            .slice(input: p.input, offset: qDim + kvDim, output: v), .storeKV(layer: 0, keys: k, values: v),
            .attention(layer: 0, queries: q, output: out, shape: shape),
        ]
        p.output(out)
        let rows = p.inputRows
        var reference: [Float] = []
        var first = 0
        for length in lengths {
            for t in 0..<length {
                let last = causal ? t : length - 1
                let visible = (window.map { max(0, last - $0 + 1) } ?? 0)...last
                for h in 0..<heads {
                    let kvHead = h / (heads / kvHeads)
                    let query = rows[first + t][(h * hd)..<((h + 1) * hd)].map(Double.init)
                    let scores = visible.map { j -> Double in
                        let key = rows[first + j][(qDim + kvHead * hd)...]
                        let score = (0..<hd).reduce(0.0) { $0 + query[$1] * Double(key[key.startIndex + $1]) } * Double(scale)
                        return softCap.map { tanh(score / Double($0)) * Double($0) } ?? score
                    }
                    let top = scores.max()!
                    let weights = scores.map { exp($0 - top) }
                    let total = weights.reduce(0, +)
                    for i in 0..<hd {
                        var acc = 0.0
                        for (n, j) in visible.enumerated() { acc += weights[n] * Double(rows[first + j][qDim + kvDim + kvHead * hd + i]) }
                        reference.append(Float(acc / total))
                    }
                }
            }
            first += length
        }
        return Case(operation: "attention gqa\(causal ? "" : " bidirectional")\(window.map { " window \($0)" } ?? "")\(softCap.map { " softcap \($0)" } ?? "")",
                    type: "f32", tolerance: 1e-5,
                    sequences: lengths.map { ($0, 0) }, probe: p, reference: reference)
    }

    static func activate(_ activation: Activation, gated: Bool, seed: UInt64) throws -> Case {
        let width = 96, rows = 3
        var p = try ProbeGraph(rows: rows, inputWidth: 2 * width, outputWidth: width, seed: seed)
        let gate = p.tensor("gate", width: width), up = p.tensor("up", width: width)
        p.graph.operations += [.slice(input: p.input, offset: 0, output: gate), .slice(input: p.input, offset: width, output: up),
                               .activate(activation, gate: gated ? gate : nil, values: up)]
        p.output(up)
        func act(_ x: Double) -> Double {
            switch activation {
            case .silu: x / (1 + exp(-x))
            case .geluTanh: 0.5 * x * (1 + tanh(0.797_884_560_802_865_4 * (x + 0.044715 * x * x * x)))
            case .gelu: 0.5 * x * (1 + erf(x / 2.0.squareRoot()))
            }
        }
        let reference = p.inputRows.flatMap { x in
            (0..<width).map { i in Float(gated ? act(Double(x[i])) * Double(x[width + i]) : act(Double(x[width + i]))) }
        }
        return Case(operation: "\(activation)\(gated ? " gated" : "")", type: "f32", tolerance: 1e-5,
                    sequences: [(rows, 0)], probe: p, reference: reference)
    }

    /// Rows of a quantized table, looked up by token: exactly the dequantized rows.
    static func embed(_ type: GGMLType, seed: UInt64) throws -> Case {
        let width = 256, vocabulary = 40
        var p = try ProbeGraph(rows: 4, inputWidth: 8, outputWidth: width, seed: seed)
        let table = try p.matrix("table", type: type, rows: vocabulary, columns: width, values: p.inputValues(vocabulary * width))
        let out = p.tensor("out", width: width)
        p.graph.operations = [.embed(table: table, positions: nil, output: out)]
        p.graph.tokenCount = vocabulary
        p.output(out)
        let stored = p.stored(table)
        return Case(operation: "embedding lookup", type: type.name, tolerance: 0, sequences: [(4, 0)], probe: p,
                    reference: (0..<4).flatMap { Array(stored[($0 * width)..<(($0 + 1) * width)]) })
    }

    /// One row of a table added to every row (BERT's token types).
    static func addRow(seed: UInt64) throws -> Case {
        let width = 64, rows = 3
        var p = try ProbeGraph(rows: rows, inputWidth: width, outputWidth: width, seed: seed)
        let table = try p.matrix("types", type: .f32, rows: 2, columns: width, values: p.uniform(2 * width, in: -1...1))
        let a = p.tensor("a", width: width)
        p.graph.operations += [.slice(input: p.input, offset: 0, output: a), .addRow(a, table: table, row: 1)]
        p.output(a)
        let stored = p.stored(table)
        let reference = p.inputRows.flatMap { x in (0..<width).map { x[$0] + stored[width + $0] } }
        return Case(operation: "add table row", type: "f32", tolerance: 0, sequences: [(rows, 0)], probe: p, reference: reference)
    }

    /// Scale, bias, residual add and soft-capping together.
    static func elementwise(seed: UInt64) throws -> Case {
        let width = 64, rows = 3
        var p = try ProbeGraph(rows: rows, inputWidth: 2 * width, outputWidth: width, seed: seed)
        let biasValues = p.uniform(width, in: -1...1)
        let bias = try p.vector("bias", values: biasValues)
        let a = p.tensor("a", width: width), b = p.tensor("b", width: width)
        p.graph.operations += [.slice(input: p.input, offset: 0, output: a), .slice(input: p.input, offset: width, output: b),
                               .scale(a, factor: 3), .addBias(a, bias: bias), .add(a, b), .softCap(a, cap: 5)]
        p.output(a)
        let reference = p.inputRows.flatMap { x in
            (0..<width).map { i in
                let sum = Double(x[i]) * 3 + Double(biasValues[i]) + Double(x[width + i])
                return Float(tanh(sum / 5) * 5)
            }
        }
        return Case(operation: "scale+bias+add+softcap", type: "f32", tolerance: 1e-5, sequences: [(rows, 0)], probe: p,
                    reference: reference)
    }
}
