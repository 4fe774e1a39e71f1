/// A model named on Hugging Face: `hf:OWNER/REPO[:FILE]` (also `hf.co/OWNER/REPO[:FILE]`, as
/// Ollama writes it). FILE is a path in the repository or a quantization tag such as `Q4_K_M`.
public struct HuggingFaceReference: Sendable, Equatable, CustomStringConvertible {
    public let owner: String
    public let repo: String
    public let file: String?

    public init?(_ text: String) {
        var rest = Substring(text)
        var matched = false
        for prefix in ["hf:", "hf.co/", "huggingface.co/", "https://huggingface.co/"] where rest.hasPrefix(prefix) {
            rest = rest.dropFirst(prefix.count)
            matched = true
            break
        }
        guard matched else { return nil }
        let repoPart: Substring
        if let colon = rest.firstIndex(of: ":") {
            repoPart = rest[..<colon]
            let file = rest[rest.index(after: colon)...]
            self.file = file.isEmpty ? nil : String(file)
        } else {
            repoPart = rest
            self.file = nil
        }
        let pieces = repoPart.split(separator: "/", omittingEmptySubsequences: false)
        guard pieces.count == 2, pieces.allSatisfy({ Self.isValidName($0) }) else { return nil }
        owner = String(pieces[0])
        repo = String(pieces[1])
        if let file, file.split(separator: "/").contains(where: { $0 == ".." || $0 == "." }) || file.hasPrefix("/") {
            return nil
        }
    }

    /// Repository and owner names as the Hub allows them; anything else (`..`, slashes, spaces)
    /// could escape the store's folder.
    static func isValidName(_ name: Substring) -> Bool {
        guard !name.isEmpty, name != ".", name != "..", name.count <= 96 else { return false }
        return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }
    }

    public var repoID: String { "\(owner)/\(repo)" }

    public var description: String { "hf:\(repoID)" + (file.map { ":\($0)" } ?? "") }
}
