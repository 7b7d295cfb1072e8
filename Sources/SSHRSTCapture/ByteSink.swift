import SSHRSTWire

/// A growable byte buffer for writing records: plain stores and `memcpy`, none of an `Array`'s
/// per-append uniqueness and capacity checks. Owned by one writer (non-copyable; freed on deinit).
/// In SSHRSTCapture because it manages raw memory: this is the one target that writes `unsafe`.
public struct ByteSink: ~Copyable, ASCIIOutput {
    @usableFromInline var base: UnsafeMutablePointer<UInt8>
    @usableFromInline var capacity: Int
    @usableFromInline var written: Int
    /// Bytes written so far.
    public var count: Int { written }

    public init(capacity: Int = 8192) {
        let c = Swift.max(capacity, 64)
        base = UnsafeMutablePointer<UInt8>.allocate(capacity: c)
        self.capacity = c
        written = 0
    }

    deinit { unsafe base.deallocate() }

    /// Forgets the contents, keeps the memory.
    public mutating func removeAll() { written = 0 }

    @inlinable @inline(__always)
    public mutating func reserve(_ extra: Int) {
        if capacity &- count < extra { grow(extra) }
    }

    @usableFromInline @inline(never)
    mutating func grow(_ extra: Int) {
        let needed = count &+ extra
        var c = capacity
        while c < needed { c = c &* 2 }
        let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: c)
        unsafe bigger.update(from: base, count: count)
        unsafe base.deallocate()
        base = unsafe bigger
        capacity = c
    }

    @inline(__always)
    public mutating func append(_ byte: UInt8) {
        reserve(1)
        unsafe base[count] = byte
        written &+= 1
    }

    /// The first `count` (at most 8) bytes of `word`, the first in its low bits: one unaligned store of the
    /// whole word (eight bytes reserved), the end advanced by `count`.
    @inlinable @inline(__always)
    public mutating func append(packed word: UInt64, count n: Int) {
        let n = Swift.min(Swift.max(n, 0), 8)
        reserve(8)
        unsafe UnsafeMutableRawPointer(base + count).storeBytes(of: word.littleEndian, as: UInt64.self)
        written &+= n
    }

    public mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let from = bytes.baseAddress, bytes.count > 0 else { return }
        reserve(bytes.count)
        unsafe (base + count).update(from: from, count: bytes.count)
        written &+= bytes.count
    }

    public mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { unsafe append($0) }
    }

    /// The UTF-8 of `s`, verbatim.
    public mutating func append(utf8 s: String) {
        if let done: Void = s.utf8.withContiguousStorageIfAvailable({ unsafe append($0) }) { return done }
        var copy = s
        copy.withUTF8 { unsafe append($0) }
    }

    /// `,` when `comma`, then `"` + the `n` bytes at `text` + `":`: a JSON object key that needs no escaping,
    /// in one reservation. Keys are short: copied inline as at most two overlapping loads and stores of 8, 4
    /// or 2 bytes each, never reading outside `text[0..<n]` (a `memcpy` call, or a byte loop, cost more).
    @inlinable @inline(__always)
    public mutating func appendJSONKey(_ text: UnsafePointer<UInt8>, count n: Int, comma: Bool = false) {
        precondition(n >= 0)
        reserve(n &+ 4)
        var q = unsafe base + count
        if comma {
            unsafe q.pointee = 0x2c
            unsafe q += 1
        }
        unsafe q.pointee = 0x22
        unsafe ByteSink.copyShort(from: text, to: q + 1, count: n)
        unsafe (q + 1 + n).pointee = 0x22
        unsafe (q + 2 + n).pointee = 0x3a
        written &+= n &+ (comma ? 4 : 3)
    }

    /// Copies `n` bytes: up to 32 as overlapping word moves (first and last 16, 8, 4 or 2 bytes), longer ones
    /// through `update(from:count:)`. Reads only `from[0..<n]`, writes only `to[0..<n]`.
    @inlinable @inline(__always)
    static func copyShort(from: UnsafePointer<UInt8>, to: UnsafeMutablePointer<UInt8>, count n: Int) {
        let source = unsafe UnsafeRawPointer(from)
        let target = UnsafeMutableRawPointer(to)
        if n > 16 {
            guard n <= 32 else { return unsafe to.update(from: from, count: n) }
            // First 16 and last 16, overlapping.
            let a = unsafe source.loadUnaligned(as: UInt64.self)
            let b = unsafe source.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
            let c = unsafe source.loadUnaligned(fromByteOffset: n &- 16, as: UInt64.self)
            let d = unsafe source.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self)
            unsafe target.storeBytes(of: a, as: UInt64.self)
            unsafe target.storeBytes(of: b, toByteOffset: 8, as: UInt64.self)
            unsafe target.storeBytes(of: c, toByteOffset: n &- 16, as: UInt64.self)
            unsafe target.storeBytes(of: d, toByteOffset: n &- 8, as: UInt64.self)
        } else if n >= 8 {
            let a = unsafe source.loadUnaligned(as: UInt64.self)
            let b = unsafe source.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self)
            unsafe target.storeBytes(of: a, as: UInt64.self)
            unsafe target.storeBytes(of: b, toByteOffset: n &- 8, as: UInt64.self)
        } else if n >= 4 {
            let a = unsafe source.loadUnaligned(as: UInt32.self)
            let b = unsafe source.loadUnaligned(fromByteOffset: n &- 4, as: UInt32.self)
            unsafe target.storeBytes(of: a, as: UInt32.self)
            unsafe target.storeBytes(of: b, toByteOffset: n &- 4, as: UInt32.self)
        } else if n >= 2 {
            let a = unsafe source.loadUnaligned(as: UInt16.self)
            let b = unsafe source.loadUnaligned(fromByteOffset: n &- 2, as: UInt16.self)
            unsafe target.storeBytes(of: a, as: UInt16.self)
            unsafe target.storeBytes(of: b, toByteOffset: n &- 2, as: UInt16.self)
        } else if n == 1 {
            unsafe to.pointee = unsafe from.pointee
        }
    }

    /// The `n` bytes at `text` (constant text: short runs are copied inline, see `copyShort`).
    @inlinable @inline(__always)
    public mutating func appendConstant(_ text: UnsafePointer<UInt8>, count n: Int) {
        precondition(n >= 0)
        reserve(n)
        unsafe ByteSink.copyShort(from: text, to: base + count, count: n)
        written &+= n
    }

    /// `value` in decimal, left-padded with zeros to `minimumDigits` (at most 20 digits), written backwards
    /// two digits at a time in one reservation.
    public mutating func appendDecimal(_ value: UInt64, minimumDigits: Int = 1) {
        // The digit count from the bit length: floor(log10(2^bits)) by 1233/4096, one more when the value
        // reaches that power of ten (a loop of comparisons cost ~50 instructions for a ten-digit number).
        let bits = 64 &- (value | 1).leadingZeroBitCount
        let t = (bits &* 1233) &>> 12
        var digits = value >= ByteSink.powerOfTen(t) ? t &+ 1 : t
        if digits == 0 { digits = 1 }
        digits = Swift.min(Swift.max(digits, minimumDigits), 20)
        reserve(digits)
        var q = unsafe base + (count &+ digits)
        var v = value
        let pairs: StaticString = "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"
        let table = pairs.utf8Start
        var left = digits
        while left >= 2 {
            let r = Int(truncatingIfNeeded: v % 100)
            v /= 100
            q = unsafe q - 2
            unsafe q.pointee = unsafe table[r &* 2]
            unsafe (q + 1).pointee = unsafe table[r &* 2 &+ 1]
            left &-= 2
        }
        if left == 1 {
            q = unsafe q - 1
            unsafe q.pointee = 0x30 &+ UInt8(truncatingIfNeeded: v % 10)
        }
        written &+= digits
    }

    /// 10^t for t in 0...19.
    @inlinable @inline(__always)
    static func powerOfTen(_ t: Int) -> UInt64 {
        switch t {
        case 0: return 1
        case 1: return 10
        case 2: return 100
        case 3: return 1_000
        case 4: return 10_000
        case 5: return 100_000
        case 6: return 1_000_000
        case 7: return 10_000_000
        case 8: return 100_000_000
        case 9: return 1_000_000_000
        case 10: return 10_000_000_000
        case 11: return 100_000_000_000
        case 12: return 1_000_000_000_000
        case 13: return 10_000_000_000_000
        case 14: return 100_000_000_000_000
        case 15: return 1_000_000_000_000_000
        case 16: return 10_000_000_000_000_000
        case 17: return 100_000_000_000_000_000
        case 18: return 1_000_000_000_000_000_000
        default: return 10_000_000_000_000_000_000
        }
    }

    /// `"` + `utf8` + `"` in one reservation when no byte needs JSON escaping; false (nothing written) otherwise.
    public mutating func appendPlainJSONString(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !ByteSink.needsJSONEscaping(utf8) else { return false }
        let n = utf8.count
        reserve(n &+ 2)
        let q = unsafe base + count
        unsafe q.pointee = 0x22
        if let from = utf8.baseAddress, n > 0 { unsafe ByteSink.copyShort(from: from, to: q + 1, count: n) }
        unsafe (q + 1 + n).pointee = 0x22
        written &+= n &+ 2
        return true
    }

    /// A copy of the contents.
    public var bytes: [UInt8] { unsafe Array(UnsafeBufferPointer(start: base, count: count)) }

    /// The contents, lent as a span (no copy), for code that may not touch raw pointers.
    public func withSpan<R>(_ body: (Span<UInt8>) throws -> R) rethrows -> R {
        try unsafe body(Span(_unsafeStart: base, count: count))
    }

    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try unsafe body(UnsafeRawBufferPointer(start: base, count: count))
    }

    /// Whether any byte is a control character, a quote or a backslash (JSON must escape it): eight bytes per
    /// step (the classic "has a byte less than n" and "has a zero byte" word tests, exact as to whether one
    /// exists).
    /// The bytes after the last whole word are tested as one word too: the last eight bytes again when there
    /// are eight or more (a byte tested twice changes nothing), else the few bytes over a filler of 'A's.
    public static func needsJSONEscaping(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = utf8.baseAddress else { return false }
        let n = utf8.count
        let raw = unsafe UnsafeRawPointer(base)
        var i = 0
        while i &+ 8 <= n {
            if hasJSONSpecial(unsafe raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) { return true }
            i &+= 8
        }
        guard i < n else { return false }
        if n >= 8 { return hasJSONSpecial(unsafe raw.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self)) }
        var w: UInt64 = 0x4141_4141_4141_4141
        var j = 0
        while j < n {
            let shift = UInt64(j &* 8)
            w = w & ~(0xff &<< shift) | UInt64(unsafe base[j]) &<< shift
            j &+= 1
        }
        return hasJSONSpecial(w)
    }

    /// Whether one of the word's eight bytes (little-endian order does not matter) is below 0x20, a quote
    /// or a backslash.
    @inline(__always)
    static func hasJSONSpecial(_ w: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let control = (w &- 0x2020_2020_2020_2020) & ~w & highs
        let q = w ^ 0x2222_2222_2222_2222
        let quote = (q &- ones) & ~q & highs
        let b = w ^ 0x5c5c_5c5c_5c5c_5c5c
        let backslash = (b &- ones) & ~b & highs
        return control | quote | backslash != 0
    }
}
