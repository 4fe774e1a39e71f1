/// A model file that cannot be used, with where and why.
///
/// The message names the file, the byte offset when one is known, and the field or tensor at fault,
/// so that a user can tell a truncated download from a file written by a buggy converter.
public struct FormatError: Error, CustomStringConvertible, Sendable, Equatable {
    public var path: String
    public var offset: Int?
    public var field: String?
    public var problem: String

    public init(path: String, offset: Int? = nil, field: String? = nil, problem: String) {
        self.path = path
        self.offset = offset
        self.field = field
        self.problem = problem
    }

    public var description: String {
        var parts = [path]
        if let offset { parts.append("offset \(offset)") }
        if let field { parts.append(field) }
        return parts.joined(separator: ": ") + ": " + problem
    }
}
