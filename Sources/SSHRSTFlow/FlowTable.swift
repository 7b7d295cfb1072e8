/// A bounded flow table: key -> slot, records stored in one array, an
/// intrusive least-recently-used list for oldest-idle eviction.
///
/// The LRU links and keys live in `meta`, a separate array of plain values,
/// so walking or touching the list never copies a record (records hold
/// references; copying one costs retains).
///
/// Invariant: `index.find(key) == slot` iff `meta[slot].key == key` and the slot
/// is live; `count <= capacity`. Both arrays are reserved once at full
/// capacity; after that slots are reused.
public struct FlowTable<Record> {
    @frozen
    public struct SlotMeta {
        public var key: FlowKey
        public var lastTime: Int64
        /// Bumped each time the slot is reused, so queued references can tell.
        public var generation: UInt32
        @usableFromInline var previous: Int32
        @usableFromInline var next: Int32
        @usableFromInline var live: Bool

        @inlinable
        init(key: FlowKey, lastTime: Int64, generation: UInt32, previous: Int32, next: Int32, live: Bool) {
            self.key = key
            self.lastTime = lastTime
            self.generation = generation
            self.previous = previous
            self.next = next
            self.live = live
        }
    }

    public let capacity: Int
    public var meta: [SlotMeta] = []
    /// The records, indexed by slot; read and modify them in place (`table.records[slot].field`).
    public var records: [Record] = []
    @usableFromInline var index: FlowIndex
    @usableFromInline var free: [Int32] = []
    /// Most recently used slot, and least recently used.
    @usableFromInline var head: Int32 = -1
    @usableFromInline var tail: Int32 = -1
    public var count = 0

    public init(capacity: Int) {
        self.capacity = max(1, capacity)
        var generator = SystemRandomNumberGenerator()
        index = FlowIndex(seed: generator.next())
        // Reserved once: no doubling copy while the table fills, and untouched
        // pages of the reservation are never resident.
        meta.reserveCapacity(self.capacity)
        records.reserveCapacity(self.capacity)
    }

    @inlinable
    public func find(_ key: FlowKey) -> Int? {
        guard let slot = index.find(key, in: meta) else { return nil }
        return Int(slot)
    }

    @inlinable
    public subscript(slot: Int) -> Record {
        _read { yield records[slot] }
        _modify { yield &records[slot] }
    }

    /// The record in `slot`, lent to `body` where it lies (`inout`; its callers only read it). Passed on as
    /// an argument, `records[slot]` is read through the array's getter: a copy of the whole record with a
    /// retain of everything it holds, which neither a borrowing parameter nor a span avoided; the array's
    /// in-place access is its `_modify`.
    @inlinable
    public mutating func withRecord<Result, Failure: Error>(_ slot: Int, _ body: (inout Record) throws(Failure) -> Result) throws(Failure) -> Result {
        try body(&records[slot])
    }

    @inlinable public func key(at slot: Int) -> FlowKey { meta[slot].key }
    @inlinable public func generation(at slot: Int) -> UInt32 { meta[slot].generation }
    @inlinable public func isLive(_ slot: Int) -> Bool { slot >= 0 && slot < meta.count && meta[slot].live }
    @inlinable public func lastTime(at slot: Int) -> Int64 { meta[slot].lastTime }

    /// The least recently used live slot, if any.
    @inlinable
    public var oldest: Int? { tail >= 0 ? Int(tail) : nil }

    /// Marks `slot` used at `time` (moves it to the front of the LRU list). One exclusive access to the
    /// slot array for the whole move (element-wise array writes each re-checked uniqueness).
    @inlinable
    public mutating func touch(_ slot: Int, at time: Int64) {
        let s = Int32(truncatingIfNeeded: slot)
        let oldHead = head
        var newTail = tail
        do {
            var m = meta.mutableSpan
            m[slot].lastTime = time
            guard oldHead != s else { return }
            let previous = m[slot].previous
            let next = m[slot].next
            if previous >= 0 { m[Int(previous)].next = next }
            if next >= 0 { m[Int(next)].previous = previous } else if newTail == s { newTail = previous }
            m[slot].previous = -1
            m[slot].next = oldHead
            if oldHead >= 0 { m[Int(oldHead)].previous = s }
        }
        head = s
        tail = newTail < 0 ? s : newTail
    }

    /// Inserts a new record (moved in, not copied). The caller must have made room (count < capacity).
    @inlinable
    public mutating func insert(_ key: FlowKey, _ record: consuming Record, at time: Int64) -> Int {
        let s: Int32
        if let reused = free.popLast() {
            s = reused
            let generation = meta[Int(s)].generation &+ 1
            meta[Int(s)] = SlotMeta(key: key, lastTime: time, generation: generation, previous: -1, next: -1, live: true)
            records[Int(s)] = record
        } else {
            s = Int32(truncatingIfNeeded: meta.count)
            meta.append(SlotMeta(key: key, lastTime: time, generation: 0, previous: -1, next: -1, live: true))
            records.append(record)
        }
        index.insert(key, slot: s)
        pushFront(s)
        count += 1
        return Int(s)
    }

    /// Removes the record in `slot` from the table. The record stays where it lies, dead, until `insert` reuses
    /// the slot and destroys it there: a placeholder moved in here, then replaced, was two copies of a whole
    /// flow's state (~1 KB) per flow. A dead record keeps what it holds (its arrays) until then; the free list
    /// is last in, first out, so the next new flow takes the slot, and the table never holds more than at its
    /// fullest. A record is read where it lies before (`withRecord`: a flow's record is built from its state
    /// in the table).
    @inlinable
    public mutating func remove(_ slot: Int) {
        let s = Int32(truncatingIfNeeded: slot)
        unlink(s)
        index.remove(meta[slot].key, slot: s)
        meta[slot].live = false
        free.append(s)
        count -= 1
    }

    /// Live slots, least recently used first.
    @inlinable
    public func liveSlotsOldestFirst() -> [Int] {
        var result: [Int] = []
        result.reserveCapacity(count)
        var s = tail
        while s >= 0 {
            result.append(Int(s))
            s = meta[Int(s)].previous
        }
        return result
    }

    @inlinable
    mutating func unlink(_ s: Int32) {
        let previous = meta[Int(s)].previous
        let next = meta[Int(s)].next
        if previous >= 0 { meta[Int(previous)].next = next } else if head == s { head = next }
        if next >= 0 { meta[Int(next)].previous = previous } else if tail == s { tail = previous }
        meta[Int(s)].previous = -1
        meta[Int(s)].next = -1
    }

    @inlinable
    mutating func pushFront(_ s: Int32) {
        meta[Int(s)].previous = -1
        meta[Int(s)].next = head
        if head >= 0 { meta[Int(head)].previous = s }
        head = s
        if tail < 0 { tail = s }
    }
}
