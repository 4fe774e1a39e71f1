import Foundation
import Testing
import RealizarTestSupport
@testable import RealizarTokenizers

/// Checks the data this module copies from llama.cpp against llama.cpp's source: the Unicode
/// tables, and every pre-tokenizer's expressions and settings.
@Suite struct LlamaCppSourceTests {
    static func source(_ path: String) throws -> String {
        try String(contentsOf: try ProjectPaths.llamaCppSource().appendingPathComponent(path), encoding: .utf8)
    }

    /// The body of `const ... name = { ... };` in unicode-data.cpp.
    static func block(_ source: String, _ name: String) throws -> Substring {
        let start = try #require(source.range(of: name))
        let brace = try #require(source[start.upperBound...].range(of: "= {"))
        let open = try #require(source[brace.upperBound...].range(of: "\n"))
        let close = try #require(source[open.upperBound...].range(of: "\n};"))
        return source[open.upperBound..<close.lowerBound]
    }

    static func hexFields(_ text: Substring) -> [[String]] {
        text.split(separator: "\n").compactMap { line in
            let fields = line.split(whereSeparator: { !"0123456789abcdefABCDEFx".contains($0) })
                .filter { $0.hasPrefix("0x") }.map { String(UInt32($0.dropFirst(2), radix: 16)!, radix: 16, uppercase: true) }
            return fields.isEmpty ? nil : fields
        }
    }

    @Test func unicodeTablesMatchLlamaCpp() throws {
        let data = try Self.source("src/unicode-data.cpp")
        let ranges = Self.hexFields(try Self.block(data, "unicode_ranges_flags")).map { $0.joined(separator: ":") }
        let whitespace = Self.hexFields(try Self.block(data, "unicode_set_whitespace")).map { $0.joined(separator: ":") }
        let lowercase = Self.hexFields(try Self.block(data, "unicode_map_lowercase")).map { $0.joined(separator: ":") }
        let nfd = Self.hexFields(try Self.block(data, "unicode_ranges_nfd")).map { $0.joined(separator: ":") }
        func fields(_ table: String) -> [String] { table.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init) }

        let matches = fields(UnicodeTables.categoryRanges) == ranges && fields(UnicodeTables.whitespace) == whitespace
            && fields(UnicodeTables.lowercase) == lowercase && fields(UnicodeTables.decompositions) == nfd
        if !matches && ProcessInfo.processInfo.environment["REALIZAR_REGENERATE_UNICODE_TABLES"] == "1" {
            try Self.regenerate(ranges: ranges, whitespace: whitespace, lowercase: lowercase, nfd: nfd)
        }
        #expect(fields(UnicodeTables.categoryRanges) == ranges)
        #expect(fields(UnicodeTables.whitespace) == whitespace)
        #expect(fields(UnicodeTables.lowercase) == lowercase)
        #expect(fields(UnicodeTables.decompositions) == nfd)
        #expect(ranges.count > 2000 && lowercase.count > 1000 && nfd.count > 1000)

