// SSHRSTBytes: the one other place that copies bytes through a pointer: constant text of the program, and
// whole spans (and compares two whole spans).
//
// Audit: `StaticText.append` copies a string literal's UTF-8 (`StaticString`: `utf8CodeUnitCount` bytes of
// constant storage from `utf8Start`, or for a one-scalar literal the scalar encoded by `withUTF8Buffer`)
// with one `Array.append(contentsOf:)` of that buffer. `append(string:)` copies a `String`'s UTF-8 the same
// way from the buffer its `utf8` view lends (its own storage, or a small string's bytes on the stack).
// `ByteCopy.append` copies all of a `Span`'s bytes the same way: the span's own bounds are the only bounds,
// no index is computed here (callers cut the span with `extracting`, which checks). `ByteCopy.equal` compares
// two spans of equal count with one `memcmp` over that count. Appending a `String`'s
// UTF-8 view through the generic sequence path costs about 190-300 instructions per piece of prose; a loop
// of `OutputSpan.append`, ~1.3 instructions a byte.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public enum StaticText {
    /// Appends the UTF-8 of `text` to `bytes`.
    @inlinable
    public static func append(_ text: StaticString, to bytes: inout [UInt8]) {
        text.withUTF8Buffer { utf8 in unsafe bytes.append(contentsOf: utf8) }
    }

    /// Appends the UTF-8 of `text`: one copy of its contiguous storage (a native `String`, small ones
    /// included), else the generic path. The generic `append(contentsOf: text.utf8)` costs ~300
    /// instructions for a ten-byte name.
    @inlinable
    public static func append(string text: String, to bytes: inout [UInt8]) {
        let copied: Void? = unsafe text.utf8.withContiguousStorageIfAvailable { utf8 in unsafe bytes.append(contentsOf: utf8) }
        if copied == nil { bytes.append(contentsOf: text.utf8) }
    }

    /// Replaces `range` of `bytes` with the UTF-8 of `text`.
    @inlinable
    public static func replace(_ range: Range<Int>, of bytes: inout [UInt8], with text: StaticString) {
        text.withUTF8Buffer { utf8 in unsafe bytes.replaceSubrange(range, with: utf8) }
    }
}

/// Copies of bytes a `Span` holds.
public enum ByteCopy {
    /// Appends all of `bytes` to `array`: one capacity check and one `memcpy`.
    @inlinable
    public static func append(_ bytes: Span<UInt8>, to array: inout [UInt8]) {
        unsafe bytes.withUnsafeBufferPointer { buffer in unsafe array.append(contentsOf: buffer) }
    }

    /// A new array holding `bytes` (one `memcpy`).
    @inlinable
    public static func array(_ bytes: Span<UInt8>) -> [UInt8] {
        var array: [UInt8] = []
        append(bytes, to: &array)
        return array
    }

    /// Whether `a` and `b` hold the same bytes: the counts compared, then one `memcmp` of that many bytes
    /// (each span's own bounds; no index is computed here).
    @inlinable
    public static func equal(_ a: Span<UInt8>, _ b: Span<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        guard a.count > 0 else { return true }
        return unsafe a.withUnsafeBufferPointer { x in
            unsafe b.withUnsafeBufferPointer { y in
                guard let p = x.baseAddress, let q = y.baseAddress else { return false }
                return unsafe memcmp(p, q, x.count) == 0
            }
        }
    }
}
