/// Byte-level BPE pre-tokenizers: the `tokenizer.ggml.pre` names llama.cpp knows, the regular
/// expressions each one splits text with, and the splitting itself.
///
/// llama.cpp splits with a list of expressions applied in turn, each one splitting every piece the
/// previous ones produced (the text between matches is kept as pieces too). For the most common
/// expressions it uses hand-written matchers (`unicode_regex_split_custom_*`); the rest go to
/// `std::regex` after mapping every non-ASCII code point onto one byte standing for its general
/// category (or, for expressions without `\p{..}`, onto itself with non-ASCII whitespace mapped to
/// `\v`). Both paths are reproduced here, quirks included, so that the pieces are the same.
enum PreTokenizerType: String, Sendable, CaseIterable {
    case `default`, llama3, deepseekLLM, deepseekCoder, falcon, mpt, starcoder, gpt2, refact, commandR
    case stablelm2, qwen2, olmo, dbrx, smaug, poro, chatglm4, viking, jais, tekken, smollm, codeshell
    case bloom, gpt3Finnish, exaone, chameleon, minerva, deepseek3LLM, gpt4o, superbpe, trillion
    case bailingmoe, seedCoder, hunyuan, kimiK2, hunyuanDense, grok2, graniteDocling, minimaxM2, afmoe
    case solarOpen, youtu, exaoneMoe, qwen35, tinyAya, joyaiLLM, jais2, gemma4, sarvamMoe, minicpm5
    case whitespace, graniteEmbedMulti, mellum2, laguna, hyV4, spark25, ufakzeka

    /// Vocabulary settings a pre-tokenizer name implies (llama.cpp's `llama_vocab::impl::load`).
    struct Settings: Sendable {
        var type: PreTokenizerType
        var ignoreMerges = false
        var addBOS: Bool? = nil
        var cleanSpaces = true
        var escapeWhitespaces = false
        var noBOS = false
        var addSep = false
        var lowercase: Bool? = nil
    }

