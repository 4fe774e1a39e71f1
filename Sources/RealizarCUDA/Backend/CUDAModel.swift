import Foundation
import RealizarCore

/// A graph placed on a `KernelDevice`: every matrix in device memory in its block format, every
/// vector as f32, and a pass queued as one stream of launches that waits once, for the logits.
///
/// A pass's host inputs (token ids, positions, keys visible per row, the rows that want logits,
/// and each RoPE setting's cosines and sines, formed in float64 as on the CPU) go up in two copies
/// at its start. A prompt's rows (an entry of at least `promptRows` tokens) are multiplied by
/// quantized matrices on the tensor cores (`TensorCoreGEMMKernel`); other rows quantize their input
/// to Q8_1 and run up to 16 rows per GEMV launch. Which kernel a row takes depends only on its own
/// sequence. Attention and the KV store are one launch for every row of the pass, each row reading
/// its own sequence's cache through the `KVTable`, a prompt's rows causally. A pass without a
/// prompt runs the fused `DecodeStep` plan, bit for bit the same.
///
/// A decode step (one token per sequence) launches the same kernels with the same arguments step
/// after step while the batch's sequences stay the same: only the inputs in device memory change.
/// The second time a batch is seen its launches are captured (a CUDA graph) and from then on
/// replayed in one call. So that nothing in the launches depends on the step, a one-token row's
/// attention is split by its cache's capacity, not its length (blocks past the length do nothing);
/// the split depends only on the sequence itself, so a sequence's logits do not depend on what
/// else shares its batch.
final class CUDAModel: PreparedModel, @unchecked Sendable {
    let graph: ModelGraph
    let device: any KernelDevice
    private let matrices: [DeviceMemory]
    private let vectors: [DeviceMemory]
    /// Host copies of the vectors RoPE divides its frequencies by.
    private let hostVectors: [Int: [Float]]
    /// Each cached layer's attention shape (its store needs the head layout).
    private let layerShapes: [Int: AttentionShape]
    private var kernels: [String: Kernel] = [:]
    private let workspace: CUDAWorkspace
    /// Captured decode steps by batch, oldest first; at most `graphLimit`.
    private var graphs: [(key: StepKey, launches: CapturedLaunches)] = []
    private var lastStep: StepKey?
    static let graphLimit = 16
    /// Whether decode steps are captured and replayed (on by default).
    let capturesSteps: Bool
    /// Whether passes without a prompt run the fused `DecodePlan` (on by default; the same bits).
    let fusesDecode: Bool
    /// Grid size from which prompt products take the tensor-core GEMM's wide token tile.
    let wideGridBlocks: Int
    private let decodePlan: [DecodeStep]

    /// The kinds of fused step the decode plan holds (`residual`, `gated`, `headPrep`,
    /// `attention`, `multiply`), for tests.
    var fusedStepKinds: Set<String> {
        Set(decodePlan.compactMap { step in
            switch step {
            case .operation: nil
            case .residual: "residual"
            case .gated: "gated"
            case .headPrep: "headPrep"
            case .attention: "attention"
            case .multiply: "multiply"
            }
        })
    }
    /// Decode steps replayed from a capture, and captures made (for tests and logs).
    private(set) var replayedSteps = 0
    private(set) var capturedSteps = 0
    private let serials = NSLock()
    private var nextSerial = 0

    /// A decode step's identity: the caches it runs over, in order, which of them want logits,
    /// and the workspace it uses.
    struct StepKey: Hashable {
        let caches: [Int]
        let logits: [Int]
        let greedy: Bool
        let workspace: Int
    }

    init(graph: ModelGraph, source: any TensorSource, device: any KernelDevice, capturesSteps: Bool = true, fusesDecode: Bool = true,
         wideGridBlocks: Int = TensorCoreGEMMKernel.wideGridBlocks) throws {
        self.graph = graph
        self.wideGridBlocks = wideGridBlocks
        self.device = device
        self.capturesSteps = capturesSteps
        self.fusesDecode = fusesDecode
        decodePlan = DecodeStep.plan(graph)
        try device.makeCurrent()
        var uploaded: [String: DeviceMemory] = [:]
        matrices = try graph.matrices.map { spec in
            if let memory = uploaded[spec.name] { return memory }
            let packed = DeviceWeightLayout.pack(spec.type, source.bytes(of: source.tensorInfo(named: spec.name)!), rows: spec.rows,
                                                 columns: spec.columns)
            let memory = try device.allocate(bytes: packed.count)
            try packed.withUnsafeBytes { try device.upload($0, to: memory, offset: 0) }
            uploaded[spec.name] = memory
            return memory
        }
        var host: [Int: [Float]] = [:]
        let rotationVectors = Set(graph.rotations.flatMap { [$0.factors, $0.shortFactors, $0.longFactors].compactMap { $0?.index } })
        vectors = try graph.vectors.enumerated().map { index, spec in
            let tensor = source.tensorInfo(named: spec.name)!
            let values = try Dequantization.dequantize(tensor.type, bytes: source.bytes(of: tensor))
            if rotationVectors.contains(index) { host[index] = values }
            let memory = try device.allocate(bytes: 4 * values.count)
            try values.withUnsafeBytes { try device.upload($0, to: memory, offset: 0) }
            return memory
        }
        hostVectors = host
        var shapes: [Int: AttentionShape] = [:]
        for case .attention(let layer, _, _, let shape) in graph.operations { shapes[layer] = shape }
        layerShapes = shapes
        workspace = try CUDAWorkspace(graph: graph, device: device)
    }

