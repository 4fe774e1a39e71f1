/// An order on sampling candidates, as a type so that the sorting routines are specialised for
/// it (a closure argument through recursive generic code would be an indirect call per comparison).
protocol CandidateOrder {
    /// Whether `a` comes strictly before `b`; must be a strict total order.
    static func precedes(_ a: SamplingCandidate, _ b: SamplingCandidate) -> Bool
}

/// Higher logit first, lower id first among equal logits (``SamplingCandidate/isBetter(_:_:)``).
enum BestFirst: CandidateOrder {
    @inline(__always)
    static func precedes(_ a: SamplingCandidate, _ b: SamplingCandidate) -> Bool {
        SamplingCandidate.isBetter(a, b)
    }
}

/// Smaller ``SamplingCandidate/key`` first, then ``BestFirst`` (typical sampling's order).
enum SmallestKeyFirst: CandidateOrder {
    @inline(__always)
    static func precedes(_ a: SamplingCandidate, _ b: SamplingCandidate) -> Bool {
        a.key < b.key || (a.key == b.key && SamplingCandidate.isBetter(a, b))
    }
}

/// In-place sorting and selection of sampling candidates.
///
/// The standard library's `sort` allocates a temporary buffer on every call (it is a merge sort),
/// and the sampler must not allocate vocabulary-sized memory per step; these routines work in
/// place on the sampler's scratch buffer. Every order used is total (ties are broken by token id),
/// so the unstable algorithms here still give one deterministic answer.
enum CandidateSorting {
    /// Below this many elements, insertion sort beats partitioning.
    private static let insertionThreshold = 16

    /// Sorts `buffer` in `Order` (introsort:
    /// quicksort with a median-of-three pivot, heapsort if recursion gets too deep).
    static func sort<Order: CandidateOrder>(
        _ buffer: UnsafeMutableBufferPointer<SamplingCandidate>,
        _ order: Order.Type
    ) {
        guard buffer.count > 1 else { return }
        let depthLimit = 2 * (Int.bitWidth - buffer.count.leadingZeroBitCount)
        introsort(buffer, 0, buffer.count, depthLimit, order)
    }

    /// Reorders `buffer` so that its first `prefix` elements are the `prefix` first ones in the
    /// order, themselves sorted; the rest follow in no particular order (like C++'s
    /// `partial_sort`, via quickselect).
    static func sortPrefix<Order: CandidateOrder>(
        _ buffer: UnsafeMutableBufferPointer<SamplingCandidate>, _ prefix: Int,
        _ order: Order.Type
    ) {
        let prefix = min(max(prefix, 0), buffer.count)
        guard prefix > 0 else { return }
        if prefix < buffer.count {
            select(buffer, prefix, order)
        }
        sort(UnsafeMutableBufferPointer(rebasing: buffer[0..<prefix]), order)
    }

    /// Finds the shortest run of candidates, taken in `Order`, whose ``SamplingCandidate/probability``
    /// mass reaches `target` (`≥`, or `>` when `strictly`), and moves it to the front of `buffer`
    /// in no particular order; returns its length. When even the whole buffer falls short (only
    /// possible through rounding), returns `buffer.count`: everything is kept.
    ///
    /// This is top-p's (and typical sampling's) cut without sorting the vocabulary: quickselect
    /// that steers by the mass on the better side of each pivot, O(n) expected. Only the final
    /// small range is sorted, to place the cut exactly.
    static func selectShortestPrefix<Order: CandidateOrder>(
        _ buffer: UnsafeMutableBufferPointer<SamplingCandidate>, reachingMass target: Double, strictly: Bool,
        _ order: Order.Type
    ) -> Int {
        @inline(__always) func reaches(_ mass: Double) -> Bool { strictly ? mass > target : mass >= target }
        // Invariant: buffer[..<lo] precede everything after them and their mass falls short
        // (`massBefore`); the answer is in (lo, hi].
        var lo = 0
        var hi = buffer.count
        var massBefore = 0.0
        var rounds = 2 * (Int.bitWidth - buffer.count.leadingZeroBitCount)
        while hi - lo > insertionThreshold {
            if rounds == 0 { break }
            rounds -= 1
            let pivot = partition(buffer, lo, hi, order)
            var mass = massBefore
            for i in lo...pivot { mass += Double(buffer[i].probability) }
            if reaches(mass) {
                hi = pivot + 1  // the pivot is never the last element, so this shrinks the range
            } else {
                massBefore = mass
                lo = pivot + 1
            }
        }
        sort(UnsafeMutableBufferPointer(rebasing: buffer[lo..<hi]), order)
        var mass = massBefore
        for i in lo..<hi {
            mass += Double(buffer[i].probability)
            if reaches(mass) { return i + 1 }
        }
        // Short only by rounding (the mass up to `hi` was seen to reach the target when summed in
        // another order), or the whole buffer is short: keep up to `hi`.
        return hi
    }

