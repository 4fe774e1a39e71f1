#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One token still in the running during a sampling step.
struct SamplingCandidate: Equatable, Sendable {
    var id: Int32
    var logit: Float
    /// Softmax of the candidates' logits; valid only right after ``CandidateList/computeProbabilities()``.
    var probability: Float = 0
    /// Per-stage sort key (typical sampling's distance from the entropy).
    var key: Float = 0

    /// The sampler's canonical order: higher logit first, the lower id first among equal logits.
    /// Because ids are unique this is a total order, so every sort and selection has exactly one
    /// answer, and ties in greedy decoding and at the top-k boundary go to the lowest id.
    @inline(__always)
    static func isBetter(_ a: SamplingCandidate, _ b: SamplingCandidate) -> Bool {
        a.logit > b.logit || (a.logit == b.logit && a.id < b.id)
    }
}

/// The sampler's working set: the tokens that survive each stage, in a scratch buffer that is
/// allocated once (vocabulary-sized, on first use) and reused every step.
///
/// Only tokens with a logit above `-infinity` ever enter: banned tokens and NaN logits have no
/// probability, and leaving them out keeps entropy and softmax sums finite. A `+infinity` logit is
/// clamped to the largest finite `Float` so that softmax stays defined.
struct CandidateList: Sendable {
    private(set) var storage: [SamplingCandidate] = []
    /// How many leading entries of `storage` are live.
    private(set) var count = 0
    /// Whether the live entries are in ``SamplingCandidate/isBetter(_:_:)`` order.
    private(set) var isSorted = false

    init() {}

    /// A list holding every token of `logits` (the form the stage tests use).
    init(logits: [Float]) {
        logits.withUnsafeBufferPointer { loadAll(from: $0) }
    }

    /// The live candidates, in their current order.
    var candidates: ArraySlice<SamplingCandidate> { storage[0..<count] }

    private mutating func reserve(_ capacity: Int) {
        if storage.count < capacity {
            storage = [SamplingCandidate](repeating: SamplingCandidate(id: 0, logit: 0), count: capacity)
        }
    }

    // MARK: Loading

    /// Every token with a logit above `-infinity`, in id order.
    mutating func loadAll(from logits: UnsafeBufferPointer<Float>) {
        reserve(logits.count)
        var live = 0
        storage.withUnsafeMutableBufferPointer { out in
            for i in 0..<logits.count {
                let logit = logits[i]
                if logit > -.infinity {  // false for NaN too
                    out[live] = SamplingCandidate(id: Int32(i), logit: min(logit, .greatestFiniteMagnitude))
                    live += 1
                }
            }
        }
        count = live
        isSorted = false
    }

    /// The top-k stage: the `k` best tokens of `logits` (fewer if fewer have a logit above
    /// `-infinity`), sorted best first. `k ≤ 0` or `k ≥ logits.count` keeps every token, unsorted.
    ///
    /// One pass over the logits with a k-entry min-heap of the best so far: a logit only costs a
    /// comparison with the heap's worst unless it beats it, which after the first few thousand
    /// tokens is rare, so a 262,144-token step does not sort anything large.
    mutating func loadTopK(from logits: UnsafeBufferPointer<Float>, k: Int) {
        guard k > 0, k < logits.count else {
            loadAll(from: logits)
            return
        }
        reserve(k)
        let sentinel = SamplingCandidate(id: Int32.max, logit: -.infinity)
        storage.withUnsafeMutableBufferPointer { all in
            let heap = UnsafeMutableBufferPointer(rebasing: all[0..<k])
            heap.initialize(repeating: sentinel)
            var threshold = -Float.infinity
            var start = 0
            while let end = LogitScans.nextChunk(logits, from: &start, exceeding: threshold) {
                for i in start..<end {
                    let logit = logits[i]
                    // Ids arrive in increasing order, so a logit equal to the heap's worst loses
                    // the tie: strict `>` is exactly the canonical order. NaN never passes.
                    if logit > threshold {
                        heap[0] = SamplingCandidate(id: Int32(i), logit: logit)
                        Self.siftDownWorstFirst(heap, from: 0, count: k)
                        threshold = heap[0].logit
                    }
                }
                start = end
            }
            // Heapsort in place: moving the worst to the back each time leaves the best first.
            for end in stride(from: k - 1, to: 0, by: -1) {
                heap.swapAt(0, end)
                Self.siftDownWorstFirst(heap, from: 0, count: end)
            }
        }
        var live = k
        while live > 0, storage[live - 1].logit == -.infinity { live -= 1 }  // unused sentinels
        for i in 0..<live where storage[i].logit == .infinity { storage[i].logit = .greatestFiniteMagnitude }
        count = live
        isSorted = true
    }

