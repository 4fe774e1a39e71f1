/// The penalties stage: llama.cpp's repetition penalty and OpenAI's frequency and presence
/// penalties, applied in place to the raw logits of the tokens found in the recent history.
///
/// The history is passed in on every step rather than accumulated here, so the caller (which
/// already keeps the token sequence) stays the one source of truth, and a sampler can be reused
/// across requests. Counting uses a vocabulary-sized table allocated on first use and cleared
/// entry by entry, so a step costs O(window), not O(vocabulary).
struct RepetitionPenalties: Sendable {
    let repeatPenalty: Float
    let frequencyPenalty: Float
    let presencePenalty: Float
    /// Tokens of history to look at; -1 for all of it, 0 for none.
    let lastN: Int
    private var counts: [Int32] = []
    private var distinct: [Int32] = []

    init(repeatPenalty: Float, frequencyPenalty: Float, presencePenalty: Float, lastN: Int) {
        self.repeatPenalty = repeatPenalty
        self.frequencyPenalty = frequencyPenalty
        self.presencePenalty = presencePenalty
        self.lastN = lastN
    }

    /// False when no penalty would change anything (llama.cpp's `is_disabled`).
    var isEnabled: Bool {
        lastN != 0 && !(repeatPenalty == 1 && frequencyPenalty == 0 && presencePenalty == 0)
    }

    /// Penalises, in `logits`, every token that occurs in the last ``lastN`` entries of
    /// `history`. History ids outside the vocabulary are ignored (they cannot be sampled).
    ///
    /// Takes a buffer, not a generic collection: unspecialised generic iteration (what a caller
    /// in another module gets) allocates per element.
    mutating func apply(to logits: UnsafeMutableBufferPointer<Float>, history: UnsafeBufferPointer<Int>) {
        guard isEnabled else { return }
        let window = lastN < 0 ? history : UnsafeBufferPointer(rebasing: history.suffix(lastN))
        let vocabularySize = logits.count
        // Work on local copies (moved out, so still uniquely referenced and never copied) to keep
        // the two buffers' accesses visibly disjoint.
        var counts = self.counts
        var distinct = self.distinct
        self.counts = []
        self.distinct = []
        defer {
            self.counts = counts
            self.distinct = distinct
        }
        if counts.count < vocabularySize {
            counts = [Int32](repeating: 0, count: vocabularySize)
        }
        distinct.removeAll(keepingCapacity: true)
        for token in window where token >= 0 && token < vocabularySize {
            if counts[token] == 0 { distinct.append(Int32(token)) }
            counts[token] += 1
        }
        for token in distinct {
            let index = Int(token)
            let occurrences = Float(counts[index])
            counts[index] = 0
            var logit = logits[index]
            // Dividing a negative logit would raise its probability; llama.cpp multiplies
            // those instead, so the penalty always pushes a seen token down.
            if logit <= 0 {
                logit *= repeatPenalty
            } else {
                logit /= repeatPenalty
            }
            logit -= occurrences * frequencyPenalty + presencePenalty
            logits[index] = logit
        }
    }
}
