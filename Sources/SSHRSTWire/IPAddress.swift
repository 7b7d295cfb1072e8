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

    /// Writes the address as `description` spells it to any ASCII output: a stack buffer for
    /// `description`, or a record's bytes directly (no String made per address). The text is packed into
    /// words and written eight bytes at a time (`ASCIIOutput.append(packed:count:)`): a dotted quad in two
    /// words held in registers (`writeDottedQuad`), an IPv6 text in `PackedText`. A byte at a time, with
    /// divisions per octet and a nibble loop per group, it cost ~230 instructions an IPv4 address and
    /// ~1,600 an IPv6 one; the dotted quad through `PackedText` (an inline array in memory) or through a
    /// two-word buffer passed `inout` cost 1-2% more on a SYN flood than in registers.
    @inlinable
    public func write<Output: ASCIIOutput & ~Copyable>(to out: inout Output) {
        if !isIPv6 { return IPAddress.writeDottedQuad(UInt32(truncatingIfNeeded: low), to: &out) }
        // RFC 5952 §5: IPv4-mapped addresses keep the dotted tail.
        if high == 0 && (low >> 32) == 0xffff {
            out.append(packed: 0x3a_6666_6666_3a3a, count: 7)  // "::ffff:"
            return IPAddress.writeDottedQuad(UInt32(truncatingIfNeeded: low), to: &out)
        }
        var text = PackedText()
        // RFC 5952 §4.2: shorten the longest run of two or more zero groups (first if tied).
        var zeros = 0  // bit i: group i is zero
        for i in 0..<8 where group(i) == 0 { zeros |= 1 &<< i }
        var bestStart = -1
        var bestLength = 0
        var index = 0
        while index < 8 {
            if zeros & (1 &<< index) != 0 {
                var end = index
                while end < 8 && zeros & (1 &<< end) != 0 { end &+= 1 }
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
                text.put(0x3a3a, count: 2)
                colonDue = false
                i &+= bestLength
                continue
            }
            if colonDue { text.put(0x3a, count: 1) }
            let (digits, count) = IPAddress.hexText(group(i))
            text.put(UInt64(digits), count: count)
            colonDue = true
            i &+= 1
        }
        text.write(to: &out)
    }

    /// IPv6 group `i` (0...7), most significant first.
    @inlinable
    func group(_ i: Int) -> UInt16 {
        let word = i < 4 ? high : low
        return UInt16(truncatingIfNeeded: word >> UInt64(48 &- 16 &* (i & 3)))
    }

    /// A group's lower-case hex digits without leading zeros (one at least), first in the low byte, and how
    /// many: the four nibbles spread one per byte, made ASCII together ('0' added to each, 39 more to those
    /// above 9).
    @inlinable @inline(__always)
    static func hexText(_ g: UInt16) -> (UInt32, Int) {
        let v = UInt32(g)
        let nibbles = (v >> 12) | (v >> 8 & 0xf) << 8 | (v >> 4 & 0xf) << 16 | (v & 0xf) << 24
        let above9 = ((nibbles &+ 0x7676_7676) & 0x8080_8080) >> 7
        let ascii = nibbles &+ 0x3030_3030 &+ above9 &* 0x27
        let count = Swift.max(1, (16 &- g.leadingZeroBitCount &+ 3) >> 2)
        return (ascii >> UInt32(8 &* (4 &- count)), count)
    }

    /// The dotted quad (7 to 15 bytes) assembled in two words held in registers, written as two runs.
    @inlinable
    static func writeDottedQuad<Output: ASCIIOutput & ~Copyable>(_ v: UInt32, to out: inout Output) {
        var first: UInt64 = 0
        var second: UInt64 = 0
        var count = 0
        var shift: UInt32 = 24
        while true {
            // An octet's digits in the low bytes and their count in the top byte; a dot after all but the last.
            let entry = IPAddress.octetTexts[Int(truncatingIfNeeded: UInt8(truncatingIfNeeded: v >> shift))]
            var length = Int(truncatingIfNeeded: entry >> 24)
            var word = UInt64(entry & 0xff_ffff)
            if shift != 0 {
                word |= 0x2e &<< UInt64(8 &* length)
                length &+= 1
            }
            if count < 8 {
                first |= word &<< UInt64(8 &* count)
                if count &+ length > 8 { second |= word &>> UInt64(64 &- 8 &* count) }
            } else {
                second |= word &<< UInt64(8 &* (count &- 8))
            }
            count &+= length
            if shift == 0 { break }
            shift &-= 8
        }
        out.append(packed: first, count: Swift.min(count, 8))
        if count > 8 { out.append(packed: second, count: count &- 8) }
    }

    /// Each octet's digits, first in the low byte, with their count in the top byte: looked up, they cost
    /// a quarter of the divisions that made them.
    @usableFromInline
    static let octetTexts: [UInt32] = (0..<256).map { (o: UInt32) -> UInt32 in
        if o >= 100 { return 3 << 24 | (0x30 + o / 100) | (0x30 + o / 10 % 10) << 8 | (0x30 + o % 10) << 16 }
        if o >= 10 { return 2 << 24 | (0x30 + o / 10) | (0x30 + o % 10) << 8 }
        return 1 << 24 | (0x30 + o)
    }
}

/// Up to 48 bytes of ASCII text assembled in words (first byte in the low bits of the first word), put a few
/// bytes at a time and written as packed runs: the address writer's buffer. Bytes past 48 are dropped.
public struct PackedText {
    @usableFromInline var words = InlineArray<6, UInt64>(repeating: 0)
    @usableFromInline var count = 0

    @inlinable
    public init() {}

    /// The first `n` (1...8) bytes of `word`, whose other bytes are zero.
    @inlinable @inline(__always)
    public mutating func put(_ word: UInt64, count n: Int) {
        let index = count &>> 3
        guard index < 6 else { return }
        let offset = count & 7
        words[index] |= word &<< UInt64(8 &* offset)
        if offset &+ n > 8 && index < 5 { words[index &+ 1] |= word &>> UInt64(64 &- 8 &* offset) }
        count = Swift.min(count &+ n, 48)
    }

    @inlinable
    public func write<Output: ASCIIOutput & ~Copyable>(to out: inout Output) {
        var index = 0
        var left = count
        while left > 0 {
            out.append(packed: words[index], count: Swift.min(left, 8))
            left &-= 8
            index &+= 1
        }
    }
}

/// Where ASCII text is written, a byte or a packed word at a time: `ASCIIText` on the stack, or a record's
/// byte sink (which stores a packed word at once).
public protocol ASCIIOutput: ~Copyable {
    mutating func append(_ byte: UInt8)
    /// The first `count` (at most 8) bytes of `word`, the first in its low bits.
    mutating func append(packed word: UInt64, count: Int)
}

extension ASCIIOutput where Self: ~Copyable {
    @inlinable
    public mutating func append(packed word: UInt64, count: Int) {
        var i = 0
        while i < Swift.min(count, 8) {
            append(UInt8(truncatingIfNeeded: word &>> UInt64(8 &* i)))
            i &+= 1
        }
    }
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
