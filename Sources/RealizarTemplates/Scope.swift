/// Variables visible at one level of the template. `for` bodies, macro calls and `with` blocks get
/// a fresh scope whose parent is the enclosing one; `if` bodies share their enclosing scope. This
/// reproduces Jinja2's rule that `{% set %}` inside a loop does not leak out of it.
final class Scope {
    /// Name/value pairs. Most scopes hold a handful of names (a loop variable, `loop`), where a
    /// linear search beats hashing; a dictionary index is added once a scope grows. The loops are
    /// written by hand because generic library calls are slow in debug builds, where tests run.
    private struct Storage {
        var names: ContiguousArray<String> = []
        var values: ContiguousArray<Value> = []
        /// Entries in use: storage past it is kept for reuse after `removeAll()`.
        var count = 0
        var index: [String: Int]? = nil

        func position(_ name: String) -> Int {
            if let index { return index[name] ?? -1 }
            var i = 0
            while i < count {
                if names[i] == name { return i }
                i += 1
            }
            return -1
        }

        mutating func set(_ name: String, _ value: Value) {
            let i = position(name)
            if i >= 0 {
                values[i] = value
                return
            }
            if count < names.count {
                names[count] = name
                values[count] = value
            } else {
                names.append(name)
                values.append(value)
            }
            count += 1
            if index != nil {
                index![name] = count - 1
            } else if count > 12 {
                var built: [String: Int] = [:]
                for j in 0..<count { built[names[j]] = j }
                index = built
            }
        }
    }

    // Dynamic exclusivity checks on this property were most of the cost of a loop iteration; a
    // render is single-threaded and no access to it overlaps another.
    @exclusivity(unchecked) private var storage = Storage()
    let parent: Scope?

    init(parent: Scope?) { self.parent = parent }

    subscript(name: String) -> Value? {
        get {
            let i = storage.position(name)
            return i >= 0 ? storage.values[i] : nil
        }
        set {
            if let newValue { storage.set(name, newValue) }
        }
    }

    /// Forgets all but the first `n` entries (those a loop binds on every iteration), so that what
    /// one iteration sets is gone in the next.
    func truncate(_ n: Int) {
        if storage.count > n {
            storage.count = n
            storage.index = nil
        }
    }

    /// Overwrites the value of entry `i`, which must exist.
    func setValue(at i: Int, _ value: Value) {
        storage.values[i] = value
    }

    /// Empties the scope for reuse by the next loop iteration, keeping its memory.
    func removeAll() {
        storage.count = 0
        storage.index = nil
    }

    /// Drops everything (to break reference cycles after a render).
    func clear() {
        storage = Storage()
    }

    func lookup(_ name: String) -> Value? {
        var scope: Scope? = self
        while let s = scope {
            if let v = s[name] { return v }
            scope = s.parent
        }
        return nil
    }
}
