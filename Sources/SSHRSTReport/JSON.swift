import SSHRSTCapture
import Synchronization

/// A JSON value with ordered object keys, so output is byte-for-byte
/// deterministic (no hash-order iteration, fixed number formatting).
/// Not `indirect`: arrays already give the recursion its indirection, and an
/// indirect enum boxes every scalar (a heap object per number in a record).
public enum JSON: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    /// A number already formatted (fixed decimals), written verbatim.
    case number(String)
    case string(String)
    case array([JSON])
    case object([(String, JSON)])
    /// A value serialized once and shared by many records (a KEXINIT seen on many flows): written as its
    /// stored bytes; the readers below (`subscript`, `arrayValue`, ...) see `value`.
    case shared(SharedJSON)

    /// This value with any `.shared` wrapper removed.
    public var resolved: JSON {
        if case .shared(let s) = self { return s.value }
        return self
    }

    public static func == (a: JSON, b: JSON) -> Bool { a.serialized() == b.serialized() }

    /// Seconds with nanosecond input, written with 6 decimals (microseconds).
    public static func seconds(_ nanoseconds: Int64) -> JSON {
        .number(formatSeconds(nanoseconds, decimals: 6))
    }

    /// A fraction 0...1 with 2 decimals.
    public static func fraction(_ value: Double) -> JSON {
        let hundredths = JSON.hundredths(value)
        return .number(hundredths == 100 ? "1.0" : "0.\(hundredths < 10 ? "0" : "")\(hundredths)")
    }

    /// A fraction in 0...1 (clamped; not finite: 0) in whole hundredths, as `fraction` writes it.
    static func hundredths(_ value: Double) -> Int {
        let clamped = value.isFinite ? min(max(value, 0), 1) : 0
        return Int((clamped * 100).rounded())
    }

    public static func optionalString(_ s: String?) -> JSON { s.map { .string($0) } ?? .null }
    public static func optionalInt(_ i: Int?) -> JSON { i.map { .int($0) } ?? .null }

    public func serialized() -> String {
        String(decoding: serializedBytes(), as: UTF8.self)
    }

    /// The UTF-8 text.
    public func serializedBytes() -> [UInt8] {
        if case .shared(let s) = self { return s.bytes }
        var sink = ByteSink(capacity: 4096)
        write(into: &sink)
        return sink.bytes
    }

    /// Appends the UTF-8 text to `out`.
    public func write(into out: inout ByteSink) {
        switch self {
        case .null: out.append(utf8: "null")
        case .bool(let b): out.append(utf8: b ? "true" : "false")
        case .int(let i): JSON.appendDecimal(i, to: &out)
        case .number(let s): out.append(utf8: s)
        case .string(let s): JSON.escape(s, into: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            var first = true
            for item in items {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                item.write(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let fields):
            out.append(UInt8(ascii: "{"))
            var first = true
            for (key, value) in fields {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                JSON.escape(key, into: &out)
                out.append(UInt8(ascii: ":"))
                value.write(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        case .shared(let s): out.append(s.bytes)
        }
    }

    /// Decimal digits of `i` without making a String.
    static func appendDecimal(_ i: Int, to out: inout ByteSink) {
        if i < 0 { out.append(UInt8(ascii: "-")) }
        out.appendDecimal(UInt64(i.magnitude))
    }

    /// RFC 8259 §7: quote, backslash and control characters are escaped;
    /// everything else is copied as UTF-8.
    static func escape(_ s: String, into out: inout ByteSink) {
        if s.utf8.withContiguousStorageIfAvailable({ escapeContiguous($0, into: &out) }) == nil {
            var copy = s
            copy.withUTF8 { escapeContiguous($0, into: &out) }
        }
    }

    /// The quoted string; most need no escaping and are copied whole.
    static func escapeContiguous(_ utf8: UnsafeBufferPointer<UInt8>, into out: inout ByteSink) {
        if out.appendPlainJSONString(utf8) { return }
        out.append(UInt8(ascii: "\""))
        defer { out.append(UInt8(ascii: "\"")) }
        let hex: StaticString = "0123456789abcdef"
        for b in utf8 {
            switch b {
            case 0x22: out.append(0x5c); out.append(0x22)
            case 0x5c: out.append(0x5c); out.append(0x5c)
            case 0x0a: out.append(0x5c); out.append(UInt8(ascii: "n"))
            case 0x0d: out.append(0x5c); out.append(UInt8(ascii: "r"))
            case 0x09: out.append(0x5c); out.append(UInt8(ascii: "t"))
            case 0..<0x20:
                out.append(0x5c); out.append(UInt8(ascii: "u")); out.append(0x30); out.append(0x30)
                hex.withUTF8Buffer { digits in
                    out.append(digits[Int(b >> 4)])
                    out.append(digits[Int(b & 0x0f)])
                }
            default: out.append(b)
            }
        }
    }

    // Reading (for `sshrst check` and tests): a small strict parser.
    public subscript(key: String) -> JSON? {
        if case .object(let fields) = resolved { return fields.first { $0.0 == key }?.1.resolved }
        return nil
    }
    public var stringValue: String? { if case .string(let s) = resolved { return s }; return nil }
    public var intValue: Int? {
        switch resolved {
        case .int(let i): return i
        case .number(let s): return Int(s)
        default: return nil
        }
    }
    public var doubleValue: Double? {
        switch resolved {
        case .int(let i): return Double(i)
        case .number(let s): return Double(s)
        default: return nil
        }
    }
    public var arrayValue: [JSON]? { if case .array(let a) = resolved { return a }; return nil }
    public var isNull: Bool { if case .null = resolved { return true }; return false }
}

/// A JSON value and its serialization, made once (see `JSON.shared`).
public final class SharedJSON: Sendable {
    public let bytes: [UInt8]
    private let parsed: Mutex<JSON?>

    /// Serializes `value` now.
    public init(_ value: JSON) {
        let v = value.resolved
        self.bytes = v.serializedBytes()
        self.parsed = Mutex(v)
    }

    /// Wraps text that is already serialized JSON (a record read back from a spill file): writing it
    /// copies the bytes; it is parsed only if something reads a field (`null` if it does not parse).
    public init(serialized bytes: [UInt8]) {
        self.bytes = bytes
        self.parsed = Mutex(nil)
    }

    public var value: JSON {
        parsed.withLock { cached in
            if let cached { return cached }
            let v = JSONParser.parse(bytes: bytes) ?? .null
            cached = v
            return v
        }
    }
}

/// "S.ffffff" from integer nanoseconds, exact (no floating point), truncated to `decimals` (0...9).
public func formatSeconds(_ nanoseconds: Int64, decimals: Int) -> String {
    var out = ByteSink(capacity: 64)
    appendSeconds(nanoseconds, decimals: decimals, to: &out)
    return out.withBytes { String(decoding: $0, as: UTF8.self) }
}

/// `formatSeconds` written straight into `out`.
public func appendSeconds(_ nanoseconds: Int64, decimals: Int, to out: inout ByteSink) {
    let decimals = min(max(decimals, 0), 9)
    let magnitude = nanoseconds.magnitude
    var scale: UInt64 = 1
    for _ in decimals..<9 { scale &*= 10 }
    let fraction = magnitude % 1_000_000_000 / scale
    if nanoseconds < 0 { out.append(UInt8(ascii: "-")) }
    out.appendDecimal(magnitude / 1_000_000_000)
    if decimals > 0 {
        out.append(UInt8(ascii: "."))
        out.appendDecimal(fraction, minimumDigits: decimals)
    }
}

/// Parses one JSON text (RFC 8259); numbers keep their text.
public struct JSONParser {
    var bytes: [UInt8]
    var i = 0

    public static func parse(_ text: String) -> JSON? { parse(bytes: Array(text.utf8)) }

    public static func parse(bytes: [UInt8]) -> JSON? {
        var p = JSONParser(bytes: bytes)
        guard let v = p.value() else { return nil }
        p.skipSpace()
        return p.i == p.bytes.count ? v : nil
    }

    mutating func skipSpace() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0a || bytes[i] == 0x0d || bytes[i] == 0x09 { i += 1 }
    }

    mutating func literal(_ word: String, _ v: JSON) -> JSON? {
        let w = Array(word.utf8)
        guard i + w.count <= bytes.count, bytes[i..<(i + w.count)].elementsEqual(w) else { return nil }
        i += w.count
        return v
    }

    mutating func value(depth: Int = 0) -> JSON? {
        guard depth < 64 else { return nil }
        skipSpace()
        guard i < bytes.count else { return nil }
        switch bytes[i] {
        case UInt8(ascii: "n"): return literal("null", .null)
        case UInt8(ascii: "t"): return literal("true", .bool(true))
        case UInt8(ascii: "f"): return literal("false", .bool(false))
        case UInt8(ascii: "\""): return string().map { .string($0) }
        case UInt8(ascii: "["):
            i += 1
            var items: [JSON] = []
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
            while true {
                guard let v = value(depth: depth + 1) else { return nil }
                items.append(v)
                skipSpace()
                guard i < bytes.count else { return nil }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                return nil
            }
        case UInt8(ascii: "{"):
            i += 1
            var fields: [(String, JSON)] = []
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(fields) }
            while true {
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: "\""), let key = string() else { return nil }
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { return nil }
                i += 1
                guard let v = value(depth: depth + 1) else { return nil }
                fields.append((key, v))
                skipSpace()
                guard i < bytes.count else { return nil }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(fields) }
                return nil
            }
        default:
            let start = i
            while i < bytes.count, "+-0123456789.eE".utf8.contains(bytes[i]) { i += 1 }
            guard i > start else { return nil }
            let text = String(decoding: bytes[start..<i], as: UTF8.self)
            if let n = Int(text) { return .int(n) }
            return Double(text) != nil ? .number(text) : nil
        }
    }

    mutating func string() -> String? {
        i += 1
        // Bytes are gathered in one buffer and decoded once (per-scalar String
        // appends dominated the profile of reading back spilled records).
        var out: [UInt8] = []
        var runStart = i
        while i < bytes.count {
            let c = bytes[i]
            if c == UInt8(ascii: "\"") {
                out.append(contentsOf: bytes[runStart..<i])
                i += 1
                return String(decoding: out, as: UTF8.self)
            }
            if c == UInt8(ascii: "\\") {
                out.append(contentsOf: bytes[runStart..<i])
                i += 1
                guard i < bytes.count else { return nil }
                let e = bytes[i]
                i += 1
                switch e {
                case UInt8(ascii: "n"): out.append(0x0a)
                case UInt8(ascii: "r"): out.append(0x0d)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0c)
                case UInt8(ascii: "u"):
                    guard i + 4 <= bytes.count,
                        let v = UInt32(String(decoding: bytes[i..<(i + 4)], as: UTF8.self), radix: 16)
                    else { return nil }
                    i += 4
                    out.append(contentsOf: String(Unicode.Scalar(v) ?? "\u{fffd}").utf8)
                default: out.append(e)
                }
                runStart = i
                continue
            }
            i += 1
        }
        return nil
    }
}
