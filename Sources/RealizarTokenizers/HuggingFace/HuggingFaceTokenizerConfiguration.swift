import Foundation
import RealizarCore

/// What `tokenizer_config.json`, `special_tokens_map.json` and `chat_template.jinja` beside a
/// `tokenizer.json` say: the chat template(s), the special tokens by role, and the flags
/// `transformers` reads. Every field is optional; a folder without these files gives `.empty`.
public struct HuggingFaceTokenizerConfiguration: Sendable, Equatable {
    /// The default chat template (`chat_template.jinja`, else `chat_template` as a string or the
    /// entry named "default").
    public var chatTemplate: String?
    /// Every named template of a `chat_template` list (e.g. "default", "tool_use", "rag").
    public var namedChatTemplates: [String: String] = [:]
    public var bosToken: String?
    public var eosToken: String?
    public var padToken: String?
    public var unknownToken: String?
    public var separatorToken: String?
    public var classifierToken: String?
    public var maskToken: String?
    public var addBOSToken: Bool?
    public var addEOSToken: Bool?
    /// `model_max_length`; nil when absent or the "no limit" sentinel (1e30).
    public var modelMaxLength: Int?
    public var cleanUpTokenizationSpaces: Bool?

    public static let empty = HuggingFaceTokenizerConfiguration()

    public init() {}

    /// Reads the configuration files of a model folder (each one only if present).
    public init(folder: URL) throws {
        let config = folder.appendingPathComponent("tokenizer_config.json")
        if let data = FileManager.default.contents(atPath: config.path) {
            try read(JSONField.parse(data, file: config.path))
        }
        let map = folder.appendingPathComponent("special_tokens_map.json")
        if let data = FileManager.default.contents(atPath: map.path) {
            var other = HuggingFaceTokenizerConfiguration()
            try other.read(JSONField.parse(data, file: map.path))
            bosToken = bosToken ?? other.bosToken
            eosToken = eosToken ?? other.eosToken
            padToken = padToken ?? other.padToken
            unknownToken = unknownToken ?? other.unknownToken
            separatorToken = separatorToken ?? other.separatorToken
            classifierToken = classifierToken ?? other.classifierToken
            maskToken = maskToken ?? other.maskToken
        }
        let jinja = folder.appendingPathComponent("chat_template.jinja")
        if let data = FileManager.default.contents(atPath: jinja.path) {
            guard let text = String(data: data, encoding: .utf8) else {
                throw FormatError(path: jinja.path, problem: "is not UTF-8 text")
            }
            chatTemplate = text
        }
    }

    /// Reads `tokenizer_config.json` (or `special_tokens_map.json`, which has a subset of its fields).
    mutating func read(_ root: JSONField) throws {
        guard root.isObject else { throw root.fail("expected an object, found \(root.typeName)") }
        if let template = root.optional("chat_template") {
            if template.isString {
                chatTemplate = try template.asString()
            } else {
                for entry in try template.asArray() {
                    let name = try entry.string("name")
                    namedChatTemplates[name] = try entry.string("template")
                }
                chatTemplate = namedChatTemplates["default"]
            }
        }
        func token(_ key: String) throws -> String? {
            guard let f = root.optional(key) else { return nil }
            // A plain string, or an AddedToken object with `content`.
            return f.isString ? try f.asString() : try f.string("content")
        }
        bosToken = try token("bos_token")
        eosToken = try token("eos_token")
        padToken = try token("pad_token")
        unknownToken = try token("unk_token")
        separatorToken = try token("sep_token")
        classifierToken = try token("cls_token")
        maskToken = try token("mask_token")
        addBOSToken = try root.optionalBool("add_bos_token")
        addEOSToken = try root.optionalBool("add_eos_token")
        cleanUpTokenizationSpaces = try root.optionalBool("clean_up_tokenization_spaces")
        if let f = root.optional("model_max_length") {
            let value = try f.asDouble()
            modelMaxLength = value >= 1 && value < 1e15 ? Int(value) : nil
        }
    }
}