    func makeCache(capacity: Int) throws -> KVCache {
        try device.makeCurrent()
        serials.lock()
        nextSerial += 1
        let serial = nextSerial
        serials.unlock()
        let storage = try CUDAKVStorage(device: device, serial: serial, layers: graph.cacheLayers, rowWidth: graph.cacheRowWidth,
                                        capacity: capacity)
        return KVCache(capacity: capacity, byteCount: storage.byteCount, storage: storage)
    }

    /// One entry of the pass as the launches need it.
    private struct Entry {
        let firstRow: Int
        let rows: Int
        /// Keys the entry's last row sees.
        let length: Int
        let cache: CUDAKVStorage

        /// Attention's split over the context: by capacity for a one-token row (see the type's
        /// comment), by length for a prompt.
        var splits: Int { AttentionDecodeKernel.splits(span: rows == 1 ? cache.capacity : length) }
    }

    /// Offsets, in u32s, of the pass inputs in the workspace's `inputs`.
    private struct InputLayout {
        let rows: Int
        var ids: Int { 0 }
        var positions: Int { rows }
        var lengths: Int { 2 * rows }
        var selected: Int { 3 * rows }
    }

    func run(_ pass: ForwardPass, into logits: inout [Float]) throws {
        let selected = try execute(pass, greedy: false)
        let vocabulary = graph.vocabularySize
        if logits.count != selected * vocabulary {
            logits.removeAll(keepingCapacity: true)
            logits.append(contentsOf: repeatElement(0, count: selected * vocabulary))
        }
        try logits.withUnsafeMutableBytes { try device.download(workspace.tensors[ModelGraph.logits.index], offset: 0, into: $0) }
    }

    /// The argmax of each logits row found on the device (`ArgmaxKernel`, inside a captured step
    /// too): 4 bytes per sequence cross to the host instead of the vocabulary's logits.
    func runGreedy(_ pass: ForwardPass) throws -> [Int] {
        let selected = try execute(pass, greedy: true)
        var ids = [UInt32](repeating: 0, count: selected)
        try ids.withUnsafeMutableBytes { try device.download(workspace.argmaxes, offset: 0, into: $0) }
        // No logit above −∞ leaves the kernel's start index; the host's argmax says 0 then.
        return ids.map { Int($0) < graph.vocabularySize ? Int($0) : 0 }
    }

