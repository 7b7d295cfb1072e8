// The only place in SSHRSTTransport that subscripts bytes with a data-derived index.
//
// Contract: every reader returns nil (or does nothing) when the requested bytes are not all
// inside the span; none of them can trap. Comparisons are written on the side that cannot
// underflow (`i <= count &- n` after `count >= n`), as swift-nio's ByteBuffer does.

import SSHRSTBytes

extension Span where Element == UInt8 {
    /// The byte at `i`, or nil when `i` is outside the span.
    @inline(__always)
    func u8(at i: Int) -> UInt8? {
        guard i >= 0, i < count else { return nil }
        return self[i]
    }

    /// Big-endian UInt16 at `i`, or nil when fewer than 2 bytes remain.
    @inline(__always)
    func be16(at i: Int) -> UInt16? {
        // count >= 2 makes `count &- 2` non-negative; i + 1 < count so `i &+ 1` cannot overflow.
        guard i >= 0, count >= 2, i <= count &- 2 else { return nil }
        return UInt16(self[i]) << 8 | UInt16(self[i &+ 1])
    }

    /// Big-endian UInt32 at `i`, or nil when fewer than 4 bytes remain.
    @inline(__always)
    func be32(at i: Int) -> UInt32? {
        // count >= 4 makes `count &- 4` non-negative; i + 3 < count so the `&+` cannot overflow.
        guard i >= 0, count >= 4, i <= count &- 4 else { return nil }
        return UInt32(self[i]) << 24 | UInt32(self[i &+ 1]) << 16
            | UInt32(self[i &+ 2]) << 8 | UInt32(self[i &+ 3])
    }

    /// Whether `range` lies entirely inside the span.
    @inline(__always)
    func contains(range: Range<Int>) -> Bool {
        range.lowerBound >= 0 && range.upperBound <= count
    }

    /// A copy of the bytes in `range` (allocates: cold path only), or nil when out of bounds.
    func copyBytes(_ range: Range<Int>) -> [UInt8]? {
        guard contains(range: range) else { return nil }
        var out: [UInt8] = []
        append(range, to: &out)
        return out
    }

    /// Appends the bytes in `range` (clamped to the span) to `array`.
    func append(_ range: Range<Int>, to array: inout [UInt8]) {
        let lower = Swift.max(range.lowerBound, 0)
        let upper = Swift.min(range.upperBound, count)
        guard lower < upper else { return }
        ByteCopy.append(extracting(lower..<upper), to: &array)
    }

    /// Index of the first `byte` in `range` (clamped to the span), or nil.
    func firstIndex(of byte: UInt8, in range: Range<Int>) -> Int? {
        let lower = Swift.max(range.lowerBound, 0)
        let upper = Swift.min(range.upperBound, count)
        guard lower < upper else { return nil }
        for i in lower..<upper where self[i] == byte { return i }
        return nil
    }

    /// Whether the bytes at `i` equal `expected` (false when not all present).
    func matches(_ expected: [UInt8], at i: Int) -> Bool {
        let n = expected.count
        guard i >= 0, count >= n, i <= count &- n else { return false }
        for j in 0..<n where self[i &+ j] != expected[j] { return false }
        return true
    }

    /// Reads an RFC 4251 §5 `string` (uint32 length + bytes) at `i`, bounded by `end`.
    /// Returns the byte range of its contents, or nil when it does not fit.
    func sshString(at i: Int, end: Int) -> Range<Int>? {
        guard end <= count, let length = be32(at: i) else { return nil }
        // be32 succeeded, so `i <= count - 4` and `i &+ 4` cannot overflow.
        let start = i &+ 4
        guard start <= end, Int(length) <= end &- start else { return nil }
        return start..<(start &+ Int(length))
    }
}

/// ASCII constants compared against the stream (built once, never per packet).
enum ASCII {
    static let sshDash: [UInt8] = Array("SSH-".utf8)
    static let httpSlash: [UInt8] = Array("HTTP/".utf8)
}

/// Whether `b` is printable US-ASCII (0x20 ... 0x7E).
@inline(__always)
func isPrintableASCII(_ b: UInt8) -> Bool { b >= 0x20 && b <= 0x7E }

/// Renders bytes as text: printable US-ASCII as is (the backslash too), everything else as `\xNN` (lower-case hex).
func escapedText(_ bytes: ArraySlice<UInt8>) -> String {
    // Almost always plain (banners, algorithm names): one pass over the span to check, then the
    // String is made from the bytes in one copy.
    let span = bytes.span
    var i = 0
    while i < span.count {
        if !isPrintableASCII(span[i]) { return escapedTextSlow(bytes) }
        i &+= 1
    }
    return String(decoding: bytes, as: UTF8.self)
}

func escapedText(_ bytes: [UInt8]) -> String { escapedText(bytes[...]) }

private func escapedTextSlow(_ bytes: ArraySlice<UInt8>) -> String {
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count &* 4)
    for b in bytes {
        if isPrintableASCII(b) {
            out.append(b)
        } else {
            let high = b >> 4
            let low = b & 0x0F
            out.append(UInt8(ascii: "\\"))
            out.append(UInt8(ascii: "x"))
            out.append(high < 10 ? 0x30 &+ high : 0x57 &+ high)
            out.append(low < 10 ? 0x30 &+ low : 0x57 &+ low)
        }
    }
    return String(decoding: out, as: UTF8.self)
}
