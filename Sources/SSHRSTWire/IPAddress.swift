/// An IPv4 or IPv6 address held inline (no heap), hashable without allocation.
///
/// IPv4 addresses live in the low 32 bits of `low` with `high == 0` and
/// `isIPv6 == false`, so the two families never compare equal.
public struct IPAddress: Hashable, Sendable, Comparable {
    public var high: UInt64
    public var low: UInt64
    public var isIPv6: Bool

    @inlinable
    public init(v4 value: UInt32) {
        high = 0
        low = UInt64(value)
        isIPv6 = false
    }

    @inlinable
    public init(v6High: UInt64, v6Low: UInt64) {
        high = v6High
        low = v6Low
        isIPv6 = true
    }

    /// Written out (and inlinable) rather than synthesized: the flow lookup compares keys on every packet.
    @inlinable
    public static func == (a: IPAddress, b: IPAddress) -> Bool {
        a.low == b.low && a.high == b.high && a.isIPv6 == b.isIPv6
    }

    @inlinable
    public func hash(into hasher: inout Hasher) {
        hasher.combine(high)
        hasher.combine(low)
        hasher.combine(isIPv6)
    }

    @inlinable
    public static func < (a: IPAddress, b: IPAddress) -> Bool {
        if a.isIPv6 != b.isIPv6 { return !a.isIPv6 }
        if a.high != b.high { return a.high < b.high }
        return a.low < b.low
    }

    /// Dotted quad, or RFC 5952 text (lower case, longest zero run as `::`).
    public var description: String {
        // Built as bytes (string interpolation cost more than the rest of a record's addresses).
        var out: [UInt8] = []
        out.reserveCapacity(isIPv6 ? 40 : 16)
        if !isIPv6 {
            IPAddress.appendDottedQuad(UInt32(truncatingIfNeeded: low), to: &out)
            return String(decoding: out, as: UTF8.self)
        }
        // RFC 5952 §5: IPv4-mapped addresses keep the dotted tail.
        if high == 0 && (low >> 32) == 0xffff {
            out.append(contentsOf: [0x3a, 0x3a, 0x66, 0x66, 0x66, 0x66, 0x3a])  // "::ffff:"
            IPAddress.appendDottedQuad(UInt32(truncatingIfNeeded: low), to: &out)
            return String(decoding: out, as: UTF8.self)
        }
        func group(_ i: Int) -> UInt16 {
            let word = i < 4 ? high : low
            return UInt16(truncatingIfNeeded: word >> UInt64(48 &- 16 &* (i & 3)))
        }
        // RFC 5952 §4.2: shorten the longest run of two or more zero groups (first if tied).
        var bestStart = -1
        var bestLength = 0
        var index = 0
        while index < 8 {
            if group(index) == 0 {
                var end = index
                while end < 8 && group(end) == 0 { end &+= 1 }
                if end &- index > bestLength {
                    bestStart = index
                    bestLength = end &- index
                }
                index = end
            } else {
                index &+= 1
            }
        }
        if bestLength < 2 { bestStart = -1 }
        var i = 0
        while i < 8 {
            if i == bestStart {
                out.append(0x3a)
                out.append(0x3a)
                i &+= bestLength
                continue
            }
            if let last = out.last, last != 0x3a { out.append(0x3a) }
            let g = group(i)
            var started = false
            for shift in stride(from: 12, through: 0, by: -4) {
                let digit = UInt8(truncatingIfNeeded: g >> UInt16(shift)) & 0xf
                if digit != 0 || started || shift == 0 {
                    out.append(digit < 10 ? 0x30 &+ digit : 0x57 &+ digit)  // 0-9, a-f
                    started = true
                }
            }
            i &+= 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func appendDottedQuad(_ v: UInt32, to out: inout [UInt8]) {
        for shift in stride(from: 24, through: 0, by: -8) {
            let octet = UInt8(truncatingIfNeeded: v >> UInt32(shift))
            if shift != 24 { out.append(0x2e) }
            if octet >= 100 { out.append(0x30 &+ octet / 100) }
            if octet >= 10 { out.append(0x30 &+ (octet / 10) % 10) }
            out.append(0x30 &+ octet % 10)
        }
    }
}
