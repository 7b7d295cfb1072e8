import CLzma
import CZlib
import CZstd

#if canImport(Glibc)
import Glibc
#endif

/// How a capture file's bytes are compressed, told by their first bytes (never by the file name).
public enum Compression: String, Sendable, CaseIterable {
    case gzip, zstd, xz

    /// The longest magic below.
    static let magicLength = 6

    /// gzip: 1f 8b (RFC 1952 §2.3.1); zstd frame: 28 b5 2f fd (RFC 8878 §3.1.1); xz: fd 37 7a 58 5a 00
    /// (the .xz file format §2.1.1.1).
    static func detect(_ head: [UInt8]) -> Compression? {
        if head.starts(with: [0x1f, 0x8b]) { return .gzip }
        if head.starts(with: [0x28, 0xb5, 0x2f, 0xfd]) { return .zstd }
        if head.starts(with: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]) { return .xz }
        return nil
    }
}

/// A capture's bytes, from a file or standard input, decompressed on the fly (zlib, libzstd,
/// liblzma) when they start with a gzip, zstd or xz magic. Nothing is copied to a temporary file:
/// compressed bytes go through one input buffer (allocated once) and the decoder writes straight
/// into the caller's buffer. Concatenated gzip members, zstd frames and xz streams are read as one.
///
/// `read` returns as soon as some bytes are there (a stream from `tcpdump -U -w -` is reported as it
/// arrives). A damaged or cut-short compressed stream ends the bytes and leaves `error` set, naming the
/// format and how many capture bytes came before the damage; the readers report that line after every
/// record read before it.
///
/// Calls `open`, `read`, `fstat`; `inflateInit2_`/`inflate`/`inflateReset`/`inflateEnd`;
/// `ZSTD_createDStream`/`ZSTD_decompressStream`/`ZSTD_freeDStream`; `lzma_stream_decoder`/`lzma_code`/`lzma_end`.
public final class CaptureStream {
    public let source: String
    public let compression: Compression?
    /// True for a regular uncompressed file named by path (libpcap may open it again by name).
    public let isPlainFile: Bool
    /// The size of a regular file, compressed or not.
    public let fileSize: Int?
    /// The first problem met: a read error or a damaged compressed stream. Set once; reads return 0 after it.
    public private(set) var error: CaptureError?
    /// Capture (decompressed) bytes handed out so far.
    public private(set) var delivered = 0

    let descriptor: Int32
    let ownsDescriptor: Bool
    /// Bytes read ahead and handed out again first: raw bytes (the compression magic) and decompressed
    /// bytes (a capture header looked at by `peek`).
    var rawReplay: [UInt8]
    var replay: [UInt8] = []
    var replayOffset = 0
    /// Compressed input: `input[inputStart..<inputEnd]` is not yet decoded.
    let input: UnsafeMutableBufferPointer<UInt8>
    var inputStart = 0
    var inputEnd = 0
    var inputEOF = false
    var finished = false
    let decoder: Decoder

    enum Decoder {
        case none
        case gzip(UnsafeMutablePointer<z_stream>)
        case zstd(OpaquePointer)
        case xz(UnsafeMutablePointer<lzma_stream>)
    }

    /// Compressed input buffered per `read(2)`.
    static let inputSize = 1 << 17

    /// The compression of the file at `path`, from its first bytes (nil for standard input, unreadable files
    /// and uncompressed ones).
    public static func compression(path: String) -> Compression? {
        guard path != "-" else { return nil }
        let fd = Glibc.open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var head = [UInt8](repeating: 0, count: Compression.magicLength)
        let got = head.withUnsafeMutableBytes { raw in unsafe CaptureStream.readFully(fd, raw.baseAddress, raw.count) }
        return Compression.detect(Array(head.prefix(got)))
    }

