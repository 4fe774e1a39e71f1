/// A one-operation graph over in-memory weights, for checking a backend's operations one by one.
///
/// The input rows enter as an f32 "embedding table" looked up by row number (an exact copy), the
/// operations under test run, and the result is copied out as the graph's logits.
struct ProbeGraph {
    var graph: ModelGraph
    let source = MemoryTensorSource(name: "op conformance")
    let input: TensorRef
    private var random: SeededRandom

    init(rows: Int, inputWidth: Int, outputWidth: Int, seed: UInt64) throws {
        graph = ModelGraph(description: DecoderArchitecture(
            name: "probe", embeddingLength: inputWidth, blockCount: 1, feedForwardLength: inputWidth, headCount: 1,
            headCountKV: 1, headDimension: 2, contextLength: 1 << 16, normEpsilon: 1e-5))
        graph.tensors = [TensorSpec(name: "logits", width: outputWidth, rows: .selected),
                         TensorSpec(name: "x", width: inputWidth, rows: .batch)]
        graph.vocabularySize = outputWidth
        graph.tokenCount = rows
        input = TensorRef(index: 1)
        random = SeededRandom(seed: seed)
        let table = try matrix("input", type: .f32, rows: rows, columns: inputWidth, values: inputValues(rows * inputWidth))
        graph.operations = [.embed(table: table, positions: nil, output: input)]
    }

    /// Random values with a spread like activations (a few large ones among many small).
    mutating func inputValues(_ count: Int) -> [Float] {
        (0..<count).map { _ in random.normal() * (random.uniform() < 0.05 ? 4 : 1) }
    }

    mutating func uniform(_ count: Int, in range: ClosedRange<Float>) -> [Float] {
        (0..<count).map { _ in range.lowerBound + (range.upperBound - range.lowerBound) * random.uniform() }
    }

    var inputRows: [[Float]] {
        let spec = graph.matrices[0]
        let values = try! Dequantization.dequantize(.f32, bytes: source.bytes(of: source.tensorInfo(named: "input")!))
        return (0..<spec.rows).map { Array(values[($0 * spec.columns)..<(($0 + 1) * spec.columns)]) }
    }

    mutating func tensor(_ name: String, width: Int) -> TensorRef {
        graph.tensors.append(TensorSpec(name: name, width: width, rows: .batch))
        return TensorRef(index: graph.tensors.count - 1)
    }

    mutating func matrix(_ name: String, type: GGMLType, rows: Int, columns: Int, values: [Float]) throws -> MatrixRef {
        try source.add(name, type: type, shape: [columns, rows], values: values)
        graph.matrices.append(MatrixSpec(name: name, type: type, rows: rows, columns: columns))
        return MatrixRef(index: graph.matrices.count - 1)
    }

    mutating func vector(_ name: String, values: [Float]) throws -> VectorRef {
        try source.add(name, shape: [values.count], values: values)
        graph.vectors.append(VectorSpec(name: name, count: values.count))
        return VectorRef(index: graph.vectors.count - 1)
    }

    /// Ends the graph by copying `result` into the logits.
    mutating func output(_ result: TensorRef) {
        graph.operations.append(.selectRows(input: result, output: ModelGraph.logits))
    }

    /// The values a weight holds after its round trip through its block format.
    func stored(_ matrix: MatrixRef) -> [Float] {
        let spec = graph.matrices[matrix.index]
        return try! Dequantization.dequantize(spec.type, bytes: source.bytes(of: source.tensorInfo(named: spec.name)!))
    }
}

/// xorshift64* with Box–Muller normals: the same inputs on every machine and run.
struct SeededRandom {
    private var state: UInt64

    init(seed: UInt64) { state = seed | 1 }

    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 2_685_821_657_736_338_717
    }

    mutating func uniform() -> Float { Float(next() >> 40) / Float(1 << 24) }

    mutating func normal() -> Float {
        let u = max(uniform(), 1e-7), v = uniform()
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }
}

import Foundation
