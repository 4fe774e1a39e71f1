/// What the engine computes for a model, read off the graph it runs (not derived a second time
/// from the file's keys): `realizar info` and Ollama's `/api/show` report this.
extension ModelGraph {
    public struct Feature: Sendable, Equatable {
        public let key: String
        public let value: String
    }

    public var summary: [Feature] {
        var features: [Feature] = [Feature(key: "architecture", value: description.name)]
        func add(_ key: String, _ value: String) { features.append(Feature(key: key, value: value)) }
        var windows: [Int?] = []
        var rotationOfLayer: [Int] = []
        var headNorms = false
        var embeddingScale: Float?
        var softCap: Float?
        var table: MatrixRef?
        var output: MatrixRef?
        var normCount = 0
        for operation in operations {
            switch operation {
            case .embed(let t, _, _): table = t
            case .scale(let tensor, let factor) where spec(tensor).name == "x": embeddingScale = factor
            case .attention(_, _, _, let shape): windows.append(shape.window)
            case .rope(let tensor, _, _, let rotation) where spec(tensor).name == "q": rotationOfLayer.append(rotation.index)
            case .rmsNorm(let input, _, _, _, _) where ["q", "k"].contains(spec(input).name): headNorms = true
            case .rmsNorm, .layerNorm: normCount += 1
            case .matmul(_, let products) where products.first?.output == ModelGraph.logits: output = products.first?.weight
            case .softCap(let tensor, let cap) where tensor == ModelGraph.logits: softCap = cap
            default: break
            }
        }
        add("layers", "\(windows.count)")
        let sliding = windows.indices.filter { windows[$0] != nil }
        if sliding.isEmpty {
            add("attention", "global on every layer")
        } else if sliding.count == windows.count {
            add("attention", "sliding window \(windows[0]!) on every layer")
        } else {
            let global = windows.indices.filter { windows[$0] == nil }
            add("attention", "sliding window \(windows[sliding[0]]!) on \(sliding.count) layers; global layers \(global.map(String.init).joined(separator: ", "))")
        }
        let a = description
        add("heads", "\(a.headCount) query, \(a.headCountKV) key/value, \(a.headDimension) wide, scale \(a.attentionScale)")
        if rotations.isEmpty {
            add("positions", "learned absolute (up to \(positionLimit ?? 0))")
        } else {
            let used = Array(Set(rotationOfLayer)).sorted()
            let text = used.map { index in
                let r = rotations[index]
                let layers = rotationOfLayer.indices.filter { rotationOfLayer[$0] == index }
                let which = used.count > 1 ? " (\(layers.count) layers)" : ""
                return "\(r.style) pairs of \(r.dimensions) dims, base \(r.base)\(r.scale != 1 ? ", positions / \(r.scale)" : "")\(which)"
            }
            add("rope", text.joined(separator: "; "))
        }
        add("q/k norms", headNorms ? "per head" : "none")
        add("norms per layer", "\(windows.isEmpty ? 0 : (normCount - 1) / windows.count)")
        add("embedding scale", embeddingScale.map { "\($0)" } ?? "none")
        add("final logit soft-capping", softCap.map { "\($0)" } ?? "none")
        add("output", output == table ? "tied to token embedding" : "separate output matrix")
        add("kv cache", "\(cacheLayers) layers × \(cacheRowWidth) floats per position for keys and values")
        return features
    }
}
