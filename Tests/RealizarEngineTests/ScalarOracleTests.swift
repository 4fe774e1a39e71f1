import Testing
import RealizarCore
import RealizarEngine
import RealizarTestSupport

/// The plain Swift kernel family as a whole-model oracle: Gemma 3 and SmolLM2 on the generic
/// CPU backend meet the criteria against exact math that the SIMD families meet (the 1,007-token
/// case is left to the SIMD families: at scalar speed its prompt alone takes minutes).
@Suite(.serialized) struct ScalarOracleTests {
    @Test func gemmaOnTheGenericFamily() throws {
        let model = try LoadedModel(path: TestModels.path(.gemma), backend: CPUBackend(family: .generic))
        let prompts = try ReferencePrompt.load("gemma-3-270m")
        try AccuracyTests().checkPrompts(model, prompts, name: "gemma generic")
        try AccuracyTests().checkGreedy(model, Array(prompts.prefix(3)), name: "gemma generic")
    }

    @Test func smolLM2OnTheGenericFamily() throws {
        let model = try LoadedModel(path: TestModels.path(.smolLM2), backend: CPUBackend(family: .generic))
        let prompts = try ReferencePrompt.load("smollm2-135m")
        try AccuracyTests().checkPrompts(model, prompts, name: "smollm2 generic")
        try AccuracyTests().checkGreedy(model, Array(prompts.prefix(3)), name: "smollm2 generic")
    }
}