    /// Queues the pass, and with `greedy` each selected row's argmax; returns the selected rows.
    private func execute(_ pass: ForwardPass, greedy: Bool) throws -> Int {
        try device.makeCurrent()
        let n = pass.rowCount
        let selected = pass.selectedCount
        var entries: [Entry] = []
        var inputs = [UInt32](repeating: 0, count: 3 * n + selected)
        let layout = InputLayout(rows: n)
        var row = 0, chosen = 0
        for (entry, wanted) in zip(pass.entries, pass.logitRows) {
            let cache = entry.cache.storage as! CUDAKVStorage
            for (t, token) in entry.tokens.enumerated() {
                let position = entry.cache.count + t
                inputs[layout.ids + row + t] = UInt32(token)
                inputs[layout.positions + row + t] = UInt32(position)
                inputs[layout.lengths + row + t] = UInt32(position + 1)
            }
            for t in wanted {
                inputs[layout.selected + chosen] = UInt32(row + t)
                chosen += 1
            }
            entries.append(Entry(firstRow: row, rows: entry.tokens.count, length: entry.cache.count + entry.tokens.count, cache: cache))
            row += entry.tokens.count
        }
        let w = workspace
        let maxSplits = entries.map(\.splits).max() ?? 1
        try w.reserve(rows: n, splits: maxSplits)
        try inputs.withUnsafeBytes { try device.upload($0, to: w.inputs, offset: 0) }
        // Each row's caches, so that one launch serves every sequence of the pass.
        var table: [UInt32] = []
        table.reserveCapacity(8 * n)
        for entry in entries {
            let words = KVTable.Entry(keys: try device.address(of: entry.cache.keyMemory), values: try device.address(of: entry.cache.valueMemory),
                                      layerBytes: UInt64(entry.cache.layerBytes), capacity: UInt32(entry.cache.capacity),
                                      splits: UInt32(entry.splits)).words
            for _ in 0..<entry.rows { table += words }
        }
        try table.withUnsafeBytes { try device.upload($0, to: w.kvTable, offset: 0) }
        // Each RoPE setting's cosines and sines per row, for all layers.
        for (index, rotation) in graph.rotations.enumerated() {
            let dimensions = rotation.dimensions, half = dimensions / 2
            var angles = [Float](repeating: 0, count: n * dimensions)
            angles.withUnsafeMutableBufferPointer { table in
                for entry in entries {
                    let factors = rotation.factors(capacity: entry.cache.capacity).map { hostVectors[$0.index]! }
                    for t in entry.firstRow..<(entry.firstRow + entry.rows) {
                        let at = table.baseAddress! + t * dimensions
                        rotation.angles(position: Int(inputs[layout.positions + t]), factors: factors, cosines: at, sines: at + half)
                    }
                }
            }
            try angles.withUnsafeBytes { try device.upload($0, to: w.angles[index], offset: 0) }
        }
        let context = PassContext(rows: n, selected: selected, entries: entries, layout: layout, maxSplits: maxSplits)
        let fused = fusesDecode && entries.allSatisfy { $0.rows < Self.promptRows }
        let encodeAll = {
            if fused {
                for step in self.decodePlan { try self.encode(step, context) }
            } else {
                for operation in self.graph.operations { try self.encode(operation, context) }
            }
            if greedy { try self.argmax(rows: selected) }
        }
        if capturesSteps, entries.allSatisfy({ $0.rows == 1 }) {
            let key = StepKey(caches: entries.map(\.cache.serial), logits: pass.logitRows.map(\.count), greedy: greedy,
                              workspace: w.generation)
            if let captured = graphs.first(where: { $0.key == key }) {
                try device.replay(captured.launches)
                replayedSteps += 1
            } else if key == lastStep {
                // Seen twice in a row: every kernel has been loaded, so the step can be captured.
                let launches = try device.capture(encodeAll)
                graphs.append((key, launches))
                if graphs.count > Self.graphLimit { graphs.removeFirst() }
                capturedSteps += 1
                try device.replay(launches)
            } else {
                try encodeAll()
            }
            lastStep = key
        } else {
            try encodeAll()
        }
        return selected
    }

    /// Blocks of the first argmax pass over one row of logits.
    static let argmaxBlocks = 32

    /// Each logits row's argmax into `workspace.argmaxes`, two launches a row.
    private func argmax(rows: Int) throws {
        let vocabulary = graph.vocabularySize, blocks = Self.argmaxBlocks
        let partial = kernel("argmax_partial", ArgmaxKernel.makePartial)
        let final = kernel("argmax_final", ArgmaxKernel.makeFinal)
        for row in 0..<rows {
            let partials = LaunchArgument.memory(workspace.argmaxPartials, offset: 8 * blocks * row)
            try device.launch(partial, grid: Dim3(blocks), block: Dim3(ArgmaxKernel.threads),
                              arguments: [tensor(ModelGraph.logits, row: row), partials, .u32(UInt32(vocabulary))])
            try device.launch(final, grid: Dim3(1), block: Dim3(ArgmaxKernel.threads),
                              arguments: [partials, .memory(workspace.argmaxes, offset: 4 * row), .u32(UInt32(blocks))])
        }
    }

    private struct PassContext {
        let rows: Int
        let selected: Int
        let entries: [Entry]
        let layout: InputLayout
        /// The most attention splits of any row.
        let maxSplits: Int
    }

    // MARK: Launches

    private func kernel(_ name: String, _ make: () -> Kernel) -> Kernel {
        if let kernel = kernels[name] { return kernel }
        let kernel = make()
        kernels[name] = kernel
        return kernel
    }

    private func tensor(_ ref: TensorRef, row: Int = 0) -> LaunchArgument {
        .memory(workspace.tensors[ref.index], offset: 4 * row * graph.spec(ref).width)
    }