    /// The settings for a `tokenizer.ggml.pre` value, or nil for a name llama.cpp does not know.
    static func settings(forName name: String) -> Settings? {
        func s(_ type: PreTokenizerType, ignoreMerges: Bool = false, addBOS: Bool? = nil, clean: Bool = true,
               escape: Bool = false, noBOS: Bool = false, addSep: Bool = false, lowercase: Bool? = nil) -> Settings {
            Settings(type: type, ignoreMerges: ignoreMerges, addBOS: addBOS, cleanSpaces: clean,
                     escapeWhitespaces: escape, noBOS: noBOS, addSep: addSep, lowercase: lowercase)
        }
        switch name {
        case "", "default": return s(.default)
        case "minicpm5": return s(.minicpm5, ignoreMerges: true)
        case "llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2", "jina-v5-nano":
            return s(.llama3, ignoreMerges: true, addBOS: true)
        case "deepseek-llm": return s(.deepseekLLM, clean: false)
        case "deepseek-coder": return s(.deepseekCoder, clean: false)
        case "deepseek-v3": return s(.deepseek3LLM, clean: false)
        case "spark2_5": return s(.spark25, clean: false)
        case "youtu": return s(.youtu, ignoreMerges: true, clean: false)
        case "falcon": return s(.falcon)
        case "mpt": return s(.mpt)
        case "starcoder": return s(.starcoder)
        case "gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de", "a.x-4.0", "mellum", "modern-bert":
            return s(.gpt2)
        case "jais-2": return s(.jais2)
        case "gemma4", "granite-embed-multi-311m": return s(.gemma4, escape: true)
        case "sarvam-moe": return s(.sarvamMoe, clean: false, escape: true)
        case "jina-v1-en", "jina-v2-code", "roberta-bpe": return s(.gpt2, addSep: true)
        case "whitespace": return s(.whitespace, lowercase: false)
        case "refact": return s(.refact)
        case "command-r": return s(.commandR, clean: false)
        case "qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2": return s(.qwen2, clean: false)
        case "qwen35": return s(.qwen35, clean: false)
        case "stablelm2": return s(.stablelm2)
        case "olmo": return s(.olmo)
        case "dbrx": return s(.dbrx)
        case "smaug-bpe": return s(.smaug)
        case "poro-chat": return s(.poro, clean: false)
        case "chatglm-bpe": return s(.chatglm4, noBOS: true)
        case "glm4", "glm5": return s(.chatglm4, ignoreMerges: true, noBOS: true)
        case "viking": return s(.viking, clean: false)
        case "jais": return s(.jais)
        case "tekken": return s(.tekken, ignoreMerges: true, addBOS: true, clean: false)
        case "smollm": return s(.smollm, clean: false)
        case "codeshell": return s(.codeshell)
        case "bloom": return s(.bloom)
        case "gpt3-finnish": return s(.gpt3Finnish)
        case "exaone": return s(.exaone)
        case "exaone4": return s(.gpt2)
        case "exaone-moe": return s(.exaoneMoe)
        case "chameleon": return s(.chameleon, addBOS: true, clean: false)
        case "minerva-7b": return s(.minerva)
        case "megrez": return s(.qwen2)
        case "gpt-4o", "llama4", "kanana2", "talkie": return s(.gpt4o, clean: false)
        case "granite-embed-multi-97m": return s(.graniteEmbedMulti, ignoreMerges: true, clean: false)
        case "tiny_aya", "cohere2moe": return s(.tinyAya, clean: false)
        case "superbpe": return s(.superbpe, clean: false)
        case "trillion": return s(.trillion, clean: false)
        case "granite-docling": return s(.graniteDocling, clean: false)
        case "bailingmoe", "bailingmoe2", "llada-moe": return s(.bailingmoe, clean: false)
        case "seed-coder": return s(.seedCoder, clean: false)
        case "hunyuan": return s(.hunyuan, clean: false)
        case "hunyuan-dense": return s(.hunyuanDense, clean: false)
        case "hy_v4": return s(.hyV4, clean: false)
        case "joyai-llm": return s(.joyaiLLM, clean: false)
        case "kimi-k2": return s(.kimiK2, clean: false)
        case "ufakzeka": return s(.ufakzeka, clean: false)
        case "grok-2": return s(.grok2, clean: false)
        case "afmoe": return s(.afmoe, clean: false)
        case "laguna": return s(.laguna, clean: false)
        case "minimax-m2": return s(.minimaxM2, clean: false)
        case "solar-open": return s(.solarOpen, clean: false)
        case "mellum2": return s(.mellum2)
        default: return nil
        }
    }

    /// Whether pieces are mapped to GPT-2's byte-level alphabet before merging.
    var byteEncode: Bool {
        switch self {
        case .gemma4, .sarvamMoe, .whitespace: return false
        default: return true
        }
    }

