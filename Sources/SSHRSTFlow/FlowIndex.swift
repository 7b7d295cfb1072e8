import SSHRSTWire

/// Key -> slot index of the flow table: open addressing with linear probing over a power-of-two
/// bucket array, backward-shift deletion (no tombstones), at most half full.
///
/// Replaces `Dictionary<FlowKey, Int32>`: the lookup was a quarter of the per-packet instructions
/// (SipHash finalisation on every packet). The hash is one multiply-xorshift mix keyed with a
/// per-table random seed, so the bucket of an address pair is not predictable from outside (a
/// sender cannot aim many flows at one probe chain); the output does not depend on the seed.
/// Keys live in the table's `meta` array. A bucket holds its slot number and the low 32 bits of its
/// key's hash (its home bucket and a tag): a probe past another key, a deletion's shift and a growth
/// read only the buckets, not that key in `meta` (with a full table, `meta` is megabytes and each such
/// read was a cache miss: on a SYN flood, finding and removing flows took 15% of the time).
@usableFromInline
struct FlowIndex {
    /// `UInt64(hash) << 32 | UInt64(UInt32(bitPattern: slot))`, or `empty`.
    @usableFromInline var buckets: [UInt64]
    @usableFromInline var mask: Int
    @usableFromInline var count = 0
    @usableFromInline let seed: UInt64

    static let initialBuckets = 1024
    /// A free bucket (its slot half is -1, which no slot is).
    @usableFromInline static let empty = UInt64.max

    init(seed: UInt64) {
        self.seed = seed
        buckets = [UInt64](repeating: FlowIndex.empty, count: FlowIndex.initialBuckets)
        mask = FlowIndex.initialBuckets &- 1
    }

    /// The key's hash, of which the low bits (`& mask`) are its home bucket.
    @inlinable @inline(__always)
    func hash(_ k: FlowKey) -> UInt32 {
        var h = (k.lowAddress.low ^ seed) &* 0x9E37_79B9_7F4A_7C15
        h ^= (k.highAddress.low &+ (seed &<< 32 | seed &>> 32)) &* 0xC2B2_AE3D_27D4_EB4F
        h ^= (k.lowAddress.high ^ k.highAddress.high.rotateLeft(17)) &* 0x1656_67B1_9E37_79F9
        let ports = UInt64(k.lowPort) &<< 16 | UInt64(k.highPort) | (k.lowAddress.isIPv6 ? 1 &<< 40 : 0)
        h ^= (ports ^ seed.rotateLeft(13)) &* 0xD6E8_FEB8_6659_FD93
        h ^= h &>> 32
        h = h &* 0xD6E8_FEB8_6659_FD93
        h ^= h &>> 29
        return UInt32(truncatingIfNeeded: h)
    }

    @inlinable @inline(__always)
    static func slot(_ bucket: UInt64) -> Int32 { Int32(truncatingIfNeeded: bucket) }

    @inlinable @inline(__always)
    static func bucketHash(_ bucket: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: bucket &>> 32) }

    /// The slot holding `key`, if any.
    @inlinable
    func find<R>(_ key: FlowKey, in meta: [FlowTable<R>.SlotMeta]) -> Int32? {
        let h = hash(key)
        var i = Int(h) & mask
        while true {
            let b = buckets[i]
            if b == FlowIndex.empty { return nil }
            if FlowIndex.bucketHash(b) == h {
                let s = FlowIndex.slot(b)
                if meta[Int(s)].key == key { return s }
            }
            i = (i &+ 1) & mask
        }
    }

    /// Adds `key` -> `slot` (the key must not be present).
    @inlinable
    mutating func insert(_ key: FlowKey, slot: Int32) {
        if (count &+ 1) &* 2 > buckets.count { grow() }
        let h = hash(key)
        var i = Int(h) & mask
        while buckets[i] != FlowIndex.empty { i = (i &+ 1) & mask }
        buckets[i] = UInt64(h) &<< 32 | UInt64(UInt32(bitPattern: slot))
        count &+= 1
    }

    /// Removes `key` (held by `slot`), shifting later members of its probe chain back.
    @inlinable
    mutating func remove(_ key: FlowKey, slot: Int32) {
        var i = Int(hash(key)) & mask
        while true {
            let b = buckets[i]
            if b == FlowIndex.empty { return }  // not indexed
            if FlowIndex.slot(b) == slot { break }
            i = (i &+ 1) & mask
        }
        var j = i
        while true {
            j = (j &+ 1) & mask
            let b = buckets[j]
            if b == FlowIndex.empty { break }
            let k = Int(FlowIndex.bucketHash(b)) & mask
            // The entry at j may move to the hole at i unless its home lies cyclically in (i, j].
            let stays = i <= j ? (k > i && k <= j) : (k > i || k <= j)
            if !stays {
                buckets[i] = b
                i = j
            }
        }
        buckets[i] = FlowIndex.empty
        count &-= 1
    }

    @usableFromInline
    mutating func grow() {
        let old = buckets
        buckets = [UInt64](repeating: FlowIndex.empty, count: old.count &* 2)
        mask = buckets.count &- 1
        for b in old where b != FlowIndex.empty {
            var i = Int(FlowIndex.bucketHash(b)) & mask
            while buckets[i] != FlowIndex.empty { i = (i &+ 1) & mask }
            buckets[i] = b
        }
    }
}