    private func rows(_ ref: TensorRef, _ context: PassContext) -> Int {
        graph.spec(ref).rows == .batch ? context.rows : context.selected
    }

    private func inputs(_ offset: Int) -> LaunchArgument { .memory(workspace.inputs, offset: 4 * offset) }

    private func elementwise(_ op: ElementwiseKernel.Op, _ a: LaunchArgument, _ b: LaunchArgument, _ y: LaunchArgument,
                             count: Int, scalar: Float = 0) throws {
        guard count > 0 else { return }
        try device.launch(kernel(ElementwiseKernel.name(op)) { ElementwiseKernel.make(op) }, grid: ElementwiseKernel.grid(count: count),
                          block: Dim3(ElementwiseKernel.threads), arguments: [a, b, y, .u32(UInt32(count)), .f32(scalar)])
    }

    private func copyRows(from source: LaunchArgument, sourceWidth: Int, offset: Int, to target: LaunchArgument, width: Int,
                          rows: Int, gather: LaunchArgument?) throws {
        let count = rows * width
        guard count > 0 else { return }
        try device.launch(kernel(RowKernels.copyRowsName, RowKernels.makeCopyRows), grid: RowKernels.grid(count: count),
                          block: Dim3(RowKernels.threads),
                          arguments: [source, target, gather ?? source, .u32(gather == nil ? 0 : 1), .u32(UInt32(count)),
                                      .u32(UInt32(width)), .u32(UInt32(sourceWidth)), .u32(UInt32(offset))])
    }

    private func encode(_ operation: GraphOperation, _ context: PassContext) throws {
        let w = workspace
        switch operation {
        case .embed(let table, let positions, let output):
            let width = graph.spec(output).width
            try embed(table, ids: inputs(context.layout.ids), rows: context.rows, into: tensor(output))
            if let positions {
                try embed(positions, ids: inputs(context.layout.positions), rows: context.rows, into: .memory(w.positionRows))
                try elementwise(.add, tensor(output), .memory(w.positionRows), tensor(output), count: context.rows * width)
            }
        case .scale(let ref, let factor):
            try elementwise(.scale, tensor(ref), tensor(ref), tensor(ref), count: rows(ref, context) * graph.spec(ref).width, scalar: factor)
        case .rmsNorm(let input, let output, let weight, let groupWidth, let epsilon):
            let groups = rows(input, context) * graph.spec(input).width / groupWidth
            guard groups > 0 else { return }
            let threads = NormKernel.threads(columns: groupWidth)
            try device.launch(kernel(NormKernel.name(.rms, threads: threads)) { NormKernel.make(.rms, threads: threads) }, grid: Dim3(groups),
                              block: Dim3(threads),
                              arguments: [tensor(input), .memory(vectors[weight.index]), tensor(output), .u32(UInt32(groupWidth)), .f32(epsilon)])
        case .layerNorm(let input, let output, let weight, let bias, let epsilon):
            let count = rows(input, context)
            guard count > 0 else { return }
            let threads = NormKernel.threads(columns: graph.spec(input).width)
            try device.launch(kernel(NormKernel.name(.layer, threads: threads)) { NormKernel.make(.layer, threads: threads) },
                              grid: Dim3(count), block: Dim3(threads),
                              arguments: [tensor(input), .memory(vectors[weight.index]), .memory(vectors[bias.index]), tensor(output),
                                          .u32(UInt32(graph.spec(input).width)), .f32(epsilon)])
        case .matmul(let input, let products):
            try multiply(input, products, spans: spans(of: input, context))
        case .addBias(let ref, let bias):
            let width = graph.spec(ref).width, count = rows(ref, context) * width
            guard count > 0 else { return }
            try device.launch(kernel(RowKernels.addBiasName, RowKernels.makeAddBias), grid: RowKernels.grid(count: count),
                              block: Dim3(RowKernels.threads),
                              arguments: [tensor(ref), .memory(vectors[bias.index]), .u32(UInt32(count)), .u32(UInt32(width))])
        case .slice(let input, let offset, let output):
            try copyRows(from: tensor(input), sourceWidth: graph.spec(input).width, offset: offset, to: tensor(output),
                         width: graph.spec(output).width, rows: rows(input, context), gather: nil)
        case .rope(let ref, let heads, let headDimension, let rotation):
            let setting = graph.rotations[rotation.index]
            let style: RoPEKernel.Style = setting.style == .halves ? .neox : .adjacent
            let count = context.rows * heads * setting.dimensions / 2
            guard count > 0 else { return }
            try device.launch(kernel(RoPEKernel.name(style)) { RoPEKernel.make(style) }, grid: RoPEKernel.grid(count: count),
                              block: Dim3(RoPEKernel.threads),
                              arguments: [tensor(ref), .memory(w.angles[rotation.index]), .u32(UInt32(heads)), .u32(UInt32(count)),
                                          .u32(UInt32(headDimension)), .u32(UInt32(setting.dimensions))])
        case .storeKV(let layer, let keys, let values):
            let shape = layerShapes[layer]!
            let count = context.rows * graph.spec(keys).width
            guard count > 0 else { return }
            try device.launch(kernel(RowKernels.storeKVName, RowKernels.makeStoreKV), grid: RowKernels.grid(count: count),
                              block: Dim3(RowKernels.threads),
                              arguments: [tensor(keys), tensor(values), .memory(w.kvTable), inputs(context.layout.positions),
                                          .u32(UInt32(layer)), .u32(UInt32(count)), .u32(UInt32(shape.headDimension)),
                                          .u32(UInt32(shape.kvHeads))])
        case .attention(let layer, let queries, let output, let shape):
            try attend(layer: layer, queries: queries, output: output, shape: shape, context)
        case .add(let ref, let addend):
            try elementwise(.add, tensor(ref), tensor(addend), tensor(ref), count: rows(ref, context) * graph.spec(ref).width)
        case .activate(let activation, let gate, let values):
            let count = rows(values, context) * graph.spec(values).width
            if let gate {
                try elementwise(activation == .silu ? .siluGate : .geluGate, tensor(gate), tensor(values), tensor(values), count: count)
            } else {
                try elementwise(activation == .silu ? .silu : .gelu, tensor(values), tensor(values), tensor(values), count: count)
            }
        case .selectRows(let input, let output):
            let width = graph.spec(input).width
            try copyRows(from: tensor(input), sourceWidth: width, offset: 0, to: tensor(output), width: width,
                         rows: context.selected, gather: inputs(context.layout.selected))
        case .softCap(let ref, let cap):
            try elementwise(.softCap, tensor(ref), tensor(ref), tensor(ref), count: rows(ref, context) * graph.spec(ref).width, scalar: cap)
        case .mixtureOfExperts:
            throw ModelError("the \(device.name) CUDA backend does not compute mixtures of experts")
        case .addRow:
            throw ModelError("the \(device.name) CUDA backend does not compute encoders' token-type rows")
        }
    }

