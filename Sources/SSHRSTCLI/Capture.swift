import ArgumentParser
import SSHRST
import SSHRSTCapture
import SSHRSTReport

#if canImport(Glibc)
import Glibc
#endif

struct Capture: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capture",
        abstract: "Analyse live traffic on an interface; report each flow as it ends.",
        discussion: """
            Opens the interface with libpcap (the kernel's TPACKET_V3 ring, -B KiB, packets handed \
            over within 100 ms; nanosecond timestamps where supported), \
            by default with a filter for the SSH ports and ICMP errors, 802.1Q and QinQ included \
            (ports from --port), and \
            reports every flow as soon as it ends (RST, FIN both ways, SYN timeout, idle expiry), \
            flushed per record so '| jq' and log shippers see it at once. A reset or closed flow is \
            held 5 s of capture time to catch what follows it (data after the RST, the peer's FIN). \
            Ctrl-C or SIGTERM stops: what is left in the ring is still read, open flows are \
            reported as they stand, then a summary with the kernel's received/dropped counts; exit 0. \
            SIGHUP reopens the -o file (log rotation: rename it, then send SIGHUP; no record is lost \
            or written twice). After the device is open sshrst drops root (-Z, default nobody; started \
            without root, e.g. with CAP_NET_RAW as an ambient capability, it stays the user it is) and \
            it never transmits.
            """)

    @Argument(help: ArgumentHelp("Interface, then an optional BPF expression replacing the default filter.", valueName: "interface"))
    var arguments: [String] = []

    @Option(name: [.customShort("i"), .long], help: ArgumentHelp("Interface to capture on (tcpdump's -i).", valueName: "interface"))
    var interface: String?

    @Option(name: [.customShort("c"), .long], help: "Stop after this many packets.")
    var count: Int?

    @Option(name: .long, help: ArgumentHelp("Stop after this many seconds.", valueName: "seconds"))
    var duration: Int?

    @Option(name: [.customShort("w"), .long], help: ArgumentHelp("Also write every captured packet to this pcap file.", valueName: "file"))
    var write: String?

    @Option(name: .long, help: ArgumentHelp("Write the packets of flows that ended badly (reset, refused, timed out) to this pcap, for Wireshark.", valueName: "file"))
    var writeResets: String?

    @Option(name: [.customShort("s"), .long], help: "Snap length in bytes (default keeps whole packets, so KEXINITs decode).")
    var snaplen: Int32 = 262_144

    @Option(name: [.customShort("B"), .long], help: ArgumentHelp("Kernel buffer size in KiB.", valueName: "KiB"))
    var bufferSize: Int32 = 8192

    @Option(name: [.customShort("Z"), .long], help: ArgumentHelp("User to switch to after opening the device (default nobody when started as root).", valueName: "user"))
    var user: String?

    @Option(name: .long, help: ArgumentHelp("Serve Prometheus metrics on this address (GET /metrics): flows by outcome, resets by attribution and cause, decode errors, kernel drops. Empty: none.", valueName: "addr:port"))
    var metrics: String?

    @Flag(name: .long, help: "Append to the -o file instead of replacing it (a service restarting keeps its earlier records).")
    var append = false
    @Flag(name: .long, help: ArgumentHelp("When the interface goes down or away, report the open flows, wait for it (retrying with backoff up to 5 s) and go on; the gaps are counted in the summary and metrics. Without it a lost interface ends the capture with exit 1. Meant for the service."))
    var reopen = false

    @Flag(name: .customShort("n"), help: "Do not resolve addresses (sshrst never does; accepted for tcpdump habits).")
    var numeric = false

    @OptionGroup var output: OutputOptions
    @OptionGroup var analysis: AnalysisOptions

    func validate() throws {
        if interface == nil && arguments.isEmpty { throw ValidationError("no interface given (sshrst capture eth0, or -i eth0)") }
        if snaplen < 64 || snaplen > 262_144 { throw ValidationError("--snaplen must be 64...262144") }
        if bufferSize < 64 { throw ValidationError("--buffer-size must be at least 64 KiB") }
        if let count, count < 1 { throw ValidationError("--count must be at least 1") }
        if let duration, duration < 1 { throw ValidationError("--duration must be at least 1 second") }
    }

    func run() throws {
        var rest = arguments
        let device = interface ?? rest.removeFirst()
        let ports = analysis.port.isEmpty ? [UInt16(22)] : analysis.port
        // The SSH ports and ICMP errors, untagged, 802.1Q and QinQ (each `vlan`
        // shifts the offsets of what follows it, hence the nesting).
        let base = "(" + ports.map { "tcp port \($0)" }.joined(separator: " or ") + ") or icmp or icmp6"
        let defaultFilter = "\(base) or (vlan and (\(base))) or (vlan and vlan and (\(base)))"
        var options = LiveCaptureOptions(device: device)
        options.snaplen = snaplen
        options.bufferSize = bufferSize * 1024
        options.filter = rest.isEmpty ? defaultFilter : rest.joined(separator: " ")
        let capture: LiveCapture
        do {
            capture = try LiveCapture(options)
        } catch let error {
            printError(error.description)
            throw ExitCode(error.kind == .filter ? 64 : 1)
        }
        for warning in capture.warnings { printError("\(device): warning: \(warning)") }
        // --write-resets: every packet is spooled (to -w or a temporary file)
        // and the bad flows' packets are copied out when the capture stops.
        var resetsWriter: PcapWriter? = nil
        var spool = write
        var spoolIsTemporary = false
        do {
            if let writeResets {
                resetsWriter = try PcapWriter(path: writeResets, dlt: capture.linkType.dlt, snaplen: snaplen)
                if spool == nil {
                    spool = "/tmp/sshrst-spool-\(getpid()).pcap"
                    spoolIsTemporary = true
                }
            }
            if let spool { try capture.writeAll(to: spool) }
        } catch let error {
            printError(error.description)
            throw ExitCode(1)
        }
        if let spool, getuid() == 0, let entry = getpwnam(user ?? "nobody") {
            // Readable again after root is dropped (tcpdump -Z does the same with its -w file).
            chown(spool, entry.pointee.pw_uid, entry.pointee.pw_gid)
        }
        var extractor = ResetExtractor()
        let writer = try RecordWriter(options: output, live: true, append: append)
        if getuid() == 0 || user != nil {
            do { try dropPrivileges(to: user ?? "nobody", keepCapture: reopen) } catch let error {
                printError(error.description)
                throw ExitCode(1)
            }
        }
        printError("listening on \(device), link type \(capture.linkType), filter '\(options.filter ?? "")'")
        let exporter: Metrics?
        do { exporter = try metrics.flatMap { $0.isEmpty ? nil : try Metrics(address: $0) } } catch {
            printError("\(error)")
            throw ExitCode(1)
        }
        let collectResets = resetsWriter != nil
        var configuration = analysis.configuration()
        configuration.ordered = false  // each flow as soon as it ends
        let analyzer = Analyzer(configuration: configuration) { record in
            exporter?.count(record)
            if collectResets { extractor.note(record) }
            writer.write(record)
        }
        capture.installSignalHandlers()
        if output.output != nil { capture.installReopenHandler() }
        var packets = 0
        var start: Int64? = nil
        let limit = count
        let seconds = duration.map { Int64($0) * 1_000_000_000 }
        var gaps = CaptureGaps()
        reading: while true {
        do {
            try capture.run({ frame, bytes in
                analyzer.ingest(frame, bytes)
                packets += 1
                if let limit, packets >= limit { return .stop }
                return .proceed
            }, idle: { now in
                if start == nil { start = now }
                // Log rotation: between batches, on this thread, so a record is never cut in two.
                if LiveCapture.takeReopenRequest() {
                    do { try writer.reopen() } catch { printError("\(error)") }
                }
                analyzer.advance(to: now)
                if let exporter {
                    exporter.packets.set(Int64(packets))
                    exporter.openFlows.set(Int64(analyzer.liveFlows))
                    exporter.decodeErrors.set(Int64(analyzer.stats.totalErrors))
                    if let stats = capture.statistics() {
                        exporter.kernelReceived.set(Int64(stats.received))
                        exporter.kernelDropped.set(Int64(stats.dropped))
                    }
                }
                if let seconds, let s = start, now - s >= seconds { return .stop }
                if writer.failure != nil { return .stop }
                return .proceed
            })
        } catch let error where error.kind == .read && !LiveCapture.stopRequested && writer.failure == nil {
            if reopen {
                switch gaps.reopen(capture, after: error, analyzer: analyzer, metrics: exporter) {
                case .reopened: continue reading
                case .stopped: break reading
                case .failed: break
                }
            } else { printError("\(error.description): capture lost (with --reopen sshrst waits for the interface and goes on)") }
            analyzer.finish(extra: gaps.summaryFields)
            throw ExitCode(1)
        } catch let error {
            printError(error.description)
            analyzer.finish(extra: gaps.summaryFields)
            throw ExitCode(1)
        }
        break reading
        }
        if let failure = writer.failure {
            printError(failure)
            throw ExitCode(1)
        }
        var extra: [(String, JSON)] = gaps.summaryFields
        if let stats = capture.statistics() {
            extra += [("kernel_received", .int(Int(stats.received))), ("kernel_dropped", .int(Int(stats.dropped))),
                     ("interface_dropped", .int(Int(stats.interfaceDropped)))]
        }
        analyzer.finish(extra: extra)
        if let resetsWriter, let spool {
            capture.closeDump()
            do {
                let n = try extractor.extract(from: spool, into: resetsWriter)
                printError("wrote \(n) packets of \(extractor.windows.count) reset/refused/timed-out flow(s) to \(writeResets ?? "")")
            } catch let error {
                printError(error.description)
            }
            if spoolIsTemporary { unlink(spool) }
        }
    }
}
