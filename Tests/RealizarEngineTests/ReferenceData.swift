import Foundation
import RealizarTestSupport

/// One prompt of ../shared/reference/<model>/logits-dev.json (llama.cpp) joined with the same
/// prompt of exact-dev.json (float64 math).
struct ReferencePrompt: Sendable, CustomTestStringConvertible {
    let prompt: String
    let llamaCppTokens: [Int]
    let exactTop: [(id: Int, logit: Double)]
    let exactGreedy: [Int]
    let greedyMargins: [Double]

    var testDescription: String { String(prompt.prefix(40)) }

    static func load(_ folder: String, logits: String = "logits-dev.json", exact: String = "exact-dev.json") throws -> [ReferencePrompt] {
        func read(_ name: String) throws -> [[String: Any]] {
            let data = try Data(contentsOf: ProjectPaths.reference("\(folder)/\(name)"))
            return try JSONSerialization.jsonObject(with: data) as! [[String: Any]]
        }
        let llama = try read(logits)
        let exactCases = try read(exact)
        return zip(llama, exactCases).map { l, e in
            ReferencePrompt(
                prompt: l["prompt"] as! String,
                llamaCppTokens: (l["tokens"] as! [NSNumber]).map(\.intValue),
                exactTop: (e["top40"] as! [[NSNumber]]).map { ($0[0].intValue, $0[1].doubleValue) },
                exactGreedy: (e["greedy"] as! [NSNumber]).map(\.intValue),
                greedyMargins: (e["greedy_margins"] as! [NSNumber]).map(\.doubleValue))
        }
    }
}

import Testing
