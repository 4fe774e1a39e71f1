/// Checks stream capture, graph instantiation, launch and update on the GPU: a captured
/// quantization must give the bytes a direct launch gives.
enum GraphCheck {
    static func run(context: CUDAContext) -> CaseResult {
        do {
            var data = TestData(seed: 91)
            let blocks = 4096
            let x = data.floats(32 * blocks, scale: 3)
            let input = try context.upload(x)
            let bytes = Q8_1Rows.rowBytes(blocks: blocks)
            let direct = try context.allocate(bytes: bytes)
            let captured = try context.allocate(bytes: bytes)
            let function = try context.load(QuantizeQ8_1Kernel.make())
            let grid = QuantizeQ8_1Kernel.grid(blocks: blocks)
            let block = Dim3(QuantizeQ8_1Kernel.threads)
            try context.launch(function, grid: grid, block: block, arguments: [.buffer(input), .buffer(direct), .u32(UInt32(blocks)), .u32(UInt32(blocks))])
            let graph = try context.capture {
                try context.launch(function, grid: grid, block: block, arguments: [.buffer(input), .buffer(direct), .u32(UInt32(blocks)), .u32(UInt32(blocks))])
            }
            // Same topology, new output pointer: updated in place, as decode steps will be.
            let retargeted = try context.capture {
                try context.launch(function, grid: grid, block: block, arguments: [.buffer(input), .buffer(captured), .u32(UInt32(blocks)), .u32(UInt32(blocks))])
            }
            let updated = try graph.update(from: retargeted)
            try (updated ? graph : retargeted).launch()
            try context.synchronize()
            let a = try context.download(direct, count: bytes, as: UInt8.self)
            let b = try context.download(captured, count: bytes, as: UInt8.self)
            let expected = Q8_1Rows.pack(References.quantizeQ8_1(x), rows: 1, blocks: blocks)
            let same = a == b && a == expected
            return CaseResult(op: "graph capture+update", type: "q8_1", maxError: same ? 0 : 1, tolerance: "identical bytes",
                              passed: same, detail: same ? (updated ? "" : "update refused; re-instantiated") : "graph output differs")
        } catch {
            return CaseResult.failure(op: "graph capture+update", type: "q8_1", error)
        }
    }
}
