import Foundation
import Testing
import RealizarEngine

/// The GBNF parser, the matcher against a plain backtracking reference, and the error messages.
@Suite struct GrammarTests {
    func matches(_ grammar: CompiledGrammar, _ text: String) -> Bool {
        var matcher = GrammarMatcher(grammar)
        for byte in text.utf8 where !matcher.advance(byte) { return false }
        return matcher.canEnd
    }

    @Test func parsesEveryOperatorOfGBNF() throws {
        let grammar = try Grammar(gbnf: #"""
            # a comment
            root ::= greeting ( ", " name )? "!"{1,3}
            greeting ::= "hello" | "hi"   # alternatives
            name ::= [A-Z] [a-z]* | "\x41\u00e9" | [^\n0-9]+ "."
            """#)
        #expect(grammar.rules.map(\.name) == ["root", "greeting", "name"])
        let compiled = try CompiledGrammar(grammar)
        for text in ["hello!", "hi, Ada!!!", "hello, Aé!", "hi, ??.!"] { #expect(matches(compiled, text), "\(text)") }
        for text in ["hello", "hi!!!!", "hey!", "hi, ada!", "hi, 9.!"] { #expect(!matches(compiled, text), "\(text)") }
    }

    @Test(arguments: [
        ("root ::= foo", "line 1, column 10: rule 'foo' is used but never defined"),
        ("root ::= \"a", "line 1, column 10: unterminated string literal"),
        ("a ::= \"x\"", "the grammar has no 'root' rule (the one a match starts from)"),
        ("root ::= [z-a]", "line 1, column 10: character range is backwards (end before start)"),
        ("root ::= \"a\"\nroot ::= \"b\"", "line 2, column 1: rule 'root' is defined twice"),
        ("root ::= ( \"a\" ", "line 1, column 10: expected ')' to close the group opened"),
        ("root ::= \"a\"{3,1}", "line 1, column 13: repetition maximum 1 is below the minimum 3"),
        ("root ::= \"\\q\"", "line 1, column 11: unknown escape '\\q'"),
        ("root = \"a\"", "line 1, column 6: expected '::=' after rule name 'root'"),
    ])
    func syntaxErrorsNameTheLineAndColumn(_ source: String, _ message: String) {
        #expect(throws: GrammarError.self) { try Grammar(gbnf: source) }
        do { _ = try Grammar(gbnf: source) } catch { #expect(error.description == message) }
    }

    @Test func leftRecursionAndEmptyLanguagesAreRefused() {
        #expect(throws: GrammarError.self) { try CompiledGrammar(Grammar(gbnf: #"root ::= root "a" | "b""#)) }
        #expect(throws: GrammarError.self) { try CompiledGrammar(Grammar(gbnf: #"root ::= x? root "a" | "b"  x ::= "c""#)) }
        #expect(throws: GrammarError.self) { try CompiledGrammar(Grammar(gbnf: #"root ::= "a" root"#)) }
    }

    /// Every string over a small alphabet up to length 6, matcher against the reference.
    @Test(arguments: [
        #"root ::= "a" root "b" | "c""#,
        #"root ::= ( "a" | "ab" ) ( "b" | "bc" )* "c"?"#,
        #"root ::= x x  x ::= "a"* | "b""#,
        #"root ::= "[" ( v ( "," v )* )? "]"  v ::= "a" | root"#,
        #"root ::= [a-b]{2,3} "c"{0,2} | "ccc""#,
        #"root ::= e  e ::= t ( "+" t )*  t ::= "a" | "(" e ")""#,
    ])
    func matcherAgreesWithABacktrackingReference(_ source: String) throws {
        let grammar = try Grammar(gbnf: source)
        let compiled = try CompiledGrammar(grammar)
        let alphabet: [Character] = ["a", "b", "c", "[", "]", ",", "+", "(", ")"]
        let used = alphabet.filter { source.contains($0) }
        var strings = [""]
        var frontier = [""]
        for _ in 0..<6 {
            frontier = frontier.flatMap { prefix in used.map { prefix + String($0) } }
            strings += frontier
        }
        var mismatches: [String] = []
        for text in strings where matches(compiled, text) != ReferenceMatcher(grammar).matches(text) { mismatches.append(text) }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(10))")
    }

    @Test func aPrefixIsAcceptedBeforeItIsComplete() throws {
        let compiled = try CompiledGrammar(Grammar(gbnf: #"root ::= "ab" "c"*"#))
        var matcher = GrammarMatcher(compiled)
        let tookA = matcher.advance(Array("a".utf8))
        #expect(tookA && !matcher.canEnd)
        let tookB = matcher.advance(Array("b".utf8))
        #expect(tookB && matcher.canEnd && !matcher.mustEnd)
        let tookCX = matcher.advance(Array("cx".utf8))
        #expect(!tookCX)
        let tookCC = matcher.advance(Array("cc".utf8))
        #expect(tookCC && matcher.canEnd)
    }

    @Test func tokenMasksEqualCheckingEveryTokenAlone() throws {
        var pieces: [[UInt8]] = []
        let alphabet = Array("ab{}\":, 1x".utf8)
        var seed: UInt64 = 42
        for _ in 0..<4000 {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            let count = Int(seed >> 60) % 5 + 1
            pieces.append((0..<count).map { i in alphabet[Int((seed >> UInt64(8 * i)) & 0xFF) % alphabet.count] })
        }
        pieces.append([])
        let vocabulary = TokenVocabulary(pieces: pieces, endOfGeneration: [Int32(pieces.count - 1)])
        let grammar = try CompiledGrammar(Grammar(gbnf: JSONSchemaGrammar.jsonObjectGBNF))
        let masks = vocabulary.masks(for: grammar)
        var matcher = GrammarMatcher(grammar, maxDepth: JSONSchemaGrammar.jsonObjectMaxDepth)
        var mask: [UInt64] = []
        for byte in #"{"a": {"b": [1, "x"], "ab": 11}, "x": {}}"#.utf8 {
            matcher.fillMask(masks, vocabulary: vocabulary, into: &mask)
            for id in 0..<pieces.count {
                let expected = pieces[id].isEmpty ? matcher.canEnd : matcher.accepts(pieces[id])
                let actual = mask[id >> 6] & (1 << UInt64(id & 63)) != 0
                #expect(expected == actual, "token \(String(decoding: pieces[id], as: UTF8.self)) expected \(expected)")
                if expected != actual { return }
            }
            let took = matcher.advance(byte)
            #expect(took)
        }
    }
}

/// A plain recognizer over the grammar's expressions: the set of positions each expression can
/// end at, by backtracking over all of them (exponential, fine for short strings).
struct ReferenceMatcher {
    let rules: [String: GrammarExpression]
    let root: String

    init(_ grammar: Grammar) {
        rules = Dictionary(uniqueKeysWithValues: grammar.rules.map { ($0.name, $0.body) })
        root = grammar.root
    }

    func matches(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return ends(.rule(root), bytes, 0, depth: 0).contains(bytes.count)
    }

    func ends(_ expression: GrammarExpression, _ bytes: [UInt8], _ start: Int, depth: Int) -> Set<Int> {
        guard depth < 60 else { return [] }
        switch expression {
        case .literal(let literal):
            return start + literal.count <= bytes.count && Array(bytes[start..<start + literal.count]) == literal ? [start + literal.count] : []
        case .characters(let ranges, let negated):
            guard start < bytes.count, bytes[start] < 0x80 else { return [] }
            let inside = ranges.contains { $0.contains(UInt32(bytes[start])) }
            return inside != negated ? [start + 1] : []
        case .anyCharacter:
            return start < bytes.count ? [start + 1] : []
        case .rule(let name):
            return ends(rules[name]!, bytes, start, depth: depth + 1)
        case .sequence(let items):
            var positions: Set<Int> = [start]
            for item in items { positions = Set(positions.flatMap { ends(item, bytes, $0, depth: depth) }) }
            return positions
        case .choice(let items):
            return Set(items.flatMap { ends($0, bytes, start, depth: depth) })
        case .repeated(let item, let low, let high):
            var result: Set<Int> = low == 0 ? [start] : []
            var positions: Set<Int> = [start]
            var count = 0
            while !positions.isEmpty && count < (high ?? bytes.count - start + 1) {
                positions = Set(positions.flatMap { ends(item, bytes, $0, depth: depth) })
                count += 1
                if count >= low { result.formUnion(positions) }
            }
            return result
        }
    }
}
