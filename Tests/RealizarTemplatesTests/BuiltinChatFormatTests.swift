import Testing

@testable import RealizarTemplates

/// The built-in formats for models without a chat template.
@Suite struct BuiltinChatFormatTests {
    static let conversation: [JinjaValue] = [
        ["role": "system", "content": "Be brief."], ["role": "user", "content": "Hi"], ["role": "assistant", "content": "Hello"],
        ["role": "user", "content": "Bye"],
    ]

    static let expected: [(BuiltinChatFormat, String)] = [
        (.chatml, "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello<|im_end|>\n<|im_start|>user\nBye<|im_end|>\n<|im_start|>assistant\n"),
        (.llama2, "<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi [/INST] Hello </s><s>[INST] Bye [/INST]"),
        (.llama3, "<s><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHello<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nBye<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"),
        (.mistral, "<s>[INST] Be brief.\n\nHi[/INST]Hello</s>[INST] Bye[/INST]"),
        (.gemma, "<s><start_of_turn>user\nBe brief.\n\nHi<end_of_turn>\n<start_of_turn>model\nHello<end_of_turn>\n<start_of_turn>user\nBye<end_of_turn>\n<start_of_turn>model\n"),
        (.phi3, "<|system|>\nBe brief.<|end|>\n<|user|>\nHi<|end|>\n<|assistant|>\nHello<|end|>\n<|user|>\nBye<|end|>\n<|assistant|>\n"),
        (.alpaca, "Be brief.\n\n### Instruction:\nHi\n\n### Response:\nHello</s>\n\n### Instruction:\nBye\n\n### Response:\n"),
    ]

    @Test(arguments: BuiltinChatFormat.allCases)
    func rendersAConversation(_ format: BuiltinChatFormat) throws {
        let text = try format.chatTemplate.render(messages: Self.conversation, addGenerationPrompt: true, bosToken: "<s>", eosToken: "</s>")
        let expected = Self.expected.first { $0.0 == format }!.1
        #expect(text == expected, "\(format): \(firstDifference(expected: expected, actual: text))")
    }

    @Test(arguments: BuiltinChatFormat.allCases)
    func rendersToolMessages(_ format: BuiltinChatFormat) throws {
        let messages: [JinjaValue] = [["role": "user", "content": "Weather?"], ["role": "tool", "content": "sunny"]]
        let text = try format.chatTemplate.render(messages: messages, addGenerationPrompt: true)
        #expect(text.contains("sunny"), "\(format): the tool result is missing: \(text)")
    }

    @Test func detectsBySpecialTokensFirst() {
        func has(_ tokens: Set<String>) -> (String) -> Bool { { tokens.contains($0) } }
        #expect(BuiltinChatFormat.detect(architecture: "llama", hasToken: has(["<|im_start|>"])) == .chatml)
        #expect(BuiltinChatFormat.detect(architecture: "llama", hasToken: has(["<|start_header_id|>"])) == .llama3)
        #expect(BuiltinChatFormat.detect(architecture: "gemma2", hasToken: has([])) == .gemma)
        #expect(BuiltinChatFormat.detect(architecture: nil, hasToken: has(["<start_of_turn>"])) == .gemma)
        #expect(BuiltinChatFormat.detect(architecture: "phi3", hasToken: has([])) == .phi3)
        #expect(BuiltinChatFormat.detect(architecture: nil, hasToken: has(["<|user|>"])) == .phi3)
        #expect(BuiltinChatFormat.detect(architecture: "llama", hasToken: has(["[INST]"])) == .mistral)
        #expect(BuiltinChatFormat.detect(architecture: "mistral", hasToken: has([])) == .mistral)
        #expect(BuiltinChatFormat.detect(architecture: "llama", hasToken: has([])) == .llama2)
        #expect(BuiltinChatFormat.detect(architecture: "qwen2", hasToken: has([])) == .chatml)
        #expect(BuiltinChatFormat.detect(architecture: nil, hasToken: has([])) == .chatml)
    }
}
