/// Finds the names a piece of syntax reads, to tell whether a macro uses `varargs`, `kwargs` or
/// `caller`.
enum NameCollector {
    static func collect(in body: [Stmt], into names: inout Set<String>) {
        for stmt in body { collect(stmt, into: &names) }
    }

    static func collect(_ stmt: Stmt, into names: inout Set<String>) {
        switch stmt {
        case .text, .breakLoop, .continueLoop: break
        case .output(let e): collect(e, into: &names)
        case .ifChain(let branches, let elseBody, _):
            for b in branches {
                collect(b.condition, into: &names)
                collect(in: b.body, into: &names)
            }
            collect(in: elseBody, into: &names)
        case .forLoop(let loop, _):
            collect(loop.iterable, into: &names)
            if let c = loop.condition { collect(c, into: &names) }
            collect(in: loop.body, into: &names)
            collect(in: loop.elseBody, into: &names)
        case .set(_, let e, _): collect(e, into: &names)
        case .setBlock(_, let filters, let body, _):
            for f in filters { collect(f.arguments, into: &names) }
            collect(in: body, into: &names)
        case .macro(let m, _):
            collect(in: m.body, into: &names)
        case .callBlock(let call, let m, _):
            collect(call, into: &names)
            collect(in: m.body, into: &names)
        case .filterBlock(let filters, let body, _):
            for f in filters { collect(f.arguments, into: &names) }
            collect(in: body, into: &names)
        case .with(let assignments, let body, _):
            for (_, e) in assignments { collect(e, into: &names) }
            collect(in: body, into: &names)
        case .scope(let body, _, _): collect(in: body, into: &names)
        }
    }

    static func definesMacros(_ body: [Stmt]) -> Bool {
        body.contains { stmt in
            switch stmt {
            case .macro, .callBlock: return true
            case .ifChain(let branches, let elseBody, _): return branches.contains { definesMacros($0.body) } || definesMacros(elseBody)
            case .forLoop(let loop, _): return definesMacros(loop.body) || definesMacros(loop.elseBody)
            case .setBlock(_, _, let body, _), .filterBlock(_, let body, _), .with(_, let body, _), .scope(let body, _, _): return definesMacros(body)
            default: return false
            }
        }
    }

    static func collect(_ args: [Argument], into names: inout Set<String>) {
        for a in args {
            switch a {
            case .positional(let e), .keyword(_, let e), .splat(let e), .doubleSplat(let e): collect(e, into: &names)
            }
        }
    }

    static func collect(_ expr: Expr, into names: inout Set<String>) {
        switch expr {
        case .constant: break
        case .name(let n, _): names.insert(n)
        case .list(let items, _), .tuple(let items, _): for i in items { collect(i, into: &names) }
        case .dict(let pairs, _):
            for p in pairs {
                collect(p.key, into: &names)
                collect(p.value, into: &names)
            }
        case .attribute(let e, _, _), .negate(let e, _), .plus(let e, _), .not(let e, _): collect(e, into: &names)
        case .item(let a, let b, _), .binary(_, let a, let b, _), .and(let a, let b, _), .or(let a, let b, _):
            collect(a, into: &names)
            collect(b, into: &names)
        case .slice(let e, let a, let b, let c, _):
            collect(e, into: &names)
            for x in [a, b, c] { if let x { collect(x, into: &names) } }
        case .call(let e, let args, _), .filter(let e, _, let args, _), .test(let e, _, let args, _, _):
            collect(e, into: &names)
            collect(args, into: &names)
        case .compare(let e, let ops, _):
            collect(e, into: &names)
            for (_, o) in ops { collect(o, into: &names) }
        case .conditional(let c, let t, let o, _):
            collect(c, into: &names)
            collect(t, into: &names)
            if let o { collect(o, into: &names) }
        }
    }
}
