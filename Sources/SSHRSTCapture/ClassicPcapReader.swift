import CPcap
import SSHRSTWire
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads classic pcap (libpcap's own format) through a bounded window and hands records out in place. A
/// regular uncompressed file is mapped a window at a time (`MappedWindow`): no copy at all. Anything else
/// (standard input, a pipe, a compressed file) is read in chunks into one reused buffer: the only copy is
/// the kernel's `read(2)`. pcapng goes through libpcap (`PcapOfflineReader`).
///
/// A consumer that keeps the bytes past the call (the sharded engine's rings, until a worker has read
/// them) borrows them instead (`lend`): the reader then rotates through a few windows and, before it
/// reads into one again, waits until the borrower no longer holds a frame from its previous contents.
///
/// File format (pcap-savefile(5)): a 24-byte header (magic a1b2c3d4 for
/// microseconds or a1b23c4d for nanoseconds, either byte order; version;
/// thiszone; sigfigs; snaplen; link type), then records of a 16-byte header
/// (seconds, sub-seconds, captured length, original length) and the bytes.
public final class ClassicPcapReader {
    /// Records larger than this are corrupt (libpcap's MAXIMUM_SNAPLEN is 262144).
    public static let maximumRecordLength = 262_144
    static let windowSize = 1 << 20
    /// Mapped windows: how much of the file one maps (a record that starts in it is mapped whole with it),
    /// alone and when lending (then `mappedLendingWindows` may be mapped at once).
    static let mappedWindowSize = 4 << 20
    static let mappedLendingWindowSize = 2 << 20
    public static let mappedLendingWindows = 4

    /// What one mapping covers: the window and room for a record that starts at its end.
    static func mappedLength(window: Int) -> Int { window + maximumRecordLength + 16 }

    public let source: String
    public let linkType: LinkType
    public let snaplen: Int
    public let nanosecond: Bool
    let swapped: Bool
    /// The file or standard input, decompressed on the fly when compressed.
    let stream: CaptureStream
    /// The windows, allocated once and freed in deinit: one, or `lendingWindows` when lending (`lend`).
    /// Records are handed out as spans into the current one, `buffer` (`windows[windowUse % count]`).
    var windows: [UnsafeMutableBufferPointer<UInt8>]
    var buffer: UnsafeMutableBufferPointer<UInt8>
    /// How many times the reader moved to a new window before the current one (lending only).
    var windowUse: UInt64 = 0
    /// Who holds frames past the call.
    var borrower: (any FrameBorrower)? = nil
    /// Windows a lending reader rotates through.
    public static let lendingWindows = 8
    var start = 0
    var end = 0
    var endOfFile = false
    /// Mapped mode: the windows (a ring of `mappedLendingWindows` when lending, else one), the file offset
    /// of `buffer`'s first byte, the file size known so far, and how much one window maps.
    public let mapping: Bool
    var mappedWindows: [MappedWindow?] = []
    var mapOffset = 0
    var mappedFileSize = 0
    var mappedLength = ClassicPcapReader.mappedLength(window: ClassicPcapReader.mappedWindowSize)
    /// Set by the SIGBUS guard when the file shrank under one of this reader's windows (`MappingGuard`):
    /// this reader's own, so another reader's shrunk file does not stop this one.
    let truncated: UnsafeMutablePointer<UInt> = {
        let flag = UnsafeMutablePointer<UInt>.allocate(capacity: 1)
        unsafe flag.initialize(to: 0)
        return unsafe flag
    }()
    public private(set) var bytesRead: Int = 0
    public var fileSize: Int? { stream.fileSize }

    /// Opens `path` (`-`: standard input) as classic pcap; nil when it is something else.
    public static func open(path: String) throws(CaptureError) -> ClassicPcapReader? {
        try open(stream: CaptureStream.open(path: path))
    }

    /// Returns nil when the stream does not start with a classic pcap magic (the caller then tries
    /// libpcap; the bytes looked at are read again). Throws for an empty stream and short headers.
    /// `mapping`: map a regular uncompressed file instead of reading it (false: always `read(2)`).
    public static func open(stream: CaptureStream, mapping: Bool = true) throws(CaptureError) -> ClassicPcapReader? {
        let path = stream.source
        let header = stream.peek(24)
        let got = header.count
        guard got >= 4 else {
            if let error = stream.error { throw error }
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
            return nil
        }
        guard got == 24 else {
            if let error = stream.error { throw error }
            throw CaptureError(.truncatedHeader, source: path, "truncated pcap file header (\(got) of 24 bytes)")
        }
        func u32(_ i: Int) -> UInt32 {
            let v = UInt32(header[i]) | UInt32(header[i + 1]) << 8 | UInt32(header[i + 2]) << 16 | UInt32(header[i + 3]) << 24
            return swapped ? v.byteSwapped : v
        }
        let link = Int32(truncatingIfNeeded: u32(20) & 0x03ff_ffff)  // upper bits: FCS length flags
        let linkType = LinkType(dlt: link)
        guard linkType.isSupported else {
            throw CaptureError(.unsupportedLinkType, source: path, "unsupported link type \(link)")
        }
        // The header was only looked at: consume it.
        var skip = [UInt8](repeating: 0, count: 24)
        _ = skip.withUnsafeMutableBytes { raw in unsafe stream.fill(raw.baseAddress, 24) }
        return ClassicPcapReader(
            stream: stream, linkType: linkType, snaplen: Int(u32(16)), nanosecond: nano, swapped: swapped,
            mapping: mapping && mappable(stream))
    }

    /// A regular uncompressed file that mmap(2) accepts (not every file system does: the reader then reads
    /// it, as it reads a pipe), with its header inside the size it reports.
    static func mappable(_ stream: CaptureStream) -> Bool {
        guard stream.isPlainFile, let size = stream.fileSize, size >= 24 else { return false }
        guard let probe = MappedWindow.map(
            descriptor: stream.descriptor, offset: 0, length: min(size, MappedWindow.pageSize), truncated: nil)
        else { return false }
        probe.unmap()
        return true
    }

    init(stream: CaptureStream, linkType: LinkType, snaplen: Int, nanosecond: Bool, swapped: Bool, mapping: Bool) {
        self.source = stream.source
        self.stream = stream
        self.linkType = linkType
        self.snaplen = snaplen
        self.nanosecond = nanosecond
        self.swapped = swapped
        self.mapping = mapping
        if mapping {
            // Nothing mapped yet: the first `fill` maps the file from its first record.
            self.buffer = unsafe UnsafeMutableBufferPointer(start: nil, count: 0)
            self.windows = []
            self.mappedWindows = [nil]
            self.mapOffset = 24
            self.mappedFileSize = stream.fileSize ?? 0
        } else {
            let window = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: ClassicPcapReader.windowSize)
            unsafe window.initialize(repeating: 0)
            self.buffer = unsafe window
            self.windows = [window]
        }
        self.bytesRead = 24
    }

    deinit {
        if let borrower {
            // No frame may still point into the windows when they are freed.
            borrower.waitForRelease(throughWindowUse: .max)
            borrower.windowUse = nil
        }
        for window in windows { unsafe window.deallocate() }
        for window in mappedWindows { window?.unmap() }
        // After the windows that registered it.
        unsafe truncated.deallocate()
    }

    /// Hands frames out as bytes `borrower` may keep until it says it released them, from
    /// `lendingWindows` windows in turn (`mappedLendingWindows` mapped ones) (sets `borrower.windowUse` to the window each frame is in).
    public func lend(to borrower: any FrameBorrower) {
        if mapping {
            while mappedWindows.count < ClassicPcapReader.mappedLendingWindows { mappedWindows.append(nil) }
            mappedLength = ClassicPcapReader.mappedLength(window: ClassicPcapReader.mappedLendingWindowSize)
        } else {
            while windows.count < ClassicPcapReader.lendingWindows {
                windows.append(UnsafeMutableBufferPointer<UInt8>.allocate(capacity: ClassicPcapReader.windowSize))
            }
        }
        self.borrower = borrower
        borrower.windowUse = windowUse
    }

    /// Lending: makes the next window current, once the borrower released the frames it held before.
    func rotateWindow(_ borrower: any FrameBorrower) {
        let count = UInt64(mapping ? mappedWindows.count : windows.count)
        windowUse &+= 1
        if windowUse >= count { borrower.waitForRelease(throughWindowUse: windowUse &- count) }
        if !mapping { buffer = windows[Int(windowUse % count)] }
        borrower.windowUse = windowUse
    }

    /// Mapped mode's `fill`: maps a new window from the record at `start` on when the current one holds less
    /// than `need` bytes of it and the file has more (it may have grown since it was opened).
    func fillMapped(_ need: Int, start: inout Int, end: inout Int, window: inout UnsafeMutableBufferPointer<UInt8>) -> Bool {
        defer { unsafe window = buffer }
        if end - start >= need { return true }
        if endOfFile { return false }
        let offset = mapOffset &+ start
        if offset &+ need > mappedFileSize {
            var st = stat()
            if unsafe fstat(stream.descriptor, &st) == 0 { mappedFileSize = Int(st.st_size) }
        }
        if mapOffset &+ end < mappedFileSize {
            // The window ends before the file does: map the file from this record's page on.
            let base = offset & ~(MappedWindow.pageSize &- 1)
            if let borrower { rotateWindow(borrower) } else { windowUse &+= 1 }
            let slot = Int(windowUse % UInt64(mappedWindows.count))
            mappedWindows[slot]?.unmap()
            mappedWindows[slot] = nil
            guard let mapped = MappedWindow.map(
                descriptor: stream.descriptor, offset: base, length: min(mappedLength, mappedFileSize &- base),
                truncated: truncated)
            else {
                stream.fail(.read, "cannot map the file at byte \(base): \(String(cString: strerror(errno)))")
                buffer = unsafe UnsafeMutableBufferPointer(start: nil, count: 0)
                start = 0
                end = 0
                endOfFile = true
                return false
            }
            mappedWindows[slot] = mapped
            buffer = mapped.buffer
            start = offset &- base
            end = mapped.length
            mapOffset = base
        }
        if end - start >= need { return true }
        endOfFile = true
        return false
    }

    /// Ensures `need` bytes are buffered from `start` (moving the tail of the window to a window's front first);
    /// false at end of file. The caller checks `end - start` first: refills happen once per window.
    @inline(never)
    func fill(_ need: Int, start: inout Int, end: inout Int, window: inout UnsafeMutableBufferPointer<UInt8>) -> Bool {
        if mapping { return fillMapped(need, start: &start, end: &end, window: &window) }
        defer { unsafe window = buffer }
        if end - start >= need { return true }
        if endOfFile { return false }
        if start > 0 {
            // The record begun at `start` moves to the front of the window read next: this one, or when
            // frames handed out from it may still be held, the next one.
            let from = buffer
            if let borrower { rotateWindow(borrower) }
            let remaining = end - start
            if remaining > 0, let to = unsafe buffer.baseAddress, let source = from.baseAddress {
                unsafe memmove(to, source + start, remaining)
            }
            start = 0
            end = remaining
        }
        guard let base = unsafe buffer.baseAddress else { return false }
        // One read per call: a regular file fills the window, a pipe gives what it has (a stream is
        // reported as it arrives, not a window later).
        while end - start < need && !endOfFile {
            let got = unsafe stream.read(into: UnsafeMutableRawPointer(base + end), buffer.count - end)
            if got == 0 { endOfFile = true }
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
        var window = unsafe self.buffer
        // This reader's flag, raised when the file shrank under one of its mapped windows (checked for every
        // record; never raised when the file is read, not mapped).
        let truncated = self.truncated
        unsafe truncated.pointee = 0
        defer {
            self.start = start
            self.end = end
            self.bytesRead = bytesRead
        }
        while true {
            guard end &- start >= 16 || fill(16, start: &start, end: &end, window: &window) else {
                if let error = stream.error { throw error }
                if end - start > 0 {
                    throw CaptureError(.truncatedRecord, source: source,
                        "truncated record header at byte \(bytesRead) (\(end - start) of 16 bytes): file cut short")
                }
                return
            }
            let raw = unsafe UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(window)[0..<end])
            let seconds = Int64(unsafe ClassicPcapReader.word(raw, start, swapped: swapped))
            let fraction = Int64(unsafe ClassicPcapReader.word(raw, start &+ 4, swapped: swapped))
            let captured = Int(unsafe ClassicPcapReader.word(raw, start &+ 8, swapped: swapped))
            let original = Int(unsafe ClassicPcapReader.word(raw, start &+ 12, swapped: swapped))
            guard captured <= ClassicPcapReader.maximumRecordLength else {
                throw CaptureError(.corruptRecord, source: source,
                    "corrupt record at byte \(bytesRead): captured length \(captured) exceeds \(ClassicPcapReader.maximumRecordLength)")
            }
            guard end &- start >= 16 &+ captured || fill(16 + captured, start: &start, end: &end, window: &window) else {
                if let error = stream.error { throw error }
                throw CaptureError(.truncatedRecord, source: source,
                    "truncated last record at byte \(bytesRead): \(captured) bytes announced, \(end - start - 16) present")
            }
            if unsafe truncated.pointee != 0 {
                throw CaptureError(.truncatedRecord, source: source,
                    "the file shrank while it was read (at byte \(bytesRead)): it was truncated or replaced")
            }
            // The record after next: its header and first bytes asked for now, so they are in the cache
            // when its turn comes (this record's successor was asked for one record ago).
            // (`raw` may be the window before the refill above: the window is read afresh.)
            let next = start &+ 16 &+ captured
            if next &+ 16 <= end {
                let whole = UnsafeRawBufferPointer(window)
                let after = next &+ 16 &+ Int(unsafe ClassicPcapReader.word(whole, next &+ 8, swapped: swapped))
                if after &+ 64 <= end, let base = whole.baseAddress {
                    unsafe sshrst_prefetch(base + after)
                    unsafe sshrst_prefetch(base + (after &+ 64))
                }
            }
            let time = seconds &* 1_000_000_000 &+ (nanosecond ? fraction : fraction &* 1000)
            let frame = Frame(time: time, capturedLength: captured, wireLength: max(original, captured), linkType: linkType)
            let recordStart = start &+ 16
            // The record lies inside start ..< end (checked above, after any refill).
            let bytes = unsafe UnsafeBufferPointer(rebasing: window[recordStart..<(recordStart &+ captured)])
            let control = body(frame, unsafe bytes.span)
            start &+= 16 &+ captured
            bytesRead &+= 16 &+ captured
            if control == .stop { return }
        }
    }
}
