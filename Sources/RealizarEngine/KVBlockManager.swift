import RealizarCore

/// Who holds which block of a ``KVPool``, and which full blocks hold which tokens, so that
/// sequences with a common prefix share its keys and values (automatic prefix caching, as vLLM).
///
/// A block is free, held (by one or more sequences: a reference count), or cached: full, held by
/// no one, and kept with the identity of its tokens until its memory is needed, least recently
/// released first. A full block's identity is a 128-bit hash of every token from the start of the
/// sequence to the end of the block, so a block is only found again after the same whole prefix.
/// Only full blocks are shared: a sequence appends into a block of its own, so no block is ever
/// written while another sequence reads it, and no copy on write is needed. Not thread safe: the
/// scheduler's thread owns it.
final class KVBlockManager {
    /// The identity of a full block: a hash of its whole prefix.
    struct PrefixKey: Hashable {
        var low: UInt64
        var high: UInt64
    }

    let blockCount: Int
    let blockSize: Int
    private var references: [Int32]
    private var keys: [PrefixKey?]
    private var blocksByKey: [PrefixKey: Int] = [:]
    private var free: [Int]
    // Cached blocks in release order: a doubly linked list through `older`/`newer`, oldest first.
    private var older: [Int]
    private var newer: [Int]
    private var oldest = -1
    private var newest = -1
    private(set) var cachedCount = 0

    init(blockCount: Int, blockSize: Int) {
        self.blockCount = blockCount
        self.blockSize = blockSize
        references = Array(repeating: 0, count: blockCount)
        keys = Array(repeating: nil, count: blockCount)
        free = Array((0..<blockCount).reversed())
        older = Array(repeating: -1, count: blockCount)
        newer = Array(repeating: -1, count: blockCount)
    }

    /// Blocks that can be handed out now: free ones and cached ones (evicted on demand).
    var available: Int { free.count + cachedCount }

    /// Blocks held by at least one sequence.
    var held: Int { blockCount - available }

    /// The key of the block holding `tokens` after the prefix whose last block's key is `previous`
    /// (nil: the sequence's first block).
    func nextKey(after previous: PrefixKey?, tokens: ArraySlice<Int>) -> PrefixKey {
        let previous = previous ?? PrefixKey(low: 0x9E37_79B9_7F4A_7C15, high: 0xC2B2_AE3D_27D4_EB4F)
        // Two differently seeded hashes of the same data: 128 bits, so that two different prefixes
        // sharing a key (which would hand one sequence another's keys and values) is out of reach.
        var low = Hasher(), high = Hasher()
        low.combine(previous.low)
        high.combine(previous.high)
        high.combine(0x5BD1_E995 as UInt32)
        for token in tokens {
            low.combine(token)
            high.combine(token)
        }
        return PrefixKey(low: UInt64(bitPattern: Int64(low.finalize())), high: UInt64(bitPattern: Int64(high.finalize())))
    }

    /// The keys of the first `blocks` full blocks of `tokens`, in order.
    func prefixKeys(_ tokens: [Int], blocks: Int) -> [PrefixKey] {
        var keys: [PrefixKey] = []
        for block in 0..<blocks {
            keys.append(nextKey(after: keys.last, tokens: tokens[(block * blockSize)..<((block + 1) * blockSize)]))
        }
        return keys
    }

    /// The stored blocks of the longest run of `tokens`' full blocks, from the start, found in the
    /// cache, at most `limit` of them, each now held once more; and the key of the last (the chain
    /// the sequence's next full block continues).
    func takeStoredPrefix(of tokens: [Int], limit: Int) -> (blocks: [Int], lastKey: PrefixKey?) {
        var found: [Int] = []
        var lastKey: PrefixKey?
        for block in 0..<min(limit, tokens.count / blockSize) {
            let key = nextKey(after: lastKey, tokens: tokens[(block * blockSize)..<((block + 1) * blockSize)])
            guard let stored = blocksByKey[key] else { break }
            hold(stored)
            found.append(stored)
            lastKey = key
        }
        return (found, lastKey)
    }

    /// A block for new positions, or nil when every block is held. Takes a free block first, then
    /// the least recently released cached one (forgetting what it held).
    func allocate() -> Int? {
        let block: Int
        if let next = free.popLast() {
            block = next
        } else if oldest >= 0 {
            block = oldest
            unlinkCached(block)
            blocksByKey[keys[block]!] = nil
            keys[block] = nil
        } else {
            return nil
        }
        references[block] = 1
        return block
    }

    /// Records that `block`, now full, holds the prefix `key`. A prefix already stored in another
    /// block keeps that one (this block stays private and is freed when released).
    func register(_ block: Int, key: PrefixKey) {
        guard keys[block] == nil, blocksByKey[key] == nil else { return }
        keys[block] = key
        blocksByKey[key] = block
    }

    /// Gives back one hold on each of `blocks`; a block no one holds becomes cached if it has an
    /// identity, free otherwise.
    func release(_ blocks: [Int]) {
        // Last blocks first, so that a prefix's tail is evicted before its head.
        for block in blocks.reversed() {
            references[block] -= 1
            precondition(references[block] >= 0, "a KV block was released more often than held")
            guard references[block] == 0 else { continue }
            if keys[block] != nil {
                linkCached(block)
            } else {
                free.append(block)
            }
        }
    }

    private func hold(_ block: Int) {
        if references[block] == 0 { unlinkCached(block) }
        references[block] += 1
    }

    private func linkCached(_ block: Int) {
        older[block] = newest
        newer[block] = -1
        if newest >= 0 { newer[newest] = block } else { oldest = block }
        newest = block
        cachedCount += 1
    }

    private func unlinkCached(_ block: Int) {
        let before = older[block], after = newer[block]
        if before >= 0 { newer[before] = after } else { oldest = after }
        if after >= 0 { older[after] = before } else { newest = before }
        older[block] = -1
        newer[block] = -1
        cachedCount -= 1
    }
}
