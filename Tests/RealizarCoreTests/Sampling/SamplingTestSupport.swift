import Foundation
@testable import RealizarCore

/// Helpers shared by the sampling tests.
enum SamplingTestSupport {
    /// Logits whose softmax is exactly `probabilities` (they must sum to 1).
    static func logits(forProbabilities probabilities: [Float]) -> [Float] {
        probabilities.map { Float(Foundation.log(Double($0))) }
    }

    /// A candidate list holding every token of `logits`, after the softmax.
    static func candidates(_ logits: [Float]) -> CandidateList {
        var list = CandidateList(logits: logits)
        list.computeProbabilities()
        return list
    }

    /// The live candidates' ids in their current order.
    static func ids(_ list: CandidateList) -> [Int] {
        list.candidates.map { Int($0.id) }
    }

    /// The live candidates' probabilities, renormalised over the survivors (what the draw sees
    /// at temperature 1), in the list's current order.
    static func renormalisedProbabilities(_ list: CandidateList) -> [Float] {
        var copy = list
        copy.computeProbabilities()
        return copy.candidates.map(\.probability)
    }

    /// Whether two float sequences agree element-wise within `tolerance`.
    static func close(_ a: [Float], _ b: [Float], tolerance: Float = 1e-5) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tolerance }
    }

    /// Parameters with every truncation off: temperature 1, the draw sees the raw distribution.
    static let plain = SamplingParameters(temperature: 1, topK: 0, topP: 1, minP: 0)

    /// How often each id comes up in `draws` steps of `sampler` on the same logits.
    static func histogram(_ sampler: inout Sampler, logits: [Float], draws: Int) -> [Int] {
        var counts = [Int](repeating: 0, count: logits.count)
        for _ in 0..<draws {
            counts[sampler.sample(logits, history: [Int]())] += 1
        }
        return counts
    }

    /// Pearson's chi-square statistic of observed counts against expected probabilities.
    static func chiSquare(observed: [Int], expected probabilities: [Double]) -> Double {
        let total = Double(observed.reduce(0, +))
        var statistic = 0.0
        for (count, p) in zip(observed, probabilities) where p > 0 {
            let expected = total * p
            statistic += (Double(count) - expected) * (Double(count) - expected) / expected
        }
        return statistic
    }
}
