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

/// A live capture through libpcap: pcap_create, then snap length, a 100 ms
/// buffering timeout, nanosecond timestamps and buffer size, then pcap_activate
/// (whose warnings are returned), then a BPF filter. Never transmits.
///
/// Not immediate mode: on Linux libpcap then falls back from TPACKET_V3 to
/// TPACKET_V2, whose ring has one fixed slot per packet sized for the largest
/// (65 KiB with receive offloads), so 8 MiB held ~128 packets and a short
/// burst overflowed it. TPACKET_V3 packs packets into blocks that the kernel
/// hands over when full or after the timeout: the same buffer holds tens of
/// thousands of packets, at the cost of up to 100 ms latency (flows are
/// reported when they end, seconds later anyway).
///
/// Calls `pcap_create`, `pcap_set_snaplen`,
/// `pcap_set_tstamp_precision`, `pcap_set_buffer_size`, `pcap_set_timeout`,
/// `pcap_activate`, `pcap_setfilter`, `pcap_dispatch`, `pcap_stats`, `pcap_close`.
public final class LiveCapture {
    public let device: String
    public let linkType: LinkType
    public private(set) var warnings: [String] = []
    var handle: OpaquePointer
    var dumper: OpaquePointer? = nil

    public init(_ options: LiveCaptureOptions) throws(CaptureError) {
        device = options.device
        self.options = options
        let opened = try LiveCapture.open(options)
        handle = opened.handle
        linkType = opened.linkType
        nanosecond = opened.nanosecond
        selectableDescriptor = opened.descriptor
        warnings = opened.warnings
    }

    private struct Opened {
        var handle: OpaquePointer
        var linkType: LinkType
        var nanosecond: Bool
        var descriptor: Int32
        var warnings: [String]
    }

