// SSHRSTBytes: the one place where packet bytes are read without a bounds check per read.
//
// Audit: `FixedHeader.read` checks once that `length` bytes from `start` are all inside the span, then hands
// `body` a `HeaderReader` over exactly those bytes. Every read checks its offset against that length with a
// `precondition`; callers pass constant offsets and a constant length, so after inlining the check folds
// away and what is left is one unaligned load. A wrong offset traps, it never reads outside the header.
// The reader is non-copyable and only lent to `body`, so it cannot outlive the span it points into.
// Covered by the wire tests' truncation sweeps (every prefix of every header) and the fuzzers.

/// A view of `length` bytes known to be present, read with unaligned big-endian loads.
@safe public struct HeaderReader: ~Copyable {
    @usableFromInline let base: UnsafeRawPointer
    @usableFromInline let length: Int

    @inlinable
    init(base: UnsafeRawPointer, length: Int) {
        unsafe self.base = base
        self.length = length
    }

    @inlinable @inline(__always)
    public func u8(_ offset: Int) -> UInt8 {
        precondition(offset >= 0 && offset < length)
        return unsafe base.load(fromByteOffset: offset, as: UInt8.self)
    }

    @inlinable @inline(__always)
    public func be16(_ offset: Int) -> UInt16 {
        precondition(offset >= 0 && length >= 2 && offset <= length &- 2)
        return UInt16(bigEndian: unsafe base.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    @inlinable @inline(__always)
    public func be32(_ offset: Int) -> UInt32 {
        precondition(offset >= 0 && length >= 4 && offset <= length &- 4)
        return UInt32(bigEndian: unsafe base.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    @inlinable @inline(__always)
    public func be64(_ offset: Int) -> UInt64 {
        precondition(offset >= 0 && length >= 8 && offset <= length &- 8)
        return UInt64(bigEndian: unsafe base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }
}

public enum FixedHeader {
    /// `body` applied to a reader of `bytes[start ..< start + length]`, or nil (and `body` not called) when
    /// those bytes are not all present.
    @inlinable @inline(__always)
    public static func read<R>(_ bytes: Span<UInt8>, at start: Int, length: Int, _ body: (borrowing HeaderReader) -> R) -> R? {
        guard start >= 0, length > 0, bytes.count >= length, start <= bytes.count &- length else { return nil }
        return unsafe bytes.withUnsafeBufferPointer { buffer in
            // count >= length > 0: the buffer has a base address.
            let reader = unsafe HeaderReader(base: UnsafeRawPointer(buffer.baseAddress.unsafelyUnwrapped + start), length: length)
            return body(reader)
        }
    }
}
