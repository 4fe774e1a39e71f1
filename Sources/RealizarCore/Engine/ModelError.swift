/// A model that loaded as a file but cannot run: missing or misshapen tensors, impossible
/// hyper-parameters, requests it cannot serve.
public struct ModelError: Error, CustomStringConvertible, Sendable, Equatable {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
