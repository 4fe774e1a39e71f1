extension Grammar {
    /// The most bytes a match of the grammar can have, or nil when matches are unbounded (a
    /// `*`, `+` or `{m,}` over something non-empty, or a recursive rule).
    ///
    /// Each token a model emits holds at least one byte, so a generation under this grammar
    /// with `max_tokens` above this count always completes: what a JSON Schema compiles to is
    /// finite (``JSONSchemaLimits``), so this bounds what a constrained request can take.
    public var longestMatch: Int? {
        var bodies: [String: GrammarExpression] = [:]
        for rule in rules { bodies[rule.name] = rule.body }
        var known: [String: Int?] = [:]
        var active = Set<String>()
        func longest(_ expression: GrammarExpression) -> Int? {
            switch expression {
            case .literal(let bytes): return bytes.count
            case .characters(let ranges, let negated):
                let scalars = UTF8Sequences.scalars(ranges, negated: negated)
                guard let top = scalars.map(\.upperBound).max() else { return 0 }
                return top < 0x80 ? 1 : top < 0x800 ? 2 : top < 0x10000 ? 3 : 4
            case .anyCharacter: return 4
            case .rule(let name):
                if let value = known[name] { return value }
                guard let body = bodies[name], active.insert(name).inserted else { return nil }
                let value = longest(body)
                active.remove(name)
                known[name] = value
                return value
            case .sequence(let items):
                var total = 0
                for item in items {
                    guard let n = longest(item) else { return nil }
                    total += n
                }
                return total
            case .choice(let items):
                var best = 0
                for item in items {
                    guard let n = longest(item) else { return nil }
                    best = max(best, n)
                }
                return best
            case .repeated(let item, _, let high):
                guard let n = longest(item) else { return nil }
                guard let high else { return n == 0 ? 0 : nil }
                let (product, overflow) = n.multipliedReportingOverflow(by: high)
                return overflow ? nil : product
            }
        }
        return longest(.rule(root))
    }
}
