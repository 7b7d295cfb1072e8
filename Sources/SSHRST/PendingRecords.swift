/// The records waiting in the reorder buffer, by sequence number. Sequence numbers are dense (one per flow,
/// given in first-packet order) and the waiting ones lie in a window just above the next one due, so a ring
/// indexed by sequence number holds them: no hashing, no probing, and the next record due is one load. The
/// flood's profile had the hash table's lookups at 12% of the run (five per record: add, spill, emit).
///
/// The ring covers `[base, base + capacity)`; `base` follows the next record due (`advance(to:)`) but stops at
/// a record still waiting. Keys outside it are kept in `outside`: a key below `base` (a flow that finished
/// after order gave way past it) or one too far above (the ring grows to `maximumCapacity` slots at most).
/// Keys of `outside` that come inside the ring when it moves or grows are moved into it.
struct PendingRecords {
    typealias Entry = ReorderBuffer.Pending
    private(set) var slots: [Entry?] = Array(repeating: nil, count: 1024)
    private(set) var base: UInt64 = 0
    private(set) var outside: [UInt64: Entry] = [:]
    /// Entries in `slots`.
    private(set) var inRing = 0
    static let maximumCapacity = 1 << 20

    var count: Int { inRing + outside.count }
    var isEmpty: Bool { count == 0 }
    private var mask: UInt64 { UInt64(slots.count - 1) }

    private func inside(_ key: UInt64) -> Bool { key >= base && key - base < UInt64(slots.count) }

    subscript(key: UInt64) -> Entry? {
        get {
            if inside(key) { return slots[Int(truncatingIfNeeded: key & mask)] }
            return outside.isEmpty ? nil : outside[key]
        }
        set {
            if !inside(key), newValue != nil, key >= base { grow(toHold: key) }
            guard inside(key) else {
                outside[key] = newValue
                return
            }
            let i = Int(truncatingIfNeeded: key & mask)
            if slots[i] == nil { if newValue != nil { inRing &+= 1 } } else if newValue == nil { inRing &-= 1 }
            slots[i] = newValue
        }
    }

    mutating func removeValue(forKey key: UInt64) -> Entry? {
        let old = self[key]
        if old != nil { self[key] = nil }
        return old
    }

    /// The smallest key waiting: a scan of the ring from `base` (used only when order gives way).
    func min() -> UInt64? {
        var best = outside.keys.min()
        if inRing > 0 {
            var key = base
            while slots[Int(truncatingIfNeeded: key & mask)] == nil { key &+= 1 }
            if best.map({ key < $0 }) ?? true { best = key }
        }
        return best
    }

    /// Every key and entry, in no particular order.
    func forEach(_ body: (UInt64, Entry) -> Void) {
        forEachInRing(body)
        for (key, entry) in outside { body(key, entry) }
    }

    /// Moves `base` up towards `next` (the next record due) over empty slots.
    mutating func advance(to next: UInt64) {
        guard next > base else { return }
        if inRing == 0 {
            base = next
        } else {
            while base < next && slots[Int(truncatingIfNeeded: base & mask)] == nil { base &+= 1 }
        }
        if !outside.isEmpty { moveInside() }
    }

    /// Doubles the ring until it reaches `key` (up to `maximumCapacity` slots).
    private mutating func grow(toHold key: UInt64) {
        var capacity = slots.count
        while key - base >= UInt64(capacity) && capacity < PendingRecords.maximumCapacity { capacity *= 2 }
        guard capacity > slots.count else { return }
        var fresh = [Entry?](repeating: nil, count: capacity)
        let newMask = UInt64(capacity - 1)
        forEachInRing { key, entry in fresh[Int(truncatingIfNeeded: key & newMask)] = entry }
        slots = fresh
        if !outside.isEmpty { moveInside() }
    }

    private func forEachInRing(_ body: (UInt64, Entry) -> Void) {
        for (i, entry) in slots.enumerated() {
            guard let entry else { continue }
            // The slot's key: the one in [base, base + capacity) congruent to i.
            body(base &+ ((UInt64(i) &- base) & mask), entry)
        }
    }

    private mutating func moveInside() {
        for (key, entry) in outside where inside(key) {
            outside[key] = nil
            slots[Int(truncatingIfNeeded: key & mask)] = entry
            inRing &+= 1
        }
    }
}
