import ArgumentParser
import RealizarCore

/// Every sampler setting as a command-line option, with llama.cpp's defaults.
struct SamplingOptions: ParsableArguments {
    @Option(name: [.long, .customLong("temp")], help: "Temperature; 0 is greedy.")
    var temperature: Float = 0.8
    @Option(name: .customLong("top-k"), help: "Keep the K most likely tokens (0: all).")
    var topK = 40
    @Option(name: .customLong("top-p"), help: "Nucleus sampling threshold (1: off).")
    var topP: Float = 0.95
    @Option(name: .customLong("min-p"), help: "Drop tokens below this fraction of the best one's probability (0: off).")
    var minP: Float = 0.05
    @Option(name: .customLong("typical-p"), help: "Locally typical sampling (1: off).")
    var typicalP: Float = 1
    @Option(name: .customLong("repeat-penalty"), help: "Repetition penalty (1: off).")
    var repeatPenalty: Float = 1
    @Option(name: .customLong("repeat-last-n"), help: "Tokens the penalties look back over (-1: all).")
    var repeatLastN = 64
    @Option(name: .customLong("frequency-penalty"), help: "OpenAI-style frequency penalty.")
    var frequencyPenalty: Float = 0
    @Option(name: .customLong("presence-penalty"), help: "OpenAI-style presence penalty.")
    var presencePenalty: Float = 0
    @Option(name: .customLong("logit-bias"), help: "TOKEN=BIAS, repeatable (BIAS may be -inf).")
    var logitBias: [String] = []
    @Option(help: "Random seed (same seed, same output).")
    var seed: UInt64?

    func parameters() throws -> SamplingParameters {
        var bias: [Int: Float] = [:]
        for entry in logitBias {
            let parts = entry.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let token = Int(parts[0]) else {
                throw ValidationError("--logit-bias expects TOKEN=BIAS, got '\(entry)'")
            }
            let text = parts[1].lowercased()
            guard let value = text == "-inf" ? -Float.infinity : Float(text) else {
                throw ValidationError("--logit-bias: '\(parts[1])' is not a number")
            }
            bias[token] = value
        }
        return SamplingParameters(temperature: temperature, topK: topK, topP: topP, minP: minP, typicalP: typicalP,
                                  repeatPenalty: repeatPenalty, repeatLastN: repeatLastN, frequencyPenalty: frequencyPenalty,
                                  presencePenalty: presencePenalty, logitBias: bias, seed: seed)
    }
}
