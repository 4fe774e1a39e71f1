/// A kernel misbehaving under the interpreter: which kernel, block, thread and instruction, and what.
public struct KernelFault: Error, CustomStringConvertible {
    public let kernel: String
    public let block: Dim3
    public let thread: Dim3
    public let instruction: String
    public let message: String

    public var description: String {
        "\(kernel): block \(block) thread \(thread): \(message) at `\(instruction)`"
    }
}
