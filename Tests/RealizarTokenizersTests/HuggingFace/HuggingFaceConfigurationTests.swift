import Foundation
import Testing
import RealizarCore
import RealizarTestSupport
@testable import RealizarTokenizers

/// `tokenizer_config.json`, `special_tokens_map.json` and `chat_template.jinja` beside a
/// `tokenizer.json` are read into `HuggingFaceTokenizerConfiguration`.
@Suite struct HuggingFaceConfigurationTests {
    static let tokenizerJSON = ###"""
    {"added_tokens": [{"id": 0, "content": "<s>", "special": true}, {"id": 1, "content": "</s>", "special": true},
                      {"id": 2, "content": "<pad>", "special": true}],
     "normalizer": null, "pre_tokenizer": {"type": "WhitespaceSplit"},
     "post_processor": {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
                        "pair": [], "special_tokens": {"<s>": {"id": "<s>", "ids": [0], "tokens": ["<s>"]}}},
     "decoder": null,
     "model": {"type": "WordLevel", "unk_token": "<unk>", "vocab": {"<s>": 0, "</s>": 1, "<pad>": 2, "<unk>": 3, "hello": 4, "world": 5}}}
    """###

    static func folder(_ files: [String: String]) throws -> TemporaryFolder {
        let folder = try TemporaryFolder()
        try tokenizerJSON.write(to: folder.file("tokenizer.json"), atomically: true, encoding: .utf8)
        for (name, text) in files { try text.write(to: folder.file(name), atomically: true, encoding: .utf8) }
        return folder
    }

    @Test func namedChatTemplatesAndAddedTokenDictionaries() throws {
        let folder = try Self.folder([
            "tokenizer_config.json": #"""
            {"chat_template": [{"name": "default", "template": "{{ messages }}"}, {"name": "tool_use", "template": "{{ tools }}"}],
             "bos_token": {"__type": "AddedToken", "content": "<s>", "lstrip": false}, "eos_token": "</s>",
             "add_bos_token": true, "add_eos_token": false, "model_max_length": 1000000000000000019884624838656,
             "clean_up_tokenization_spaces": false}
            """#,
            "special_tokens_map.json": #"{"pad_token": "<pad>", "eos_token": "<ignored-because-config-has-one>", "unk_token": {"content": "<unk>"}}"#,
        ])
        let tokenizer = try HuggingFaceTokenizer.load(folder: folder.url)
        let config = tokenizer.configuration
        #expect(config.chatTemplate == "{{ messages }}")
        #expect(config.namedChatTemplates == ["default": "{{ messages }}", "tool_use": "{{ tools }}"])
        #expect(config.bosToken == "<s>")
        #expect(config.eosToken == "</s>")
        #expect(config.padToken == "<pad>")
        #expect(config.unknownToken == "<unk>")
        #expect(config.addBOSToken == true)
        #expect(config.addEOSToken == false)
        #expect(config.modelMaxLength == nil, "the 1e30 sentinel means no limit")
        #expect(config.cleanUpTokenizationSpaces == false)
        #expect(tokenizer.bosID == 0)
        #expect(tokenizer.eosID == 1)
        #expect(tokenizer.paddingID == 2)
        #expect(tokenizer.isEndOfGeneration(1))
        #expect(tokenizer.encode("hello world", addSpecial: true, parseSpecial: true) == [0, 4, 5])
        #expect(tokenizer.encode("hello there", addSpecial: false, parseSpecial: true) == [4, 3])
        #expect(tokenizer.decode([0, 4, 5], renderSpecial: true) == "<s> hello world")
        #expect(tokenizer.decode([0, 4, 5]) == "hello world")
    }

    @Test func chatTemplateFileWinsOverTheConfigString() throws {
        let folder = try Self.folder([
            "tokenizer_config.json": #"{"chat_template": "from config", "model_max_length": 512}"#,
            "chat_template.jinja": "from file {{ bos_token }}",
        ])
        let config = try HuggingFaceTokenizer.load(folder: folder.url).configuration
        #expect(config.chatTemplate == "from file {{ bos_token }}")
        #expect(config.modelMaxLength == 512)
    }

    @Test func malformedConfigNamesFileAndField() throws {
        let folder = try Self.folder(["tokenizer_config.json": #"{"chat_template": [{"name": "default"}]}"#])
        #expect {
            try HuggingFaceTokenizer.load(folder: folder.url)
        } throws: { error in
            let e = error as? FormatError
            return e?.path.hasSuffix("tokenizer_config.json") == true && e?.field == "chat_template[0].template"
        }
    }

    @Test func miniLMFolderConfiguration() throws {
        let tokenizer = try HuggingFaceTokenizer.load(folder: URL(fileURLWithPath: try TestModels.path(.miniLM)))
        #expect(tokenizer.configuration.modelMaxLength == 512)
        #expect(tokenizer.configuration.classifierToken == "[CLS]")
        #expect(tokenizer.configuration.maskToken == "[MASK]")
        #expect(tokenizer.truncation?.maxLength == 128)
        #expect(tokenizer.padding?.fixedLength == 128)
        #expect(tokenizer.separatorID == 102)
        #expect(tokenizer.encoding("Hello world", pair: "Bye").ids.prefix(7) == [101, 7592, 2088, 102, 9061, 102, 0])
        #expect(tokenizer.encoding("Hello world", pair: "Bye").typeIDs.prefix(7) == [0, 0, 0, 0, 1, 1, 0])
    }
}
