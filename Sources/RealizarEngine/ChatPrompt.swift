import Foundation
import RealizarCore
import RealizarTemplates
import RealizarTokenizers

/// Turns a conversation into prompt tokens: the model's own chat template
/// (`tokenizer.chat_template`), a template file given by the user, or a built-in format chosen
/// from the architecture and the vocabulary's special tokens.
public struct ChatPrompt: Sendable {
    public let template: ChatTemplate
    /// Where the template came from, for `--verbose` output and `/api/show`.
    public let origin: String
    public let source: String
    let bosToken: String
    let eosToken: String
    let stripsLeadingBOS: Bool

    /// The template for `model`: `overrideSource` when given, else the model's, else a built-in format.
    /// `limits` bound each render: a model file's template is as untrusted as the file.
    public init(model: LoadedModel, overrideSource: String? = nil, limits: RenderLimits = RenderLimits()) throws {
        let tokenizer = model.tokenizer
        if let overrideSource {
            source = overrideSource
            origin = "template file"
        } else if let embedded = try model.embeddedChatTemplate, !embedded.isEmpty {
            source = embedded
            origin = "model"
        } else {
            var texts = Set<String>()
            for id in 0..<tokenizer.vocabularySize where tokenizer.isControl(id) || tokenizer.attributes(of: id).contains(.userDefined) {
                if let text = tokenizer.tokenText(id) { texts.insert(text) }
            }
            let format = BuiltinChatFormat.detect(architecture: model.decoder.architecture.name) { texts.contains($0) }
            source = format.source
            origin = "built-in \(format.rawValue)"
        }
        var options = TemplateOptions.huggingFace
        options.limits = limits
        template = try ChatTemplate(source: source, options: options)
        bosToken = tokenizer.bosID.flatMap { tokenizer.tokenText($0) } ?? ""
        eosToken = tokenizer.eosID.flatMap { tokenizer.tokenText($0) } ?? ""
        stripsLeadingBOS = tokenizer.addsBOS
    }

    /// The rendered text of a conversation.
    public func render(_ messages: [JinjaValue], tools: [JinjaValue]? = nil, addGenerationPrompt: Bool = true) throws -> String {
        try template.render(messages: messages, tools: tools, addGenerationPrompt: addGenerationPrompt,
                            bosToken: bosToken, eosToken: eosToken)
    }

    /// Prompt tokens for a conversation. Templates that write BOS themselves would get a second
    /// one from the tokenizer, so a leading BOS in the text is dropped first (as llama.cpp does).
    public func tokens(_ messages: [JinjaValue], tools: [JinjaValue]? = nil, model: LoadedModel) throws -> [Int] {
        var text = try render(messages, tools: tools)
        if stripsLeadingBOS, !bosToken.isEmpty, text.hasPrefix(bosToken) { text.removeFirst(bosToken.count) }
        return model.tokenize(text, parseSpecial: true)
    }
}
