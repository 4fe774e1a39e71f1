import Foundation
import RealizarKernelsAVX2

/// Scaled dot-product attention over each sequence's own cache.
///
/// Work is split by (batch row, KV head): the query heads that share a KV head walk its keys and
/// values together, a chunk of positions at a time with a running softmax, so the cache is read
/// once per row and group and no score array as long as the context is needed.
enum Attention {
    /// Positions scored per step of the running softmax.
    static let chunk = 64

    static func attend(_ shape: AttentionShape, layer: Int, queries: UnsafeMutablePointer<Float>, rows: Int,
                       caches: [CPUKVBlocks], tables: [[Int]], rowEntry: UnsafePointer<Int>, rowPosition: UnsafePointer<Int>,
                       sequenceEnds: [Int], output: UnsafeMutablePointer<Float>, pool: ThreadPool, family: KernelFamily) {
        let hd = shape.headDimension
        let group = shape.heads / shape.kvHeads
        let qDim = shape.heads * hd
        let scale = shape.scale
        let window = shape.window
        let vectorized = family != .generic && hd % 8 == 0
        let converts = caches.contains { $0.type != .f32 }
        caches.withUnsafeBufferPointer { caches in
            pool.parallelFor(rows * shape.kvHeads) { range in
                // Keys and values of one chunk widened to f32, for caches not stored in f32.
                let widened = converts ? UnsafeMutablePointer<Float>.allocate(capacity: chunk * hd) : nil
                defer { widened?.deallocate() }
                withUnsafeTemporaryAllocation(of: Float.self, capacity: group * (chunk + hd + 4)) { scratch in
                    let scores = scratch.baseAddress!               // group × chunk
                    let accumulators = scores + group * chunk       // group × hd
                    let maxima = accumulators + group * hd          // group
                    let totals = maxima + group                     // group
                    let corrections = totals + group                // group
                    let ones = corrections + group                  // group
                    ones.update(repeating: 1, count: group)
                    for item in range {
                        let t = item / shape.kvHeads
                        let kvHead = item % shape.kvHeads
                        let cache = caches[rowEntry[t]]
                        let table = tables[rowEntry[t]]
                        let blockSize = cache.blockSize
                        // The last position the row sees: its own, or its sequence's last.
                        let position = shape.causal ? rowPosition[t] : sequenceEnds[rowEntry[t]] - 1
                        let first = window.map { max(0, position - $0 + 1) } ?? 0
                        let query = queries + t * qDim + kvHead * group * hd
                        let headOffset = kvHead * hd
                        for g in 0..<group {
                            maxima[g] = -.infinity
                            totals[g] = 0
                        }
                        accumulators.update(repeating: 0, count: group * hd)
                        /// Calls `body(offset, count, rows, stride)` with the chunk's keys (or values) for
                        /// each run of its positions that one block holds, or once widened to f32.
                        func segments(_ start: Int, _ count: Int, keys: Bool,
                                      _ body: (Int, Int, UnsafePointer<Float>, Int) -> Void) {
                            if let widened {
                                for j in 0..<count {
                                    let p = start + j, block = table[p / blockSize], offset = p % blockSize
                                    let stored = keys ? cache.keys(block: block, layer: layer, offset: offset)
                                                      : cache.values(block: block, layer: layer, offset: offset)
                                    KVRows.load(stored, type: cache.type, first: headOffset, count: hd, into: widened + j * hd, family: family)
                                }
                                body(0, count, widened, hd)
                                return
                            }
                            let stride = cache.rowWidth
                            var done = 0
                            while done < count {
                                let p = start + done, block = table[p / blockSize], offset = p % blockSize
                                let n = min(count - done, blockSize - offset)
                                let stored = keys ? cache.keys(block: block, layer: layer, offset: offset)
                                                  : cache.values(block: block, layer: layer, offset: offset)
                                body(done, n, stored.assumingMemoryBound(to: Float.self) + headOffset, stride)
                                done += n
                            }
                        }
                        var start = first
                        while start <= position {
                            let count = min(chunk, position + 1 - start)
                            segments(start, count, keys: true) { offset, n, keys, stride in
                                if vectorized {
                                    avx2AttentionScoresGroup(query, heads: group, keys: keys, stride: stride, count: n,
                                                             dimension: hd, scale: scale, scores: scores + offset, scoreStride: chunk)
                                } else {
                                    for g in 0..<group {
                                        for j in 0..<n {
                                            scores[g * chunk + offset + j] = VectorOps.dot(query + g * hd, keys + j * stride, hd) * scale
                                        }
                                    }
                                }
                            }
                            if let cap = shape.softCap {
                                for g in 0..<group {
                                    for j in 0..<count { scores[g * chunk + j] = tanh(scores[g * chunk + j] / cap) * cap }
                                }
                            }
                            for g in 0..<group {
                                let row = scores + g * chunk
                                var best = maxima[g]
                                for j in 0..<count { best = max(best, row[j]) }
                                let correction = best == maxima[g] ? 1 : exp(maxima[g] - best)
                                maxima[g] = best
                                corrections[g] = correction
                                if vectorized {
                                    totals[g] = totals[g] * correction + avx2ExpShifted(row, count: count, maximum: best)
                                } else {
                                    var total = totals[g] * correction
                                    for j in 0..<count {
                                        row[j] = exp(row[j] - best)
                                        total += row[j]
                                    }
                                    totals[g] = total
                                    let acc = accumulators + g * hd
                                    for i in 0..<hd { acc[i] *= correction }
                                }
                            }
                            // The correction applies once, with the chunk's first run; scaling by one after is exact,
                            // so the sums are the same however the chunk's positions are split over blocks.
                            segments(start, count, keys: false) { offset, n, values, stride in
                                if vectorized {
                                    avx2AttentionAccumulateGroup(accumulators, heads: group, corrections: offset == 0 ? corrections : ones,
                                                                 values: values, stride: stride, weights: scores + offset, weightStride: chunk,
                                                                 count: n, dimension: hd)
                                } else {
                                    for g in 0..<group {
                                        let acc = accumulators + g * hd, weights = scores + g * chunk + offset
                                        for j in 0..<n { addScaled(acc, values + j * stride, weights[j], hd) }
                                    }
                                }
                            }
                            start += count
                        }
                        for g in 0..<group {
                            let out = output + t * qDim + (kvHead * group + g) * hd
                            let acc = accumulators + g * hd
                            let inverse = 1 / totals[g]
                            for i in 0..<hd { out[i] = acc[i] * inverse }
                        }
                    }
                }
            }
        }
    }

    @inline(__always)
    static func addScaled(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ factor: Float, _ count: Int) {
        for i in 0..<count { y[i] += factor * x[i] }
    }
}
