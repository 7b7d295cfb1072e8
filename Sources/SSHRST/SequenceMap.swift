/// A worker's flow numbers to the merger's first-packet sequence numbers (`ShardedAnalyzer`). A worker numbers
/// its flows 0, 1, 2... as it creates them, and they end roughly in that order, so the live ones lie in a window
/// just below the next number: a ring indexed by flow number holds them, with no hashing (the dictionary this
/// replaces hashed every flow twice, 8% of the merging thread's instructions on a SYN flood). The window starts
/// at the oldest live flow; when a flow that lives long (a session open across the capture) would make it wider
/// than the ring may grow, that flow moves to `outside`, a dictionary, and the window moves on: memory stays
/// proportional to the live flows, not to the flows created since the oldest.
struct SequenceMap {
    /// Ring slots, `gone` when free; slot of number n: `n & mask`.
    private var ring = [UInt64](repeating: SequenceMap.gone, count: 1024)
    /// The oldest number still in the ring (every live number in `[base, next)` is in it).
    private var base: UInt64 = 0
    /// The next number `append` gives.
    private(set) var next: UInt64 = 0
    /// Live numbers below `base`.
    private var outside: [UInt64: UInt64] = [:]
    /// Live numbers.
    private(set) var count = 0
    static let maximumCapacity = 1 << 16
    private static let gone = UInt64.max

    private var mask: UInt64 { UInt64(ring.count - 1) }

    /// Maps the next flow number to `value` (not `UInt64.max`) and returns that number.
    @discardableResult
    mutating func append(_ value: UInt64) -> UInt64 {
        if next &- base == UInt64(ring.count) {
            if ring.count < SequenceMap.maximumCapacity {
                grow()
            } else {
                // The oldest live flow leaves the ring for `outside`; the window moves past it.
                let oldest = ring[Int(truncatingIfNeeded: base & mask)]
                if oldest != SequenceMap.gone { outside[base] = oldest }
                ring[Int(truncatingIfNeeded: base & mask)] = SequenceMap.gone
                base &+= 1
                skipGone()
            }
        }
        let number = next
        ring[Int(truncatingIfNeeded: number & mask)] = value
        next &+= 1
        count &+= 1
        return number
    }

    /// The value of flow `number`, nil when it is not mapped.
    func value(of number: UInt64) -> UInt64? {
        if number >= base {
            guard number < next else { return nil }
            let v = ring[Int(truncatingIfNeeded: number & mask)]
            return v == SequenceMap.gone ? nil : v
        }
        return outside.isEmpty ? nil : outside[number]
    }

    /// Unmaps flow `number`; returns its value (nil when it was not mapped).
    mutating func remove(_ number: UInt64) -> UInt64? {
        if number >= base {
            guard number < next else { return nil }
            let i = Int(truncatingIfNeeded: number & mask)
            let v = ring[i]
            guard v != SequenceMap.gone else { return nil }
            ring[i] = SequenceMap.gone
            count &-= 1
            if number == base { skipGone() }
            return v
        }
        guard !outside.isEmpty, let v = outside.removeValue(forKey: number) else { return nil }
        count &-= 1
        return v
    }

    /// Moves `base` over free slots, up to `next`.
    private mutating func skipGone() {
        while base < next && ring[Int(truncatingIfNeeded: base & mask)] == SequenceMap.gone { base &+= 1 }
    }

    /// Doubles the ring, keeping each number's value (slots move: the mask changes).
    private mutating func grow() {
        var larger = [UInt64](repeating: SequenceMap.gone, count: ring.count * 2)
        let newMask = UInt64(larger.count - 1)
        var n = base
        while n < next {
            larger[Int(truncatingIfNeeded: n & newMask)] = ring[Int(truncatingIfNeeded: n & mask)]
            n &+= 1
        }
        ring = larger
    }
}
