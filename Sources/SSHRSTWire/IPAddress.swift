/// An IPv4 or IPv6 address held inline (no heap), hashable without allocation.
///
/// IPv4 addresses live in the low 32 bits of `low` with `high == 0` and
/// `isIPv6 == false`, so the two families never compare equal.
public struct IPAddress: Hashable, Sendable, Comparable, PlainASCIIText {
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
        // Built as bytes on the stack, then one String (an array per address, and string interpolation
        // before it, cost more than the rest of a record's addresses).
        text.string
    }

    /// The text on the stack (a `Prose` interpolation copies it without a `String` between).
    public var text: ASCIIText {
        var out = ASCIIText()
        write(to: &out)
        return out
    }

    /// The longest text `write(to:)` makes: an IPv6 address with a dotted tail.
    public static let maximumTextLength = 45

    /// Writes the address as `description` spells it, byte by byte, to any ASCII output: a stack buffer
    /// for `description`, or a record's bytes directly (no String made per address).
    @inlinable
    public func write<Output: ASCIIOutput & ~Copyable>(to out: inout Output) {
        if !isIPv6 {
            IPAddress.writeDottedQuad(UInt32(truncatingIfNeeded: low), to: &out)
            return
        }
        // RFC 5952 §5: IPv4-mapped addresses keep the dotted tail.
        if high == 0 && (low >> 32) == 0xffff {
            for b in "::ffff:".utf8 { out.append(b) }
            IPAddress.writeDottedQuad(UInt32(truncatingIfNeeded: low), to: &out)
            return
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
        // A colon is due before the next group (none at the start and none right after "::").
        var colonDue = false
        while i < 8 {
            if i == bestStart {
                out.append(0x3a)
                out.append(0x3a)
                colonDue = false
                i &+= bestLength
                continue
            }
            if colonDue { out.append(0x3a) }
            let g = group(i)
            var started = false
            var shift: UInt16 = 12
            while true {
                let digit = UInt8(truncatingIfNeeded: g >> shift) & 0xf
                if digit != 0 || started || shift == 0 {
                    out.append(digit < 10 ? 0x30 &+ digit : 0x57 &+ digit)  // 0-9, a-f
                    started = true
                }
                if shift == 0 { break }
                shift &-= 4
            }
            colonDue = true
            i &+= 1
        }
    }

    /// IPv6 group `i` (0...7), most significant first.
    @inlinable
    func group(_ i: Int) -> UInt16 {
        let word = i < 4 ? high : low
        return UInt16(truncatingIfNeeded: word >> UInt64(48 &- 16 &* (i & 3)))
    }

    @inlinable
    static func writeDottedQuad<Output: ASCIIOutput & ~Copyable>(_ v: UInt32, to out: inout Output) {
        var shift: UInt32 = 24
        while true {
            let octet = UInt8(truncatingIfNeeded: v >> shift)
            if octet >= 100 { out.append(0x30 &+ octet / 100) }
            if octet >= 10 { out.append(0x30 &+ (octet / 10) % 10) }
            out.append(0x30 &+ octet % 10)
            if shift == 0 { break }
            out.append(0x2e)
            shift &-= 8
        }
    }
}

/// Where ASCII text is written a byte at a time: `ASCIIText` on the stack, or a record's byte sink.
public protocol ASCIIOutput: ~Copyable {
    mutating func append(_ byte: UInt8)
}

/// A value whose text is short ASCII with nothing JSON escapes (no quote, backslash or control
/// character), written byte by byte where it goes: an address, TCP history letters.
public protocol PlainASCIIText {
    /// The longest text `write(to:)` makes.
    static var maximumTextLength: Int { get }
    func write<Output: ASCIIOutput & ~Copyable>(to out: inout Output)
}

/// Short ASCII text (an address, a number with its sign and point) built on the stack and made a String
/// once: an array per piece, `String(x)` and concatenation cost more than the formatting itself. At most 48
/// bytes; more is dropped (an IPv6 address with a dotted tail needs 45, a 64-bit value with decimals 28).
public struct ASCIIText: ASCIIOutput, CustomStringConvertible, Sendable {
    var bytes = InlineArray<48, UInt8>(repeating: 0)
    public private(set) var count = 0

    public init() {}

    public mutating func append(_ b: UInt8) {
        guard count < 48 else { return }
        bytes[count] = b
        count &+= 1
    }

    /// The text (a `String` interpolation writes it).
    public var description: String { string }

    /// `v` in decimal, left-padded with zeros to `minimumDigits` (at most 20).
    public mutating func appendDecimal(_ v: UInt64, minimumDigits: Int = 1) {
        var digits = InlineArray<20, UInt8>(repeating: 0)
        var n = 0
        var x = v
        repeat {
            digits[n] = 0x30 &+ UInt8(truncatingIfNeeded: x % 10)
            x /= 10
            n &+= 1
        } while x > 0 && n < 20
        while n < min(minimumDigits, 20) {
            digits[n] = 0x30
            n &+= 1
        }
        while n > 0 {
            n &-= 1
            append(digits[n])
        }
    }

    /// The text. Only ASCII may be appended (every caller writes digits, letters and punctuation), so
    /// validation cannot fail; were it to, the text would be empty rather than wrong.
    public var string: String {
        guard let text = try? UTF8Span(validating: bytes.span.extracting(0..<count)) else { return "" }
        return String(copying: text)
    }
}
