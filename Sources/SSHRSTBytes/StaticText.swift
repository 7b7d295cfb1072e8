// SSHRSTBytes: the one other place that copies bytes through a pointer, for text that is a constant of
// the program.
//
// Audit: `StaticText.append` copies a string literal's UTF-8 (`StaticString`: `utf8CodeUnitCount` bytes of
// constant storage from `utf8Start`, or for a one-scalar literal the scalar encoded by `withUTF8Buffer`)
// with one `Array.append(contentsOf:)` of that buffer; `append(string:)` copies a `String`'s UTF-8 the same
// way from the buffer its `utf8` view lends (its own storage, or a small string's bytes on the stack). No
// packet byte is read here. Appending a literal
// `String`'s UTF-8 view instead costs about 190 instructions per piece of prose (the generic sequence path).

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
