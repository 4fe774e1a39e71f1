#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file mapped read-only into memory. Weights are read in place from the page cache: a model's
/// resident memory is the pages actually touched, and loading costs no copy.
public final class MappedFile: @unchecked Sendable {
    /// The path the file was opened with, for error messages.
    public let path: String
    /// The whole file. Valid for the lifetime of this object.
    public let bytes: UnsafeRawBufferPointer

    /// Maps `path`; throws a `FormatError` naming the path when it cannot be opened or mapped.
    public init(path: String) throws {
        self.path = path
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw FormatError(path: path, problem: "cannot open file: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw FormatError(path: path, problem: "cannot read file status: \(String(cString: strerror(errno)))")
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw FormatError(path: path, problem: "not a regular file")
        }
        let size = Int(status.st_size)
        if size == 0 {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0)
        guard let address, address != MAP_FAILED else {
            throw FormatError(path: path, problem: "cannot map file: \(String(cString: strerror(errno)))")
        }
        bytes = UnsafeRawBufferPointer(start: address, count: size)
    }

    deinit {
        if let base = bytes.baseAddress {
            munmap(UnsafeMutableRawPointer(mutating: base), bytes.count)
        }
    }

    /// The file's size in bytes.
    public var size: Int { bytes.count }

    /// The last path component, used to keep error messages short.
    public var fileName: String { path.split(separator: "/").last.map(String.init) ?? path }
}