    /// The expressions, exactly as llama.cpp writes them (they select its hand-written matchers by
    /// string equality).
    var expressions: [String] {
        let llama3 = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"
        let gpt2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)"
        let qwen2 = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"
        let deepseek3 = "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+"
        let newlines = "[^\\n]+|[\\n]+"
        switch self {
        case .llama3, .dbrx, .smaug, .chatglm4:
            return [llama3]
        case .jais2:
            return ["(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s{512}(?!\\S)|\\s{256}(?!\\S)|\\s{128}(?!\\S)|\\s{64}(?!\\S)|\\s{32}(?!\\S)|\\s{16}(?!\\S)|\\s{8}(?!\\S)|\\s{4}(?!\\S)|\\s{1,2}(?!\\S)|\\s{1}"]
        case .deepseekLLM:
            return [
                "[\r\n]",
                "\\s?[A-Za-zµÀ-ÖØ-öø-ƺƼ-ƿǄ-ʓʕ-ʯͰ-ͳͶͷͻ-ͽͿΆΈ-ΊΌΎ-ΡΣ-ϵϷ-ҁҊ-ԯԱ-ՖႠ-ჅᎠ-Ᏽᏸ-ᏽᲐ-ᲺᲽ-Ჿᴀ-ᴫᵫ-ᵷᵹ-ᶚḀ-ἕἘ-Ἕἠ-ὅὈ-Ὅὐ-ὗὙὛὝὟ-ώᾀ-ᾴᾶ-ᾼιῂ-ῄῆ-ῌῐ-ΐῖ-Ίῠ-Ῥῲ-ῴῶ-ῼℂℇℊ-ℓℕℙ-ℝℤΩℨK-ℭℯ-ℴℹℼ-ℿⅅ-ⅉⅎↃↄⰀ-ⱻⱾ-ⳤⳫ-ⳮⳲⳳꙀ-ꙭꚀ-ꚛꜢ-ꝯꝱ-ꞇꞋ-ꞎꭰ-ꮿﬀ-ﬆﬓ-ﬗＡ-Ｚａ-ｚ𐐀-𐑏𐒰-𐓓𐓘-𐓻𐲀-𐲲𐳀-𐳲𑢠-𑣟𞤀-𞥃]+",
                "\\s?[!-/:-~！-／：-～‘-‟　-。]+",
                "\\s+$",
                "[一-龥ࠀ-一가-퟿]+",
                "\\p{N}+",
            ]
        case .deepseek3LLM, .hunyuanDense, .joyaiLLM, .hyV4:
            return ["\\p{N}{1,3}", "[一-龥぀-ゟ゠-ヿ]+", deepseek3]
        case .spark25:
            return [
                "\\p{N}{1,3}",
                "[一-龥぀-ゟ゠-ヿ]+",
                "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+|[\r\n]|\\s+(?!\\S)|\\s+",
                "\\p{N}",
            ]
        case .youtu:
            return [
                "[가-힣ㄱ-ㆎ]+|[！…“”‘’—：；，、-〿︰-﹏]+|[ㄅ-ㄯ]+|[一-龥぀-ゟ゠-ヿ]+",
                "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
            ]
        case .deepseekCoder:
            return ["[\r\n]", "\\s?\\p{L}+", "\\s?\\p{P}+", "[一-龥ࠀ-一가-퟿]+", "\\p{N}"]
        case .falcon:
            return ["[\\p{P}\\$\\+<=>\\^~\\|`]+", gpt2, "[0-9][0-9][0-9]"]
        case .starcoder, .refact, .commandR, .smollm, .codeshell, .exaone, .minerva, .mellum2:
            return ["\\p{N}", gpt2]
        case .gpt2, .mpt, .olmo, .jais, .trillion, .graniteDocling:
            return [gpt2]
        case .stablelm2, .qwen2, .hunyuan, .solarOpen, .grok2:
            return [qwen2]
        case .qwen35:
            return ["(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?[\\p{L}\\p{M}]+|\\p{N}| ?[^\\s\\p{L}\\p{M}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"]
        case .poro, .bloom, .gpt3Finnish:
            return [" ?[^(\\s|.,!?…。，、।۔،)]+"]
        case .viking:
            return [" ?[^(\\s|.,!?…。，、।۔،)]+", "\\p{N}"]
        case .tekken:
            return ["[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"]
        case .chameleon:
            return [
                "<sentinel:[0-9]+>",
                "(IMGIMG)((A|B|C|D|E|F|G|H|I){1,4})Z",
                "([\\t\\n]|    |  )",
                "\\p{N}",
                "[\\p{P}!-/:-@\\[-`{-~]",
                gpt2,
            ]
        case .gpt4o, .minimaxM2:
            return ["[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"]
        case .graniteEmbedMulti:
            return ["[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}\\p{M}])([^a-z]))*((?=[\\p{L}\\p{M}])([^A-Z]))+(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}\\p{M}])([^a-z]))+((?=[\\p{L}\\p{M}])([^A-Z]))*(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"]
        case .tinyAya:
            return [
                "\\d{1,3}(?=(?:\\d{3})*\\b)",
                "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
            ]
        case .kimiK2:
            return ["\\p{Han}+"]
        case .superbpe:
            return ["\\p{N}+", "(?=(\\d{3})+(?!\\d))"]
        case .bailingmoe:
            return ["'(?:[sSdDmMtT]|[lL][lL]|[vV][eE]|[rR][eE])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]|\\s+(?!\\S)|\\s+"]
        case .seedCoder:
            return ["(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1}| ?[^\\s\\p{L}\\p{N}\\r\\n]+|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"]
        case .ufakzeka:
            return ["[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"]
        case .afmoe:
            return [
                "\\p{AFMoE_digits}",
                "[一-鿿㐀-䶿豈-﫿぀-ゟ゠-ヿ･-ﾟ⼀-⿟เ-๿຀-໿ក-៿က-႟ꩠ-ꩿꧠ-꧿가-힯ᄀ-ᇿ]+",
                "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\\r\\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
            ]
        case .laguna:
            return [newlines, qwen2]
        case .exaoneMoe:
            return ["(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?(?:\\p{L}\\p{M}*(?: \\p{L}\\p{M}*)*)+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]?|\\s*[\\r\\n]|\\s+(?!\\S)|\\s+"]
        case .gemma4, .sarvamMoe:
            return [newlines]
        case .minicpm5:
            return ["\\p{N}{1,3}", "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}+| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"]
        case .whitespace:
            return ["\\S+"]
        case .default:
            return ["[\\p{P}\\$\\+<=>\\^~\\|]+", gpt2, "\\p{N}+", "[0-9][0-9][0-9]"]
        }
    }
}

