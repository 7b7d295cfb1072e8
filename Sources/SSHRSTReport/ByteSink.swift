/// A growable byte buffer for writing records: plain stores and `memcpy`, none of an `Array`'s
/// per-append uniqueness and capacity checks. Owned by one writer (non-copyable; freed on deinit).
public struct ByteSink: ~Copyable {
    @usableFromInline var base: UnsafeMutablePointer<UInt8>
    @usableFromInline var capacity: Int
    public private(set) var count: Int

    public init(capacity: Int = 8192) {
        let c = Swift.max(capacity, 64)
        base = UnsafeMutablePointer<UInt8>.allocate(capacity: c)
        self.capacity = c
        count = 0
    }

    deinit { base.deallocate() }

    /// Forgets the contents, keeps the memory.
    public mutating func removeAll() { count = 0 }

    @inline(__always)
    mutating func reserve(_ extra: Int) {
        if capacity &- count < extra { grow(extra) }
    }

    @inline(never)
    mutating func grow(_ extra: Int) {
        let needed = count &+ extra
        var c = capacity
        while c < needed { c = c &* 2 }
        let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: c)
        bigger.update(from: base, count: count)
        base.deallocate()
        base = bigger
        capacity = c
    }

    @inline(__always)
    public mutating func append(_ byte: UInt8) {
        reserve(1)
        base[count] = byte
        count &+= 1
    }

    public mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let from = bytes.baseAddress, bytes.count > 0 else { return }
        reserve(bytes.count)
        (base + count).update(from: from, count: bytes.count)
        count &+= bytes.count
    }

    public mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { append($0) }
    }

    /// The UTF-8 of `s`, verbatim.
    public mutating func append(utf8 s: String) {
        if let done: Void = s.utf8.withContiguousStorageIfAvailable({ append($0) }) { return done }
        var copy = s
        copy.withUTF8 { append($0) }
    }

    /// Overwrites byte `i` (< count).
    @inline(__always)
    mutating func set(_ i: Int, _ byte: UInt8) { base[i] = byte }

    /// A copy of the contents.
    public var bytes: [UInt8] { Array(UnsafeBufferPointer(start: base, count: count)) }

    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: base, count: count))
    }
}

extension ByteSink {
    /// Counts `n` bytes written with `set` after `reserve(n)`.
    @inline(__always)
    mutating func advance(by n: Int) { count &+= n }
}
