/// A bounded flow table: key -> slot, records stored in one array, an
/// intrusive least-recently-used list for oldest-idle eviction.
///
/// Invariant: `index[key] == slot` iff `slots[slot].key == key` and the slot
/// is live; `count <= capacity`. Growth happens only while the table fills
/// up to `capacity`; after that slots are reused.
public struct FlowTable<Record> {
    @frozen public struct Slot {
        public var key: FlowKey
        public var record: Record
        public var lastTime: Int64
        /// Bumped each time the slot is reused, so queued references can tell.
        public var generation: UInt32
        @usableFromInline var previous: Int32
        @usableFromInline var next: Int32
        @usableFromInline var live: Bool

        @inlinable
        init(key: FlowKey, record: Record, lastTime: Int64, generation: UInt32, previous: Int32, next: Int32, live: Bool) {
            self.key = key
            self.record = record
            self.lastTime = lastTime
            self.generation = generation
            self.previous = previous
            self.next = next
            self.live = live
        }
    }

    public let capacity: Int
    public var slots: [Slot] = []
    @usableFromInline var index: [FlowKey: Int32]
    @usableFromInline var free: [Int32] = []
    /// Most recently used slot, and least recently used.
    @usableFromInline var head: Int32 = -1
    @usableFromInline var tail: Int32 = -1
    public var count = 0

    public init(capacity: Int) {
        self.capacity = max(1, capacity)
        index = Dictionary(minimumCapacity: min(self.capacity, 1 << 16))
        // The whole slot array is reserved once: no doubling copy while the
        // table fills (which used to double peak memory), and untouched pages
        // of the reservation are never resident.
        slots.reserveCapacity(self.capacity)
    }

    @inlinable
    public func find(_ key: FlowKey) -> Int? {
        guard let slot = index[key] else { return nil }
        return Int(slot)
    }

    @inlinable
    public subscript(slot: Int) -> Record {
        // Yielded, never copied: a copy of a flow's state on every field read
        // was the single largest per-packet cost (retain/release of its arrays).
        _read { yield slots[slot].record }
        _modify { yield &slots[slot].record }
    }

    @inlinable
    public func key(at slot: Int) -> FlowKey { slots[slot].key }
    @inlinable
    public func generation(at slot: Int) -> UInt32 { slots[slot].generation }
    @inlinable
    public func isLive(_ slot: Int) -> Bool { slot >= 0 && slot < slots.count && slots[slot].live }
    @inlinable
    public func lastTime(at slot: Int) -> Int64 { slots[slot].lastTime }

    /// The least recently used live slot, if any.
    @inlinable
    public var oldest: Int? { tail >= 0 ? Int(tail) : nil }

    /// Marks `slot` used at `time` (moves it to the front of the LRU list).
    @inlinable
    public mutating func touch(_ slot: Int, at time: Int64) {
        slots[slot].lastTime = time
        let s = Int32(truncatingIfNeeded: slot)
        guard head != s else { return }
        unlink(s)
        pushFront(s)
    }

    /// Inserts a new record. The caller must have made room (count < capacity).
    @inlinable
    public mutating func insert(_ key: FlowKey, _ record: Record, at time: Int64) -> Int {
        let s: Int32
        if let reused = free.popLast() {
            s = reused
            slots[Int(s)].key = key
            slots[Int(s)].record = record
            slots[Int(s)].lastTime = time
            slots[Int(s)].generation &+= 1
            slots[Int(s)].live = true
        } else {
            s = Int32(truncatingIfNeeded: slots.count)
            slots.append(Slot(key: key, record: record, lastTime: time, generation: 0, previous: -1, next: -1, live: true))
        }
        index[key] = s
        pushFront(s)
        count += 1
        return Int(s)
    }

    /// Removes the record in `slot` and returns it.
    @discardableResult
    @inlinable
    public mutating func remove(_ slot: Int, placeholder: Record) -> Record {
        let s = Int32(truncatingIfNeeded: slot)
        unlink(s)
        index[slots[slot].key] = nil
        slots[slot].live = false
        let record = slots[slot].record
        slots[slot].record = placeholder
        free.append(s)
        count -= 1
        return record
    }

    /// Live slots, least recently used first.
    @inlinable
    public func liveSlotsOldestFirst() -> [Int] {
        var result: [Int] = []
        result.reserveCapacity(count)
        var s = tail
        while s >= 0 {
            result.append(Int(s))
            s = slots[Int(s)].previous
        }
        return result
    }

    @usableFromInline
    @inlinable
    mutating func unlink(_ s: Int32) {
        let previous = slots[Int(s)].previous
        let next = slots[Int(s)].next
        if previous >= 0 { slots[Int(previous)].next = next } else if head == s { head = next }
        if next >= 0 { slots[Int(next)].previous = previous } else if tail == s { tail = previous }
        slots[Int(s)].previous = -1
        slots[Int(s)].next = -1
    }

    @usableFromInline
    @inlinable
    mutating func pushFront(_ s: Int32) {
        slots[Int(s)].previous = -1
        slots[Int(s)].next = head
        if head >= 0 { slots[Int(head)].previous = s }
        head = s
        if tail < 0 { tail = s }
    }
}