/// One splitting step: a hand-written matcher or a compiled expression.
enum SplitStep: Sendable {
    enum Custom: Sendable { case gpt2, llama3, qwen2, qwen35, kimiK2, digitGroups, newlines, thousands }
    case custom(Custom)
    /// An expression over category-collapsed text (it used `\p{..}`), or over code points.
    case regex(SplitRegex, collapsed: Bool)

    /// llama.cpp's `unicode_regex_split_custom` selection, then its `std::regex` fallback.
    init(expression: String) throws(SplitRegex.SyntaxError) {
        switch expression {
        case "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)":
            self = .custom(.gpt2)
        case "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
             "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+":
            self = .custom(.llama3)
        case "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+":
            self = .custom(.qwen2)
        case "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?[\\p{L}\\p{M}]+|\\p{N}| ?[^\\s\\p{L}\\p{M}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+":
            self = .custom(.qwen35)
        case "\\p{Han}+":
            self = .custom(.kimiK2)
        case "\\p{AFMoE_digits}", "\\d{1,3}(?=(?:\\d{3})*\\b)":
            self = .custom(.digitGroups)
        case "[^\\n]+|[\\n]+":
            self = .custom(.newlines)
        case "(?=(\\d{3})+(?!\\d))":
            // Not one of llama.cpp's hand-written matchers (it runs std::regex), but backtracking
            // over a long run of digits is quadratic; this gives the same pieces in linear time.
            self = .custom(.thousands)
        default:
            let bytes = Array(expression.utf8)
            if let collapsed = try Self.collapse(bytes, display: expression) {
                self = .regex(try SplitRegex(collapsed.map(UInt32.init), display: expression), collapsed: true)
            } else {
                self = .regex(try SplitRegex(UnicodeData.codepoints(bytes), display: expression), collapsed: false)
            }
        }
    }

