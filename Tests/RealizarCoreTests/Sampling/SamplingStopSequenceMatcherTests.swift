import RealizarCore
import Testing

/// Streaming stop strings: what is emitted when, and where the stream stops.
@Suite struct SamplingStopSequenceMatcherTests {
    typealias Output = StopSequenceMatcher.Output

    /// Feeds `pieces` and returns each step's output.
    func run(_ stops: [String], _ pieces: [String]) -> [Output] {
        var matcher = StopSequenceMatcher(stopSequences: stops)
        return pieces.map { matcher.feed($0) }
    }

    /// Everything emitted for `pieces` (feeds, then `finish()`), and the stop string hit.
    func total(_ stops: [String], _ pieces: [String]) -> (text: String, stop: String?) {
        var matcher = StopSequenceMatcher(stopSequences: stops)
        var text = ""
        var stop: String?
        for piece in pieces {
            let output = matcher.feed(piece)
            text += output.text
            stop = stop ?? output.stopSequence
        }
        return (text + matcher.finish(), stop)
    }

    @Test func textWithNoPossibleStopPassesStraightThrough() {
        let outputs = run(["###"], ["Hello", " world"])
        #expect(outputs == [Output(text: "Hello"), Output(text: " world")], "got \(outputs)")
    }

    @Test func aPossibleStartOfAStopIsHeldBackThenReleased() {
        let outputs = run(["###"], ["Hello #", "x"])
        #expect(outputs == [Output(text: "Hello "), Output(text: "#x")], "got \(outputs)")
    }

    @Test func aStopInsideOnePieceCutsTheTextBeforeIt() {
        let outputs = run(["STOP"], ["abcSTOPdef"])
        #expect(outputs == [Output(text: "abc", stopSequence: "STOP")], "got \(outputs)")
    }

    @Test func aStopSpanningSeveralPiecesIsFound() {
        let outputs = run(["###"], ["Hel", "lo ##", "# world"])
        let expected = [Output(text: "Hel"), Output(text: "lo "), Output(text: "", stopSequence: "###")]
        #expect(outputs == expected, "got \(outputs)")
    }

    @Test func aStopSpreadOverOneCharacterPiecesIsFound() {
        let outputs = run(["<end>"], ["a", "<", "e", "n", "d", ">", "b"])
        let expected = [
            Output(text: "a"), Output(text: ""), Output(text: ""), Output(text: ""), Output(text: ""),
            Output(text: "", stopSequence: "<end>"), Output(text: ""),
        ]
        #expect(outputs == expected, "got \(outputs)")
    }

    @Test func overlappingPrefixesReleaseOnlyWhatCannotMatch() {
        // "aaab" against "aab": after "aaa" the first "a" can no longer start a match.
        let outputs = run(["aab"], ["a", "a", "a", "b"])
        let expected = [Output(text: ""), Output(text: ""), Output(text: "a"), Output(text: "", stopSequence: "aab")]
        #expect(outputs == expected, "got \(outputs)")
    }

    @Test func theStopCompletingFirstWins() {
        // "bc" completes at the third character, before "abcd" does.
        let outputs = run(["abcd", "bc"], ["abcd"])
        #expect(outputs == [Output(text: "a", stopSequence: "bc")], "got \(outputs)")
    }

    @Test func amongStopsCompletingTogetherTheLongestWins() {
        let outputs = run(["c", "abc"], ["ab", "c"])
        #expect(outputs.last == Output(text: "", stopSequence: "abc"), "got \(outputs)")
    }

    @Test func finishFlushesHeldBackText() {
        var matcher = StopSequenceMatcher(stopSequences: ["###"])
        let fed = matcher.feed("Hello ##")
        let flushed = matcher.finish()
        #expect(fed.text == "Hello " && flushed == "##", "fed \(fed), flushed \(flushed)")
    }

    @Test func piecesAfterAStopAreIgnored() {
        var matcher = StopSequenceMatcher(stopSequences: ["x"])
        _ = matcher.feed("axb")
        let later = matcher.feed("more")
        #expect(matcher.isStopped)
        #expect(later == Output(text: "") && matcher.finish() == "", "got \(later)")
    }

    @Test func emptyStopStringsAreIgnored() {
        let outputs = run(["", "zz"], ["abc"])
        #expect(outputs == [Output(text: "abc")], "got \(outputs)")
    }

    @Test func noStopStringsMeansEverythingPassesThrough() {
        #expect(total([], ["a", "b#", "c"]) == ("ab#c", nil))
    }

    @Test func multiScalarCharactersAreHeldAndMatched() {
        let outputs = run(["日本語"], ["こんにちは日本", "です"])
        #expect(outputs == [Output(text: "こんにちは"), Output(text: "日本です")], "got \(outputs)")
    }

    @Test func emojiStopIsFound() {
        let result = total(["🛑"], ["ok ", "🛑", " never"])
        #expect(result == ("ok ", "🛑"), "got \(result)")
    }

    @Test func aStopSplitBetweenABaseLetterAndItsCombiningMarkIsFound() {
        // "é" written as e + U+0301, arriving in two pieces.
        let result = total(["e\u{301}!"], ["caf", "e", "\u{301}!", "tail"])
        #expect(result.text == "caf" && result.stop == "e\u{301}!", "got \(result)")
    }

    @Test func anySplitOfTheTextGivesTheSameResult() {
        // Every way of cutting a tricky text into three pieces agrees with feeding it whole.
        let text = "a#b##a#c#a#b#"
        let stops = ["#a#b#", "##a", "c#x"]
        let scalars = Array(text.unicodeScalars)
        let whole = total(stops, [text])
        for i in 0...scalars.count {
            for j in i...scalars.count {
                let pieces = [scalars[..<i], scalars[i..<j], scalars[j...]].map { String(String.UnicodeScalarView($0)) }
                let split = total(stops, pieces)
                #expect(split == whole, "split at \(i), \(j): \(split) instead of \(whole)")
            }
        }
    }
}
