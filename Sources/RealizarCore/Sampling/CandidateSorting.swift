/// In-place sorting and selection of sampling candidates.
///
/// The standard library's `sort` allocates a temporary buffer on every call (it is a merge sort),
/// and the sampler must not allocate vocabulary-sized memory per step; these routines work in
/// place on the sampler's scratch buffer. Every order used is total (ties are broken by token id),
/// so the unstable algorithms here still give one deterministic answer.
enum CandidateSorting {
    /// Below this many elements, insertion sort beats partitioning.
    private static let insertionThreshold = 16

    /// Sorts `buffer` so that `areInIncreasingOrder` holds between neighbours (introsort:
    /// quicksort with a median-of-three pivot, heapsort if recursion gets too deep).
    static func sort(
        _ buffer: UnsafeMutableBufferPointer<SamplingCandidate>,
        by areInIncreasingOrder: (SamplingCandidate, SamplingCandidate) -> Bool
    ) {
        guard buffer.count > 1 else { return }
        let depthLimit = 2 * (Int.bitWidth - buffer.count.leadingZeroBitCount)
        introsort(buffer, 0, buffer.count, depthLimit, areInIncreasingOrder)
    }

    /// Reorders `buffer` so that its first `prefix` elements are the `prefix` first ones in the
    /// order, themselves sorted; the rest follow in no particular order (like C++'s
    /// `partial_sort`, via quickselect).
    static func sortPrefix(
        _ buffer: UnsafeMutableBufferPointer<SamplingCandidate>, _ prefix: Int,
        by areInIncreasingOrder: (SamplingCandidate, SamplingCandidate) -> Bool
    ) {
        let prefix = min(max(prefix, 0), buffer.count)
        guard prefix > 0 else { return }
        if prefix < buffer.count {
            select(buffer, prefix, areInIncreasingOrder)
        }
        sort(UnsafeMutableBufferPointer(rebasing: buffer[0..<prefix]), by: areInIncreasingOrder)
    }

    /// Quickselect: afterwards every element of `buffer[..<k]` is ordered before every element of
    /// `buffer[k...]`.
    private static func select(
        _ buffer: UnsafeMutableBufferPointer<SamplingCandidate>, _ k: Int,
        _ less: (SamplingCandidate, SamplingCandidate) -> Bool
    ) {
        var lo = 0
        var hi = buffer.count
        // Each round should shrink the range by a good fraction; if pivots keep being poor, sort
        // what is left instead, which bounds the worst case at O(n log n).
        var rounds = 2 * (Int.bitWidth - buffer.count.leadingZeroBitCount)
        while hi - lo > insertionThreshold {
            if rounds == 0 {
                sort(UnsafeMutableBufferPointer(rebasing: buffer[lo..<hi]), by: less)
                return
            }
            rounds -= 1
            let pivot = partition(buffer, lo, hi, less)
            if pivot < k {
                lo = pivot + 1
            } else if pivot > k {
                hi = pivot
            } else {
                return
            }
        }
        insertionSort(buffer, lo, hi, less)
    }

    private static func introsort(
        _ buffer: UnsafeMutableBufferPointer<SamplingCandidate>, _ lo: Int, _ hi: Int, _ depth: Int,
        _ less: (SamplingCandidate, SamplingCandidate) -> Bool
    ) {
        var lo = lo
        var hi = hi
        var depth = depth
        while hi - lo > insertionThreshold {
            if depth == 0 {
                heapsort(buffer, lo, hi, less)
                return
            }
            depth -= 1
            let pivot = partition(buffer, lo, hi, less)
            // Recurse into the smaller side and loop on the larger: stack depth stays O(log n).
            if pivot - lo < hi - pivot - 1 {
                introsort(buffer, lo, pivot, depth, less)
                lo = pivot + 1
            } else {
                introsort(buffer, pivot + 1, hi, depth, less)
                hi = pivot
            }
        }
        insertionSort(buffer, lo, hi, less)
    }

    /// Lomuto partition of `buffer[lo..<hi]` around the median of its first, middle and last
    /// elements; returns the pivot's final index. Needs `hi - lo >= 3`.
    private static func partition(
        _ buffer: UnsafeMutableBufferPointer<SamplingCandidate>, _ lo: Int, _ hi: Int,
        _ less: (SamplingCandidate, SamplingCandidate) -> Bool
    ) -> Int {
        let mid = lo + (hi - lo) / 2
        let last = hi - 1
        if less(buffer[mid], buffer[lo]) { buffer.swapAt(mid, lo) }
        if less(buffer[last], buffer[lo]) { buffer.swapAt(last, lo) }
        if less(buffer[last], buffer[mid]) { buffer.swapAt(last, mid) }
        // Median now at mid: use it as the pivot, parked at the end.
        buffer.swapAt(mid, last)
        let pivot = buffer[last]
        var store = lo
        for j in lo..<last where less(buffer[j], pivot) {
            buffer.swapAt(store, j)
            store += 1
        }
        buffer.swapAt(store, last)
        return store
    }

    private static func insertionSort(
        _ buffer: UnsafeMutableBufferPointer<SamplingCandidate>, _ lo: Int, _ hi: Int,
        _ less: (SamplingCandidate, SamplingCandidate) -> Bool
    ) {
        guard hi - lo > 1 else { return }
        for i in (lo + 1)..<hi {
            let item = buffer[i]
            var j = i
            while j > lo, less(item, buffer[j - 1]) {
                buffer[j] = buffer[j - 1]
                j -= 1
            }
            buffer[j] = item
        }
    }

    private static func heapsort(
        _ buffer: UnsafeMutableBufferPointer<SamplingCandidate>, _ lo: Int, _ hi: Int,
        _ less: (SamplingCandidate, SamplingCandidate) -> Bool
    ) {
        let base = UnsafeMutableBufferPointer(rebasing: buffer[lo..<hi])
        let count = base.count
        // Max-heap (by `less`), then repeatedly move the largest to the end.
        for start in stride(from: count / 2 - 1, through: 0, by: -1) {
            siftDown(base, start, count, less)
        }
        for end in stride(from: count - 1, to: 0, by: -1) {
            base.swapAt(0, end)
            siftDown(base, 0, end, less)
        }
    }

    private static func siftDown(
        _ heap: UnsafeMutableBufferPointer<SamplingCandidate>, _ start: Int, _ count: Int,
        _ less: (SamplingCandidate, SamplingCandidate) -> Bool
    ) {
        var parent = start
        while true {
            var child = 2 * parent + 1
            if child >= count { return }
            if child + 1 < count, less(heap[child], heap[child + 1]) { child += 1 }
            if !less(heap[parent], heap[child]) { return }
            heap.swapAt(parent, child)
            parent = child
        }
    }
}
