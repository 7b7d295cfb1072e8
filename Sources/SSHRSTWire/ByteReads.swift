// ByteReads: the only place in SSHRSTWire that indexes packet bytes.
//
// Invariant: every accessor returns nil instead of trapping when the bytes it
// needs are not all present. Bounds are written on the side that cannot
// underflow (`i <= count &- n` after `count >= n`), the swift-nio habit.

extension Span where Element == UInt8 {
    /// The byte at `i`, or nil when `i` is outside the span.
    @inlinable @inline(__always)
    public func u8(at i: Int) -> UInt8? {
        guard i >= 0, i < count else { return nil }
        return self[i]
    }

    /// Big-endian 16-bit value at `i`, or nil when fewer than 2 bytes remain.
    @inlinable @inline(__always)
    public func be16(at i: Int) -> UInt16? {
        guard i >= 0, count >= 2, i <= count &- 2 else { return nil }
        return UInt16(self[i]) &<< 8 | UInt16(self[i &+ 1])
    }

    /// Big-endian 32-bit value at `i`, or nil when fewer than 4 bytes remain.
    @inlinable @inline(__always)
    public func be32(at i: Int) -> UInt32? {
        guard i >= 0, count >= 4, i <= count &- 4 else { return nil }
        return UInt32(self[i]) &<< 24 | UInt32(self[i &+ 1]) &<< 16
            | UInt32(self[i &+ 2]) &<< 8 | UInt32(self[i &+ 3])
    }

    /// Little-endian 32-bit value at `i` (BSD loopback family), or nil.
    @inlinable @inline(__always)
    public func le32(at i: Int) -> UInt32? {
        guard i >= 0, count >= 4, i <= count &- 4 else { return nil }
        return UInt32(self[i]) | UInt32(self[i &+ 1]) &<< 8
            | UInt32(self[i &+ 2]) &<< 16 | UInt32(self[i &+ 3]) &<< 24
    }

    /// Big-endian 64-bit value at `i`, or nil.
    @inlinable @inline(__always)
    public func be64(at i: Int) -> UInt64? {
        guard let hi = be32(at: i), let lo = be32(at: i &+ 4) else { return nil }
        return UInt64(hi) &<< 32 | UInt64(lo)
    }

    /// True when `range` lies inside the span.
    @inlinable @inline(__always)
    public func contains(_ range: Range<Int>) -> Bool {
        range.lowerBound >= 0 && range.upperBound <= count
    }

}
