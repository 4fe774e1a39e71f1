import Foundation
import RealizarCore

/// Self-test cases for the non-GEMV kernels, each against a plain double-precision reference.
enum LayerCases {
    static func all(large: Bool) -> [SelfTestCase] {
        // Rows of 4000+ values (1024 threads, a partial last step) and of 200 (256 threads).
        let columns = large ? 4096 + 96 : 384 + 4000
        var cases = NormKernel.Kind.allCases.flatMap { [norm($0, rows: 3, columns: columns), norm($0, rows: 3, columns: 200)] }
        cases += ElementwiseKernel.Op.allCases.map { elementwise($0, count: large ? 1 << 20 : 1000) }
        cases += RoPEKernel.Style.allCases.flatMap { style in
            [rope(style, headDimension: 64, rotaryDimensions: 64), rope(style, headDimension: 128, rotaryDimensions: 64)]
        }
        cases += EmbeddingKernel.supportedTypes.map { embedding($0, columns: large ? 4096 : 512) }
        cases += [
            attention(headDimension: 64, halfCache: false, context: large ? 4000 : 300, window: 0, softCap: 0),
            attention(headDimension: 128, halfCache: true, context: large ? 4000 : 300, window: 100, softCap: 0),
            attention(headDimension: 256, halfCache: true, context: large ? 1000 : 70, window: 0, softCap: 50),
            argmax(count: large ? 262_144 : 5000, blocks: large ? 128 : 3),
            mma(.m16n8k16F16F32), mma(.m16n8k32S8S32),
        ]
        return cases
    }

    static func norm(_ kind: NormKernel.Kind, rows: Int, columns: Int) -> SelfTestCase {
        let threads = NormKernel.threads(columns: columns)
        return SelfTestCase(op: NormKernel.name(kind, threads: threads), type: "f32") { executor in
            var data = TestData(seed: 21)
            let x = data.floats(rows * columns, scale: 3).map { $0 + 0.5 }
            let w = data.floats(columns)
            let b = data.floats(columns)
            let eps: Float = 1e-5
            var arguments: [ExecutorArgument] = [.buffer(try executor.buffer(x.bytes)), .buffer(try executor.buffer(w.bytes))]
            if kind == .layer { arguments.append(.buffer(try executor.buffer(b.bytes))) }
            let y = try executor.zeros(4 * rows * columns)
            arguments += [.buffer(y), .u32(UInt32(columns)), .f32(eps)]
            try executor.launch(NormKernel.make(kind, threads: threads), grid: Dim3(rows), block: Dim3(threads), arguments: arguments)
            var expected: [Double] = []
            for r in 0..<rows {
                let row = x[(r * columns)..<((r + 1) * columns)].map { Double($0) }
                let mean = kind == .layer ? row.reduce(0, +) / Double(columns) : 0
                let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(columns)
                let inverse = 1 / (variance + Double(eps)).squareRoot()
                for j in 0..<columns {
                    expected.append((row[j] - mean) * inverse * Double(w[j]) + (kind == .layer ? Double(b[j]) : 0))
                }
            }
            let actual = try executor.readFloats(y)
            return [CaseResult.compare(op: NormKernel.name(kind, threads: threads), type: "f32", actual: actual, expected: expected,
                                       bound: expected.map { 1e-5 * Swift.abs($0) + 1e-5 }, tolerance: "1e-5 rel + 1e-5")]
        }
    }

