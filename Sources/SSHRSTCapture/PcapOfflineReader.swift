import CPcap
import SSHRSTWire

/// Reads any capture libpcap understands (pcapng above all, and classic
/// pcap from standard input) with nanosecond timestamps.
///
/// Calls `pcap_open_offline_with_tstamp_precision`, `pcap_next_ex`,
/// `pcap_datalink`, `pcap_close`.
public final class PcapOfflineReader {
    public let source: String
    public let linkType: LinkType
    let handle: OpaquePointer
    /// Set when libpcap reads through a `CaptureStream` (compressed files, standard input): its
    /// error, when set, is the real cause of a read failure.
    let stream: CaptureStream?
    public private(set) var filterInstalled = false

    /// Opens a capture file. Calls `pcap_open_offline_with_tstamp_precision`.
    public convenience init(path: String) throws(CaptureError) {
        try self.init(source: path, stream: nil, failed: {}) { errbuf in
            unsafe pcap_open_offline_with_tstamp_precision(path, UInt32(PCAP_TSTAMP_PRECISION_NANO), errbuf)
        }
    }

    /// Reads through `stream` (already looked at: its first bytes are read again): libpcap gets a
    /// `FILE*` from `fopencookie` whose reads come from the stream. Calls
    /// `pcap_fopen_offline_with_tstamp_precision`; `pcap_close` closes the FILE, which releases the stream.
    public convenience init(stream: CaptureStream) throws(CaptureError) {
        let cookie = unsafe Unmanaged.passRetained(stream).toOpaque()
        let io = sshrst_cookie_io_functions_t(
            read: { cookie, buffer, size in
                guard let cookie = unsafe cookie, let buffer = unsafe buffer else { return -1 }
                let stream = unsafe Unmanaged<CaptureStream>.fromOpaque(cookie).takeUnretainedValue()
                let n = unsafe stream.read(into: UnsafeMutableRawPointer(buffer), size)
                return n == 0 && stream.error != nil ? -1 : n
            },
            write: nil, seek: nil,
            close: { cookie in
                guard let cookie = unsafe cookie else { return 0 }
                unsafe Unmanaged<CaptureStream>.fromOpaque(cookie).release()
                return 0
            })
        guard let file = unsafe fopencookie(cookie, "r", io) else {
            unsafe Unmanaged<CaptureStream>.fromOpaque(cookie).release()
            throw CaptureError(.open, source: stream.source, "cannot open: fopencookie failed")
        }
        try self.init(source: stream.source, stream: stream, failed: { unsafe fclose(file) }) { errbuf in  // fclose releases the stream
            unsafe pcap_fopen_offline_with_tstamp_precision(file, UInt32(PCAP_TSTAMP_PRECISION_NANO), errbuf)
        }
    }

