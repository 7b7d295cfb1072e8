// SSHRSTBytes: the one other place that copies bytes through a pointer, for text that is a constant of
// the program.
//
// Audit: `StaticText.append` copies a string literal's UTF-8 (`StaticString`: `utf8CodeUnitCount` bytes of
// constant storage from `utf8Start`, or for a one-scalar literal the scalar encoded by `withUTF8Buffer`)
// with one `Array.append(contentsOf:)` of that buffer. No packet byte is read here. Appending a literal
// `String`'s UTF-8 view instead costs about 190 instructions per piece of prose (the generic sequence path).

public enum StaticText {
    /// Appends the UTF-8 of `text` to `bytes`.
    @inlinable
    public static func append(_ text: StaticString, to bytes: inout [UInt8]) {
        text.withUTF8Buffer { utf8 in unsafe bytes.append(contentsOf: utf8) }
    }
}
