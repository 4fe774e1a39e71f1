/// A sampled token with the log-probabilities an API reports alongside it.
///
/// Log-probabilities are the log-softmax of the whole vocabulary's logits after logit bias and
/// penalties, before top-k/typical/top-p/min-p truncation and before temperature: that is the
/// model's distribution as the request shaped it, which is what OpenAI's `logprobs` describe, and
/// it does not change with the truncation settings (a token cut by top-k still has a finite
/// logprob). A banned token (`-infinity` bias) has a logprob of `-infinity`.
public struct SampledToken: Sendable {
    /// The chosen token.
    public var id: Int
    /// Its log-probability (natural log).
    public var logprob: Float
    /// The most likely tokens and their log-probabilities, most likely first (ties: lowest id
    /// first); as many as were asked for, or fewer when fewer tokens are left unbanned.
    public var top: [(id: Int, logprob: Float)]

    public init(id: Int, logprob: Float, top: [(id: Int, logprob: Float)]) {
        self.id = id
        self.logprob = logprob
        self.top = top
    }
}