    /// Opens `path` (`-` is standard input) and looks at its first bytes.
    /// Throws when it cannot be opened, is a directory, or a decoder cannot start.
    public static func open(path: String) throws(CaptureError) -> CaptureStream {
        let stdin = path == "-"
        let fd = stdin ? STDIN_FILENO : Glibc.open(path, O_RDONLY)
        guard fd >= 0 else {
            throw CaptureError(.open, source: path, "cannot open: \(String(cString: strerror(errno)))")
        }
        var st = stat()
        var size: Int? = nil
        if unsafe fstat(fd, &st) == 0 {
            if (st.st_mode & S_IFMT) == S_IFDIR {
                if !stdin { close(fd) }
                throw CaptureError(.open, source: path, "cannot open: \(String(cString: strerror(EISDIR)))")
            }
            if (st.st_mode & S_IFMT) == S_IFREG { size = Int(st.st_size) }
        }
        var head = [UInt8](repeating: 0, count: Compression.magicLength)
        let got = head.withUnsafeMutableBytes { raw in unsafe CaptureStream.readFully(fd, raw.baseAddress, raw.count) }
        head.removeSubrange(max(0, got)...)
        let compression = Compression.detect(head)
        do {
            return try CaptureStream(
                source: path, descriptor: fd, ownsDescriptor: !stdin, head: head, compression: compression,
                isPlainFile: !stdin && compression == nil && size != nil, fileSize: size)
        } catch {
            // init closed nothing: the stream was never made.
            if !stdin { close(fd) }
            throw error
        }
    }

