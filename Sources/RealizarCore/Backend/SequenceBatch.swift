/// One sequence's share of a batched forward pass: its tokens run at positions
/// `cache.count ..< cache.count + tokens.count` and are appended to its own cache.
public struct SequenceBatch: @unchecked Sendable {
    public var cache: KVCache
    public var tokens: [Int]
    /// Whether the caller wants the logits of this entry's last token.
    public var wantsLogits: Bool

    public init(cache: KVCache, tokens: [Int], wantsLogits: Bool = true) {
        self.cache = cache
        self.tokens = tokens
        self.wantsLogits = wantsLogits
    }
}
