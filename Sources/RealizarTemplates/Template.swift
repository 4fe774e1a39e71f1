import Foundation

/// How a template is read and rendered. The defaults are the settings Hugging Face transformers
/// uses for chat templates.
public struct TemplateOptions: Sendable, Hashable {
    /// Remove the first newline after a block tag (Jinja2's `trim_blocks`).
    public var trimBlocks: Bool
    /// Strip spaces and tabs before a block tag at the start of a line (Jinja2's `lstrip_blocks`).
    public var lstripBlocks: Bool
    /// Accept `{% generation %}...{% endgeneration %}` (transformers' AssistantTracker extension),
    /// rendering its body in place. Plain Jinja2 rejects the tag as unknown.
    public var generationBlocks: Bool
    /// Bounds on each render (and on nesting when parsing).
    public var limits: RenderLimits

    public init(trimBlocks: Bool = true, lstripBlocks: Bool = true, generationBlocks: Bool = true, limits: RenderLimits = RenderLimits()) {
        self.trimBlocks = trimBlocks
        self.lstripBlocks = lstripBlocks
        self.generationBlocks = generationBlocks
        self.limits = limits
    }

    /// Hugging Face's settings: trim_blocks, lstrip_blocks, generation blocks.
    public static let huggingFace = TemplateOptions()
}

/// A parsed Jinja2 template, rendered in a sandbox: templates see only the values passed in and the
/// builtin filters, tests and globals, and every render is bounded by `RenderLimits`.
///
/// ```swift
/// let t = try Template("Hello {{ name | upper }}!")
/// try t.render(["name": "world"])  // "Hello WORLD!"
/// ```
public struct Template: Sendable {
    public let options: TemplateOptions
    let body: [Stmt]

    /// Parses `source`; throws a `.syntax` error (with line and column) for malformed templates.
    public init(_ source: String, options: TemplateOptions = TemplateOptions()) throws {
        self.options = options
        body = try RenderThread.run {
            let tokens = try Lexer.tokenize(
                source, options: .init(trimBlocks: options.trimBlocks, lstripBlocks: options.lstripBlocks, maxNesting: options.limits.maxNesting))
            return try Parser.parse(tokens, options: .init(generationBlocks: options.generationBlocks, maxNesting: options.limits.maxNesting))
        }
    }

    /// Renders with `context` as the template's variables.
    /// - Parameters:
    ///   - now: the moment `strftime_now` formats.
    ///   - timeZone: the time zone `strftime_now` formats in.
    public func render(_ context: [String: JinjaValue] = [:], now: Date = Date(), timeZone: TimeZone = .current) throws -> String {
        let interpreter = Interpreter(limits: options.limits, context: context, now: now, timeZone: timeZone)
        let body = self.body
        return try RenderThread.run { try interpreter.render(body) }
    }
}
