import SSHRSTWire

/// Key -> slot index of the flow table: open addressing with linear probing over a power-of-two
/// bucket array of slot numbers, backward-shift deletion (no tombstones), at most half full.
///
/// Replaces `Dictionary<FlowKey, Int32>`: the lookup was a quarter of the per-packet instructions
/// (SipHash finalisation on every packet). The hash is one multiply-xorshift mix keyed with a
/// per-table random seed, so the bucket of an address pair is not predictable from outside (a
/// sender cannot aim many flows at one probe chain); the output does not depend on the seed.
/// Keys live in the table's `meta` array; buckets hold slot numbers (-1: empty).
@usableFromInline
struct FlowIndex {
    @usableFromInline var buckets: [Int32]
    @usableFromInline var mask: Int
    @usableFromInline var count = 0
    @usableFromInline let seed: UInt64

    static let initialBuckets = 1024

    init(seed: UInt64) {
        self.seed = seed
        buckets = [Int32](repeating: -1, count: FlowIndex.initialBuckets)
        mask = FlowIndex.initialBuckets &- 1
    }

    @inlinable @inline(__always)
    func home(_ k: FlowKey) -> Int {
        var h = (k.lowAddress.low ^ seed) &* 0x9E37_79B9_7F4A_7C15
        h ^= (k.highAddress.low &+ (seed &<< 32 | seed &>> 32)) &* 0xC2B2_AE3D_27D4_EB4F
        h ^= (k.lowAddress.high ^ k.highAddress.high.rotateLeft(17)) &* 0x1656_67B1_9E37_79F9
        let ports = UInt64(k.lowPort) &<< 16 | UInt64(k.highPort) | (k.lowAddress.isIPv6 ? 1 &<< 40 : 0)
        h ^= (ports ^ seed.rotateLeft(13)) &* 0xD6E8_FEB8_6659_FD93
        h ^= h &>> 32
        h = h &* 0xD6E8_FEB8_6659_FD93
        h ^= h &>> 29
        return Int(truncatingIfNeeded: h) & mask
    }

    /// The slot holding `key`, if any.
    @inlinable
    func find<R>(_ key: FlowKey, in meta: [FlowTable<R>.SlotMeta]) -> Int32? {
        var i = home(key)
        while true {
            let s = buckets[i]
            if s < 0 { return nil }
            if meta[Int(s)].key == key { return s }
            i = (i &+ 1) & mask
        }
    }

    /// Adds `key` -> `slot` (the key must not be present; `meta` holds every other indexed key).
    @inlinable
    mutating func insert<R>(_ key: FlowKey, slot: Int32, meta: [FlowTable<R>.SlotMeta]) {
        if (count &+ 1) &* 2 > buckets.count { grow(meta: meta) }
        var i = home(key)
        while buckets[i] >= 0 { i = (i &+ 1) & mask }
        buckets[i] = slot
        count &+= 1
    }

    /// Removes `key` (held by `slot`), shifting later members of its probe chain back.
    @inlinable
    mutating func remove<R>(_ key: FlowKey, slot: Int32, meta: [FlowTable<R>.SlotMeta]) {
        var i = home(key)
        while true {
            let s = buckets[i]
            if s < 0 { return }  // not indexed
            if s == slot { break }
            i = (i &+ 1) & mask
        }
        var j = i
        while true {
            j = (j &+ 1) & mask
            let s = buckets[j]
            if s < 0 { break }
            let k = home(meta[Int(s)].key)
            // The entry at j may move to the hole at i unless its home lies cyclically in (i, j].
            let stays = i <= j ? (k > i && k <= j) : (k > i || k <= j)
            if !stays {
                buckets[i] = s
                i = j
            }
        }
        buckets[i] = -1
        count &-= 1
    }

    @usableFromInline
    mutating func grow<R>(meta: [FlowTable<R>.SlotMeta]) {
        let old = buckets
        buckets = [Int32](repeating: -1, count: old.count &* 2)
        mask = buckets.count &- 1
        for s in old where s >= 0 {
            var i = home(meta[Int(s)].key)
            while buckets[i] >= 0 { i = (i &+ 1) & mask }
            buckets[i] = s
        }
    }
}