    /// pcap_create … pcap_activate, pcap_setfilter; the handle is closed on every failure.
    private static func open(_ options: LiveCaptureOptions) throws(CaptureError) -> Opened {
        var errbuf = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))
        let created = errbuf.withUnsafeMutableBufferPointer { pcap_create(options.device, $0.baseAddress) }
        guard let handle = created else {
            let text = String(decoding: errbuf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw CaptureError(.open, source: options.device, text)
        }
        pcap_set_snaplen(handle, options.snaplen)
        pcap_set_promisc(handle, options.promiscuous ? 1 : 0)
        pcap_set_timeout(handle, LiveCapture.bufferTimeoutMilliseconds)
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
        var warnings: [String] = []
        if rc > 0 {
            let text = String(cString: pcap_geterr(handle))
            warnings.append(text.isEmpty ? String(cString: pcap_statustostr(rc)) : text)
        }
        if nano && pcap_get_tstamp_precision(handle) != Int32(PCAP_TSTAMP_PRECISION_NANO) { nano = false }
        let dlt = pcap_datalink(handle)
        let linkType = LinkType(dlt: dlt)
        guard linkType.isSupported else {
            pcap_close(handle)
            throw CaptureError(.unsupportedLinkType, source: options.device, "unsupported link type \(dlt)")
        }
        // Non-blocking reads and our own poll(2) with a 100 ms timeout, so
        // flows end on time and --duration works while the link is quiet.
        pcap_setnonblock(handle, 1, &errbuf)
        let descriptor = pcap_get_selectable_fd(handle)
        if let filter = options.filter {
            do { try PcapFilter.install(filter, on: handle, source: options.device) } catch {
                pcap_close(handle)
                throw error
            }
        }
        return Opened(handle: handle, linkType: linkType, nanosecond: nano, descriptor: descriptor, warnings: warnings)
    }

    /// Closes the handle and opens the device again with the same options
    /// (after the interface went down or was deleted and created again). The
    /// -w file stays open; the kernel's counts so far are kept and added to
    /// the new handle's. On failure the old handle stays (closed reads fail
    /// again), so this can be retried.
    public func reopen() throws(CaptureError) {
        let opened = try LiveCapture.open(options)
        guard opened.linkType == linkType else {
            pcap_close(opened.handle)
            throw CaptureError(.unsupportedLinkType, source: device, "link type changed from \(linkType) to \(opened.linkType) on reopening")
        }
        _ = statistics()
        countsBefore = lastCounts
        if breakTarget == handle { breakTarget = opened.handle }
        pcap_close(handle)
        handle = opened.handle
        nanosecond = opened.nanosecond
        selectableDescriptor = opened.descriptor
        warnings = opened.warnings
    }

    let options: LiveCaptureOptions
    /// The kernel's counts of the handles closed by `reopen`.
    var countsBefore: (received: UInt32, dropped: UInt32, interfaceDropped: UInt32) = (0, 0, 0)
    /// The last counts `statistics()` read (a handle whose interface is gone may not answer).
    var lastCounts: (received: UInt32, dropped: UInt32, interfaceDropped: UInt32) = (0, 0, 0)
    public private(set) var nanosecond: Bool
    var selectableDescriptor: Int32 = -1

    deinit {
        if let d = dumper { pcap_dump_close(d) }
        pcap_close(handle)
    }

    /// Writes every captured packet to `path` (pcap, like tcpdump -w; "-" is standard output). Calls
    /// `pcap_dump_fopen`. The file is opened read-write, not `fopen`'s write-only "w": after a failed write
    /// `flushDump` reads the record headers back through the same descriptor, which works even once
    /// privileges are dropped and the path is out of reach.
    public func writeAll(to path: String) throws(CaptureError) {
        let opened: OpaquePointer?
        if path == "-" {
            opened = pcap_dump_open(handle, path)
        } else {
            let fd = Glibc.open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)
            guard fd >= 0 else { throw CaptureError(.open, source: path, String(cString: strerror(errno))) }
            guard let file = fdopen(fd, "w") else {
                let reason = String(cString: strerror(errno))
                Glibc.close(fd)
                throw CaptureError(.open, source: path, reason)
            }
            opened = pcap_dump_fopen(handle, file)
            if opened == nil { fclose(file) }
        }
        guard let d = opened else {
            throw CaptureError(.open, source: path, String(cString: pcap_geterr(handle)))
        }
        dumper = d
        dumpPath = path
        dumpGood = pcap_dump_ftell64(d)
    }

    var dumpPath: String? = nil
    /// The -w file's length after the last flush that succeeded: only whole records before it.
    var dumpGood: Int64 = 0

    /// Flushes the -w file; when the write fails (a full file system, say) the
    /// file is closed and cut back to the last whole record, and the error thrown.
    func flushDump() throws(CaptureError) {
        guard let d = dumper else { return }
        // ferror too: a write stdio made on its own (its buffer full) may have failed before.
        if pcap_dump_flush(d) == 0 && ferror(pcap_dump_file(d)) == 0 {
            dumpGood = pcap_dump_ftell64(d)
            return
        }
        let reason = String(cString: strerror(errno))
        // Cut the half-written packet off, and send what stdio still holds to /dev/null.
        let fd = fileno(pcap_dump_file(d))
        // What reached the disk after the last good flush: whole packets are kept
        // (record headers are in host byte order, as pcap_dump writes them).
        let end = lseek(fd, 0, SEEK_END)
        var header: (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0)
        while dumpGood + 16 <= Int64(end),
              pread(fd, &header, 16, off_t(dumpGood)) == 16,
              dumpGood + 16 + Int64(header.2) <= Int64(end)
        {
            dumpGood += 16 + Int64(header.2)
        }
        let cut = ftruncate(fd, off_t(dumpGood)) == 0
        let cutReason = String(cString: strerror(errno))
        let null = Glibc.open("/dev/null", O_WRONLY)
        if null >= 0 { dup2(null, fd); Glibc.close(null) }
        pcap_dump_close(d)
        dumper = nil
        throw CaptureError(.write, source: dumpPath ?? "-w", "cannot write: \(reason); " + (cut
            ? "the file ends with the last whole packet written (\(dumpGood) bytes)"
            : "cannot cut it back to the last whole packet (\(dumpGood) bytes): \(cutReason)"))
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
        // After SIGINT/SIGTERM the packets already in the kernel's ring are still
        // read (for at most `drainLimit`), so every flow that ended before the
        // signal is reported; `draining` is the deadline.
        var draining: Int64? = nil
        while !stop {
            if breakRequested != 0 && draining == nil {
                draining = LiveCapture.monotonic() &+ LiveCapture.drainLimit
            }
            if let deadline = draining, LiveCapture.monotonic() >= deadline { break }
            if draining == nil { try waitForPackets(milliseconds: 100) }
            let (rc, bodyStopped) = try dispatchReady(body)
            // The callback said stop (count reached); a signal's break only starts the drain.
            if bodyStopped { stop = true }
            // The ring is empty, and the block being filled at the signal has been handed over.
            if let deadline = draining, rc == 0,
               LiveCapture.monotonic() >= deadline &- LiveCapture.drainLimit &+ 2 &* Int64(LiveCapture.bufferTimeoutMilliseconds) &* 1_000_000
            {
                stop = true
            }
            try flushDump()
            if idle(LiveCapture.now()) == .stop { stop = true }
        }
    }

    /// The ring's block timeout: the longest a packet waits in the kernel.
    public static let bufferTimeoutMilliseconds: Int32 = 100

    /// How long the packets left in the ring are read after a stop signal.
    public static let drainLimit: Int64 = 3_000_000_000

    static func monotonic() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) &* 1_000_000_000 &+ Int64(now.tv_nsec)
    }

    /// The wall clock in nanoseconds since the epoch (`clock_gettime(CLOCK_REALTIME)`), as packet timestamps are.
    public static func now() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) &* 1_000_000_000 &+ Int64(now.tv_nsec)
    }

    /// Waits at most `milliseconds` for packets, then hands every packet ready to `body`; true when `body` said
    /// stop or the loop was broken (`sshrst trace`'s probe-by-probe reading).
    public func dispatchOnce(waiting milliseconds: Int32, _ body: (Frame, Span<UInt8>) -> ReadControl) throws(CaptureError) -> Bool {
        try waitForPackets(milliseconds: milliseconds)
        let (rc, bodyStopped) = try dispatchReady(body)
        try flushDump()
        return bodyStopped || rc == PCAP_ERROR_BREAK
    }

    /// Waits (`poll`) at most `milliseconds` for the capture descriptor. The kernel flags the packet socket
    /// ENETDOWN when the interface is set down (libpcap goes on reading silently once it is up again, and
    /// what passed meanwhile is lost): a gap, reported like a deleted interface. Calls `poll`, `getsockopt`.
    func waitForPackets(milliseconds: Int32) throws(CaptureError) {
        guard selectableDescriptor >= 0 else { return }
        var descriptor = pollfd(fd: selectableDescriptor, events: Int16(POLLIN), revents: 0)
        _ = poll(&descriptor, 1, milliseconds)
        if descriptor.revents & Int16(POLLERR) != 0 {
            var code: Int32 = 0
            var size = socklen_t(MemoryLayout<Int32>.size)
            if getsockopt(selectableDescriptor, SOL_SOCKET, SO_ERROR, &code, &size) == 0 && code == ENETDOWN {
                try flushDump()
                throw CaptureError(.read, source: device, "the interface went down")
            }
        }
    }

    /// Hands every packet ready to `body` (`pcap_dispatch`; `pcap_dump` to the -w file first); returns
    /// pcap_dispatch's result and whether `body` said stop.
    func dispatchReady(_ body: (Frame, Span<UInt8>) -> ReadControl) throws(CaptureError) -> (Int32, Bool) {
        let (rc, bodyStopped) = withoutActuallyEscaping(body) { escapable in
            var context = (escapable, self, false)
            let rc = withUnsafeMutablePointer(to: &context) { pointer in
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
            return (rc, context.2)
        }
        if rc == PCAP_ERROR {
            try flushDump()
            throw CaptureError(.read, source: device, String(cString: pcap_geterr(handle)))
        }
        return (rc, bodyStopped)
    }

    /// The kernel's counts (pcap_stats): received and dropped.
    public func statistics() -> (received: UInt32, dropped: UInt32, interfaceDropped: UInt32)? {
        var stats = pcap_stat()
        guard pcap_stats(handle, &stats) == 0 else { return nil }
        lastCounts = (countsBefore.received &+ stats.ps_recv, countsBefore.dropped &+ stats.ps_drop,
                      countsBefore.interfaceDropped &+ stats.ps_ifdrop)
        return lastCounts
    }
}

