import Foundation

/// The CPU's mixture-of-experts block: route every row, then run each expert once over the rows
/// that chose it (one batched product per expert), adding the weighted outputs.
struct MixtureOfExpertsCPU {
    let moe: MixtureOfExperts
    let router: WeightMatrix
    let gate: WeightMatrix
    let up: WeightMatrix
    let down: WeightMatrix
    let width: Int

    func run(input: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>, rows n: Int,
             multiplier: MatrixMultiplier, family: KernelFamily) {
        let experts = moe.experts, hidden = moe.hidden, d = width
        let scores = UnsafeMutablePointer<Float>.allocate(capacity: n * experts)
        defer { scores.deallocate() }
        multiplier.multiply(MatrixProduct(router, into: scores), input: input, batch: n)
        // Per expert, the rows that chose it and their weights.
        var assigned = [[(row: Int, weight: Float)]](repeating: [], count: experts)
        for t in 0..<n {
            let row = scores + t * experts
            let top = (0..<experts).max { row[$0] < row[$1] }.map { row[$0] } ?? 0
            var total: Float = 0
            for e in 0..<experts {
                row[e] = exp(row[e] - top)
                total += row[e]
            }
            for e in 0..<experts { row[e] /= total }
            // The `used` most probable experts, the lower index first on ties.
            let chosen = (0..<experts).sorted { row[$0] != row[$1] ? row[$0] > row[$1] : $0 < $1 }.prefix(moe.used)
            let sum = moe.normalizeWeights ? max(chosen.reduce(0) { $0 + row[$1] }, 6.103515625e-5) : 1
            for e in chosen { assigned[e].append((t, row[e] / sum)) }
        }
        output.update(repeating: 0, count: n * d)
        let most = assigned.map(\.count).max() ?? 0
        guard most > 0 else { return }
        let gathered = UnsafeMutablePointer<Float>.allocate(capacity: most * d)
        let gates = UnsafeMutablePointer<Float>.allocate(capacity: most * hidden)
        let ups = UnsafeMutablePointer<Float>.allocate(capacity: most * hidden)
        let downs = UnsafeMutablePointer<Float>.allocate(capacity: most * d)
        defer { [gathered, gates, ups, downs].forEach { $0.deallocate() } }
        for e in 0..<experts where !assigned[e].isEmpty {
            let rows = assigned[e]
            for (i, entry) in rows.enumerated() { (gathered + i * d).update(from: input + entry.row * d, count: d) }
            let experts = e * hidden..<(e + 1) * hidden
            multiplier.multiply(MatrixProduct(gate.rows(experts), into: gates), MatrixProduct(up.rows(experts), into: ups),
                                input: gathered, batch: rows.count)
            VectorOps.activate(moe.activation, gate: gates, values: ups, count: rows.count * hidden, family: family)
            multiplier.multiply(MatrixProduct(down.rows(e * d..<(e + 1) * d), into: downs), input: ups, batch: rows.count)
            for (i, entry) in rows.enumerated() {
                let out = output + entry.row * d, contribution = downs + i * d
                for j in 0..<d { out[j] += entry.weight * contribution[j] }
            }
        }
    }
}
