/// One kernel check: runs its kernel(s) on an executor and compares with the CPU reference.
public struct SelfTestCase: Sendable {
    public let op: String
    public let type: String
    let run: @Sendable (KernelExecutor) throws -> [CaseResult]

    /// Runs the case; a thrown error (a kernel fault, a JIT rejection) becomes a failed result.
    public func results(on executor: KernelExecutor) -> [CaseResult] {
        do { return try run(executor) } catch { return [CaseResult.failure(op: op, type: type, error)] }
    }
}
