/// Truncation, padding and the `Vocabulary` view of a `tokenizer.json`.
extension HuggingFaceTokenizer {
    static func direction(_ field: JSONField, _ key: String) throws -> Bool {
        guard let f = field.optional(key) else { return false }
        switch try f.asString() {
        case "Right": return false
        case "Left": return true
        case let other: throw f.fail("expected \"Right\" or \"Left\", found \(other.debugDescription)")
        }
    }

    static func truncation(_ field: JSONField?) throws -> Truncation? {
        guard let field else { return nil }
        let strategyName = try field.string("strategy", default: "LongestFirst") ?? "LongestFirst"
        guard let strategy = Truncation.Strategy(rawValue: strategyName) else {
            throw field.child("strategy")!.fail("unknown truncation strategy \(strategyName.debugDescription)")
        }
        let maxLength = try field.int("max_length")
        guard maxLength >= 0 else { throw field.child("max_length")!.fail("must not be negative") }
        return Truncation(maxLength: maxLength, stride: try field.int("stride", default: 0) ?? 0, strategy: strategy,
                          fromLeft: try direction(field, "direction"))
    }

    static func padding(_ field: JSONField?) throws -> Padding? {
        guard let field else { return nil }
        var fixed: Int?
        if let strategy = field.optional("strategy") {
            if strategy.isString {
                let name = try strategy.asString()
                guard name == "BatchLongest" else { throw strategy.fail("expected \"BatchLongest\" or {\"Fixed\": n}, found \(name.debugDescription)") }
            } else {
                fixed = try strategy.int("Fixed")
                guard fixed! >= 0 && fixed! <= 1 << 24 else { throw strategy.child("Fixed")!.fail("length \(fixed!) is out of range") }
            }
        }
        return Padding(fixedLength: fixed, multipleOf: try field.int("pad_to_multiple_of", default: nil),
                       id: try field.int("pad_id", default: 0) ?? 0, typeID: try field.int("pad_type_id", default: 0) ?? 0,
                       token: try field.string("pad_token", default: "[PAD]") ?? "[PAD]", onLeft: try direction(field, "direction"))
    }

    /// The crate's `truncate_encodings`, keeping only the first window.
    static func truncate(_ first: inout HuggingFaceEncoding, _ second: inout HuggingFaceEncoding?, _ settings: Truncation, maxLength: Int) {
        let total = first.count + (second?.count ?? 0)
        guard total > maxLength else { return }
        let excess = total - maxLength
        switch settings.strategy {
        case .longestFirst:
            guard var other = second else {
                first.truncate(to: maxLength, fromLeft: settings.fromLeft)
                return
            }
            var n1 = first.count, n2 = other.count
            let swap = n1 > n2
            if swap { Swift.swap(&n1, &n2) }
            n2 = n1 > maxLength ? n1 : max(n1, maxLength - n1)
            if n1 + n2 > maxLength {
                n1 = maxLength / 2
                n2 = n1 + maxLength % 2
            }
            if swap { Swift.swap(&n1, &n2) }
            first.truncate(to: n1, fromLeft: settings.fromLeft)
            other.truncate(to: n2, fromLeft: settings.fromLeft)
            second = other
        case .onlyFirst:
            if first.count > excess { first.truncate(to: first.count - excess, fromLeft: settings.fromLeft) }
        case .onlySecond:
            if var other = second, other.count > excess {
                other.truncate(to: other.count - excess, fromLeft: settings.fromLeft)
                second = other
            }
        }
    }

    static func makeVocabulary(model: HFModel, added: [HFAddedToken], decoder: HFDecoder?, preTokenizer: HFPreTokenizer?,
                               postProcessor: HFPostProcessor?, configuration: HuggingFaceTokenizerConfiguration) -> Vocabulary {
        func id(_ name: String?) -> Int? {
            guard let name else { return nil }
            return added.first { $0.content == name }?.id ?? model.tokens.id(name)
        }
        func firstID(_ names: [String]) -> Int? { names.lazy.compactMap { id($0) }.first }
        func contains(_ d: HFDecoder?, _ test: (HFDecoder) -> Bool) -> Bool {
            guard let d else { return false }
            if case .sequence(let steps) = d { return steps.contains { contains($0, test) } }
            return test(d)
        }
        let byteLevel = contains(decoder) { if case .byteLevel = $0 { return true } else { return false } }
        var metaspacePrefix: Bool?
        _ = contains(decoder) {
            if case .metaspace(_, let strip) = $0 { metaspacePrefix = strip; return true }
            return false
        }
        let kind: TokenizerModel
        switch model {
        case .bpe: kind = metaspacePrefix != nil || !byteLevel ? .sentencePiece : .bytePair
        case .wordPiece: kind = .wordPiece
        case .unigram: kind = .unigram
        }
        // The special tokens a single-sequence template adds first and last stand for BOS and EOS.
        var templateFirst: Int?, templateLast: Int?
        if case .template(let single, _)? = postProcessor {
            if case .special(let ids, _)? = single.first { templateFirst = ids.first }
            if case .special(let ids, _)? = single.last, single.count > 1 { templateLast = ids.last }
        } else if case .bert(let cls, let sep, _)? = postProcessor {
            templateFirst = cls
            templateLast = sep
        }
        let bos = id(configuration.bosToken) ?? id(configuration.classifierToken) ?? templateFirst ?? firstID(["<s>", "<bos>", "<|begin_of_text|>", "[CLS]"])
        let eos = id(configuration.eosToken) ?? firstID(["</s>", "<eos>", "<|end_of_text|>", "<|endoftext|>"])
        let parts = Vocabulary.HuggingFaceParts(
            model: model, added: added, kind: kind, spacePrefix: metaspacePrefix ?? false,
            escapeWhitespace: kind == .sentencePiece,
            bos: bos, eos: eos, unk: id(configuration.unknownToken) ?? model.unknownID,
            pad: id(configuration.padToken) ?? firstID(["[PAD]", "<pad>"]),
            sep: id(configuration.separatorToken) ?? templateLast ?? firstID(["[SEP]"]),
            cls: id(configuration.classifierToken) ?? firstID(["[CLS]"]),
            mask: id(configuration.maskToken) ?? firstID(["[MASK]", "<mask>"]),
            addBOS: configuration.addBOSToken ?? (templateFirst != nil && templateFirst == bos),
            addEOS: configuration.addEOSToken ?? (templateLast != nil && templateLast == eos))
        var scores: [Double]?
        if case .unigram(let m) = model { scores = m.scores }
        return Vocabulary(huggingFace: parts, scores: scores)
    }
}