    init(source: String, descriptor: Int32, ownsDescriptor: Bool, head: [UInt8], compression: Compression?,
         isPlainFile: Bool, fileSize: Int?) throws(CaptureError) {
        self.source = source
        self.compression = compression
        self.isPlainFile = isPlainFile
        self.fileSize = fileSize
        self.rawReplay = head
        switch compression {
        case nil:
            decoder = .none
        case .gzip:
            let z = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
            unsafe z.initialize(to: z_stream())
            // 15 + 16: a 32 KiB window and a gzip header and trailer (RFC 1952), checked by zlib.
            guard unsafe inflateInit2_(z, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
                unsafe z.deallocate()
                throw CaptureError(.open, source: source, "cannot start the gzip decoder (zlib)")
            }
            decoder = unsafe .gzip(z)
        case .zstd:
            guard let d = ZSTD_createDStream() else {
                throw CaptureError(.open, source: source, "cannot start the zstd decoder (libzstd)")
            }
            decoder = .zstd(d)
        case .xz:
            let s = UnsafeMutablePointer<lzma_stream>.allocate(capacity: 1)
            unsafe s.initialize(to: lzma_stream())  // LZMA_STREAM_INIT is all zeros
            guard unsafe lzma_stream_decoder(s, UInt64.max, sshrst_lzma_concatenated) == LZMA_OK else {
                unsafe s.deallocate()
                throw CaptureError(.open, source: source, "cannot start the xz decoder (liblzma)")
            }
            decoder = unsafe .xz(s)
        }
        input = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: compression == nil ? 0 : CaptureStream.inputSize)
        self.descriptor = descriptor
        self.ownsDescriptor = ownsDescriptor
    }

    deinit {
        switch decoder {
        case .none: break
        case .gzip(let z):
            unsafe inflateEnd(z)
            unsafe z.deallocate()
        case .zstd(let d): ZSTD_freeDStream(d)
        case .xz(let s):
            unsafe lzma_end(s)
            unsafe s.deallocate()
        }
        unsafe input.deallocate()
        if ownsDescriptor { close(descriptor) }
    }

    /// Reads until `count` bytes or the end; retries on EINTR. Returns the bytes read (0 at end or on error).
    static func readFully(_ fd: Int32, _ base: UnsafeMutableRawPointer?, _ count: Int) -> Int {
        guard let base = unsafe base else { return 0 }
        var total = 0
        while total < count {
            let n = unsafe Glibc.read(fd, base + total, count - total)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            total += n
        }
        return total
    }

    /// The next `count` capture bytes, without consuming them: the next reads return them again.
    /// Fewer at the end of the capture.
    public func peek(_ count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let got = bytes.withUnsafeMutableBytes { raw in unsafe fill(raw.baseAddress, raw.count) }
        bytes.removeSubrange(got...)
        replay = bytes + replay[replayOffset...]
        replayOffset = 0
        delivered -= got
        return bytes
    }

    /// Reads until `count` bytes or the end of the capture (or an error).
    public func fill(_ base: UnsafeMutableRawPointer?, _ count: Int) -> Int {
        guard let base = unsafe base else { return 0 }
        var total = 0
        while total < count {
            let n = unsafe read(into: base + total, count - total)
            if n <= 0 { break }
            total += n
        }
        return total
    }

    /// Up to `count` capture bytes into `base`, at least one unless the capture ended (0; `error` says
    /// whether it ended cleanly).
    public func read(into base: UnsafeMutableRawPointer, _ count: Int) -> Int {
        guard count > 0 else { return 0 }
        if replayOffset < replay.count {
            let n = min(count, replay.count - replayOffset)
            replay.withUnsafeBytes { raw in
                guard let from = raw.baseAddress else { return }
                unsafe base.copyMemory(from: from + replayOffset, byteCount: n)
            }
            replayOffset += n
            if replayOffset == replay.count {
                replay = []
                replayOffset = 0
            }
            delivered += n
            return n
        }
        guard error == nil else { return 0 }
        let n: Int
        switch decoder {
        case .none: n = unsafe readRaw(into: base, count)
        case .gzip(let z): n = unsafe inflate(z, into: base, count)
        case .zstd(let d): n = unsafe decompress(d, into: base, count)
        case .xz(let s): n = unsafe decodeXZ(s, into: base, count)
        }
        delivered += n
        return n
    }

    /// Raw bytes: the replayed head first, then `read(2)` (one call; a pipe returns what it has).
    func readRaw(into base: UnsafeMutableRawPointer, _ count: Int) -> Int {
        if !rawReplay.isEmpty {
            let n = min(count, rawReplay.count)
            rawReplay.withUnsafeBytes { raw in
                guard let from = raw.baseAddress else { return }
                unsafe base.copyMemory(from: from, byteCount: n)
            }
            rawReplay.removeFirst(n)
            return n
        }
        while true {
            let n = unsafe Glibc.read(descriptor, base, count)
            if n >= 0 { return n }
            if errno == EINTR { continue }
            fail(.read, "read error: \(String(cString: strerror(errno)))")
            return 0
        }
    }

    /// Tops up the compressed input buffer; false when nothing more comes (end of file or error).
    func refillInput() -> Bool {
        guard !inputEOF, let base = unsafe input.baseAddress else { return false }
        if inputStart > 0 {
            let remaining = inputEnd - inputStart
            if remaining > 0 { unsafe memmove(base, base + inputStart, remaining) }
            inputStart = 0
            inputEnd = remaining
        }
        guard inputEnd < input.count else { return true }
        let got = unsafe readRaw(into: UnsafeMutableRawPointer(base + inputEnd), input.count - inputEnd)
        if got == 0 { inputEOF = true; return false }
        inputEnd += got
        return true
    }

    var hasInput: Bool { inputStart < inputEnd }

    func fail(_ kind: CaptureError.Kind, _ message: String) {
        if error == nil { error = CaptureError(kind, source: source, message) }
    }

    /// "damaged gzip stream after N bytes of capture (detail)".
    func damaged(_ detail: String) {
        fail(.corruptRecord, "damaged \(compression?.rawValue ?? "") stream after \(delivered) bytes of capture (\(detail))")
    }

    /// The compressed file ended inside a member/frame/stream.
    func cutShort() {
        fail(.truncatedRecord, "\(compression?.rawValue ?? "") stream cut short after \(delivered) bytes of capture: the compressed file is truncated")
    }

    // MARK: gzip (zlib)

    /// Set after a gzip member's trailer; another member may follow (`cat a.gz b.gz`).
    var gzipMemberEnded = false

    func inflate(_ z: UnsafeMutablePointer<z_stream>, into base: UnsafeMutableRawPointer, _ count: Int) -> Int {
        while !finished {
            // At the end of the input zlib is still called (with no input) while a member is open: it may
            // hold output that did not fit last time.
            let atEnd = !hasInput && !refillInput()
            if atEnd && (gzipMemberEnded || error != nil) {
                finished = true
                return 0
            }
            if gzipMemberEnded {
                guard unsafe inflateReset(z) == Z_OK else { damaged("inflateReset failed"); return 0 }
                gzipMemberEnded = false
            }
            guard let inBase = unsafe input.baseAddress else { return 0 }
            let available = inputEnd - inputStart
            unsafe z.pointee.next_in = inBase + inputStart
            unsafe z.pointee.avail_in = UInt32(truncatingIfNeeded: available)
            unsafe z.pointee.next_out = base.assumingMemoryBound(to: UInt8.self)
            let room = UInt32(truncatingIfNeeded: min(count, Int(UInt32.max)))
            unsafe z.pointee.avail_out = room
            let rc = unsafe CZlib.inflate(z, Z_NO_FLUSH)
            inputStart += available - Int(unsafe z.pointee.avail_in)
            let produced = unsafe Int(room - z.pointee.avail_out)
            switch rc {
            case Z_OK, Z_BUF_ERROR: break
            case Z_STREAM_END: gzipMemberEnded = true
            default:
                let detail = unsafe z.pointee.msg.map { unsafe String(cString: $0) } ?? "zlib error \(rc)"
                damaged(detail)
                return produced
            }
            if produced > 0 { return produced }
            if atEnd && !gzipMemberEnded {
                cutShort()
                finished = true
                return 0
            }
            if rc == Z_BUF_ERROR && hasInput { damaged("no progress"); return 0 }
        }
        return 0
    }

    // MARK: zstd (libzstd)

    /// False between zstd frames (ZSTD_decompressStream returned 0: the frame is complete and flushed).
    var zstdInFrame = true

    func decompress(_ d: OpaquePointer, into base: UnsafeMutableRawPointer, _ count: Int) -> Int {
        while !finished {
            if !hasInput && !refillInput() {
                // With input gone, a frame still open may hold flushed-out data only if output room ran
                // out; ZSTD_decompressStream is called again below with empty input until it says 0.
                if zstdInFrame {
                    var inBuffer = ZSTD_inBuffer(src: nil, size: 0, pos: 0)
                    var outBuffer = unsafe ZSTD_outBuffer(dst: base, size: count, pos: 0)
                    let r = unsafe ZSTD_decompressStream(d, &outBuffer, &inBuffer)
                    if ZSTD_isError(r) != 0 { damaged(String(cString: ZSTD_getErrorName(r))); return outBuffer.pos }
                    if outBuffer.pos > 0 { return outBuffer.pos }
                    if error == nil { cutShort() }
                }
                finished = true
                return 0
            }
            guard let inBase = unsafe input.baseAddress else { return 0 }
            let available = inputEnd - inputStart
            var inBuffer = unsafe ZSTD_inBuffer(src: inBase + inputStart, size: available, pos: 0)
            var outBuffer = unsafe ZSTD_outBuffer(dst: base, size: count, pos: 0)
            let r = unsafe ZSTD_decompressStream(d, &outBuffer, &inBuffer)
            inputStart += inBuffer.pos
            if ZSTD_isError(r) != 0 {
                damaged(String(cString: ZSTD_getErrorName(r)))
                return outBuffer.pos
            }
            zstdInFrame = r != 0
            if outBuffer.pos > 0 { return outBuffer.pos }
            if inBuffer.pos == 0 && hasInput { damaged("no progress"); return 0 }
        }
        return 0
    }

    // MARK: xz (liblzma)

    func decodeXZ(_ s: UnsafeMutablePointer<lzma_stream>, into base: UnsafeMutableRawPointer, _ count: Int) -> Int {
        while !finished {
            if !hasInput && !inputEOF { _ = refillInput() }
            guard let inBase = unsafe input.baseAddress else { return 0 }
            let available = inputEnd - inputStart
            unsafe s.pointee.next_in = UnsafePointer(inBase + inputStart)
            unsafe s.pointee.avail_in = available
            unsafe s.pointee.next_out = base.assumingMemoryBound(to: UInt8.self)
            unsafe s.pointee.avail_out = count
            // With LZMA_CONCATENATED the decoder ends only when told the input is finished.
            let action = inputEOF && available == 0 ? LZMA_FINISH : LZMA_RUN
            let rc = unsafe lzma_code(s, action)
            inputStart += unsafe available - s.pointee.avail_in
            let produced = unsafe count - s.pointee.avail_out
            switch rc {
            case LZMA_OK: break
            case LZMA_STREAM_END: finished = true
            case LZMA_BUF_ERROR:
                // No progress possible: at the end of the input, the stream was cut short.
                if produced == 0 && inputEOF { cutShort(); finished = true; return 0 }
                if produced == 0 && available > 0 { damaged("no progress"); return 0 }
            case LZMA_DATA_ERROR: damaged("compressed data is corrupt"); return produced
            case LZMA_FORMAT_ERROR: damaged("not an xz stream"); return produced
            case LZMA_MEM_ERROR, LZMA_MEMLIMIT_ERROR: damaged("out of memory"); return produced
            default: damaged("liblzma error \(rc.rawValue)"); return produced
            }
            if produced > 0 { return produced }
        }
        return 0
    }
}