    private func embed(_ table: MatrixRef, ids: LaunchArgument, rows: Int, into output: LaunchArgument) throws {
        let spec = graph.spec(table)
        let units = EmbeddingKernel.units(spec.type, tokens: rows, columns: spec.columns)
        try device.launch(kernel(EmbeddingKernel.name(spec.type)) { EmbeddingKernel.make(spec.type) }, grid: EmbeddingKernel.grid(units: units),
                          block: Dim3(EmbeddingKernel.threads),
                          arguments: [.memory(matrices[table.index]), ids, output, .u32(UInt32(units)), .u32(UInt32(spec.columns))])
    }

    /// Entries of at least this many tokens are prompts: their rows go to the tensor cores.
    static let promptRows = 16

    /// The rows of `input` in runs that share a kernel: a prompt's rows (`prompt`), or rows of
    /// one-token and short entries; adjacent runs of one kind are merged.
    private func spans(of input: TensorRef, _ context: PassContext) -> [(rows: Range<Int>, prompt: Bool)] {
        guard graph.spec(input).rows == .batch else { return [(0..<context.selected, false)] }
        var spans: [(rows: Range<Int>, prompt: Bool)] = []
        for entry in context.entries {
            let prompt = entry.rows >= Self.promptRows
            let rows = entry.firstRow..<(entry.firstRow + entry.rows)
            if let last = spans.last, last.prompt == prompt, last.rows.upperBound == rows.lowerBound {
                spans[spans.count - 1].rows = last.rows.lowerBound..<rows.upperBound
            } else {
                spans.append((rows, prompt))
            }
        }
        return spans
    }