    /// Quickselect: afterwards every element of `buffer[..<k]` is ordered before every element of
    /// `buffer[k...]`.
    private static func select<Order: CandidateOrder>(
        _ buffer: UnsafeMutableBufferPointer<SamplingCandidate>, _ k: Int,
        _ order: Order.Type
    ) {
        var lo = 0
        var hi = buffer.count
        // Each round should shrink the range by a good fraction; if pivots keep being poor, sort
        // what is left instead, which bounds the worst case at O(n log n).
        var rounds = 2 * (Int.bitWidth - buffer.count.leadingZeroBitCount)
        while hi - lo > insertionThreshold {
            if rounds == 0 {
                sort(UnsafeMutableBufferPointer(rebasing: buffer[lo..<hi]), order)
                return
            }
            rounds -= 1
            let pivot = partition(buffer, lo, hi, order)
            if pivot < k {
                lo = pivot + 1
            } else if pivot > k {
                hi = pivot
            } else {
                return
            }
        }
        insertionSort(buffer, lo, hi, order)
    }

    private static func introsort<Order: CandidateOrder>(
        _ buffer: UnsafeMutableBufferPointer<SamplingCandidate>, _ lo: Int, _ hi: Int, _ depth: Int,
        _ order: Order.Type
    ) {
        var lo = lo
        var hi = hi
        var depth = depth
        while hi - lo > insertionThreshold {
            if depth == 0 {
                heapsort(buffer, lo, hi, order)
                return
            }
            depth -= 1
            let pivot = partition(buffer, lo, hi, order)
            // Recurse into the smaller side and loop on the larger: stack depth stays O(log n).
            if pivot - lo < hi - pivot - 1 {
                introsort(buffer, lo, pivot, depth, order)
                lo = pivot + 1
            } else {
                introsort(buffer, pivot + 1, hi, depth, order)
                hi = pivot
            }
        }
        insertionSort(buffer, lo, hi, order)
    }

    /// Lomuto partition of `buffer[lo..<hi]` around the median of its first, middle and last
    /// elements; returns the pivot's final index. Needs `hi - lo >= 3`.
    private static func partition<Order: CandidateOrder>(
        _ buffer: UnsafeMutableBufferPointer<SamplingCandidate>, _ lo: Int, _ hi: Int,
        _ order: Order.Type
    ) -> Int {
        let mid = lo + (hi - lo) / 2
        let last = hi - 1
        if Order.precedes(buffer[mid], buffer[lo]) { buffer.swapAt(mid, lo) }
        if Order.precedes(buffer[last], buffer[lo]) { buffer.swapAt(last, lo) }
        if Order.precedes(buffer[last], buffer[mid]) { buffer.swapAt(last, mid) }
        // Median now at mid: use it as the pivot, parked at the end.
        buffer.swapAt(mid, last)
        let pivot = buffer[last]
        var store = lo
        for j in lo..<last where Order.precedes(buffer[j], pivot) {
            buffer.swapAt(store, j)
            store += 1
        }
        buffer.swapAt(store, last)
        return store
    }

    private static func insertionSort<Order: CandidateOrder>(
        _ buffer: UnsafeMutableBufferPointer<SamplingCandidate>, _ lo: Int, _ hi: Int,
        _ order: Order.Type
    ) {
        guard hi - lo > 1 else { return }
        for i in (lo + 1)..<hi {
            let item = buffer[i]
            var j = i
            while j > lo, Order.precedes(item, buffer[j - 1]) {
                buffer[j] = buffer[j - 1]
                j -= 1
            }
            buffer[j] = item
        }
    }

    private static func heapsort<Order: CandidateOrder>(
        _ buffer: UnsafeMutableBufferPointer<SamplingCandidate>, _ lo: Int, _ hi: Int,
        _ order: Order.Type
    ) {
        let base = UnsafeMutableBufferPointer(rebasing: buffer[lo..<hi])
        let count = base.count
        // Max-heap (in `Order`), then repeatedly move the largest to the end.
        for start in stride(from: count / 2 - 1, through: 0, by: -1) {
            siftDown(base, start, count, order)
        }
        for end in stride(from: count - 1, to: 0, by: -1) {
            base.swapAt(0, end)
            siftDown(base, 0, end, order)
        }
    }

    private static func siftDown<Order: CandidateOrder>(
        _ heap: UnsafeMutableBufferPointer<SamplingCandidate>, _ start: Int, _ count: Int,
        _ order: Order.Type
    ) {
        var parent = start
        while true {
            var child = 2 * parent + 1
            if child >= count { return }
            if child + 1 < count, Order.precedes(heap[child], heap[child + 1]) { child += 1 }
            if !Order.precedes(heap[parent], heap[child]) { return }
            heap.swapAt(parent, child)
            parent = child
        }
    }
}
