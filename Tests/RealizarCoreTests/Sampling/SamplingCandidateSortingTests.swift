@testable import RealizarCore
import Testing

/// The in-place sort and partial sort behind the truncation stages.
@Suite struct SamplingCandidateSortingTests {
    func randomCandidates(_ count: Int, seed: UInt64, distinctValues: UInt64) -> [SamplingCandidate] {
        var generator = Xoshiro256(seed: seed)
        return (0..<count).map { SamplingCandidate(id: Int32($0), logit: Float(generator.next() % distinctValues)) }
            .shuffled(using: &generator)
    }

    @Test(arguments: [0, 1, 2, 15, 17, 100, 10_000])
    func sortMatchesTheStandardLibrary(count: Int) {
        var candidates = randomCandidates(count, seed: UInt64(count), distinctValues: 50)
        let expected = candidates.sorted(by: SamplingCandidate.isBetter)
        candidates.withUnsafeMutableBufferPointer { CandidateSorting.sort($0, BestFirst.self) }
        #expect(candidates == expected)
    }

    @Test func sortOfAlreadySortedAndReversedInputIsCorrect() {
        // Pathological inputs for a naive quicksort.
        let ascending = (0..<5000).map { SamplingCandidate(id: Int32($0), logit: Float($0)) }
        for input in [ascending, ascending.reversed()] {
            var candidates = input
            candidates.withUnsafeMutableBufferPointer { CandidateSorting.sort($0, BestFirst.self) }
            #expect(candidates == ascending.reversed())
        }
    }

    @Test(arguments: [1, 16, 40, 256, 4999, 5000])
    func sortPrefixPutsTheBestFirstInOrder(prefix: Int) {
        var candidates = randomCandidates(5000, seed: 3, distinctValues: 1000)
        let expected = candidates.sorted(by: SamplingCandidate.isBetter)
        candidates.withUnsafeMutableBufferPointer { CandidateSorting.sortPrefix($0, prefix, BestFirst.self) }
        #expect(Array(candidates.prefix(prefix)) == Array(expected.prefix(prefix)))
        #expect(Set(candidates.map(\.id)) == Set(expected.map(\.id)), "the rest must still be there")
    }
}