    /// `W_j · input` for every product: a prompt's rows on the tensor cores for quantized
    /// matrices; other rows through the GEMV kernels, the input quantized once to Q8_1 when an
    /// integer kernel reads it (unless `quantized`: a fused step before has done it).
    private func multiply(_ input: TensorRef, _ products: [GraphOperation.MatrixProduct], spans: [(rows: Range<Int>, prompt: Bool)],
                          quantized: Bool = false) throws {
        let rows = spans.last?.rows.upperBound ?? 0
        guard rows > 0 else { return }
        let columns = graph.spec(input).width
        let integer = products.filter { QuantizedGEMVKernel.supportedTypes.contains(graph.spec($0.weight).type) }
        let float = products.filter { !QuantizedGEMVKernel.supportedTypes.contains(graph.spec($0.weight).type) }
        if !quantized, !integer.isEmpty, spans.contains(where: { !$0.prompt }) {
            let blocks = rows * columns / 32
            try device.launch(kernel(QuantizeQ8_1Kernel.name, QuantizeQ8_1Kernel.make), grid: QuantizeQ8_1Kernel.grid(blocks: blocks),
                              block: Dim3(QuantizeQ8_1Kernel.threads),
                              arguments: [tensor(input), .memory(workspace.quantized), .u32(UInt32(blocks)), .u32(UInt32(columns / 32))])
        }
        for span in spans {
            if span.prompt {
                for product in integer {
                    let spec = graph.spec(product.weight)
                    let width = TensorCoreGEMMKernel.tokenWidth(rows: spec.rows, tokens: span.rows.count, wideFrom: wideGridBlocks)
                    let gemm = kernel(TensorCoreGEMMKernel.name(spec.type, tokenWidth: width)) { TensorCoreGEMMKernel.make(spec.type, tokenWidth: width) }
                    try device.launch(gemm, grid: TensorCoreGEMMKernel.grid(rows: spec.rows, tokens: span.rows.count, tokenWidth: width),
                                      block: Dim3(TensorCoreGEMMKernel.threads),
                                      arguments: [.memory(matrices[product.weight.index]), tensor(input, row: span.rows.lowerBound),
                                                  tensor(product.output, row: span.rows.lowerBound), .u32(UInt32(spec.rows)),
                                                  .u32(UInt32(spec.columns)), .u32(UInt32(span.rows.count))])
                }
            } else {
                for group in stride(from: 0, to: integer.count, by: QuantizedGEMVKernel.maxMatrices) {
                    try multiplyQuantized(input, Array(integer[group..<min(group + QuantizedGEMVKernel.maxMatrices, integer.count)]),
                                          rows: span.rows)
                }
            }
            for product in float { try multiplyFloat(input, product, rows: span.rows) }
        }
    }

    /// The GEMV rows' batches: up to 16 rows per launch (each launch reads the matrices once).
    private func batches(_ rows: Range<Int>, most: Int) -> [(start: Int, count: Int)] {
        var batches: [(Int, Int)] = []
        var start = rows.lowerBound
        while start < rows.upperBound {
            let count = [16, 8, 4, 2, 1].first { $0 <= most && $0 <= rows.upperBound - start }!
            batches.append((start, count))
            start += count
        }
        return batches
    }

    /// `W_j · input` for `rows` and matrices in GGUF blocks, all of them in each launch, from the
    /// Q8_1 activations in the workspace.
    private func multiplyQuantized(_ input: TensorRef, _ products: [GraphOperation.MatrixProduct], rows: Range<Int>) throws {
        let columns = graph.spec(input).width
        let types = products.map { graph.spec($0.weight).type }
        for (start, batch) in batches(rows, most: QuantizedGEMVKernel.maxBatch) {
            let gemv = kernel(QuantizedGEMVKernel.name(types, batch: batch)) { QuantizedGEMVKernel.make(types, batch: batch) }
            var arguments: [LaunchArgument] = [.memory(workspace.quantized, offset: start * Q8_1Rows.rowBytes(blocks: columns / 32)),
                                               .u32(UInt32(columns))]
            var blocks = 0
            for product in products {
                let spec = graph.spec(product.weight)
                arguments += [.memory(matrices[product.weight.index]), tensor(product.output, row: start), .u32(UInt32(spec.rows)),
                              .u32(UInt32(blocks))]
                blocks += QuantizedGEMVKernel.blocks(rows: spec.rows)
            }
            try device.launch(gemv, grid: Dim3(blocks), block: Dim3(QuantizedGEMVKernel.threads), arguments: arguments)
        }
    }

    /// `W · input` for `rows` and a float matrix, from the f32 activations.
    private func multiplyFloat(_ input: TensorRef, _ product: GraphOperation.MatrixProduct, rows: Range<Int>) throws {
        let spec = graph.spec(product.weight)
        for (start, batch) in batches(rows, most: 8) {
            let gemv = kernel(FloatGEMVKernel.name(spec.type, batch: batch)) { FloatGEMVKernel.make(spec.type, batch: batch) }
            try device.launch(gemv, grid: FloatGEMVKernel.grid(rows: spec.rows), block: Dim3(FloatGEMVKernel.threads),
                              arguments: [.memory(matrices[product.weight.index]), tensor(input, row: start), tensor(product.output, row: start),
                                          .u32(UInt32(spec.rows)), .u32(UInt32(spec.columns))])
        }
    }

