import SSHRSTWire

// Wrap-aware arithmetic on values taken from the wire. Nothing here can trap on any input.

/// Sequence-space helpers (RFC 9293 §3.4: sequence numbers are compared modulo 2^32).
public enum SeqMath {
    /// Signed distance from `a` to `b` in sequence space, i.e. `b - a` read as a 32-bit two's-complement value.
    /// Positive means `b` is "after" `a` by less than 2^31.
    ///
    /// `&-` is intended: subtraction modulo 2^32 is exactly sequence-space distance; `Int32(bitPattern:)` never traps.
    public static func distance(from a: UInt32, to b: UInt32) -> Int32 {
        Int32(bitPattern: b &- a)
    }

    /// `b` is strictly after `a` in sequence space.
    public static func isAfter(_ b: UInt32, _ a: UInt32) -> Bool { distance(from: a, to: b) > 0 }

    /// Forward IP ID step from `a` to `b`, modulo 2^16 (`&-` wraps by design: IP IDs are a 16-bit counter).
    public static func ipIDStep(from a: UInt16, to b: UInt16) -> UInt16 { b &- a }

    /// Symmetric IP ID difference: the smaller of the forward and backward steps (0...32768).
    public static func ipIDGap(_ a: UInt16, _ b: UInt16) -> UInt16 {
        let forward = b &- a  // modulo 2^16 by design
        let backward = a &- b  // modulo 2^16 by design
        return min(forward, backward)
    }
}

/// Saturating helpers for nanosecond quantities that came from capture timestamps (which may be garbage).
enum Sat {
    static func sub(_ a: Int64, _ b: Int64) -> Int64 {
        let (v, o) = a.subtractingReportingOverflow(b)
        if o { return b > 0 ? Int64.min : Int64.max }
        return v
    }
    static func add(_ a: Int64, _ b: Int64) -> Int64 {
        let (v, o) = a.addingReportingOverflow(b)
        if o { return b > 0 ? Int64.max : Int64.min }
        return v
    }
    /// |a - b|, saturating.
    static func absDiff(_ a: Int64, _ b: Int64) -> Int64 {
        let d = sub(a, b)
        if d == Int64.min { return Int64.max }
        return d < 0 ? -d : d
    }
    /// `value` is within ±`percent`% of `target` (target > 0). Computed with division so it cannot overflow.
    static func within(_ value: Int64, percent: Int64, of target: Int64) -> Bool {
        guard target > 0, percent >= 0 else { return false }
        let tolerance = target / 100 * percent + (target % 100) * percent / 100
        return absDiff(value, target) <= tolerance
    }
}

/// Deterministic number formatting without Foundation (detail strings end up in golden files).
public enum Fmt {
    /// A number as `fixed` prints it: the sign, the whole part and the fraction's digits. Two values with equal
    /// parts print the same text (records key stored text on this: `QuietTailKey`).
    public struct Parts: Equatable, Sendable {
        public var negative: Bool
        public var whole: UInt64
        public var fraction: UInt64
        public var places: Int
    }

    /// `value / unit` rounded half up to `decimals` digits, as parts.
    public static func fixedParts(_ value: Int64, unit: Int64, decimals: Int) -> Parts {
        guard unit > 0 else { return Parts(negative: value < 0, whole: value.magnitude, fraction: 0, places: 0) }
        let places = max(0, min(decimals, 6))
        var scale: UInt64 = 1
        for _ in 0..<places { scale *= 10 }
        let u = UInt64(unit)
        let mag = value.magnitude
        var whole = mag / u
        let rem = mag % u
        // rem < u ≤ 2^63 and scale ≤ 10^6: use a 128-bit-safe split to avoid overflow.
        let (prod, overflow) = rem.multipliedReportingOverflow(by: scale)
        var frac: UInt64
        if overflow {
            frac = rem / (u / scale == 0 ? 1 : u / scale)
        } else {
            let (sum, carry) = prod.addingReportingOverflow(u / 2)
            frac = carry ? prod / u : sum / u
        }
        if frac >= scale {
            whole += 1
            frac -= scale
        }
        return Parts(negative: value < 0 && (whole > 0 || frac > 0), whole: whole, fraction: frac, places: places)
    }

    /// The text of `parts`.
    public static func text(_ parts: Parts) -> ASCIIText {
        var text = ASCIIText()
        if parts.negative { text.append(UInt8(ascii: "-")) }
        text.appendDecimal(parts.whole, minimumDigits: 1)
        if parts.places > 0 {
            text.append(UInt8(ascii: "."))
            text.appendDecimal(parts.fraction, minimumDigits: parts.places)
        }
        return text
    }

    /// `value / unit` with `decimals` digits, rounded half up, e.g. `fixed(1_234_567, unit: 1_000_000, decimals: 2)` = "1.23".
    /// Text on the stack (`ASCIIText`): a `Prose` copies its bytes, a `String` interpolation writes its
    /// `description`; no `String` is made for it in records' prose.
    public static func fixed(_ value: Int64, unit: Int64, decimals: Int) -> ASCIIText {
        text(fixedParts(value, unit: unit, decimals: decimals))
    }

    /// What `seconds` prints of `ns`, as parts: durations with equal parts print the same.
    public static func secondsParts(_ ns: Int64) -> Parts {
        fixedParts(ns, unit: 1_000_000_000, decimals: ns.magnitude >= 10_000_000_000 ? 1 : 3)
    }

    /// Nanoseconds as seconds: "350.0 s", "1.234 s", "0.120 s".
    public static func seconds(_ ns: Int64) -> ASCIIText {
        var text = self.text(secondsParts(ns))
        text.append(UInt8(ascii: " "))
        text.append(UInt8(ascii: "s"))
        return text
    }

    /// Nanoseconds as milliseconds: "12.30 ms".
    public static func millis(_ ns: Int64) -> ASCIIText {
        var text = fixed(ns, unit: 1_000_000, decimals: 2)
        for b in " ms".utf8 { text.append(b) }
        return text
    }

    /// A score or confidence with two decimals; non-finite values print as "nan".
    public static func score(_ d: Double) -> ASCIIText {
        guard d.isFinite, d.magnitude < 1e12 else {
            var text = ASCIIText()
            for b in "nan".utf8 { text.append(b) }
            return text
        }
        let hundredths = Int64((d * 100).rounded())
        return fixed(hundredths, unit: 100, decimals: 2)
    }

    /// Payload bytes as text in tcpdump `safeputchar` style: printable ASCII kept, everything else `\xNN`.
    public static func escaped(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count &* 4)
        for b in bytes {
            if b >= 0x20 && b < 0x7F && b != 0x5C {
                out.append(b)
            } else if b == 0x5C {
                out.append(0x5C)
                out.append(0x5C)
            } else {
                let high = b >> 4
                let low = b & 0x0F
                out.append(0x5C)
                out.append(UInt8(ascii: "x"))
                out.append(high < 10 ? 0x30 &+ high : 0x57 &+ high)
                out.append(low < 10 ? 0x30 &+ low : 0x57 &+ low)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
