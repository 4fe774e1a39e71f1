/// The outcome of comparing a kernel's output with its reference.
public struct CaseResult: Sendable {
    public let op: String
    public let type: String
    /// The largest |actual − expected| divided by that element's tolerance scale (≤ 1 passes)
    /// is the pass criterion; `maxError` is the raw absolute error for the table.
    public let maxError: Double
    public let tolerance: String
    public let passed: Bool
    public let detail: String

    /// Element-wise check: |actual[i] − expected[i]| ≤ bound[i].
    static func compare(op: String, type: String, actual: [Float], expected: [Double], bound: [Double],
                        tolerance: String) -> CaseResult {
        guard actual.count == expected.count else {
            return CaseResult(op: op, type: type, maxError: .infinity, tolerance: tolerance, passed: false,
                              detail: "\(actual.count) outputs, expected \(expected.count)")
        }
        var maxError = 0.0
        var worst = -1
        var failed = 0
        for i in actual.indices {
            let error = Swift.abs(Double(actual[i]) - expected[i])
            if !(error <= bound[i]) {
                failed += 1
                if worst < 0 { worst = i }
            }
            if error > maxError || error.isNaN { maxError = error.isNaN ? .nan : error }
        }
        let detail = worst < 0 ? "" : "\(failed) of \(actual.count) outside; first at \(worst): got \(actual[worst]), expected \(expected[worst]) ± \(bound[worst])"
        return CaseResult(op: op, type: type, maxError: maxError, tolerance: tolerance, passed: failed == 0, detail: detail)
    }

    static func failure(op: String, type: String, _ error: Error) -> CaseResult {
        CaseResult(op: op, type: type, maxError: .nan, tolerance: "-", passed: false, detail: "\(error)")
    }

    /// The results as a fixed-width table.
    public static func table(_ results: [CaseResult]) -> String {
        func pad(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: Swift.max(0, n - s.count)) }
        let opWidth = Swift.max(4, results.map(\.op.count).max() ?? 4)
        var out = "\(pad("op", opWidth))  \(pad("type", 8))  \(pad("max error", 12))  \(pad("tolerance", 24))  pass\n"
        for r in results {
            let error = r.maxError.isNaN ? "-" : String(describing: Float(r.maxError))
            out += "\(pad(r.op, opWidth))  \(pad(r.type, 8))  \(pad(error, 12))  \(pad(r.tolerance, 24))  \(r.passed ? "yes" : "NO")"
            out += r.detail.isEmpty ? "\n" : "  \(r.detail)\n"
        }
        return out
    }
}