    static func elementwise(_ op: ElementwiseKernel.Op, count: Int) -> SelfTestCase {
        SelfTestCase(op: ElementwiseKernel.name(op), type: "f32") { executor in
            var data = TestData(seed: 31)
            let a = data.floats(count, scale: op == .softCap ? 80 : 6)
            let b = data.floats(count, scale: 2)
            let cap: Float = 30
            let y = try executor.zeros(4 * count)
            try executor.launch(ElementwiseKernel.make(op), grid: ElementwiseKernel.grid(count: count), block: Dim3(ElementwiseKernel.threads),
                                arguments: [.buffer(try executor.buffer(a.bytes)), .buffer(try executor.buffer(b.bytes)), .buffer(y),
                                            .u32(UInt32(count)), .f32(cap)])
            let expected: [Double] = (0..<count).map { i in
                let x = Double(a[i]), u = Double(b[i])
                let silu = x / (1 + Foundation.exp(-x))
                let gelu = 0.5 * x * (1 + Foundation.tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)))
                switch op {
                case .add: return x + u
                case .siluGate: return silu * u
                case .geluGate: return gelu * u
                case .softCap: return Foundation.tanh(x / Double(cap)) * Double(cap)
                case .scale: return x * Double(cap)
                case .silu: return silu
                case .gelu: return gelu
                }
            }
            let bound = expected.map { 1e-5 * Swift.abs($0) + (op == .softCap ? 1e-5 : 2e-6) }
            return [CaseResult.compare(op: ElementwiseKernel.name(op), type: "f32", actual: try executor.readFloats(y),
                                       expected: expected, bound: bound, tolerance: op == .softCap ? "1e-5 rel + 1e-5" : "1e-5 rel + 2e-6")]
        }
    }

    static func rope(_ style: RoPEKernel.Style, headDimension: Int, rotaryDimensions: Int) -> SelfTestCase {
        let op = "\(RoPEKernel.name(style)) d\(headDimension)/\(rotaryDimensions)"
        return SelfTestCase(op: op, type: "f32") { executor in
            var data = TestData(seed: 41)
            let rows = 3, heads = 4
            let positions: [UInt32] = [0, 17, 1234]
            let base: Float = 10000, scale: Float = 0.5
            let x = data.floats(rows * heads * headDimension)
            let buffer = try executor.buffer(x.bytes)
            let pairs = rotaryDimensions / 2
            var angles: [Float] = []
            for position in positions {
                let p = Double(position) * Double(scale)
                let thetas = (0..<pairs).map { p * Foundation.pow(Double(base), -2 * Double($0) / Double(rotaryDimensions)) }
                angles += thetas.map { Float(Foundation.cos($0)) } + thetas.map { Float(Foundation.sin($0)) }
            }
            let count = rows * heads * pairs
            try executor.launch(RoPEKernel.make(style), grid: RoPEKernel.grid(count: count), block: Dim3(RoPEKernel.threads),
                                arguments: [.buffer(buffer), .buffer(try executor.buffer(angles.bytes)),
                                            .u32(UInt32(heads)), .u32(UInt32(count)), .u32(UInt32(headDimension)),
                                            .u32(UInt32(rotaryDimensions))])
            var expected = x.map { Double($0) }
            var bound = [Double](repeating: 1e-7, count: x.count)
            for r in 0..<rows {
                let position = Double(positions[r]) * Double(scale)
                for h in 0..<heads {
                    let start = (r * heads + h) * headDimension
                    for i in 0..<pairs {
                        let theta = position * Foundation.pow(Double(base), -2 * Double(i) / Double(rotaryDimensions))
                        let (first, second) = style == .adjacent ? (start + 2 * i, start + 2 * i + 1) : (start + i, start + i + pairs)
                        let a = Double(x[first]), b = Double(x[second])
                        expected[first] = a * Foundation.cos(theta) - b * Foundation.sin(theta)
                        expected[second] = a * Foundation.sin(theta) + b * Foundation.cos(theta)
                        // Cosines and sines rounded to f32 on the host, then two f32 products and a sum.
                        bound[first] = 3e-7 * (Swift.abs(a) + Swift.abs(b)) + 1e-7
                        bound[second] = bound[first]
                    }
                }
            }
            return [CaseResult.compare(op: op, type: "f32", actual: try executor.readFloats(buffer), expected: expected, bound: bound,
                                       tolerance: "3e-7·(|a|+|b|) + 1e-7")]
        }
    }

    static func embedding(_ type: GGMLType, columns: Int) -> SelfTestCase {
        SelfTestCase(op: "embedding", type: type.name) { executor in
            var data = TestData(seed: 51)
            let vocabulary = 10
            let table = try Quantization.quantize(type, data.floats(vocabulary * columns))
            let ids: [UInt32] = [3, 0, 9, 3]
            let y = try executor.zeros(4 * ids.count * columns)
            let units = EmbeddingKernel.units(type, tokens: ids.count, columns: columns)
            try executor.launch(EmbeddingKernel.make(type), grid: EmbeddingKernel.grid(units: units), block: Dim3(EmbeddingKernel.threads),
                                arguments: [.buffer(try executor.buffer(DeviceWeightLayout.pack(type, table, rows: vocabulary, columns: columns))),
                                            .buffer(try executor.buffer(ids.withUnsafeBytes { Array($0) })),
                                            .buffer(y), .u32(UInt32(units)), .u32(UInt32(columns))])
            let rowBytes = columns / type.blockSize * type.typeSize
            var expected: [Double] = []
            for id in ids {
                let row = Array(table[(Int(id) * rowBytes)..<((Int(id) + 1) * rowBytes)])
                expected += try Dequantization.dequantize(type, bytes: row).map { Double($0) }
            }
            return [CaseResult.compare(op: "embedding", type: type.name, actual: try executor.readFloats(y), expected: expected,
                                       bound: expected.map { 1e-6 * Swift.abs($0) + 1e-6 }, tolerance: "1e-6 rel + 1e-6")]
        }
    }

    static func attention(headDimension: Int, halfCache: Bool, context: Int, window: Int, softCap: Float) -> SelfTestCase {
        let op = "attention d\(headDimension)\(window > 0 ? " win\(window)" : "")\(softCap > 0 ? " cap" : "")"
        return SelfTestCase(op: op, type: halfCache ? "f16 kv" : "f32 kv") { executor in
            var data = TestData(seed: 61)
            let sequences = 2, heads = 4, kvHeads = 2, maxContext = context
            let lengths: [UInt32] = [UInt32(context), UInt32(context / 2 + 1)]
            let q = data.floats(sequences * heads * headDimension)
            let cacheCount = sequences * kvHeads * maxContext * headDimension
            var keys = data.floats(cacheCount, scale: 2)
            var values = data.floats(cacheCount)
            if halfCache {
                keys = keys.map(HalfPrecision.roundedToHalf)
                values = values.map(HalfPrecision.roundedToHalf)
            }
            func cacheBytes(_ v: [Float]) -> [UInt8] {
                halfCache ? v.map(HalfPrecision.halfBits).withUnsafeBytes { Array($0) } : v.bytes
            }
            let scale = 1 / Float(headDimension).squareRoot()
            let splits = AttentionDecodeKernel.splits(span: maxContext)
            let partials = try executor.zeros(4 * sequences * heads * splits * (headDimension + 2))
            let out = try executor.zeros(4 * sequences * heads * headDimension)
            // Each row's cache through a KV table, as the backend passes them.
            let keyBuffer = try executor.buffer(cacheBytes(keys)), valueBuffer = try executor.buffer(cacheBytes(values))
            let sequenceBytes = UInt64(kvHeads * maxContext * headDimension * (halfCache ? 2 : 4))
            let table = try (0..<sequences).flatMap { s in
                KVTable.Entry(keys: try executor.address(keyBuffer) + UInt64(s) * sequenceBytes,
                              values: try executor.address(valueBuffer) + UInt64(s) * sequenceBytes, layerBytes: sequenceBytes,
                              capacity: UInt32(maxContext), splits: UInt32(splits)).words
            }
            let caches = try executor.buffer(table.withUnsafeBytes { Array($0) })
            try executor.launch(AttentionDecodeKernel.makeSplit(headDimension: headDimension, halfCache: halfCache),
                                grid: Dim3(splits, heads, sequences), block: Dim3(AttentionDecodeKernel.threads),
                                arguments: [.buffer(try executor.buffer(q.bytes)), .buffer(caches), .buffer(partials),
                                            .buffer(try executor.buffer(lengths.withUnsafeBytes { Array($0) })), .u32(0),
                                            .u32(UInt32(heads)), .u32(UInt32(kvHeads)), .u32(UInt32(splits)),
                                            .f32(scale), .f32(softCap), .u32(UInt32(window))])
            try executor.launch(AttentionDecodeKernel.makeReduce(headDimension: headDimension), grid: Dim3(heads, sequences),
                                block: Dim3(headDimension),
                                arguments: [.buffer(partials), .buffer(caches), .buffer(out), .buffer(out), .u32(UInt32(heads)), .u32(UInt32(splits))])
            var expected: [Double] = []
            for s in 0..<sequences {
                let length = Int(lengths[s])
                let first = window > 0 && length > window ? length - window : 0
                for h in 0..<heads {
                    let kv = h / (heads / kvHeads)
                    let query = (0..<headDimension).map { Double(q[(s * heads + h) * headDimension + $0]) }
                    var scores: [Double] = []
                    for p in first..<length {
                        let base = ((s * kvHeads + kv) * maxContext + p) * headDimension
                        var dot = 0.0
                        for d in 0..<headDimension { dot += query[d] * Double(keys[base + d]) }
                        var score = dot * Double(scale)
                        if softCap > 0 { score = Foundation.tanh(score / Double(softCap)) * Double(softCap) }
                        scores.append(score)
                    }
                    let top = scores.max()!
                    let weights = scores.map { Foundation.exp($0 - top) }
                    let total = weights.reduce(0, +)
                    for d in 0..<headDimension {
                        var sum = 0.0
                        for (i, p) in (first..<length).enumerated() {
                            sum += weights[i] * Double(values[((s * kvHeads + kv) * maxContext + p) * headDimension + d])
                        }
                        expected.append(sum / total)
                    }
                }
            }
            return [CaseResult.compare(op: op, type: halfCache ? "f16 kv" : "f32 kv", actual: try executor.readFloats(out), expected: expected,
                                       bound: expected.map { _ in 2e-5 }, tolerance: "2e-5 abs")]
        }
    }

    static func argmax(count: Int, blocks: Int) -> SelfTestCase {
        SelfTestCase(op: "argmax", type: "f32") { executor in
            var data = TestData(seed: 71)
            var logits = data.floats(count, scale: 10)
            logits[count / 3] = 50
            logits[count - 7] = 50  // a tie: the first index wins
            let partials = try executor.zeros(8 * blocks)
            let result = try executor.zeros(4)
            try executor.launch(ArgmaxKernel.makePartial(), grid: Dim3(blocks), block: Dim3(ArgmaxKernel.threads),
                                arguments: [.buffer(try executor.buffer(logits.bytes)), .buffer(partials), .u32(UInt32(count))])
            try executor.launch(ArgmaxKernel.makeFinal(), grid: Dim3(1), block: Dim3(ArgmaxKernel.threads),
                                arguments: [.buffer(partials), .buffer(result), .u32(UInt32(blocks))])
            let bytes = try executor.read(result)
            let index = UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24
            let expected = logits.indices.max { logits[$0] < logits[$1] || (logits[$0] == logits[$1] && $0 > $1) }!
            return [CaseResult(op: "argmax", type: "f32", maxError: Double(index == expected ? 0 : 1), tolerance: "exact index",
                               passed: Int(index) == expected, detail: Int(index) == expected ? "" : "got \(index), expected \(expected)")]
        }
    }

    static func mma(_ shape: MMAShape) -> SelfTestCase {
        let isHalf = shape == .m16n8k16F16F32
        return SelfTestCase(op: MMATestKernel.name(shape), type: isHalf ? "f16" : "s8") { executor in
            var data = TestData(seed: 81)
            let k = isHalf ? 16 : 32
            let a = data.floats(16 * k, scale: 2).map { isHalf ? HalfPrecision.roundedToHalf($0) : ($0 * 60).rounded() }
            let b = data.floats(8 * k, scale: 2).map { isHalf ? HalfPrecision.roundedToHalf($0) : ($0 * 60).rounded() }
            func encode(_ v: [Float]) -> [UInt8] {
                isHalf ? v.map(HalfPrecision.halfBits).withUnsafeBytes { Array($0) } : v.map { UInt8(bitPattern: Int8($0)) }
            }
            let d = try executor.zeros(4 * 16 * 8)
            try executor.launch(MMATestKernel.make(shape), grid: Dim3(1), block: Dim3(32),
                                arguments: [.buffer(try executor.buffer(encode(a))), .buffer(try executor.buffer(encode(b))), .buffer(d)])
            var expected: [Double] = []
            for row in 0..<16 {
                for column in 0..<8 {
                    var sum = 0.0
                    for i in 0..<k { sum += Double(a[row * k + i]) * Double(b[column * k + i]) }
                    expected.append(sum)
                }
            }
            let raw = try executor.read(d)
            let actual: [Float] = raw.withUnsafeBytes { bytes in
                (0..<128).map { i in
                    isHalf ? bytes.loadUnaligned(fromByteOffset: 4 * i, as: Float.self) : Float(bytes.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self))
                }
            }
            return [CaseResult.compare(op: MMATestKernel.name(shape), type: isHalf ? "f16" : "s8", actual: actual, expected: expected,
                                       bound: expected.map { isHalf ? 1e-5 * Swift.abs($0) + 1e-4 : 0 }, tolerance: isHalf ? "1e-5 rel + 1e-4" : "exact")]
        }
    }
}
