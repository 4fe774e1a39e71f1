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
                       caches: [CPUKVStorage], rowEntry: UnsafePointer<Int>, rowPosition: UnsafePointer<Int>,
                       sequenceEnds: [Int], output: UnsafeMutablePointer<Float>, pool: ThreadPool, family: KernelFamily) {
        let hd = shape.headDimension
        let group = shape.heads / shape.kvHeads
        let qDim = shape.heads * hd
        let scale = shape.scale
        let window = shape.window
        let vectorized = family != .generic && hd % 8 == 0
        caches.withUnsafeBufferPointer { caches in
            pool.parallelFor(rows * shape.kvHeads) { range in
                withUnsafeTemporaryAllocation(of: Float.self, capacity: group * (chunk + hd + 3)) { scratch in
                    let scores = scratch.baseAddress!               // group × chunk
                    let accumulators = scores + group * chunk       // group × hd
                    let maxima = accumulators + group * hd          // group
                    let totals = maxima + group                     // group
                    let corrections = totals + group                // group
                    for item in range {
                        let t = item / shape.kvHeads
                        let kvHead = item % shape.kvHeads
                        let cache = caches[rowEntry[t]]
                        // The last position the row sees: its own, or its sequence's last.
                        let position = shape.causal ? rowPosition[t] : sequenceEnds[rowEntry[t]] - 1
                        let first = window.map { max(0, position - $0 + 1) } ?? 0
                        let query = queries + t * qDim + kvHead * group * hd
                        let keys = cache.keys(layer: layer) + kvHead * hd
                        let values = cache.values(layer: layer) + kvHead * hd
                        let stride = cache.rowWidth
                        for g in 0..<group {
                            maxima[g] = -.infinity
                            totals[g] = 0
                        }
                        accumulators.update(repeating: 0, count: group * hd)
                        var start = first
                        while start <= position {
                            let count = min(chunk, position + 1 - start)
                            let chunkKeys = keys + start * stride
                            let chunkValues = values + start * stride
                            if vectorized {
                                avx2AttentionScoresGroup(query, heads: group, keys: chunkKeys, stride: stride, count: count,
                                                         dimension: hd, scale: scale, scores: scores, scoreStride: chunk)
                            } else {
                                for g in 0..<group {
                                    for j in 0..<count {
                                        scores[g * chunk + j] = VectorOps.dot(query + g * hd, chunkKeys + j * stride, hd) * scale
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
                                    for j in 0..<count { addScaled(acc, chunkValues + j * stride, row[j], hd) }
                                }
                            }
                            if vectorized {
                                avx2AttentionAccumulateGroup(accumulators, heads: group, corrections: corrections, values: chunkValues,
                                                             stride: stride, weights: scores, weightStride: chunk, count: count, dimension: hd)
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
