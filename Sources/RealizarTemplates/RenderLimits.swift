/// Bounds on what one render may do, so that a hostile or broken template ends quickly with a
/// clear error instead of hanging or exhausting memory. Each limit has its own message.
public struct RenderLimits: Sendable, Hashable {
    /// Loop iterations over the whole render, all loops and list filters together. Some real
    /// templates are quadratic in the number of messages (Gemma 4 makes about 80,000 iterations
    /// for 400 messages), so this is generous.
    public var maxLoopIterations: Int
    /// Longest `range()`; Jinja2's sandbox refuses ranges over 100,000 items too.
    public var maxRangeLength: Int
    /// Deepest nesting of macro calls, `caller()` calls and recursive loops.
    public var maxCallDepth: Int
    /// Deepest nesting of blocks and of parentheses in the source.
    public var maxNesting: Int
    /// Deepest recursion of the interpreter: nested expressions, blocks and macro calls together.
    /// Renders run on a thread with a large stack, which this keeps from overflowing.
    public var maxEvaluationDepth: Int
    /// Largest text a render may produce, in UTF-8 bytes (the result, or a captured block).
    public var maxOutputBytes: Int
    /// Largest single string a template may build (by `*`, `+`, `~`, `join`, ...), in UTF-8 bytes.
    public var maxValueSize: Int
    /// Longest list a template may build (by `*`, `+`, `append`, ...).
    public var maxListLength: Int
    /// Deepest nesting of lists, dicts and tuples a template may build (`[[[...]]]`).
    public var maxValueDepth: Int
    /// Total text all string operations may produce in one render: bounds the work of templates
    /// that build and throw away big strings in a loop.
    public var maxTotalTextBytes: Int
    /// Wall-clock time a render may take, a last resort for work the other limits miss. Real chat
    /// templates render in milliseconds.
    public var timeLimit: Duration?

    public init(
        maxLoopIterations: Int = 1_000_000, maxRangeLength: Int = 100_000, maxCallDepth: Int = 200, maxNesting: Int = 200, maxEvaluationDepth: Int = 5_000,
        maxOutputBytes: Int = 32 << 20, maxValueSize: Int = 32 << 20, maxListLength: Int = 1_000_000, maxValueDepth: Int = 500,
        maxTotalTextBytes: Int = 512 << 20,
        timeLimit: Duration? = .seconds(1)
    ) {
        self.maxLoopIterations = maxLoopIterations
        self.maxRangeLength = maxRangeLength
        self.maxCallDepth = maxCallDepth
        self.maxNesting = maxNesting
        self.maxEvaluationDepth = maxEvaluationDepth
        self.maxOutputBytes = maxOutputBytes
        self.maxValueSize = maxValueSize
        self.maxListLength = maxListLength
        self.maxValueDepth = maxValueDepth
        self.maxTotalTextBytes = maxTotalTextBytes
        self.timeLimit = timeLimit
    }
}
