import CPcap
import SSHRSTWire
#if canImport(Glibc)
import Glibc
#endif

/// The handle a signal handler may break out of (`pcap_breakloop` is
/// documented as safe to call from a signal handler).
nonisolated(unsafe) private var breakTarget: OpaquePointer? = nil
nonisolated(unsafe) private var breakRequested: Int32 = 0

private func requestBreak(_ signal: Int32) {
    breakRequested = 1
    if let handle = breakTarget { pcap_breakloop(handle) }
}

/// Set by SIGHUP, taken (and cleared) by the capture loop's owner between batches.
nonisolated(unsafe) private var reopenRequested: Int32 = 0

private func requestReopen(_ signal: Int32) {
    reopenRequested = 1
}

/// Settings for a live capture handle.
public struct LiveCaptureOptions: Sendable {
    public var device: String
    public var snaplen: Int32 = 262_144
    public var bufferSize: Int32 = 8 << 20
    public var filter: String? = nil
    public var promiscuous = false
    public init(device: String) { self.device = device }
}

/// A live capture through libpcap: pcap_create, then snap length, immediate
/// mode, nanosecond timestamps and buffer size, then pcap_activate (whose
/// warnings are returned), then a BPF filter. Never transmits.
///
/// Calls `pcap_create`, `pcap_set_snaplen`, `pcap_set_immediate_mode`,
/// `pcap_set_tstamp_precision`, `pcap_set_buffer_size`, `pcap_set_timeout`,
/// `pcap_activate`, `pcap_setfilter`, `pcap_dispatch`, `pcap_stats`, `pcap_close`.
public final class LiveCapture {
    public let device: String
    public let linkType: LinkType
    public private(set) var warnings: [String] = []
    let handle: OpaquePointer
    var dumper: OpaquePointer? = nil

