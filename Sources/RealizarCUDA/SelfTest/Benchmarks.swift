import RealizarCore

/// Bandwidth measurements on the GPU: a 1 GiB device-to-device copy, and each GEMV kernel on
/// weight matrices of the sizes a decode step streams.
struct Benchmarks {
    let context: CUDAContext
    let log: (String) -> Void

    /// GB/s counting bytes read and written.
    func copyBandwidth() {
        do {
            let bytes = 1 << 30
            let source = try context.allocate(bytes: bytes)
            let destination = try context.allocate(bytes: bytes)
            try context.fill(source, byte: 1)
            try context.copy(from: source, to: destination, bytes: bytes)
            let repeats = 10
            let ms = try context.time { for _ in 0..<repeats { try context.copy(from: source, to: destination, bytes: bytes) } }
            let gbps = Double(2 * bytes * repeats) / (ms / 1000) / 1e9
            log("cuMemcpyDtoD 1 GiB: \(String(format2: ms / Double(repeats))) ms, \(String(format2: gbps)) GB/s (read + write)")
        } catch {
            log("copy bandwidth: \(error)")
        }
    }

    /// Weight bytes streamed per second by each GEMV kernel (batch 1).
    func gemvBandwidth() {
        let shapes = [(4096, 4096), (14336, 4096), (4096, 14336)]
        let types = QuantizedGEMVKernel.supportedTypes + FloatGEMVKernel.supportedTypes
        let cache = CUDAModuleCache(context: context)
        for type in types {
            for (rows, columns) in shapes {
                do {
                    let weightBytes = rows * DeviceWeightLayout.rowBytes(type, columns: columns)
                    let weights = try context.allocate(bytes: weightBytes)
                    // Random bytes would make NaN scales; a fill with small values keeps the math finite.
                    try context.fill(weights, byte: 0x11)
                    let isFloat = FloatGEMVKernel.supportedTypes.contains(type)
                    let activations = try context.allocate(bytes: isFloat ? 4 * columns : Q8_1Rows.rowBytes(blocks: columns / 32))
                    try context.fill(activations, byte: 0x01)
                    let output = try context.allocate(bytes: 4 * rows)
                    let kernel = isFloat ? FloatGEMVKernel.make(type) : QuantizedGEMVKernel.make(type)
                    let function = try cache.function(kernel.name) { kernel }
                    let grid = isFloat ? FloatGEMVKernel.grid(rows: rows) : QuantizedGEMVKernel.grid(rows: rows)
                    let threads = isFloat ? FloatGEMVKernel.threads : QuantizedGEMVKernel.threads
                    let arguments: [DeviceArgument] = isFloat
                        ? [.buffer(weights), .buffer(activations), .buffer(output), .u32(UInt32(rows)), .u32(UInt32(columns))]
                        : [.buffer(activations), .u32(UInt32(columns)), .buffer(weights), .buffer(output), .u32(UInt32(rows)), .u32(0)]
                    try context.launch(function, grid: grid, block: Dim3(threads), arguments: arguments)
                    let repeats = 20
                    let ms = try context.time {
                        for _ in 0..<repeats { try context.launch(function, grid: grid, block: Dim3(threads), arguments: arguments) }
                    }
                    let gbps = Double(weightBytes * repeats) / (ms / 1000) / 1e9
                    log("\(kernel.name) \(rows)x\(columns): \(String(format2: 1000 * ms / Double(repeats))) us, \(String(format2: gbps)) GB/s of weights, \(try function.attribute(.registers)) registers")
                } catch {
                    log("\(type.name) GEMV \(rows)x\(columns): \(error)")
                }
            }
        }
    }
}