    /// One step of the decode plan.
    private func encode(_ step: DecodeStep, _ context: PassContext) throws {
        let w = workspace
        switch step {
        case .operation(let operation):
            try encode(operation, context)
        case .residual(let residual):
            let rows = rows(residual.x, context)
            guard rows > 0 else { return }
            let variant = residual.variant(columns: graph.spec(residual.x).width)
            let any = tensor(residual.x)
            let norm = residual.norm
            try device.launch(kernel(ResidualNormKernel.name(variant)) { ResidualNormKernel.make(variant) }, grid: Dim3(rows),
                              block: Dim3(variant.threads),
                              arguments: [tensor(residual.x), residual.addend.map { tensor($0) } ?? any,
                                          residual.addendNorm.map { .memory(vectors[$0.weight.index]) } ?? any,
                                          norm.map { tensor($0.output) } ?? any, norm.map { .memory(vectors[$0.weight.index]) } ?? any,
                                          norm?.bias.map { .memory(vectors[$0.index]) } ?? any, .memory(w.quantized),
                                          .u32(UInt32(graph.spec(residual.x).width)), .f32(norm?.epsilon ?? 0),
                                          .f32(residual.addendNorm?.epsilon ?? 0)])
        case .gated(let activation, let gate, let values):
            let count = rows(values, context) * graph.spec(values).width
            guard count > 0 else { return }
            let op: ElementwiseKernel.Op = activation == .silu ? .siluGate : .geluGate
            try device.launch(kernel(GatedQuantizeKernel.name(op)) { GatedQuantizeKernel.make(op) }, grid: GatedQuantizeKernel.grid(count: count),
                              block: Dim3(GatedQuantizeKernel.threads),
                              arguments: [tensor(gate), tensor(values), .memory(w.quantized), .u32(UInt32(count)),
                                          .u32(UInt32(graph.spec(values).width))])
        case .headPrep(let prep):
            guard context.rows > 0 else { return }
            let rotation = prep.rotation.map { graph.rotations[$0.index] }
            let style: RoPEKernel.Style? = rotation.map { $0.style == .halves ? .neox : .adjacent }
            let variant = HeadPrepKernel.Variant(norms: prep.norms != nil, rope: style)
            let any = tensor(prep.queries)
            let shape = prep.shape
            try device.launch(kernel(HeadPrepKernel.name(variant)) { HeadPrepKernel.make(variant) },
                              grid: HeadPrepKernel.grid(heads: shape.heads, kvHeads: shape.kvHeads, rows: context.rows),
                              block: Dim3(HeadPrepKernel.threads),
                              arguments: [tensor(prep.queries), tensor(prep.keys), tensor(prep.values),
                                          prep.norms.map { .memory(vectors[$0.query.index]) } ?? any,
                                          prep.norms.map { .memory(vectors[$0.key.index]) } ?? any,
                                          prep.rotation.map { .memory(w.angles[$0.index]) } ?? any, inputs(context.layout.positions),
                                          .memory(w.kvTable), .u32(UInt32(prep.layer)), .u32(UInt32(shape.heads)), .u32(UInt32(shape.kvHeads)),
                                          .u32(UInt32(shape.headDimension)), .u32(UInt32(rotation?.dimensions ?? 0)),
                                          .f32(prep.norms?.epsilon ?? 0)])
        case .attention(let layer, let queries, let output, let shape):
            try attend(layer: layer, queries: queries, output: output, shape: shape, quantize: true, context)
        case .multiply(let input, let products):
            try multiply(input, products, spans: spans(of: input, context), quantized: true)
        }
    }

    /// Every row against its own sequence's cache (through the KV table), split over the context
    /// in chunks, then the partials merged per head; with `quantize` the output is also written as
    /// Q8_1 for the output projection.
    private func attend(layer: Int, queries: TensorRef, output: TensorRef, shape: AttentionShape, quantize: Bool = false,
                        _ context: PassContext) throws {
        guard context.rows > 0 else { return }
        let d = shape.headDimension
        let split = kernel(AttentionDecodeKernel.splitName(headDimension: d, halfCache: false)) {
            AttentionDecodeKernel.makeSplit(headDimension: d, halfCache: false)
        }
        let reduce = kernel(AttentionDecodeKernel.reduceName(headDimension: d, quantize: quantize)) {
            AttentionDecodeKernel.makeReduce(headDimension: d, quantize: quantize)
        }
        let maxSplits = context.maxSplits
        try device.launch(split, grid: Dim3(maxSplits, shape.heads, context.rows), block: Dim3(AttentionDecodeKernel.threads),
                          arguments: [tensor(queries), .memory(workspace.kvTable), .memory(workspace.partials),
                                      inputs(context.layout.lengths), .u32(UInt32(layer)), .u32(UInt32(shape.heads)),
                                      .u32(UInt32(shape.kvHeads)), .u32(UInt32(maxSplits)), .f32(shape.scale), .f32(shape.softCap ?? 0),
                                      .u32(UInt32(shape.window ?? 0))])
        try device.launch(reduce, grid: Dim3(shape.heads, context.rows), block: Dim3(d),
                          arguments: [.memory(workspace.partials), .memory(workspace.kvTable), tensor(output),
                                      .memory(workspace.quantized), .u32(UInt32(shape.heads)), .u32(UInt32(maxSplits))])
    }
}

