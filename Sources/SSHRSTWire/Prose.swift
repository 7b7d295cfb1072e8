import SSHRSTBytes

/// Human text (evidence details, explanations, diagnosis summaries) built by appending UTF-8 bytes to one
/// buffer. Written like a `String` interpolation — `Prose("TTL \(ttl) like the \(n) earlier packets")` — and
/// gives the same text, but each piece is a byte copy: a `String` interpolation cost ~450 instructions per
/// piece (capacity checks, growth, small-string handling), which made an RST's explanation ~20,000.
///
/// Integers are written in decimal exactly as `"\(i)"` writes them; `String`s and other `Prose` are copied;
/// any other value is written as `String(describing:)` writes it, as a `String` interpolation does.
public struct Prose: ExpressibleByStringInterpolation, CustomStringConvertible, Sendable, Equatable {
    public var utf8: [UInt8]

    public init() { utf8 = [] }

    /// An empty text with room for `capacity` bytes: one allocation for a text built piece by piece.
    public init(capacity: Int) {
        utf8 = []
        utf8.reserveCapacity(capacity)
    }

    public init(_ s: String) {
        utf8 = []
        StaticText.append(string: s, to: &utf8)
    }

    public init(stringLiteral s: StaticString) {
        utf8 = []
        StaticText.append(s, to: &utf8)
    }

    public init(stringInterpolation p: StringInterpolation) { utf8 = p.utf8 }

    /// The text as a `String` (one copy).
    public var string: String { String(decoding: utf8, as: UTF8.self) }

    /// The text (so a `Prose` inside a `String` interpolation writes its text).
    public var description: String { string }

    public var isEmpty: Bool { utf8.isEmpty }

    public mutating func append(string s: String) { StaticText.append(string: s, to: &utf8) }

    /// Constant text (a name), copied from the program's bytes.
    public mutating func append(_ s: StaticString) { StaticText.append(s, to: &utf8) }
    /// Short text made on the stack (a number from `Fmt`): its bytes, with no `Prose` built between (an
    /// interpolation `out.append(", \(Fmt.score(w))")` builds one, an allocation).
    public mutating func append(_ t: ASCIIText) { Prose.append(t, to: &utf8) }
    /// An integer in decimal, as `"\(i)"` writes it (no `Prose` built between).
    public mutating func append<I: FixedWidthInteger>(decimal i: I) { Prose.append(integer: i, to: &utf8) }
    /// Another text (an interpolation written here: `out.append("TTL \(ttl)")`). Disfavoured so that a
    /// plain literal is copied as constant text, not built into a `Prose` first.
    @_disfavoredOverload
    public mutating func append(_ p: Prose) { utf8.append(contentsOf: p.utf8) }

    public static func + (a: Prose, b: Prose) -> Prose {
        var out = a
        out.append(b)
        return out
    }

    public static func += (a: inout Prose, b: Prose) { a.append(b) }

    /// The pieces joined with `separator` between them.
    public static func joined(_ pieces: [Prose], separator: String) -> Prose {
        var out = Prose()
        for (i, p) in pieces.enumerated() {
            if i > 0 { out.append(string: separator) }
            out.append(p)
        }
        return out
    }

    public struct StringInterpolation: StringInterpolationProtocol {
        public var utf8: [UInt8]

        /// Room for the literal pieces, 24 bytes a value and 64 more: an evidence detail interpolates numbers
        /// and a phrase or two of 40-70 bytes (a TTL baseline, an IP ID history), and with 16 bytes a value most
        /// grew once, a second allocation.
        public init(literalCapacity: Int, interpolationCount: Int) {
            utf8 = []
            utf8.reserveCapacity(literalCapacity &+ interpolationCount &* 24 &+ 64)
        }

        /// The literal pieces: a copy of the program's constant bytes.
        public mutating func appendLiteral(_ s: StaticString) { StaticText.append(s, to: &utf8) }

        public mutating func appendInterpolation(_ s: String) { StaticText.append(string: s, to: &utf8) }

        /// Constant text that is not a literal here (a name).
        public mutating func appendInterpolation(_ s: StaticString) { StaticText.append(s, to: &utf8) }

        public mutating func appendInterpolation(_ p: Prose) { utf8.append(contentsOf: p.utf8) }

        /// Short text made on the stack (numbers from `Fmt`, addresses): its bytes, no `String` between.
        public mutating func appendInterpolation(_ t: ASCIIText) { Prose.append(t, to: &utf8) }

        public mutating func appendInterpolation<I: FixedWidthInteger>(_ i: I) { Prose.append(integer: i, to: &utf8) }

        public mutating func appendInterpolation<T>(_ value: T) {
            StaticText.append(string: String(describing: value), to: &utf8)
        }
    }

    /// `i` in decimal, as `"\(i)"` writes it.
    static func append<I: FixedWidthInteger>(integer i: I, to out: inout [UInt8]) {
        // Every integer type sshrst writes is at most 64 bits wide.
        guard I.bitWidth <= 64 else { return out.append(contentsOf: String(describing: i).utf8) }
        if i < 0 { out.append(UInt8(ascii: "-")) }
        appendDecimal(UInt64(i.magnitude), to: &out)
    }

    /// Most numbers in prose are small (TTLs, hop and packet counts): below 1,000 their digits are appended
    /// one by one (~30 instructions); larger ones through stack text (~170).
    static func appendDecimal(_ v: UInt64, to out: inout [UInt8]) {
        if v < 10 {
            out.append(0x30 &+ UInt8(truncatingIfNeeded: v))
            return
        }
        if v < 100 {
            out.append(0x30 &+ UInt8(truncatingIfNeeded: v / 10))
            out.append(0x30 &+ UInt8(truncatingIfNeeded: v % 10))
            return
        }
        if v < 1000 {
            out.append(0x30 &+ UInt8(truncatingIfNeeded: v / 100))
            out.append(0x30 &+ UInt8(truncatingIfNeeded: v / 10 % 10))
            out.append(0x30 &+ UInt8(truncatingIfNeeded: v % 10))
            return
        }
        var text = ASCIIText()
        text.appendDecimal(v)
        append(text, to: &out)
    }

    @inline(__always)
    static func append(_ t: ASCIIText, to out: inout [UInt8]) {
        ByteCopy.append(t.bytes.span.extracting(0..<t.count), to: &out)
    }
}
