/// An executable graph of captured launches (`cuGraphInstantiateWithFlags`).
public final class CUDAGraph: @unchecked Sendable {
    let context: CUDAContext
    private(set) var graph: CUDADriver.Handle?
    let executable: CUDADriver.Handle?

    init(context: CUDAContext, graph: CUDADriver.Handle?) throws {
        self.context = context
        self.graph = graph
        var executable: CUDADriver.Handle?
        try context.driver.check(context.driver.cuGraphInstantiateWithFlags(&executable, graph, 0), "cuGraphInstantiateWithFlags")
        self.executable = executable
    }

    deinit {
        _ = context.driver.cuGraphExecDestroy(executable)
        _ = context.driver.cuGraphDestroy(graph)
    }

    public func launch() throws {
        try context.driver.check(context.driver.cuGraphLaunch(executable, context.stream), "cuGraphLaunch")
    }

    /// Updates the executable graph in place to `other`'s parameters (same topology), as decode
    /// steps with new positions do; returns false when the driver says a re-instantiation is needed.
    public func update(from other: CUDAGraph) throws -> Bool {
        // CUgraphExecUpdateResultInfo: an enum and two node handles.
        let info = UnsafeMutableRawPointer.allocate(byteCount: 32, alignment: 8)
        defer { info.deallocate() }
        let result = context.driver.cuGraphExecUpdate(executable, other.graph, info)
        if result == 0 { return true }
        // CUDA_ERROR_GRAPH_EXEC_UPDATE_FAILURE
        if result == 910 { return false }
        try context.driver.check(result, "cuGraphExecUpdate_v2")
        return false
    }
}
