/// A flow's Zeek-style uid ("C" and 12 base62 digits), held inline: up to 15 ASCII bytes packed big-endian
/// into two words, the length in the last byte. Made for every record and kept in every digest, it is
/// written into JSON as it is (no escaping: the digits need none) and made a `String` only where a pattern
/// names the flow; a `String` per record cost more to build and to quote than the hash it spells.
///
/// Ordered as its text is (byte by byte, a prefix first): the big-endian packing makes the text's order the
/// order of the two words, and the zero bytes after a short text sort it before any longer one.
public struct FlowUID: Hashable, Sendable, Comparable, PlainASCIIText, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    /// Bytes 0-7, first byte in the top bits.
    @usableFromInline var high: UInt64 = 0
    /// Bytes 8-14 in the top seven bytes, then the length.
    @usableFromInline var low: UInt64 = 0

    public static let maximumTextLength = 15

    /// The first 15 bytes of `text` (uids are 13); bytes that JSON would escape are replaced by '?'.
    public init(_ text: String) {
        for byte in text.utf8 {
            guard count < FlowUID.maximumTextLength else { break }
            append(byte < 0x20 || byte >= 0x7f || byte == 0x22 || byte == 0x5c ? 0x3f : byte)
        }
    }

    public init(stringLiteral text: String) { self.init(text) }

    /// `prefix`, then the `digits` (at most 14) least significant base62 digits of `value`, least
    /// significant first (0-9, A-Z, a-z): a Zeek-style uid, assembled in its two words (appended byte by
    /// byte, with a branch per digit for its letter, it cost twice as much).
    public init(prefix: UInt8, base62Of value: UInt64, digits: Int) {
        let n = Swift.min(Swift.max(digits, 0), 14)
        var v = value
        @inline(__always) func next() -> UInt64 {
            let d = v % 62
            v /= 62
            return d &+ 0x30 &+ (d > 9 ? 7 : 0) &+ (d > 35 ? 6 : 0)
        }
        high = UInt64(prefix) &<< 56
        var i = 1
        while i <= Swift.min(n, 7) {
            high |= next() &<< UInt64(56 &- 8 &* i)
            i &+= 1
        }
        while i <= n {
            low |= next() &<< UInt64(56 &- 8 &* (i &- 8))
            i &+= 1
        }
        low |= UInt64(n &+ 1)
    }

    public var count: Int { Int(truncatingIfNeeded: low & 0xff) }

    /// Appends one ASCII byte (ignored once 15 are held).
    @inlinable
    public mutating func append(_ byte: UInt8) {
        let n = Int(truncatingIfNeeded: low & 0xff)
        guard n < 15 else { return }
        if n < 8 {
            high |= UInt64(byte) &<< UInt64(56 &- 8 &* n)
        } else {
            low |= UInt64(byte) &<< UInt64(56 &- 8 &* (n &- 8))
        }
        low &+= 1
    }

    /// Two packed runs: the words byte-swapped put the first byte of each in its low bits (the length byte,
    /// last in `low`, is never among the `count - 8` written).
    public func write<Output: ASCIIOutput & ~Copyable>(to out: inout Output) {
        let n = count
        out.append(packed: high.byteSwapped, count: Swift.min(n, 8))
        if n > 8 { out.append(packed: low.byteSwapped, count: n &- 8) }
    }

    public var description: String {
        var text = ASCIIText()
        write(to: &text)
        return text.string
    }

    @inlinable
    public static func < (a: FlowUID, b: FlowUID) -> Bool {
        a.high != b.high ? a.high < b.high : a.low < b.low
    }
}