    /// The two openings' shared part: `open` is the libpcap call, given its error buffer; `failed` undoes
    /// what the caller set up when it fails. A stream's own error, when set, is the real cause.
    private init(
        source: String, stream: CaptureStream?, failed: () -> Void,
        open: (UnsafeMutablePointer<CChar>?) -> OpaquePointer?
    ) throws(CaptureError) {
        self.source = source
        var errbuf = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))
        let opened = unsafe errbuf.withUnsafeMutableBufferPointer { buf in unsafe open(buf.baseAddress) }
        guard let handle = unsafe opened else {
            failed()
            if let error = stream?.error { throw error }
            let text = String(decoding: errbuf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw PcapOfflineReader.classify(path: source, text)
        }
        self.handle = unsafe handle
        self.stream = stream
        let dlt = unsafe pcap_datalink(handle)
        linkType = LinkType(dlt: dlt)
        // Every stored property is set: a throw runs deinit, which closes the handle.
        guard linkType.isSupported else {
            throw CaptureError(.unsupportedLinkType, source: source, "unsupported link type \(dlt)")
        }
    }

    deinit { unsafe pcap_close(handle) }

    static func classify(path: String, _ text: String) -> CaptureError {
        let lower = text.lowercased()
        if lower.contains("no such file") || lower.contains("permission denied") || lower.contains("is a directory") {
            return CaptureError(.open, source: path, "cannot open: \(text)")
        }
        if lower.contains("unknown file format") || lower.contains("bad dump file format") {
            return CaptureError(.notACapture, source: path, "not a pcap or pcapng capture (\(text))")
        }
        if lower.contains("truncated") {
            return CaptureError(.truncatedHeader, source: path, "truncated file header (\(text))")
        }
        return CaptureError(.open, source: path, text)
    }

    /// Installs a BPF filter compiled by libpcap (`pcap_compile`, `pcap_setfilter`).
    public func setFilter(_ expression: String) throws(CaptureError) {
        try PcapFilter.install(expression, on: handle, source: source)
        filterInstalled = true
    }

    public func forEach(_ body: (Frame, Span<UInt8>) -> ReadControl) throws(CaptureError) {
        var header = unsafe UnsafeMutablePointer<pcap_pkthdr>(bitPattern: 0)
        var data = unsafe UnsafePointer<UInt8>(bitPattern: 0)
        while true {
            let rc = unsafe pcap_next_ex(handle, &header, &data)
            if rc == -2 {  // PCAP_ERROR_BREAK: end of file (or of a damaged stream: libpcap sees an end)
                if let error = stream?.error { throw error }
                return
            }
            if rc == 0 { continue }
            if rc < 0 {
                if let error = stream?.error { throw error }
                let text = String(cString: unsafe pcap_geterr(handle))
                let kind: CaptureError.Kind =
                    text.contains("truncated") ? .truncatedRecord : (text.contains("invalid") || text.contains("bigger") ? .corruptRecord : .read)
                throw CaptureError(kind, source: source, text)
            }
            guard let h = unsafe header, let d = unsafe data else { continue }
            let captured = Int(unsafe h.pointee.caplen)
            let time = Int64(unsafe h.pointee.ts.tv_sec) &* 1_000_000_000 &+ Int64(unsafe h.pointee.ts.tv_usec)
            let frame = Frame(time: time, capturedLength: captured, wireLength: Int(unsafe h.pointee.len), linkType: linkType)
            let bytes = unsafe UnsafeBufferPointer(start: d, count: captured)
            if body(frame, unsafe bytes.span) == .stop { return }
        }
    }
}

/// BPF filter compilation shared by offline and live handles.
enum PcapFilter {
    static func install(_ expression: String, on handle: OpaquePointer, source: String) throws(CaptureError) {
        var program = bpf_program()
        let compiled = unsafe pcap_compile(handle, &program, expression, 1, PCAP_NETMASK_UNKNOWN)
        guard compiled == 0 else {
            let text = String(cString: unsafe pcap_geterr(handle))
            throw CaptureError(.filter, source: source, "invalid filter expression '\(expression)': \(text)")
        }
        defer { unsafe pcap_freecode(&program) }
        guard unsafe pcap_setfilter(handle, &program) == 0 else {
            let text = String(cString: unsafe pcap_geterr(handle))
            throw CaptureError(.filter, source: source, "cannot install filter: \(text)")
        }
    }
}

/// Writes classic pcap files through libpcap (`pcap_open_dead`,
/// `pcap_dump_open`, `pcap_dump`, `pcap_dump_close`), nanosecond precision.
public final class PcapWriter {
    let dead: OpaquePointer
    let dumper: OpaquePointer

    public init(path: String, dlt: Int32, snaplen: Int32 = 262_144) throws(CaptureError) {
        guard let dead = pcap_open_dead_with_tstamp_precision(dlt, snaplen, UInt32(PCAP_TSTAMP_PRECISION_NANO)) else {
            throw CaptureError(.open, source: path, "pcap_open_dead failed")
        }
        guard let dumper = pcap_dump_open(dead, path) else {
            let text = String(cString: pcap_geterr(dead))
            pcap_close(dead)
            throw CaptureError(.open, source: path, text)
        }
        self.dead = dead
        self.dumper = dumper
    }

    deinit {
        pcap_dump_close(dumper)
        pcap_close(dead)
    }

    public func write(_ frame: Frame, _ bytes: Span<UInt8>) {
        var header = pcap_pkthdr()
        header.ts.tv_sec = Int(frame.time / 1_000_000_000)
        header.ts.tv_usec = Int(frame.time % 1_000_000_000)
        header.caplen = UInt32(truncatingIfNeeded: bytes.count)
        header.len = UInt32(truncatingIfNeeded: frame.wireLength)
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            pcap_dump(UnsafeMutableRawPointer(dumper).assumingMemoryBound(to: UInt8.self), &header, base)
        }
    }
}

extension LinkType {
    /// The DLT value to write this link type back out (raw IP as DLT_RAW).
    public var dlt: Int32 {
        switch self {
        case .null: return 0
        case .ethernet: return 1
        case .raw: return 12
        case .linuxSLL: return 113
        case .linuxSLL2: return 276
        case .unsupported(let v): return v
        }
    }
}
