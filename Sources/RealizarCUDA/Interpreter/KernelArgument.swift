/// One argument of an interpreted launch, matching the kernel's parameter of the same position.
public enum KernelArgument {
    case buffer(InterpreterBuffer)
    case u32(UInt32)
    case f32(Float)
}
