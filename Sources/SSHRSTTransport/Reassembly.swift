// In-order delivery of one direction's TCP payload, with a small bounded reorder window.
//
// Invariant: `ring.count` is 0 (nothing held yet) or exactly `TransportLimits.reorderWindowBytes`,
// and every held range lies in `next ..< next + reorderWindowBytes` (modulo 2^32), so the byte at
// sequence number `s` lives at `ring[s & mask]` without collisions.

/// Signed distance `a - b` between two TCP sequence numbers, modulo 2^32 (RFC 9293 §3.4 comparison).
@inline(__always)
func seqDistance(_ a: UInt32, _ b: UInt32) -> Int {
    Int(Int32(bitPattern: a &- b))
}

/// What to do with one segment.
enum SegmentAction: Equatable {
    /// Deliver `payload[skip...]` now (the first `skip` bytes were already delivered).
    case deliver(skip: Int)
    /// Already delivered entirely (retransmission) or empty.
    case drop
    /// Stored in the reorder window, waiting for the hole before it.
    case held
    /// Cannot be held: the hole before it will never be filled from what we keep.
    case overflow
}

struct StreamReassembler: Sendable {
    /// Next expected sequence number; nil until set by the SYN or by the first segment.
    private(set) var next: UInt32?
    private var ring: [UInt8] = []
    /// Held ranges [start, end) in sequence space, disjoint, unordered (at most `maxHeldSegments`).
    private var held: [(start: UInt32, end: UInt32)] = []

    var hasHeldData: Bool { !held.isEmpty }

    mutating func setStart(_ sequence: UInt32) {
        if next == nil { next = sequence }
    }

    /// Classifies a segment and, when it is out of order and fits, stores it.
    mutating func accept(sequence: UInt32, payload: Span<UInt8>) -> SegmentAction {
        let length = payload.count
        guard length > 0 else { return .drop }
        guard let expected = next else {
            next = sequence
            return .deliver(skip: 0)
        }
        let offset = seqDistance(sequence, expected)
        if offset <= 0 {
            // `offset` is in Int32 range, so the negation cannot overflow.
            let skip = 0 &- offset
            return skip >= length ? .drop : .deliver(skip: skip)
        }
        // Out of order: keep it if it fits the window. `offset` > 0 and <= Int32.max, length <= Int.max / 2.
        let window = TransportLimits.reorderWindowBytes
        guard length <= window, offset <= window &- length else { return .overflow }
        let end = sequence &+ UInt32(truncatingIfNeeded: length)
        if !insertHeld(start: sequence, end: end, relativeTo: expected) { return .overflow }
        if ring.count != window { ring = [UInt8](repeating: 0, count: window) }
        let mask = UInt32(truncatingIfNeeded: window &- 1)
        for i in 0..<length {
            guard let b = payload.u8(at: i) else { break }
            let index = Int((sequence &+ UInt32(truncatingIfNeeded: i)) & mask)
            if index < ring.count { ring[index] = b }
        }
        return .held
    }

    /// Records that `count` bytes starting at `next` were delivered.
    mutating func advance(by count: Int) {
        guard let n = next, count > 0 else { return }
        next = n &+ UInt32(truncatingIfNeeded: count)
    }

    /// The next held range that now starts at or before `next`, removed from the held set, as a
    /// byte range of `ring` split in at most two pieces (the ring wraps). Nil when nothing is ready.
    mutating func takeReady() -> (first: Range<Int>, second: Range<Int>)? {
        guard let n = next else { return nil }
        var i = 0
        while i < held.count {
            let r = held[i]
            if seqDistance(r.start, n) <= 0 {
                held.remove(at: i)
                let remaining = seqDistance(r.end, n)
                guard remaining > 0 else { continue }   // entirely delivered already
                let window = TransportLimits.reorderWindowBytes
                let mask = UInt32(truncatingIfNeeded: window &- 1)
                let from = Int(n & mask)
                // remaining <= window (held ranges lie within the window after `next`).
                let length = Swift.min(remaining, window)
                let firstLength = Swift.min(length, window &- from)
                return (from..<(from &+ firstLength), 0..<(length &- firstLength))
            }
            i &+= 1
        }
        return nil
    }

    /// Moves the ring out (O(1), no copy) so its bytes can be fed while the session is mutated;
    /// give it back with `restoreRing`.
    mutating func takeRing() -> [UInt8] {
        let r = ring
        ring = []
        return r
    }

    mutating func restoreRing(_ r: [UInt8]) {
        ring = r
    }

    /// Count-only mode (after NEWKEYS): returns how many new bytes this segment adds past the highest seen.
    mutating func countOnly(sequence: UInt32, length: Int) -> Int {
        StreamReassembler.countOnly(next: &next, sequence: sequence, length: length)
    }

    /// The next expected sequence number (nil before any byte or start was known).
    var nextSequence: UInt32? { next }

    /// `countOnly` over a bare next-sequence value (also used by the session's inline counters).
    static func countOnly(next: inout UInt32?, sequence: UInt32, length: Int) -> Int {
        guard length > 0 else { return 0 }
        let end = sequence &+ UInt32(truncatingIfNeeded: length)
        guard let n = next else {
            next = end
            return length
        }
        let added = seqDistance(end, n)
        guard added > 0 else { return 0 }
        next = end
        // A hole before the segment counts as sent bytes (lost in the capture) when it is plausible:
        // within the reorder window. Beyond it, only the segment's own bytes are counted.
        return added <= TransportLimits.reorderWindowBytes ? added : length
    }

    /// Switches to count-only mode: drops held data, moves `next` past it, and returns the bytes skipped over.
    mutating func dropHeld() -> Int {
        guard let n = next else {
            held.removeAll()
            return 0
        }
        var furthest = n
        for r in held where seqDistance(r.end, furthest) > 0 { furthest = r.end }
        held.removeAll()
        ring = []
        next = furthest
        return seqDistance(furthest, n)
    }

    private mutating func insertHeld(start: UInt32, end: UInt32, relativeTo base: UInt32) -> Bool {
        var s = start
        var e = end
        // Merge every overlapping or adjacent range into [s, e).
        var i = 0
        while i < held.count {
            let r = held[i]
            if seqDistance(r.start, e) <= 0 && seqDistance(s, r.end) <= 0 {
                if seqDistance(r.start, s) < 0 { s = r.start }
                if seqDistance(r.end, e) > 0 { e = r.end }
                held.remove(at: i)
            } else {
                i &+= 1
            }
        }
        guard held.count < TransportLimits.maxHeldSegments else { return false }
        if held.capacity == 0 { held.reserveCapacity(TransportLimits.maxHeldSegments) }
        held.append((s, e))
        _ = base
        return true
    }
}