/// Drops root after the device is open (tcpdump's -Z): supplementary groups,
/// then group, then user. With `keepCapture` (capture --reopen, which opens the
/// device again later) CAP_NET_RAW and CAP_NET_ADMIN are kept, nothing else.
/// Calls `getpwnam`, `initgroups`, `setgid`, `setuid`, `prctl(PR_SET_KEEPCAPS)`, `capset`.
public func dropPrivileges(to user: String, keepCapture: Bool = false) throws(CaptureError) {
    guard let entry = getpwnam(user) else {
        throw CaptureError(.permission, source: user, "no such user to drop privileges to")
    }
    let uid = entry.pointee.pw_uid
    let gid = entry.pointee.pw_gid
    #if os(Linux)
    if keepCapture && uid != 0 && sshrst_keep_capabilities() != 0 {
        throw CaptureError(.permission, source: user, "cannot keep the capture capabilities: \(String(cString: strerror(errno)))")
    }
    #endif
    guard initgroups(user, gid) == 0, setgid(gid) == 0, setuid(uid) == 0 else {
        throw CaptureError(.permission, source: user, "cannot drop privileges: \(String(cString: strerror(errno)))")
    }
    #if os(Linux)
    if keepCapture && uid != 0 && sshrst_limit_to_capture_capabilities() != 0 {
        throw CaptureError(.permission, source: user, "cannot keep the capture capabilities: \(String(cString: strerror(errno)))")
    }
    #endif
}
