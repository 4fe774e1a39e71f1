import Foundation
import Testing
import RealizarCore
import RealizarEngine
import RealizarTestSupport

/// The CPU engine against the exact float64 reference and llama.cpp, with the tolerances of the
/// CPU engine issue (which llama.cpp itself meets).
@Suite(.serialized) struct AccuracyTests {
    static let gemma = Result { try LoadedModel(path: TestModels.path(.gemma)) }
    static let smolLM2 = Result { try LoadedModel(path: TestModels.path(.smolLM2)) }

    struct Deviation {
        var worst: Double
        var topOneAgrees: Bool
    }

    /// Largest |Δlogit| to exact over our top 20, and whether top-1 agrees.
    static func deviation(_ logits: [Float], _ reference: ReferencePrompt) -> Deviation {
        let exact = Dictionary(reference.exactTop.map { ($0.id, $0.logit) }, uniquingKeysWith: { a, _ in a })
        let ours = logits.indices.sorted { logits[$0] > logits[$1] }.prefix(20)
        var worst = 0.0
        for id in ours {
            // Tokens outside the exact top 40 are compared with the 40th exact logit as a bound.
            let reference = exact[id] ?? reference.exactTop.last!.logit
            worst = max(worst, abs(Double(logits[id]) - reference))
        }
        return Deviation(worst: worst, topOneAgrees: ours.first == reference.exactTop.first?.id)
    }

    /// Every prompt within 1.0 of exact, and the per-prompt worst averaged over a prompt set within
    /// 0.5. The long case is one prompt, where the average is that one sample of 8-bit activation
    /// noise (llama.cpp itself lands 0.51 away there), so only the per-prompt bound applies to it.
    func checkPrompts(_ model: LoadedModel, _ prompts: [ReferencePrompt], name: String, averageBound: Double? = 0.5) throws {
        var worstPerPrompt: [Double] = []
        for reference in prompts {
            let tokens = model.tokenize(reference.prompt)
            #expect(tokens == reference.llamaCppTokens, "\(name) '\(reference.prompt.prefix(30))': tokens \(tokens) vs llama.cpp \(reference.llamaCppTokens)")
            let cache = try model.decoder.makeCache(capacity: tokens.count)
            let logits = try model.decoder.forward(reference.llamaCppTokens, cache: cache)
            let deviation = Self.deviation(logits, reference)
            worstPerPrompt.append(deviation.worst)
            #expect(deviation.worst <= 1.0, "\(name) '\(reference.prompt.prefix(30))': max |Δlogit| \(deviation.worst) > 1.0")
            let margin = reference.exactTop[0].logit - reference.exactTop[1].logit
            if margin >= 0.5 {
                #expect(deviation.topOneAgrees, "\(name) '\(reference.prompt.prefix(30))': top-1 differs from exact (margin \(margin))")
            }
        }
        let mean = worstPerPrompt.reduce(0, +) / Double(worstPerPrompt.count)
        print("\(name): worst |Δlogit| per prompt \(worstPerPrompt.map { String(format: "%.2e", $0) }), mean \(String(format: "%.2e", mean))")
        if let averageBound {
            #expect(mean <= averageBound, "\(name): mean of the per-prompt worst |Δlogit| is \(mean) > \(averageBound)")
        }
    }

    @Test func gemmaDevPromptsMatchExactLogits() throws {
        try checkPrompts(try Self.gemma.get(), try ReferencePrompt.load("gemma-3-270m"), name: "gemma")
    }

    @Test func smolLM2DevPromptsMatchExactLogits() throws {
        try checkPrompts(try Self.smolLM2.get(), try ReferencePrompt.load("smollm2-135m"), name: "smollm2")
    }

    @Test func gemmaLongPromptRespectsTheSlidingWindow() throws {
        let model = try Self.gemma.get()
        let prompts = try ReferencePrompt.load("gemma-3-270m", logits: "long-logits-dev.json", exact: "long-exact-dev.json")
        let text = try String(contentsOf: ProjectPaths.reference("gemma-3-270m/long-prompt-dev.txt"), encoding: .utf8)
        #expect(prompts.first?.prompt == text.trimmingCharacters(in: .newlines))
        try checkPrompts(model, prompts, name: "gemma long", averageBound: nil)
        try checkGreedy(model, prompts, name: "gemma long")
    }

    /// Greedy continuations leave the exact one only at near-ties (exact margin < 1.0).
    func checkGreedy(_ model: LoadedModel, _ prompts: [ReferencePrompt], name: String) throws {
        for reference in prompts {
            let request = GenerationRequest(prompt: reference.llamaCppTokens, maxTokens: reference.exactGreedy.count,
                                            sampling: .greedy, context: reference.llamaCppTokens.count + reference.exactGreedy.count + 1)
            let result = try Generator(model: model).generate(request)
            var ours = result.tokens
            if result.finishReason == .endOfGeneration, let eos = reference.exactGreedy.last, ours.count < reference.exactGreedy.count {
                ours.append(eos)
            }
            if let split = zip(ours, reference.exactGreedy).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
                let margin = reference.greedyMargins[split]
                #expect(margin < 1.0, "\(name) '\(reference.prompt.prefix(30))': greedy leaves the exact continuation at step \(split) where the exact margin is \(margin)")
            } else {
                #expect(ours.count >= min(reference.exactGreedy.count, request.maxTokens), "\(name): only \(ours.count) tokens generated")
            }
        }
    }

    @Test func gemmaGreedyFollowsExact() throws {
        try checkGreedy(try Self.gemma.get(), try ReferencePrompt.load("gemma-3-270m"), name: "gemma")
    }

    @Test func smolLM2GreedyFollowsExact() throws {
        try checkGreedy(try Self.smolLM2.get(), try ReferencePrompt.load("smollm2-135m"), name: "smollm2")
    }
}
