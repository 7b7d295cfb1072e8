import SSHRSTWire
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads classic pcap (libpcap's own format) through a bounded window: the
/// file is read in chunks into one reused buffer and records are handed out
/// in place, so the only copy is the kernel's `read(2)`. pcapng and anything
/// else goes through libpcap (`PcapOfflineReader`).
///
/// File format (pcap-savefile(5)): a 24-byte header (magic a1b2c3d4 for
/// microseconds or a1b23c4d for nanoseconds, either byte order; version;
/// thiszone; sigfigs; snaplen; link type), then records of a 16-byte header
/// (seconds, sub-seconds, captured length, original length) and the bytes.
public final class ClassicPcapReader {
    /// Records larger than this are corrupt (libpcap's MAXIMUM_SNAPLEN is 262144).
    public static let maximumRecordLength = 262_144
    static let windowSize = 4 << 20

    public let source: String
    public let linkType: LinkType
    public let snaplen: Int
    public let nanosecond: Bool
    let swapped: Bool
    let descriptor: Int32
    /// The window: allocated once, freed in deinit; records are handed out as spans into it.
    let buffer: UnsafeMutableBufferPointer<UInt8>
    var start = 0
    var end = 0
    var endOfFile = false
    public private(set) var bytesRead: Int = 0
    public let fileSize: Int?

    /// Returns nil when the file does not start with a classic pcap magic
    /// (the caller then tries libpcap). Throws for open errors and short headers.
    public static func open(path: String) throws(CaptureError) -> ClassicPcapReader? {
        let fd = Glibc.open(path, O_RDONLY)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            throw CaptureError(.open, source: path, "cannot open: \(reason)")
        }
        var header = [UInt8](repeating: 0, count: 24)
        let got = header.withUnsafeMutableBytes { raw in unsafe readFully(fd, raw.baseAddress, 24) }
        guard got >= 4 else {
            close(fd)
            if got == 0 { throw CaptureError(.notACapture, source: path, "empty file, not a capture") }
            throw CaptureError(.truncatedHeader, source: path, "truncated file header (\(got) of 24 bytes)")
        }
        let magicLE = UInt32(header[0]) | UInt32(header[1]) << 8 | UInt32(header[2]) << 16 | UInt32(header[3]) << 24
        let swapped: Bool
        let nano: Bool
        switch magicLE {
        case 0xa1b2_c3d4: swapped = false; nano = false
        case 0xa1b2_3c4d: swapped = false; nano = true
        case 0xd4c3_b2a1: swapped = true; nano = false
        case 0x4d3c_b2a1: swapped = true; nano = true
        default:
            close(fd)
            return nil
        }
        guard got == 24 else {
            close(fd)
            throw CaptureError(.truncatedHeader, source: path, "truncated pcap file header (\(got) of 24 bytes)")
        }
        func u32(_ i: Int) -> UInt32 {
            let v = UInt32(header[i]) | UInt32(header[i + 1]) << 8 | UInt32(header[i + 2]) << 16 | UInt32(header[i + 3]) << 24
            return swapped ? v.byteSwapped : v
        }
        let link = Int32(truncatingIfNeeded: u32(20) & 0x03ff_ffff)  // upper bits: FCS length flags
        let linkType = LinkType(dlt: link)
        guard linkType.isSupported else {
            close(fd)
            throw CaptureError(.unsupportedLinkType, source: path, "unsupported link type \(link)")
        }
        var size: Int? = nil
        var st = stat()
        if unsafe fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG { size = Int(st.st_size) }
        return ClassicPcapReader(
            source: path, descriptor: fd, linkType: linkType, snaplen: Int(u32(16)),
            nanosecond: nano, swapped: swapped, fileSize: size)
    }

    init(source: String, descriptor: Int32, linkType: LinkType, snaplen: Int, nanosecond: Bool, swapped: Bool, fileSize: Int?) {
        self.source = source
        self.descriptor = descriptor
        self.linkType = linkType
        self.snaplen = snaplen
        self.nanosecond = nanosecond
        self.swapped = swapped
        self.fileSize = fileSize
        let window = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: ClassicPcapReader.windowSize)
        unsafe window.initialize(repeating: 0)
        self.buffer = unsafe window
        self.bytesRead = 24
    }

    deinit {
        close(descriptor)
        unsafe buffer.deallocate()
    }

    static func readFully(_ fd: Int32, _ base: UnsafeMutableRawPointer?, _ count: Int) -> Int {
        guard let base = unsafe base else { return 0 }
        var total = 0
        while total < count {
            let n = unsafe read(fd, base + total, count - total)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            total += n
        }
        return total
    }

    /// Ensures `need` bytes are buffered from `start` (moving the tail of the window to its front first);
    /// false at end of file. The caller checks `end - start` first: refills happen once per window.
    @inline(never)
    func fill(_ need: Int, start: inout Int, end: inout Int) -> Bool {
        if end - start >= need { return true }
        if endOfFile { return false }
        guard let base = unsafe buffer.baseAddress else { return false }
        if start > 0 {
            let remaining = end - start
            if remaining > 0 { unsafe memmove(base, base + start, remaining) }
            start = 0
            end = remaining
        }
        while end - start < need && !endOfFile {
            let capacity = buffer.count - end
            let got = unsafe ClassicPcapReader.readFully(descriptor, UnsafeMutableRawPointer(base + end), capacity)
            if got < capacity { endOfFile = true }
            end += got
        }
        return end - start >= need
    }

    /// The file-order 32-bit word at `i` of the window (callers have `fill`ed past it: `i + 4 <= end`).
    @inline(__always)
    static func word(_ raw: UnsafeRawBufferPointer, _ i: Int, swapped: Bool) -> UInt32 {
        precondition(i >= 0 && i &+ 4 <= raw.count)
        let v = UInt32(littleEndian: unsafe raw.loadUnaligned(fromByteOffset: i, as: UInt32.self))
        return swapped ? v.byteSwapped : v
    }

    /// Calls `body` for every record in order until the end of the file or
    /// `.stop`. Throws on a truncated or corrupt record after delivering
    /// every record before it.
    ///
    /// The window bounds live in locals for the loop (stored properties of a class are re-read, and
    /// access-checked, on every use) and go back to the object on exit.
    public func forEach(_ body: (Frame, Span<UInt8>) -> ReadControl) throws(CaptureError) {
        var start = self.start
        var end = self.end
        var bytesRead = self.bytesRead
        let swapped = self.swapped
        let nanosecond = self.nanosecond
        let linkType = self.linkType
        defer {
            self.start = start
            self.end = end
            self.bytesRead = bytesRead
        }
        while true {
            guard end &- start >= 16 || fill(16, start: &start, end: &end) else {
                if end - start > 0 {
                    throw CaptureError(.truncatedRecord, source: source,
                        "truncated record header at byte \(bytesRead) (\(end - start) of 16 bytes): file cut short")
                }
                return
            }
            let raw = unsafe UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(buffer)[0..<end])
            let seconds = Int64(unsafe ClassicPcapReader.word(raw, start, swapped: swapped))
            let fraction = Int64(unsafe ClassicPcapReader.word(raw, start &+ 4, swapped: swapped))
            let captured = Int(unsafe ClassicPcapReader.word(raw, start &+ 8, swapped: swapped))
            let original = Int(unsafe ClassicPcapReader.word(raw, start &+ 12, swapped: swapped))
            guard captured <= ClassicPcapReader.maximumRecordLength else {
                throw CaptureError(.corruptRecord, source: source,
                    "corrupt record at byte \(bytesRead): captured length \(captured) exceeds \(ClassicPcapReader.maximumRecordLength)")
            }
            guard end &- start >= 16 &+ captured || fill(16 + captured, start: &start, end: &end) else {
                throw CaptureError(.truncatedRecord, source: source,
                    "truncated last record at byte \(bytesRead): \(captured) bytes announced, \(end - start - 16) present")
            }
            let time = seconds &* 1_000_000_000 &+ (nanosecond ? fraction : fraction &* 1000)
            let frame = Frame(time: time, capturedLength: captured, wireLength: max(original, captured), linkType: linkType)
            let recordStart = start &+ 16
            // The record lies inside start ..< end (checked above, after any refill).
            let bytes = unsafe UnsafeBufferPointer(rebasing: buffer[recordStart..<(recordStart &+ captured)])
            let control = body(frame, unsafe bytes.span)
            start &+= 16 &+ captured
            bytesRead &+= 16 &+ captured
            if control == .stop { return }
        }
    }
}
