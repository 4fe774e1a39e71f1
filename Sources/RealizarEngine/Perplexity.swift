import Foundation
import RealizarCore

/// Perplexity by llama-perplexity's method: the text is tokenized without BOS and cut into
/// consecutive chunks of `context` tokens; each chunk's first token becomes BOS when the model
/// adds one; the chunk runs in one pass and the negative log-likelihood is averaged over the
/// predictions of its second half.
public enum Perplexity {
    public struct Result: Sendable, Codable {
        public let perplexity: Double
        public let standardError: Double
        public let chunks: Int
        public let context: Int
        public let tokens: Int
    }

    public static func measure(_ model: LoadedModel, text: String, context: Int,
                               progress: (Int, Int, Double) -> Void = { _, _, _ in }) throws -> Result {
        try model.validate(context: context)
        let tokens = model.tokenizer.encode(text, addSpecial: false, parseSpecial: false)
        let chunks = tokens.count / context
        guard chunks > 0 else {
            throw ModelError("the text has \(tokens.count) tokens, fewer than one chunk of \(context)")
        }
        let first = context / 2
        var negativeLogLikelihoods: [Double] = []
        for chunk in 0..<chunks {
            var batch = Array(tokens[(chunk * context)..<((chunk + 1) * context)])
            if model.tokenizer.addsBOS, let bos = model.tokenizer.bosID { batch[0] = bos }
            let cache = try model.decoder.makeCache(capacity: context)
            // Logits for positions first-1 ..< context-1 predict tokens first ..< context.
            let logits = try model.decoder.forward(batch, cache: cache, logits: .range((first - 1)..<(context - 1)))
            let vocabulary = model.decoder.vocabularySize
            for (row, position) in ((first - 1)..<(context - 1)).enumerated() {
                let target = tokens[chunk * context + position + 1]
                let rowStart = row * vocabulary
                var maximum = -Float.infinity
                for i in 0..<vocabulary { maximum = max(maximum, logits[rowStart + i]) }
                var sum: Double = 0
                for i in 0..<vocabulary { sum += Foundation.exp(Double(logits[rowStart + i] - maximum)) }
                let logProbability = Double(logits[rowStart + target] - maximum) - Foundation.log(sum)
                negativeLogLikelihoods.append(-logProbability)
            }
            let mean = negativeLogLikelihoods.reduce(0, +) / Double(negativeLogLikelihoods.count)
            progress(chunk + 1, chunks, Foundation.exp(mean))
        }
        let count = Double(negativeLogLikelihoods.count)
        let mean = negativeLogLikelihoods.reduce(0, +) / count
        let meanSquare = negativeLogLikelihoods.reduce(0) { $0 + $1 * $1 } / count
        let perplexity = Foundation.exp(mean)
        // llama-perplexity's error estimate: the standard error of the mean NLL, carried through exp.
        let standardError = perplexity * ((meanSquare - mean * mean) / (count - 1)).squareRoot()
        return Result(perplexity: perplexity, standardError: standardError, chunks: chunks, context: context, tokens: tokens.count)
    }
}