    /// Sift-down for a heap whose root is the worst entry in canonical order.
    @inline(__always)
    private static func siftDownWorstFirst(_ heap: UnsafeMutableBufferPointer<SamplingCandidate>, from start: Int, count: Int) {
        var parent = start
        while true {
            var child = 2 * parent + 1
            if child >= count { return }
            if child + 1 < count, SamplingCandidate.isBetter(heap[child], heap[child + 1]) { child += 1 }
            if !SamplingCandidate.isBetter(heap[parent], heap[child]) { return }
            heap.swapAt(parent, child)
            parent = child
        }
    }

    // MARK: Shared steps

    /// Calls `body` with the live candidates as a buffer (no slice, no per-element checks: the
    /// vocabulary-sized passes need that).
    func withLiveCandidates<R>(_ body: (UnsafeBufferPointer<SamplingCandidate>) -> R) -> R {
        storage.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[0..<count])) }
    }

    /// The largest live logit (`-infinity` when the list is empty).
    var maximumLogit: Float {
        if count == 0 { return -.infinity }
        if isSorted { return storage[0].logit }
        return withLiveCandidates { live in
            var best = -Float.infinity
            for candidate in live where candidate.logit > best { best = candidate.logit }
            return best
        }
    }

    /// Fills in each candidate's probability, the softmax of the live logits, and returns the
    /// log of the softmax's normaliser, so that ln p = logit − `logNormalizer` without a `log`
    /// per candidate. Eight candidates at a time go through ``LogitScans/exponential(_:)``.
    @discardableResult
    mutating func computeProbabilities() -> (top: Float, logNormalizer: Float) {
        guard count > 0 else { return (-.infinity, -.infinity) }
        let top = maximumLogit
        let live = count
        let sum = storage.withUnsafeMutableBufferPointer { all in
            let width = LogitScans.Lanes.scalarCount
            let shift = LogitScans.Lanes(repeating: top)
            var total = 0.0  // Double across blocks: thousands of small terms join a few large ones
            var start = 0
            while start < live {
                let blockEnd = min(start + 1024, live)
                var lanes = LogitScans.Lanes()
                while start + width <= blockEnd {
                    var x = LogitScans.Lanes()
                    for lane in 0..<width { x[lane] = all[start + lane].logit }
                    let weights = LogitScans.exponential(x - shift)
                    for lane in 0..<width { all[start + lane].probability = weights[lane] }
                    lanes += weights
                    start += width
                }
                while start < blockEnd {
                    let weight = expf(all[start].logit - top)
                    all[start].probability = weight
                    lanes[0] += weight
                    start += 1
                }
                total += Double(lanes.sum())
            }
            let scale = Float(1 / total)
            for i in 0..<live { all[i].probability *= scale }
            return total
        }
        return (top, top + Float(log(sum)))
    }

    /// Sorts the live candidates best first, or only the best `prefix` of them (placed first),
    /// leaving the others after them in no particular order.
    mutating func sortBestFirst(prefix: Int? = nil) {
        if isSorted { return }
        let live = count
        let prefix = min(prefix ?? live, live)
        storage.withUnsafeMutableBufferPointer { all in
            CandidateSorting.sortPrefix(UnsafeMutableBufferPointer(rebasing: all[0..<live]), prefix, BestFirst.self)
        }
        if prefix == live { isSorted = true }
    }

    /// Keeps the first `newCount` live candidates; `leavesSorted` says the caller knows those
    /// are in canonical order (a sorted prefix) even if the whole list was not.
    mutating func truncate(to newCount: Int, leavesSorted: Bool = false) {
        count = min(max(newCount, 0), count)
        if leavesSorted { isSorted = true }
    }

    /// Keeps the candidates for which `isKept` holds, in their current order.
    mutating func keep(where isKept: (SamplingCandidate) -> Bool) {
        var live = 0
        let old = count
        storage.withUnsafeMutableBufferPointer { all in
            for i in 0..<old where isKept(all[i]) {
                all[live] = all[i]
                live += 1
            }
        }
        count = live
    }

    /// Applies `transform` to every live candidate; the caller says whether the order survives.
    mutating func update(preservingOrder: Bool, _ transform: (inout SamplingCandidate) -> Void) {
        let live = count
        storage.withUnsafeMutableBufferPointer { all in
            for i in 0..<live { transform(&all[i]) }
        }
        if !preservingOrder { isSorted = false }
    }

    /// Keeps the shortest run of candidates, taken in `Order`, whose probability mass reaches
    /// `target` (`≥`, or `>` when `strictly`); see
    /// ``CandidateSorting/selectShortestPrefix(_:reachingMass:strictly:_:)``. Needs
    /// ``computeProbabilities()`` first. The survivors are left in no particular order.
    mutating func keepShortestPrefix<Order: CandidateOrder>(
        in order: Order.Type, reachingMass target: Double, strictly: Bool
    ) {
        let live = count
        let kept = storage.withUnsafeMutableBufferPointer { all in
            CandidateSorting.selectShortestPrefix(
                UnsafeMutableBufferPointer(rebasing: all[0..<live]), reachingMass: target, strictly: strictly, order)
        }
        count = kept
        isSorted = false
    }
}