/// A sequence's keys and values of every layer in device memory, in f32. Per layer: KV head,
/// then position, then head dimension (the attention kernel's layout).
final class CUDAKVStorage: @unchecked Sendable {
    /// Unique among its model's caches, for the keys of captured steps (an object's address may be
    /// reused by a later cache).
    let serial: Int
    let capacity: Int
    let layerBytes: Int
    let keyMemory: DeviceMemory
    let valueMemory: DeviceMemory

    init(device: any KernelDevice, serial: Int, layers: Int, rowWidth: Int, capacity: Int) throws {
        self.serial = serial
        self.capacity = capacity
        layerBytes = 4 * capacity * rowWidth
        keyMemory = try device.allocate(bytes: layers * layerBytes)
        valueMemory = try device.allocate(bytes: layers * layerBytes)
    }

    var byteCount: Int { keyMemory.byteCount + valueMemory.byteCount }
}

/// Device memory a pass works in, grown to the largest pass seen: one buffer per graph tensor,
/// the pass inputs, each RoPE setting's angles, the Q8_1 activations and attention's partials.
final class CUDAWorkspace {
    let graph: ModelGraph
    let device: any KernelDevice
    private(set) var rowCapacity = 0
    private(set) var splitCapacity = 0
    /// Changes whenever a buffer is replaced (captured launches hold the old addresses).
    private(set) var generation = 0
    private(set) var tensors: [DeviceMemory] = []
    private(set) var inputs: DeviceMemory
    private(set) var angles: [DeviceMemory] = []
    private(set) var quantized: DeviceMemory
    /// Each row's `KVTable` entry.
    private(set) var kvTable: DeviceMemory
    private(set) var positionRows: DeviceMemory
    private(set) var partials: DeviceMemory
    /// Each logits row's argmax, and the first argmax pass's pairs.
    private(set) var argmaxes: DeviceMemory
    private(set) var argmaxPartials: DeviceMemory

    init(graph: ModelGraph, device: any KernelDevice) throws {
        self.graph = graph
        self.device = device
        let empty = try device.allocate(bytes: 0)
        inputs = empty
        quantized = empty
        kvTable = empty
        positionRows = empty
        partials = empty
        argmaxes = empty
        argmaxPartials = empty
    }

    func reserve(rows: Int, splits: Int) throws {
        if rows > rowCapacity {
            generation += 1
            // Room for a little more than asked, so a growing batch does not reallocate every pass.
            let capacity = max(rows, min(2 * rowCapacity, rows + 64))
            tensors = try graph.tensors.map { try device.allocate(bytes: 4 * capacity * $0.width) }
            inputs = try device.allocate(bytes: 4 * 4 * capacity)
            angles = try graph.rotations.map { try device.allocate(bytes: 4 * capacity * $0.dimensions) }
            let widest = graph.tensors.map(\.width).max() ?? 0
            quantized = try device.allocate(bytes: capacity * Q8_1Rows.rowBytes(blocks: (widest + 31) / 32))
            kvTable = try device.allocate(bytes: KVTable.entryBytes * capacity)
            positionRows = try device.allocate(bytes: 4 * capacity * widest)
            argmaxes = try device.allocate(bytes: 4 * capacity)
            argmaxPartials = try device.allocate(bytes: 8 * CUDAModel.argmaxBlocks * capacity)
            rowCapacity = capacity
            splitCapacity = 0
        }
        if splits > splitCapacity {
            generation += 1
            var largest = 0
            for case .attention(_, _, _, let shape) in graph.operations {
                largest = max(largest, rowCapacity * shape.heads * splits * (shape.headDimension + 2) * 4)
            }
            partials = try device.allocate(bytes: max(largest, 4))
            splitCapacity = splits
        }
    }
}