    public init(_ options: LiveCaptureOptions) throws(CaptureError) {
        device = options.device
        var errbuf = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))
        let created = errbuf.withUnsafeMutableBufferPointer { pcap_create(options.device, $0.baseAddress) }
        guard let handle = created else {
            let text = String(decoding: errbuf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw CaptureError(.open, source: options.device, text)
        }
        self.handle = handle
        pcap_set_snaplen(handle, options.snaplen)
        pcap_set_promisc(handle, options.promiscuous ? 1 : 0)
        pcap_set_immediate_mode(handle, 1)
        pcap_set_timeout(handle, 100)
        pcap_set_buffer_size(handle, options.bufferSize)
        var nano = pcap_set_tstamp_precision(handle, Int32(PCAP_TSTAMP_PRECISION_NANO)) == 0
        let rc = pcap_activate(handle)
        if rc < 0 {
            let text = String(cString: pcap_geterr(handle))
            pcap_close(handle)
            switch rc {
            case PCAP_ERROR_NO_SUCH_DEVICE:
                throw CaptureError(.noSuchDevice, source: options.device, "no such interface (\(text)); list them with: ip -br link")
            case PCAP_ERROR_PERM_DENIED, PCAP_ERROR_PROMISC_PERM_DENIED:
                throw CaptureError(.permission, source: options.device,
                    "permission denied (\(text)): capturing needs CAP_NET_RAW (and CAP_NET_ADMIN for buffer settings); run as root or: sudo setcap cap_net_raw,cap_net_admin=eip $(command -v sshrst)")
            case PCAP_ERROR_IFACE_NOT_UP:
                throw CaptureError(.activate, source: options.device, "interface is down: \(text)")
            default:
                throw CaptureError(.activate, source: options.device, text.isEmpty ? "pcap_activate failed (\(rc))" : text)
            }
        }
        if rc > 0 {
            let text = String(cString: pcap_geterr(handle))
            warnings.append(text.isEmpty ? String(cString: pcap_statustostr(rc)) : text)
        }
        if nano && pcap_get_tstamp_precision(handle) != Int32(PCAP_TSTAMP_PRECISION_NANO) { nano = false }
        self.nanosecond = nano
        let dlt = pcap_datalink(handle)
        linkType = LinkType(dlt: dlt)
        // From here every stored property is set: a throw runs deinit, which closes the handle.
        guard linkType.isSupported else {
            throw CaptureError(.unsupportedLinkType, source: options.device, "unsupported link type \(dlt)")
        }
        // Non-blocking reads and our own poll(2) with a 100 ms timeout, so
        // flows end on time and --duration works while the link is quiet.
        pcap_setnonblock(handle, 1, &errbuf)
        selectableDescriptor = pcap_get_selectable_fd(handle)
        if let filter = options.filter {
            try PcapFilter.install(filter, on: handle, source: options.device)
        }
    }

    public let nanosecond: Bool
    var selectableDescriptor: Int32 = -1

    deinit {
        if let d = dumper { pcap_dump_close(d) }
        pcap_close(handle)
    }

    /// Writes every captured packet to `path` (pcap, like tcpdump -w). Calls `pcap_dump_open`.
    public func writeAll(to path: String) throws(CaptureError) {
        guard let d = pcap_dump_open(handle, path) else {
            throw CaptureError(.open, source: path, String(cString: pcap_geterr(handle)))
        }
        dumper = d
    }

    /// Flushes and closes the -w file (pcap_dump_close).
    public func closeDump() {
        if let d = dumper { pcap_dump_close(d) }
        dumper = nil
    }

    /// SIGINT and SIGTERM break the loop (pcap_breakloop).
    public func installSignalHandlers() {
        breakTarget = handle
        signal(SIGINT, requestBreak)
        signal(SIGTERM, requestBreak)
    }

    /// SIGHUP asks for the output file to be reopened (log rotation): the
    /// request is only noted; the owner of the loop takes it between batches
    /// (`takeReopenRequest`, from `run`'s `idle`), on the thread that writes
    /// the records, so no record is written while the file changes.
    public func installReopenHandler() {
        signal(SIGHUP, requestReopen)
    }

    /// True once per SIGHUP (several before the call count as one). The flag
    /// is cleared before the caller reopens, so a SIGHUP arriving meanwhile
    /// asks for one more reopen rather than being lost.
    public static func takeReopenRequest() -> Bool {
        guard reopenRequested != 0 else { return false }
        reopenRequested = 0
        return true
    }

    public static var stopRequested: Bool { breakRequested != 0 }
    public static func requestStop() { requestBreak(0) }

    /// Reads packets until `body` says stop, the loop is broken, or an
    /// error; `idle` runs after every batch (also when the 100 ms timeout
    /// passes without packets) with the current wall-clock time.
    public func run(_ body: (Frame, Span<UInt8>) -> ReadControl, idle: (Int64) -> ReadControl) throws(CaptureError) {
        var stop = false
        while !stop && breakRequested == 0 {
            if try dispatchOnce(waiting: 100, body) { stop = true }
            if idle(LiveCapture.now()) == .stop { stop = true }
        }
    }

    /// The wall clock in nanoseconds since the epoch (`clock_gettime(CLOCK_REALTIME)`), as packet timestamps are.
    public static func now() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) &* 1_000_000_000 &+ Int64(now.tv_nsec)
    }

    /// Waits at most `milliseconds` for packets (poll), then hands every packet ready to `body`; true when
    /// `body` said stop or the loop was broken. Calls `poll`, `pcap_dispatch`, `pcap_dump`, `pcap_dump_flush`.
    public func dispatchOnce(waiting milliseconds: Int32, _ body: (Frame, Span<UInt8>) -> ReadControl) throws(CaptureError) -> Bool {
        if selectableDescriptor >= 0 {
            var descriptor = pollfd(fd: selectableDescriptor, events: Int16(POLLIN), revents: 0)
            _ = poll(&descriptor, 1, milliseconds)
        }
        let rc = withoutActuallyEscaping(body) { escapable in
            var context = (escapable, self, false)
            return withUnsafeMutablePointer(to: &context) { pointer in
                pcap_dispatch(handle, -1, { user, header, data in
                    guard let user = user, let header = header, let data = data else { return }
                    let ctx = UnsafeMutableRawPointer(user).assumingMemoryBound(to: ((Frame, Span<UInt8>) -> ReadControl, LiveCapture, Bool).self)
                    if ctx.pointee.2 { return }
                    let capture = ctx.pointee.1
                    let captured = Int(header.pointee.caplen)
                    let sub = Int64(header.pointee.ts.tv_usec)
                    let time = Int64(header.pointee.ts.tv_sec) &* 1_000_000_000 &+ (capture.nanosecond ? sub : sub &* 1000)
                    if let d = capture.dumper {
                        pcap_dump(UnsafeMutableRawPointer(d).assumingMemoryBound(to: UInt8.self), header, data)
                    }
                    let frame = Frame(time: time, capturedLength: captured, wireLength: Int(header.pointee.len), linkType: capture.linkType)
                    let bytes = UnsafeBufferPointer(start: data, count: captured)
                    if ctx.pointee.0(frame, bytes.span) == .stop {
                        ctx.pointee.2 = true
                        pcap_breakloop(capture.handle)
                    }
                }, UnsafeMutableRawPointer(pointer).assumingMemoryBound(to: UInt8.self))
            }
        }
        if rc == PCAP_ERROR {
            throw CaptureError(.read, source: device, String(cString: pcap_geterr(handle)))
        }
        if let d = dumper { pcap_dump_flush(d) }
        return rc == PCAP_ERROR_BREAK
    }

    /// The kernel's counts (pcap_stats): received and dropped.
    public func statistics() -> (received: UInt32, dropped: UInt32, interfaceDropped: UInt32)? {
        var stats = pcap_stat()
        guard pcap_stats(handle, &stats) == 0 else { return nil }
        return (stats.ps_recv, stats.ps_drop, stats.ps_ifdrop)
    }
}

/// Drops root after the device is open (tcpdump's -Z): supplementary groups,
/// then group, then user. Calls `getpwnam`, `initgroups`, `setgid`, `setuid`.
public func dropPrivileges(to user: String) throws(CaptureError) {
    guard let entry = getpwnam(user) else {
        throw CaptureError(.permission, source: user, "no such user to drop privileges to")
    }
    let uid = entry.pointee.pw_uid
    let gid = entry.pointee.pw_gid
    guard initgroups(user, gid) == 0, setgid(gid) == 0, setuid(uid) == 0 else {
        throw CaptureError(.permission, source: user, "cannot drop privileges: \(String(cString: strerror(errno)))")
    }
}
