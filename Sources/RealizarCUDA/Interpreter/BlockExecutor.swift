import RealizarCore

/// Executes one block at a time of an interpreted launch (see `KernelInterpreter`).
struct BlockExecutor {
    enum State: UInt8 { case running, barrier, collective, exited }

    let program: DecodedKernel
    let ops: UnsafeMutableBufferPointer<DecodedKernel.Op>
    let constants: UnsafeMutableBufferPointer<UInt64>
    let lists: UnsafeMutableBufferPointer<Int32>
    let blockShape: Dim3
    let grid: Dim3
    let parameters: [UInt64]
    /// The launch's buffers by id; addresses read from memory find theirs through the registry.
    let buffers: [UInt64: InterpreterBuffer]
    let threadCount: Int
    let registerCount: Int
    let registers: UnsafeMutablePointer<UInt64>
    let pcs: UnsafeMutablePointer<Int32>
    let states: UnsafeMutablePointer<State>
    let sharedCount: Int
    let shared: UnsafeMutablePointer<UInt8>
    // Race shadow, per shared byte: last writer and reader(s) in the current barrier interval.
    let writer: UnsafeMutablePointer<Int32>
    let writeEpoch: UnsafeMutablePointer<UInt32>
    let reader: UnsafeMutablePointer<Int32>
    let readEpoch: UnsafeMutablePointer<UInt32>
    var epoch: UInt32 = 0
    var blockIndex = Dim3(0)

    init(program: DecodedKernel, block: Dim3, grid: Dim3, parameters: [UInt64], buffers: [InterpreterBuffer]) {
        self.program = program
        ops = .allocate(capacity: program.ops.count)
        _ = ops.initialize(from: program.ops)
        constants = .allocate(capacity: Swift.max(1, program.constants.count))
        _ = constants.initialize(from: program.constants)
        lists = .allocate(capacity: Swift.max(1, program.lists.count))
        _ = lists.initialize(from: program.lists)
        blockShape = block
        self.grid = grid
        self.parameters = parameters
        self.buffers = Dictionary(buffers.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        threadCount = block.count
        registerCount = Swift.max(1, program.kernel.registers.count)
        registers = .allocate(capacity: threadCount * registerCount)
        pcs = .allocate(capacity: threadCount)
        states = .allocate(capacity: threadCount)
        sharedCount = program.kernel.sharedByteCount
        let n = Swift.max(1, sharedCount)
        shared = .allocate(capacity: n)
        writer = .allocate(capacity: n)
        writeEpoch = .allocate(capacity: n)
        writeEpoch.initialize(repeating: 0, count: n)
        reader = .allocate(capacity: n)
        readEpoch = .allocate(capacity: n)
        readEpoch.initialize(repeating: 0, count: n)
    }

    func deallocate() {
        ops.deallocate()
        constants.deallocate()
        lists.deallocate()
        registers.deallocate()
        pcs.deallocate()
        states.deallocate()
        shared.deallocate()
        writer.deallocate()
        writeEpoch.deallocate()
        reader.deallocate()
        readEpoch.deallocate()
    }

    func fault(_ thread: Int, _ pc: Int, _ message: String) -> KernelFault {
        let x = thread % blockShape.x
        let y = (thread / blockShape.x) % blockShape.y
        let z = thread / (blockShape.x * blockShape.y)
        let text = pc >= 0 && pc < program.ops.count ? program.text(at: pc) : "?"
        return KernelFault(kernel: program.kernel.name, block: blockIndex, thread: Dim3(x, y, z), instruction: text, message: message)
    }

    mutating func run(blockIndex: Dim3) throws {
        self.blockIndex = blockIndex
        registers.initialize(repeating: 0, count: threadCount * registerCount)
        pcs.initialize(repeating: 0, count: threadCount)
        states.initialize(repeating: .running, count: threadCount)
        // Shared memory starts as garbage on a GPU; a fixed pattern makes reads of unwritten bytes visible.
        shared.initialize(repeating: 0xA5, count: Swift.max(1, sharedCount))
        epoch &+= 1
        let warps = (threadCount + 31) / 32
        while true {
            var progress = true
            while progress {
                progress = false
                for warp in 0..<warps {
                    let first = warp * 32
                    let end = Swift.min(first + 32, threadCount)
                    for t in first..<end where states[t] == .running { try runThread(t) }
                    if try executeCollectives(first: first, end: end) { progress = true }
                }
            }
            var live = 0
            var blocked = -1
            for t in 0..<threadCount {
                switch states[t] {
                case .exited: continue
                case .barrier: live += 1
                default:
                    live += 1
                    blocked = t
                }
            }
            if live == 0 { return }
            if blocked >= 0 {
                throw fault(blocked, Int(pcs[blocked]), "deadlock: waits for lanes that never reach this collective")
            }
            epoch &+= 1
            for t in 0..<threadCount where states[t] == .barrier {
                states[t] = .running
                pcs[t] += 1
            }
        }
    }
}
