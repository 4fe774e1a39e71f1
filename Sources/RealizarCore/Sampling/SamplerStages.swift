#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The truncation stages, the temperature and the draw, each as llama.cpp's sampler of the same
/// name defines it (`src/llama-sampler.cpp`, with `min_keep = 0` as in the common sampler). They
/// run in this order after the top-k load: typical → top-p → min-p → temperature → draw.
/// Probabilities inside the stages are the softmax of the candidates' logits at that point, at
/// temperature 1, because temperature comes last in llama.cpp's default chain.
extension CandidateList {
    /// Locally typical sampling: orders the candidates by how far their surprisal (−log p) is from
    /// the distribution's entropy, closest first, and keeps the shortest such run whose probability
    /// mass exceeds `p` (strictly, as llama.cpp). `p ≥ 1` does nothing. The survivors are left
    /// unsorted.
    mutating func keepTypical(_ p: Float) {
        guard p < 1, count > 0 else { return }
        // ln p = logit − ln Z exactly, with no `log` per candidate (and finite even where p
        // itself underflowed to 0).
        let logNormalizer = computeProbabilities().logNormalizer
        let entropy = withLiveCandidates { live in
            var sum = 0.0
            for candidate in live { sum -= Double(candidate.probability) * Double(candidate.logit - logNormalizer) }
            return sum
        }
        let typical = Float(entropy)
        update(preservingOrder: false) { $0.key = abs(logNormalizer - $0.logit - typical) }
        keepShortestPrefix(in: SmallestKeyFirst.self, reachingMass: Double(p), strictly: true)
    }

    /// Nucleus (top-p) sampling: keeps the most likely candidates until their probability mass
    /// reaches `p` (`≥`, as llama.cpp), always at least one. `p ≥ 1` does nothing.
    ///
    /// A sorted list (after top-k) is cut with a running sum. An unsorted, vocabulary-sized one
    /// (top-k off) is cut by a mass-steered quickselect instead of a sort, leaving the survivors
    /// unsorted: the draw does not need them in order.
    mutating func keepTopP(_ p: Float) {
        guard p < 1, count > 0 else { return }
        computeProbabilities()
        guard isSorted else {
            keepShortestPrefix(in: BestFirst.self, reachingMass: Double(p), strictly: false)
            return
        }
        var mass = 0.0
        for (index, candidate) in candidates.enumerated() {
            mass += Double(candidate.probability)
            if mass >= Double(p) {
                truncate(to: index + 1)
                return
            }
        }
        // Rounding kept the mass just under p: everything stays, as in llama.cpp.
    }

    /// Min-p sampling: keeps the candidates whose probability is at least `p` times the most
    /// likely one's, compared in logit space (`logit ≥ max + ln p`) as llama.cpp does. The most
    /// likely candidate always stays. `p ≤ 0` does nothing; order is preserved.
    mutating func keepMinP(_ p: Float) {
        guard p > 0, count > 0 else { return }
        let threshold = maximumLogit + logf(p)
        keep { $0.logit >= threshold }
    }

    /// Divides every logit by `temperature` (> 0); order is preserved.
    mutating func applyTemperature(_ temperature: Float) {
        guard temperature != 1 else { return }
        update(preservingOrder: true) { $0.logit /= temperature }
    }

    /// Draws one candidate from the softmax of the current logits, given a uniform number `u` in
    /// [0, 1): walks the candidates in their current order and returns the first id whose
    /// cumulative probability exceeds `u` times the total. `nil` when no candidate is left.
    mutating func draw(uniform u: Double) -> Int? {
        guard count > 0 else { return nil }
        let top = maximumLogit
        // Only pathological logits get here (+infinity from the model, or a temperature pushing
        // extreme values out of range): softmax is undefined, so take the first at the top.
        guard top.isFinite else { return candidates.first { $0.logit == top }.map { Int($0.id) } }
        computeProbabilities()
        return withLiveCandidates { live in
            // Summed again in walking order, so that the walk's last partial sum is exactly `total`.
            var total = 0.0
            for candidate in live { total += Double(candidate.probability) }
            let target = u * total
            var cumulative = 0.0
            var lastLikely: Int?
            for candidate in live where candidate.probability > 0 {
                cumulative += Double(candidate.probability)
                lastLikely = Int(candidate.id)
                if cumulative > target { return Int(candidate.id) }
            }
            // Only reachable when rounding makes u × total equal the total.
            return lastLikely ?? Int(live[0].id)
        }
    }
}
