/// A grid or block shape.
public struct Dim3: Sendable, CustomStringConvertible {
    public var x, y, z: Int
    public init(_ x: Int, _ y: Int = 1, _ z: Int = 1) {
        self.x = x
        self.y = y
        self.z = z
    }
    public var count: Int { x * y * z }
    public var description: String { "(\(x),\(y),\(z))" }
}
