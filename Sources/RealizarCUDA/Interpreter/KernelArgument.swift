/// One argument of an interpreted launch, matching the kernel's parameter of the same position.
public enum KernelArgument {
    case buffer(InterpreterBuffer)
    /// The address `offset` bytes into a buffer (a row of a larger tensor, one layer of a cache).
    case bufferAt(InterpreterBuffer, offset: Int)
    case u32(UInt32)
    case f32(Float)
}