        // Spot checks of the classes the pre-tokenizers use.
        #expect(UnicodeData.flags(0x41).isLetter && UnicodeData.flags(0x416).isLetter)  // A, Ж
        #expect(UnicodeData.flags(0x39).isNumber && UnicodeData.flags(0x0663).isNumber)  // 9, Arabic-Indic 3
        #expect(UnicodeData.flags(0x3000).isWhitespace && UnicodeData.flags(0x85).isWhitespace)
        #expect(UnicodeData.flags(0x0301).isAccentMark && UnicodeData.flags(0x21).isPunctuation && UnicodeData.flags(0x2B).isSymbol)
        #expect(UnicodeData.toLower(0x41) == 0x61 && UnicodeData.toLower(0x130) == 0x69 && UnicodeData.toLower(0x61) == 0x61)
        #expect(UnicodeData.decompositionBase(0xE9) == 0x65)  // é -> e
    }

    static func regenerate(ranges: [String], whitespace: [String], lowercase: [String], nfd: [String]) throws {
        func lines(_ items: [String]) -> String {
            stride(from: 0, to: items.count, by: 8).map { items[$0..<min($0 + 8, items.count)].joined(separator: " ") }
                .joined(separator: "\n")
        }
        let url = ProjectPaths.root.appendingPathComponent("Sources/RealizarTokenizers/UnicodeTables.swift")
        let old = try String(contentsOf: url, encoding: .utf8)
        let header = old.components(separatedBy: "enum UnicodeTables {")[0]
        let text = header + """
            enum UnicodeTables {
                /// `start:flags` pairs: flags (llama.cpp's category bits) apply from start to the next start - 1.
                static let categoryRanges = \"\"\"
            \(lines(ranges))
            \"\"\"
                /// Code points that are whitespace (`\\s`).
                static let whitespace = \"\"\"
            \(lines(whitespace))
            \"\"\"
                /// `from:to` simple lowercase mappings, sorted by `from`.
                static let lowercase = \"\"\"
            \(lines(lowercase))
            \"\"\"
                /// `first:last:base` ranges whose code points decompose (NFD) to `base` as their first code point.
                static let decompositions = \"\"\"
            \(lines(nfd))
            \"\"\"
            }

            """
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    // MARK: Pre-tokenizers

    /// llama.cpp's names for the pre-tokenizer types.
    static let llamaNames: [PreTokenizerType: String] = [
        .default: "DEFAULT", .llama3: "LLAMA3", .deepseekLLM: "DEEPSEEK_LLM", .deepseekCoder: "DEEPSEEK_CODER",
        .falcon: "FALCON", .mpt: "MPT", .starcoder: "STARCODER", .gpt2: "GPT2", .refact: "REFACT", .commandR: "COMMAND_R",
        .stablelm2: "STABLELM2", .qwen2: "QWEN2", .olmo: "OLMO", .dbrx: "DBRX", .smaug: "SMAUG", .poro: "PORO",
        .chatglm4: "CHATGLM4", .viking: "VIKING", .jais: "JAIS", .tekken: "TEKKEN", .smollm: "SMOLLM",
        .codeshell: "CODESHELL", .bloom: "BLOOM", .gpt3Finnish: "GPT3_FINNISH", .exaone: "EXAONE",
        .chameleon: "CHAMELEON", .minerva: "MINERVA", .deepseek3LLM: "DEEPSEEK3_LLM", .gpt4o: "GPT4O",
        .superbpe: "SUPERBPE", .trillion: "TRILLION", .bailingmoe: "BAILINGMOE", .seedCoder: "SEED_CODER",
        .hunyuan: "HUNYUAN", .kimiK2: "KIMI_K2", .hunyuanDense: "HUNYUAN_DENSE", .grok2: "GROK_2",
        .graniteDocling: "GRANITE_DOCLING", .minimaxM2: "MINIMAX_M2", .afmoe: "AFMOE", .solarOpen: "SOLAR_OPEN",
        .youtu: "YOUTU", .exaoneMoe: "EXAONE_MOE", .qwen35: "QWEN35", .tinyAya: "TINY_AYA", .joyaiLLM: "JOYAI_LLM",
        .jais2: "JAIS2", .gemma4: "GEMMA4", .sarvamMoe: "SARVAM_MOE", .minicpm5: "MINICPM5", .whitespace: "WHITESPACE",
        .graniteEmbedMulti: "GRANITE_EMB_MULTI", .mellum2: "MELLUM2", .laguna: "LAGUNA", .hyV4: "HY_V4",
        .spark25: "SPARK2_5", .ufakzeka: "UFAKZEKA",
    ]

    /// Decodes a C++ string literal body (the escapes llama.cpp's expressions use).
    static func unescapeCpp(_ literal: Substring) -> String {
        var out = ""
        var iterator = literal.unicodeScalars.makeIterator()
        while let c = iterator.next() {
            guard c == "\\", let e = iterator.next() else { out.unicodeScalars.append(c); continue }
            switch e {
            case "n": out += "\n"
            case "r": out += "\r"
            case "t": out += "\t"
            default: out.unicodeScalars.append(e)
            }
        }
        return out
    }

    /// The string literals of a C++ source fragment, in order.
    static func literals(_ text: Substring) -> [String] {
        var result: [String] = []
        var scalars = Array(text.unicodeScalars)[...]
        while let quote = scalars.firstIndex(of: "\"") {
            var i = quote + 1
            var body = String.UnicodeScalarView()
            while i < scalars.endIndex && scalars[i] != "\"" {
                body.append(scalars[i])
                if scalars[i] == "\\" { i += 1; body.append(scalars[i]) }
                i += 1
            }
            result.append(unescapeCpp(Substring(String(body))))
            scalars = scalars[(i + 1)...]
        }
        return result
    }

    @Test func preTokenizerExpressionsMatchLlamaCpp() throws {
        let vocab = try Self.source("src/llama-vocab.cpp")
        let start = try #require(vocab.range(of: "struct llm_tokenizer_bpe : llm_tokenizer {"))
        let end = try #require(vocab[start.upperBound...].range(of: "std::vector<std::string> regex_exprs;"))
        var expressions: [String: [String]] = [:]
        var byteEncodeOff: Set<String> = []
        for group in vocab[start.upperBound..<end.lowerBound].components(separatedBy: "break;") {
            guard let body = group.range(of: "regex_exprs = {") else { continue }
            let close = try #require(group[body.upperBound...].range(of: "};"))
            // Expressions, without the comments (which quote the original expressions too).
            let lines = group[body.upperBound..<close.lowerBound].split(separator: "\n")
                .map { line -> Substring in
                    let trimmed = line.drop(while: { $0 == " " })
                    return trimmed.hasPrefix("//") ? "" : trimmed
                }
            let exprs = lines.flatMap { line -> [String] in
                // Drop a trailing comment after the literal.
                if let comment = line.range(of: "\",  //") ?? line.range(of: "\", //") {
                    return Self.literals(line[..<comment.upperBound])
                }
                return Self.literals(line)
            }
            var names = group.components(separatedBy: "case LLAMA_VOCAB_PRE_TYPE_").dropFirst().map { String($0.prefix(while: { $0 != ":" })) }
            if group.contains("default:") { names.append("FALLBACK") }
            for name in names {
                expressions[name] = exprs
                if group.contains("byte_encode = false") { byteEncodeOff.insert(name) }
            }
        }
        #expect(expressions.count > 50)
        for type in PreTokenizerType.allCases {
            let name = try #require(Self.llamaNames[type])
            let expected = try #require(expressions[name] ?? (type == .default ? expressions["FALLBACK"] : nil), "no expressions for \(name)")
            #expect(type.expressions == expected, "\(name)")
            #expect(type.byteEncode == !byteEncodeOff.contains(name), "\(name)")
            // Every expression compiles.
            #expect(throws: Never.self) { _ = try PreTokenizer(type: type) }
        }
        // Every type llama.cpp gives expressions to is known here (CHATGLM3, LLAMA4 and PIXTRAL have
        // none of their own).
        let known = Set(Self.llamaNames.values)
        for name in expressions.keys where name != "FALLBACK" {
            #expect(known.contains(name), "llama.cpp has pre-tokenizer \(name)")
        }
    }

    @Test func preTokenizerNamesMatchLlamaCpp() throws {
        let vocab = try Self.source("src/llama-vocab.cpp")
        let start = try #require(vocab.range(of: "} else if (tokenizer_pre == \"default\") {"))
        let end = try #require(vocab[start.upperBound...].range(of: "unknown pre-tokenizer type"))
        let chain = vocab[start.lowerBound..<end.lowerBound]
        var count = 0
        for block in chain.components(separatedBy: "} else if (").dropFirst() {
            let (condition, statements) = block.split(separator: "{", maxSplits: 1).map(String.init).pair
            let names = Self.literals(Substring(condition))
            let type = try #require(statements.range(of: "pre_type = LLAMA_VOCAB_PRE_TYPE_")
                .map { String(statements[$0.upperBound...].prefix(while: { $0 != ";" })) })
            for name in names {
                count += 1
                let settings = try #require(PreTokenizerType.settings(forName: name), "\(name)")
                #expect(Self.llamaNames[settings.type] == type, "\(name)")
                #expect(settings.cleanSpaces == !statements.contains("clean_spaces = false"), "\(name)")
                #expect(settings.ignoreMerges == statements.contains("ignore_merges = true"), "\(name)")
                #expect((settings.addBOS == true) == statements.contains("add_bos = true"), "\(name)")
                #expect(settings.escapeWhitespaces == statements.contains("escape_whitespaces = true"), "\(name)")
                #expect(settings.noBOS == statements.contains("special_bos_id = LLAMA_TOKEN_NULL"), "\(name)")
                #expect(settings.addSep == statements.contains("add_sep = true"), "\(name)")
                #expect((settings.lowercase == false) == statements.contains("normalizer_opts.lowercase = false"), "\(name)")
            }
        }
        #expect(count > 90)
        #expect(PreTokenizerType.settings(forName: "no-such-pre-tokenizer") == nil)
    }
}

private extension Array where Element == String {
    var pair: (String, String) { (self[0], count > 1 ? self[1] : "") }
}