    /// The category names llama.cpp rewrites, and the byte that stands for each category.
    private static let categoryNames: [(String, UInt8)] = [
        ("\\p{N}", 0xD1), ("\\p{L}", 0xD2), ("\\p{P}", 0xD3), ("\\p{M}", 0xD4), ("\\p{S}", 0xD5),
        ("\\p{Lu}", 0xD2), ("\\p{Ll}", 0xD2), ("\\p{Lt}", 0xD2), ("\\p{Lm}", 0xD2), ("\\p{Lo}", 0xD2),
    ]

    /// The ASCII members of each category, as llama.cpp appends them inside the bracket.
    private static func asciiMembers(_ byte: UInt8) -> String {
        switch byte {
        case 0xD1: return "0-9"
        case 0xD2: return "A-Za-z"
        case 0xD3: return "!-#%-*,-/:-;?-@\\[-\\]_\\{\\}"
        case 0xD4: return ""
        default: return "\\$\\+<->^`\\|\\~"
        }
    }

    /// The byte that stands for a code point's category in collapsed text.
    static func collapsedUnit(_ cp: UInt32) -> UInt32 {
        if cp < 128 { return cp }
        let flags = UnicodeData.flags(cp)
        if flags.isWhitespace { return 0x0B }
        switch flags.category {
        case CodepointFlags.number.rawValue: return 0xD1
        case CodepointFlags.letter.rawValue: return 0xD2
        case CodepointFlags.punctuation.rawValue: return 0xD3
        case CodepointFlags.accentMark.rawValue: return 0xD4
        case CodepointFlags.symbol.rawValue: return 0xD5
        default: return 0xD0
        }
    }

    private static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard needle.count <= haystack.count else { return false }
        for start in 0...(haystack.count - needle.count) where haystack[start..<(start + needle.count)].elementsEqual(needle) {
            return true
        }
        return false
    }

    /// llama.cpp's rewrite of an expression that uses `\p{..}` categories into one over collapsed
    /// bytes, or nil when it uses none.
    static func collapse(_ expression: [UInt8], display: String) throws(SplitRegex.SyntaxError) -> [UInt8]? {
        guard categoryNames.contains(where: { Self.contains(expression, Array($0.0.utf8)) }) else { return nil }
        guard expression.allSatisfy({ $0 < 128 }) else {
            throw SplitRegex.SyntaxError(pattern: display, problem: "uses both Unicode categories and non-ASCII characters")
        }
        var out: [UInt8] = []
        var inside = false
        var i = 0
        let n = expression.count
        while i < n {
            let c = expression[i]
            if c == UInt8(ascii: "[") && (i == 0 || expression[i - 1] != UInt8(ascii: "\\")) {
                out.append(c)
                inside = true
                i += 1
                continue
            }
            if inside && c == UInt8(ascii: "]") && expression[i - 1] != UInt8(ascii: "\\") {
                out.append(c)
                inside = false
                i += 1
                continue
            }
            if c == UInt8(ascii: "\\") && i + 3 < n && expression[i + 1] == UInt8(ascii: "p") && expression[i + 2] == UInt8(ascii: "{") {
                if let close = expression[(i + 3)...].firstIndex(of: UInt8(ascii: "}")), close <= i + 10 {
                    let name = String(decoding: expression[i...close], as: UTF8.self)
                    if let (_, byte) = categoryNames.first(where: { $0.0 == name }) {
                        if !inside { out.append(UInt8(ascii: "[")) }
                        out.append(byte)
                        out.append(contentsOf: asciiMembers(byte).utf8)
                        if !inside { out.append(UInt8(ascii: "]")) }
                        i = close + 1
                        continue
                    }
                }
            }
            out.append(c)
            i += 1
        }
        return out
    }
}

/// Splits text into the pieces byte-level BPE merges within.
struct PreTokenizer: Sendable {
    let type: PreTokenizerType
    let steps: [SplitStep]
    let byteEncode: Bool

    init(type: PreTokenizerType) throws(SplitRegex.SyntaxError) {
        self.type = type
        var steps: [SplitStep] = []
        for expression in type.expressions { steps.append(try SplitStep(expression: expression)) }
        self.steps = steps
        byteEncode = type.byteEncode
    }

