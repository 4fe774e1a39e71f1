/// Why ``SamplingParameters/validated(vocabularySize:)`` refused a set of parameters; every case
/// names the offending field (or token) so an API error can point at it.
public enum SamplingParameterError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The field is NaN or infinite.
    case notFinite(SamplingParameters.Field, value: Float)
    /// The field is outside its allowed range, described in words.
    case outOfRange(SamplingParameters.Field, value: Double, allowed: String)
    /// A logit bias names a token id the vocabulary does not have.
    case logitBiasTokenOutOfRange(token: Int, vocabularySize: Int)
    /// A logit bias is NaN or `+infinity` (`-infinity`, a ban, is fine).
    case invalidLogitBias(token: Int, bias: Float)
    /// The vocabulary size is not positive.
    case invalidVocabularySize(Int)

    /// The field the error is about, if it is about one.
    public var field: SamplingParameters.Field? {
        switch self {
        case .notFinite(let field, _), .outOfRange(let field, _, _): field
        case .logitBiasTokenOutOfRange, .invalidLogitBias: .logitBias
        case .invalidVocabularySize: nil
        }
    }

    public var description: String {
        switch self {
        case .notFinite(let field, let value):
            "sampling parameter \(field) must be a finite number, got \(value)"
        case .outOfRange(let field, let value, let allowed):
            "sampling parameter \(field) must be \(allowed), got \(Self.format(value))"
        case .logitBiasTokenOutOfRange(let token, let vocabularySize):
            "logitBias names token \(token), outside the vocabulary of \(vocabularySize) tokens (0..<\(vocabularySize))"
        case .invalidLogitBias(let token, let bias):
            "logitBias for token \(token) must be a finite number or -infinity, got \(bias)"
        case .invalidVocabularySize(let size):
            "vocabulary size must be positive, got \(size)"
        }
    }

    /// Whole numbers (repeatLastN) print without a trailing ".0", and values that came from a
    /// `Float` print as that `Float` (0.95, not 0.949999988079071).
    private static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        if Double(Float(value)) == value { return String(Float(value)) }
        return String(value)
    }
}
