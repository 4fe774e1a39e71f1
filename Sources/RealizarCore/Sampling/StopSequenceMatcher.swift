/// Finds stop strings in streamed text and says how much of it may be sent on.
///
/// Feed it each piece of text as it is decoded. It returns the text that can safely be emitted
/// now, holding back any tail that could still turn out to be the start of a stop string; when a
/// stop string completes, it returns the text before it (the stop string itself is never emitted)
/// and ignores everything after. ``finish()`` releases what is held back when generation ends for
/// another reason.
///
/// Matching is on Unicode scalars, exactly (no normalisation), which makes the result independent
/// of how the text was split into pieces: every piece is a whole `String`, so its scalars are the
/// text's scalars. When several stop strings match, the one that completes first in the text
/// wins (the same one a piece-by-piece stream would see first); among those completing at the
/// same point, the longest. Empty stop strings are ignored.
public struct StopSequenceMatcher: Sendable {
    /// What one piece of text produced.
    public struct Output: Sendable, Equatable {
        /// Text to emit now (possibly empty). When ``stopSequence`` is set, this is the last of
        /// the text before the stop string.
        public var text: String
        /// The stop string that was hit, if one was.
        public var stopSequence: String?

        public init(text: String, stopSequence: String? = nil) {
            self.text = text
            self.stopSequence = stopSequence
        }
    }

    /// The stop strings being watched for (empty ones dropped).
    public let stopSequences: [String]
    /// Whether a stop string has been hit; later pieces are ignored.
    public private(set) var isStopped = false

    private let patterns: [[Unicode.Scalar]]
    /// Text received but not yet emitted: always a possible beginning of a stop string.
    private var held: [Unicode.Scalar] = []

    public init(stopSequences: [String]) {
        self.stopSequences = stopSequences.filter { !$0.isEmpty }
        patterns = self.stopSequences.map { Array($0.unicodeScalars) }
    }

    /// Takes the next piece of generated text.
    public mutating func feed(_ piece: String) -> Output {
        guard !isStopped else { return Output(text: "") }
        let start = held.count
        held.append(contentsOf: piece.unicodeScalars)
        if let (patternIndex, matchStart) = firstMatch(endingAfter: start) {
            let before = String(String.UnicodeScalarView(held[0..<matchStart]))
            held.removeAll()
            isStopped = true
            return Output(text: before, stopSequence: stopSequences[patternIndex])
        }
        let keep = longestSuffixStartingAStop()
        let emitted = String(String.UnicodeScalarView(held[0..<(held.count - keep)]))
        held.removeFirst(held.count - keep)
        return Output(text: emitted)
    }

    /// Ends the stream: returns the text still held back (empty once a stop string was hit).
    public mutating func finish() -> String {
        let rest = String(String.UnicodeScalarView(held))
        held.removeAll()
        return rest
    }

    /// The stop string completing earliest in `held` (longest among those completing at the same
    /// scalar), considering only matches that end after `newStart` — earlier ones would have been
    /// found when their piece arrived.
    private func firstMatch(endingAfter newStart: Int) -> (pattern: Int, start: Int)? {
        var best: (pattern: Int, start: Int, end: Int)?
        for (index, pattern) in patterns.enumerated() {
            // The first occurrence of this pattern that ends in the new text.
            let lowestStart = max(0, newStart - pattern.count + 1)
            var start = lowestStart
            while start + pattern.count <= held.count {
                if held[start..<(start + pattern.count)].elementsEqual(pattern) {
                    let end = start + pattern.count
                    if best == nil || end < best!.end || (end == best!.end && start < best!.start) {
                        best = (index, start, end)
                    }
                    break
                }
                start += 1
            }
        }
        return best.map { ($0.pattern, $0.start) }
    }

    /// The length of the longest tail of `held` that is a proper prefix of some stop string.
    private func longestSuffixStartingAStop() -> Int {
        var longest = 0
        for pattern in patterns {
            var length = min(pattern.count - 1, held.count)
            while length > longest {
                if held[(held.count - length)...].elementsEqual(pattern[0..<length]) {
                    longest = length
                    break
                }
                length -= 1
            }
        }
        return longest
    }
}