    /// The pieces of `text` (UTF-8), each as UTF-8 bytes, mapped to GPT-2's byte alphabet when the
    /// pre-tokenizer byte-encodes. Empty pieces are dropped.
    func split(_ text: UnsafeBufferPointer<UInt8>) -> [[UInt8]] {
        let cpts = UnicodeData.codepoints(text)
        var lengths = [cpts.count]
        var collapsed: [UInt32]?
        var wide: [UInt32]?
        cpts.withUnsafeBufferPointer { cp in
            for step in steps {
                switch step {
                case .custom(let kind):
                    lengths = CustomSplitters.split(kind, cp, lengths)
                case .regex(let regex, let isCollapsed):
                    let units: [UInt32]
                    if isCollapsed {
                        if collapsed == nil { collapsed = cpts.map(SplitStep.collapsedUnit) }
                        units = collapsed!
                    } else {
                        if wide == nil {
                            wide = cpts.map { $0 > 0x7F && UnicodeData.flags($0).isWhitespace ? 0x0B : $0 }
                        }
                        units = wide!
                    }
                    lengths = units.withUnsafeBufferPointer { Self.regexSplit(regex, $0, lengths) }
                }
            }
        }
        var words: [[UInt8]] = []
        words.reserveCapacity(lengths.count)
        var start = 0
        var utf8: [UInt8] = []
        for length in lengths where length > 0 {
            utf8.removeAll(keepingCapacity: true)
            for i in start..<(start + length) { UnicodeData.appendUTF8(cpts[i], to: &utf8) }
            start += length
            if byteEncode {
                var encoded: [UInt8] = []
                encoded.reserveCapacity(utf8.count * 2)
                for b in utf8 { encoded.append(contentsOf: UnicodeData.byteToUTF8[Int(b)]) }
                words.append(encoded)
            } else {
                words.append(utf8)
            }
        }
        return words
    }

    /// llama.cpp's `unicode_regex_split_stl`: within each piece, every match and every run of text
    /// between matches becomes a piece (libstdc++ `regex_iterator` semantics for empty matches).
    static func regexSplit(_ regex: SplitRegex, _ units: UnsafeBufferPointer<UInt32>, _ lengths: [Int]) -> [Int] {
        var result: [Int] = []
        result.reserveCapacity(lengths.count)
        var stack: [(Int, Int)] = []
        var start = 0
        for length in lengths {
            let lower = start, upper = start + length
            var previousEnd = lower
            var searchFrom = lower
            var mustBeNonEmptyAt: Int? = nil
            while searchFrom <= upper {
                var found: (Int, Int)?
                var position = searchFrom
                if let at = mustBeNonEmptyAt {
                    // After an empty match: a non-empty match at the same place, else search on from the next unit.
                    if let end = regex.match(units, lower: lower, upper: upper, at: at, notEmpty: true, stack: &stack) {
                        found = (at, end)
                    } else {
                        position = at + 1
                    }
                    mustBeNonEmptyAt = nil
                }
                if found == nil {
                    while position <= upper {
                        if let end = regex.match(units, lower: lower, upper: upper, at: position, notEmpty: false, stack: &stack) {
                            found = (position, end)
                            break
                        }
                        position += 1
                    }
                }
                guard let (matchStart, matchEnd) = found else { break }
                if matchStart > previousEnd { result.append(matchStart - previousEnd) }
                // llama.cpp records empty matches as empty pieces, which merge into nothing.
                if matchEnd > matchStart { result.append(matchEnd - matchStart) }
                previousEnd = matchEnd
                if matchEnd == matchStart {
                    mustBeNonEmptyAt = matchEnd
                    searchFrom = matchEnd
                    if matchEnd >= upper { break }
                } else {
                    searchFrom = matchEnd
                }
            }
            if previousEnd < upper { result.append(upper - previousEnd) }
            start = upper
        }
        return result
    }
}
