import SSHRSTCapture
import SSHRSTWire

/// Writes one JSON text straight into bytes, in the order of the calls, with the same formatting as
/// `JSON.write` (no spaces, keys as given, numbers and strings formatted alike): a record written with it is
/// byte-for-byte the record its `JSON` tree would serialize to, without the tree (building and freeing the
/// tree of every flow record cost more than computing its fields).
///
/// Keys are static ASCII text without characters to escape. Nesting is tracked to 64 levels (records use 4).
public struct JSONWriter: ~Copyable {
    @usableFromInline var sink: ByteSink
    /// Bit d set: the container at depth d has no member yet.
    @usableFromInline var empty: UInt64 = 0
    @usableFromInline var depth = 0
    /// A key was just written: the next value follows it without a comma.
    @usableFromInline var afterKey = false

    public init(capacity: Int = 8192) {
        sink = ByteSink(capacity: capacity)
    }

    /// Forgets what was written, keeps the memory.
    public mutating func removeAll() {
        sink.removeAll()
        empty = 0
        depth = 0
        afterKey = false
    }

    /// The bytes written, as an array.
    public var bytes: [UInt8] { sink.bytes }

    /// How many bytes were written.
    public var count: Int { sink.count }

    /// The text written so far, lent to `body` (no copy).
    public func withSpan<R>(_ body: (Span<UInt8>) throws -> R) rethrows -> R {
        try sink.withSpan(body)
    }

    @inline(__always)
    private mutating func separate() {
        if afterKey {
            afterKey = false
            return
        }
        guard depth > 0 else { return }
        let bit: UInt64 = 1 &<< UInt64(depth &- 1)
        if empty & bit != 0 { empty &= ~bit } else { sink.append(UInt8(ascii: ",")) }
    }

    private mutating func open(_ byte: UInt8) {
        separate()
        sink.append(byte)
        depth &+= 1
        if depth <= 64 { empty |= 1 &<< UInt64(depth &- 1) }
    }

    private mutating func close(_ byte: UInt8) {
        sink.append(byte)
        depth = Swift.max(0, depth &- 1)
    }

    public mutating func beginObject() { open(UInt8(ascii: "{")) }
    public mutating func endObject() { close(UInt8(ascii: "}")) }
    public mutating func beginArray() { open(UInt8(ascii: "[")) }
    public mutating func endArray() { close(UInt8(ascii: "]")) }

    /// `"key":` (with the comma before it when needed).
    @inline(__always)
    public mutating func key(_ key: StaticString) {
        if key.hasPointerRepresentation {
            // The comma, if one is due, in the key's own reservation.
            var comma = false
            if afterKey {
                afterKey = false
            } else if depth > 0 {
                let bit: UInt64 = 1 &<< UInt64(depth &- 1)
                if empty & bit != 0 { empty &= ~bit } else { comma = true }
            }
            sink.appendJSONKey(key.utf8Start, count: key.utf8CodeUnitCount, comma: comma)
        } else {
            separate()
            // A one-scalar StaticString (no key here is one): through the buffer API.
            sink.append(UInt8(ascii: "\""))
            key.withUTF8Buffer { sink.append($0) }
            sink.append(UInt8(ascii: "\""))
            sink.append(UInt8(ascii: ":"))
        }
        afterKey = true
    }

    public mutating func string(_ s: String) {
        separate()
        JSON.escape(s, into: &sink)
    }

    public mutating func string(_ s: String?) {
        if let s { string(s) } else { null() }
    }

    public mutating func int(_ i: Int) {
        separate()
        JSON.appendDecimal(i, to: &sink)
    }

    public mutating func int(_ i: Int?) {
        if let i { int(i) } else { null() }
    }

    public mutating func bool(_ b: Bool) {
        separate()
        constant(b ? "true" : "false")
    }

    public mutating func null() {
        separate()
        constant("null")
    }

    /// Constant text, copied as is (`append(utf8:)` of a small String costs about 250 instructions).
    @inlinable @inline(__always)
    mutating func constant(_ text: StaticString) {
        sink.appendConstant(text.utf8Start, count: text.utf8CodeUnitCount)
    }

    /// Seconds from nanoseconds, 6 decimals (as `JSON.seconds`), or `decimals` (as `formatSeconds`).
    public mutating func seconds(_ nanoseconds: Int64, decimals: Int = 6) {
        separate()
        appendSeconds(nanoseconds, decimals: decimals, to: &sink)
    }

    /// A value already rendered as JSON text (a fragment rendered once and reused): copied as is.
    public mutating func raw(_ json: [UInt8]) {
        separate()
        sink.append(json)
    }

    // MARK: Runs: text whose structure the caller writes itself
    //
    // A record's skeleton is fixed: its keys, commas and braces are constant runs, copied whole, with the
    // values between them. These calls never write a separator or track nesting, so they are used only at
    // depth 0 (no container opened with `beginObject`/`beginArray` is still open): the stateful calls then
    // work inside a run as they do at the top of a text (a value written at depth 0 takes no comma).

    /// `text` (constant JSON: keys, punctuation, literal values), copied as is. Inlined: the length is a
    /// constant where it is called.
    @inlinable @inline(__always)
    public mutating func run(_ text: StaticString) {
        precondition(depth == 0 && !afterKey && text.hasPointerRepresentation)
        constant(text)
    }

    /// A quoted, escaped string inside a run.
    public mutating func runString(_ s: String) {
        precondition(depth == 0 && !afterKey)
        JSON.escape(s, into: &sink)
    }

    /// A quoted, escaped string inside a run, from its UTF-8 bytes.
    public mutating func runString(utf8: [UInt8]) {
        precondition(depth == 0 && !afterKey)
        utf8.withUnsafeBufferPointer { JSON.escapeContiguous($0, into: &sink) }
    }

    /// A JSON string inside a run, written in place from a value whose text needs no escaping (an address
    /// as `IPAddress.description` spells it, TCP history letters).
    @inlinable
    public mutating func runPlain<Text: PlainASCIIText>(_ value: Text) {
        precondition(depth == 0 && !afterKey)
        sink.reserve(Text.maximumTextLength &+ 2)
        sink.append(UInt8(ascii: "\""))
        value.write(to: &sink)
        sink.append(UInt8(ascii: "\""))
    }

    /// An integer inside a run.
    public mutating func runInt(_ i: Int) {
        precondition(depth == 0 && !afterKey)
        JSON.appendDecimal(i, to: &sink)
    }

    /// A fraction as `JSON.fraction` writes it ("0.95", "0.05", "1.0"), inside a run.
    public mutating func runFraction(_ value: Double) {
        precondition(depth == 0 && !afterKey)
        let hundredths = JSON.hundredths(value)
        if hundredths == 100 { return constant("1.0") }
        constant("0.")
        sink.appendDecimal(UInt64(hundredths), minimumDigits: 2)
    }

    /// Seconds from nanoseconds, 6 decimals, inside a run.
    public mutating func runSeconds(_ nanoseconds: Int64) {
        precondition(depth == 0 && !afterKey)
        appendSeconds(nanoseconds, decimals: 6, to: &sink)
    }

    /// JSON text already rendered, inside a run.
    public mutating func runRaw(_ json: [UInt8]) {
        precondition(depth == 0 && !afterKey)
        sink.append(json)
    }

    /// A value built as a tree (or shared): written as `JSON.write` writes it.
    public mutating func value(_ v: JSON) {
        separate()
        v.write(into: &sink)
    }
}
