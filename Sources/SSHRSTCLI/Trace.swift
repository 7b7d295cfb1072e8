import ArgumentParser
import SSHRST
import SSHRSTAttribution
import SSHRSTCapture
import SSHRSTReport
import SSHRSTWire

#if canImport(Glibc)
import Glibc
#endif

struct Trace: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Find the box on the path that resets SSH connections. SENDS PACKETS (the only subcommand that does).",
        discussion: """
            Needs root or CAP_NET_RAW: replies are watched with libpcap on the outgoing interface. Every \
            probe goes to HOST only, from this host's own address, through the kernel's TCP stack (an \
            ordinary connect() and write() with IP_TTL / IPV6_UNICAST_HOPS set per probe).

            Path: TCP SYNs with TTL 1, 2, ... until the server answers (or --max-hops): each hop's ICMP \
            time-exceeded source, RTT, and what the quoted header shows was changed on the way (TTL, \
            IP ID, sequence offset, window, MSS).

            Trigger: for each TTL k up to the server's hop, a connection made with the normal TTL, then \
            the client's identification line and a KEXINIT like OpenSSH's (or --trigger FILE) sent with \
            TTL k. A reset (or ICMP error) that first comes back for TTL k, short of the server, is a box \
            at hop k-1 or k, and the reset's own TTL says which; one that comes only once the trigger \
            reaches the server is the server's, unless its TTL says it left from a closer hop.

            Then a verdict in analyze's vocabulary (middlebox / server, confidence, evidence), with \
            analyze's own verdict on the same packets. At most 2 x --max-hops probe connections (the \
            bound is printed before the first is sent), paced by --rate, stopped by --time-limit. \
            analyze and capture never send anything.
            """)

    @Argument(help: ArgumentHelp("The SSH server to probe (name or address); the only destination of every probe.", valueName: "host"))
    var host: String

    @Option(name: [.short, .long], help: "TCP port of the SSH server.")
    var port: UInt16 = 22

    @Flag(name: .customShort("4"), help: "Use IPv4.")
    var ipv4 = false

    @Flag(name: .customShort("6"), help: "Use IPv6.")
    var ipv6 = false

    @Option(name: .long, help: ArgumentHelp("Highest TTL probed.", valueName: "hops"))
    var maxHops: Int = 30

    @Option(name: .long, help: ArgumentHelp("Most probe connections started per second.", valueName: "per-second"))
    var rate: Double = 10

    @Option(name: .long, help: ArgumentHelp("Seconds to wait for the reply to each probe.", valueName: "seconds"))
    var wait: Double = 1

    @Option(name: .long, help: ArgumentHelp("Hard limit on the whole run, in seconds.", valueName: "seconds"))
    var timeLimit: Int = 120

    @Option(name: .long, help: ArgumentHelp("Send this file's bytes as the trigger instead of an OpenSSH-like identification line and KEXINIT (at most 16 KiB).", valueName: "file"), completion: .file())
    var trigger: String?

    @Option(name: [.customShort("w"), .long], help: ArgumentHelp("Write every probe and reply to this pcap file (for Wireshark).", valueName: "file"))
    var write: String?

    @Option(name: .long, help: "Output format: text (default on a terminal) or jsonl (JSON Lines, the default otherwise).")
    var format: TraceFormat?

    func validate() throws {
        if ipv4 && ipv6 { throw ValidationError("-4 and -6 exclude each other") }
        guard (1...64).contains(maxHops) else { throw ValidationError("--max-hops must be 1...64") }
        guard rate > 0 && rate <= 100 else { throw ValidationError("--rate must be more than 0 and at most 100 per second") }
        guard wait >= 0.05 && wait <= 10 else { throw ValidationError("--wait must be 0.05...10 seconds") }
        guard (1...3600).contains(timeLimit) else { throw ValidationError("--time-limit must be 1...3600 seconds") }
        guard port != 0 else { throw ValidationError("--port must be 1...65535") }
    }

    func run() throws {
        var triggerBytes = TraceTrigger.openSSHLike()
        if let trigger {
            guard let bytes = TraceTrigger.read(trigger) else {
                printError("cannot read the trigger file \(trigger) (missing, empty or over 16 KiB)")
                throw ExitCode(64)
            }
            triggerBytes = bytes
        }
        let target: ProbeAddress
        let route: (source: ProbeAddress, interface: String)
        do {
            target = try ProbeAddress.resolve(host, family: ipv4 ? 4 : ipv6 ? 6 : nil)
            route = try target.route(port: port)
        } catch {
            printError("cannot reach \(host): \(error)")
            throw ExitCode(1)
        }
        let targetText = TraceRun.ipAddress(target).description
        let limit = 2 * maxHops
        printError("""
            trace: sends at most \(limit) probe connections (\(maxHops) TCP SYNs with TTL 1...\(maxHops), \(maxHops) \
            triggers of \(triggerBytes.count) bytes) to \(targetText) port \(port) only, from \(TraceRun.ipAddress(route.source).description) \
            on \(route.interface), at most \(TraceRun.rateText(rate)) per second, for at most \(timeLimit) s
            """)

        let capture: LiveCapture
        do {
            var options = LiveCaptureOptions(device: route.interface)
            options.snaplen = 65_535
            options.bufferSize = 2 << 20
            let icmp = target.isIPv6 ? "icmp6" : "icmp"
            options.filter = "(tcp and host \(targetText) and port \(port)) or \(icmp)"
            capture = try LiveCapture(options)
            if let write { try capture.writeAll(to: write) }
        } catch {
            printError(error.description)
            throw ExitCode(1)
        }
        let run = TraceRun(
            capture: capture, target: target, source: route.source, port: port, maxHops: maxHops, rate: rate,
            wait: wait, timeLimit: timeLimit, trigger: triggerBytes)
        capture.installSignalHandlers()
        do {
            try run.probe()
        } catch let error as ProbeError {
            printError("probe failed: \(error)")
            capture.closeDump()
            throw ExitCode(1)
        } catch let error as CaptureError {
            printError(error.description)
            capture.closeDump()
            throw ExitCode(1)
        }
        capture.closeDump()
        let report = run.report()
        let useText = format.map { $0 == .text } ?? (isatty(STDOUT_FILENO) == 1)
        let text = useText ? report.text(interface: route.interface) : report.jsonLines()
        print(text, terminator: "")
        fflush(nil)
    }
}

enum TraceFormat: String, ExpressibleByArgument, CaseIterable {
    case text, jsonl
}

/// The default trigger: what OpenSSH's client sends first, its identification line and a KEXINIT (RFC 4253 §4.2,
/// §7.1), which is what a firewall keyed on SSH content reacts to.
enum TraceTrigger {
    static let maximumFileSize = 16_384

    static func openSSHLike() -> [UInt8] {
        var out = Array("SSH-2.0-OpenSSH_9.6p1 sshrst-trace\r\n".utf8)
        let lists = [
            "sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group14-sha256,ext-info-c,kex-strict-c-v00@openssh.com",
            "ssh-ed25519-cert-v01@openssh.com,ecdsa-sha2-nistp256-cert-v01@openssh.com,rsa-sha2-512-cert-v01@openssh.com,ssh-ed25519,ecdsa-sha2-nistp256,rsa-sha2-512,rsa-sha2-256",
            "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com",
            "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com",
            "umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,umac-64@openssh.com,umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1",
            "umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,umac-64@openssh.com,umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1",
            "none,zlib@openssh.com", "none,zlib@openssh.com", "", "",
        ]
        // SSH_MSG_KEXINIT, a fixed cookie (the trigger is the same every run), the ten name-lists,
        // first_kex_packet_follows, reserved.
        var payload: [UInt8] = [20] + (0..<16).map { UInt8(0x5a ^ $0) }
        for list in lists {
            let n = UInt32(list.utf8.count)
            payload += [UInt8(n >> 24), UInt8(n >> 16 & 0xff), UInt8(n >> 8 & 0xff), UInt8(n & 0xff)] + Array(list.utf8)
        }
        payload += [0, 0, 0, 0, 0]
        // Binary packet (RFC 4253 §6): length, padding length, payload, padding to a multiple of 8 (at least 4).
        var padding = 8 - (5 + payload.count) % 8
        if padding < 4 { padding += 8 }
        let length = UInt32(1 + payload.count + padding)
        out += [UInt8(length >> 24), UInt8(length >> 16 & 0xff), UInt8(length >> 8 & 0xff), UInt8(length & 0xff), UInt8(padding)]
        out += payload + [UInt8](repeating: 0, count: padding)
        return out
    }

    static func read(_ path: String) -> [UInt8]? { ProbeSocket.readTrigger(path, limit: maximumFileSize) }
}

/// One probe connection and what came back for it.
final class TraceProbe {
    enum Phase: String { case path, trigger }
    let phase: Phase
    let ttl: Int
    let localPort: UInt16
    /// Capture time of the probe's first packet (the SYN for a path probe, the trigger's first segment).
    var sentAt: Int64?
    /// The SYN as it left: for the tracebox comparison with the quoted header.
    var sentSeq: UInt32 = 0
    var sentWindow: UInt16 = 0
    var sentMSS: UInt16?
    var sentIPID: UInt16 = 0
    /// Path probe: the first reply. Trigger probe: the reset or ICMP error after the trigger.
    var reply: TraceReply?
    var replyAt: Int64?
    /// What the quoted header shows changed on the way (path probes).
    var changes: [String] = []
    /// Trigger probe state.
    var connected = false
    var refused: TraceReply?
    var triggerSent = false
    var expiredAt: String?
    var expiredTTL: UInt8?
    var note: String?

    init(phase: Phase, ttl: Int, localPort: UInt16) {
        self.phase = phase
        self.ttl = ttl
        self.localPort = localPort
    }
}

/// The probing run: sockets out, libpcap in.
final class TraceRun {
    let capture: LiveCapture
    let target: ProbeAddress
    let targetIP: IPAddress
    let sourceIP: IPAddress
    let port: UInt16
    let maxHops: Int
    let rate: Double
    let wait: Double
    let trigger: [UInt8]
    let started: Int64
    let deadline: Int64
    var lastStart: Int64 = .min
    var probes: [TraceProbe] = []
    var byPort: [UInt16: TraceProbe] = [:]
    /// Every frame seen (bounded), replayed through the Analyzer afterwards.
    var frames: [(Frame, [UInt8])] = []
    var frameBytes = 0
    /// At most 2 x 64 probe connections of a few packets each are expected; the budget only stops a busy
    /// interface (other traffic matching the filter) from growing this without bound.
    static let maximumFrames = 20_000
    static let maximumFrameBytes = 32 << 20
    var serverHop: Int?
    var stopReason: String?

    init(capture: LiveCapture, target: ProbeAddress, source: ProbeAddress, port: UInt16, maxHops: Int, rate: Double,
         wait: Double, timeLimit: Int, trigger: [UInt8]) {
        self.capture = capture
        self.target = target
        self.targetIP = TraceRun.ipAddress(target)
        self.sourceIP = TraceRun.ipAddress(source)
        self.port = port
        self.maxHops = maxHops
        self.rate = rate
        self.wait = wait
        self.trigger = trigger
        started = LiveCapture.now()
        deadline = started + Int64(timeLimit) * 1_000_000_000
    }

    static func ipAddress(_ a: ProbeAddress) -> IPAddress {
        func word(_ bytes: ArraySlice<UInt8>) -> UInt64 { bytes.reduce(0) { $0 << 8 | UInt64($1) } }
        if a.isIPv6 { return IPAddress(v6High: word(a.bytes[0..<8]), v6Low: word(a.bytes[8..<16])) }
        return IPAddress(v4: UInt32(truncatingIfNeeded: word(a.bytes[0..<4])))
    }

    static func rateText(_ r: Double) -> String {
        r == r.rounded() ? String(Int(r)) : String(r)
    }

    var timeUp: Bool { LiveCapture.now() >= deadline || LiveCapture.stopRequested }
    var stopText: String { LiveCapture.stopRequested ? "interrupted" : "time limit reached" }

    // MARK: probing

    func probe() throws {
        // 1. path
        for k in 1...maxHops {
            guard try pace() else { stopReason = "\(stopText) during the path probes"; break }
            let s = try ProbeSocket(to: target, port: port)
            try s.setHopLimit(k)
            try s.startConnect()
            let p = register(.path, k, s.localPort)
            try pump(seconds: wait) { p.reply != nil }
            if p.reply?.kind == .synAck { s.drain() }
            s.abort()
            if let r = p.reply, r.kind != .timeExceeded {
                if r.kind == .synAck { serverHop = k }
                break
            }
        }
        // 2. trigger, up to the server's hop
        guard let serverHop else {
            if stopReason == nil {
                stopReason = probes.contains { $0.reply?.kind == .reset || $0.reply?.kind == .icmpError }
                    ? "the handshake is refused on the path: no trigger can be sent"
                    : "the server did not answer within \(maxHops) hops: no trigger sent"
            }
            return
        }
        for k in 1...serverHop {
            guard try pace() else { stopReason = "\(stopText) during the trigger probes"; break }
            let s = try ProbeSocket(to: target, port: port)
            try s.startConnect()
            let p = register(.trigger, k, s.localPort)
            var state = ProbeSocket.ConnectState.pending
            try pump(seconds: max(wait, 2)) {
                state = s.connectState(waiting: 0)
                return state != .pending || p.refused != nil
            }
            guard state == .connected else {
                p.note = p.refused != nil ? "handshake refused" : "handshake not completed"
                s.abort()
                continue
            }
            if timeUp {
                s.abort()
                stopReason = "\(stopText) during the trigger probes"
                break
            }
            p.connected = true
            try s.setHopLimit(k)
            p.triggerSent = true
            s.send(trigger)
            try pump(seconds: wait) { p.reply != nil }
            s.drain()
            s.abort()
        }
    }

    func register(_ phase: TraceProbe.Phase, _ ttl: Int, _ localPort: UInt16) -> TraceProbe {
        let p = TraceProbe(phase: phase, ttl: ttl, localPort: localPort)
        probes.append(p)
        byPort[localPort] = p
        return p
    }

    /// Waits until the next probe may start (--rate), reading replies meanwhile; false when the time limit
    /// passed or the run was interrupted (then nothing more may be sent).
    func pace() throws -> Bool {
        let gap = Int64(1_000_000_000 / rate)
        if lastStart != .min {
            let next = lastStart + gap
            while LiveCapture.now() < next && !timeUp {
                try pump(seconds: Double(next - LiveCapture.now()) / 1e9) { false }
            }
        }
        if timeUp { return false }
        lastStart = LiveCapture.now()
        return true
    }

    /// Reads replies for at most `seconds` (and never past the time limit) or until `done`.
    func pump(seconds: Double, until done: () -> Bool) throws {
        let end = min(deadline, LiveCapture.now() + Int64(seconds * 1e9))
        while !done() {
            let now = LiveCapture.now()
            if now >= end || LiveCapture.stopRequested { break }
            let ms = Int32(max(1, min(10, (end - now) / 1_000_000)))
            _ = try capture.dispatchOnce(waiting: ms) { frame, bytes in
                self.observe(frame, bytes)
                return .proceed
            }
        }
    }

    // MARK: matching replies to probes

    func observe(_ frame: Frame, _ bytes: Span<UInt8>) {
        if frames.count < TraceRun.maximumFrames, frameBytes + bytes.count <= TraceRun.maximumFrameBytes {
            frameBytes += bytes.count
            var copy = [UInt8]()
            copy.reserveCapacity(bytes.count)
            for i in bytes.indices { copy.append(bytes[i]) }
            frames.append((frame, copy))
        }
        let dissection: Dissection
        do { dissection = try Dissector.dissect(frame.linkType, bytes) } catch { return }
        switch dissection {
        case .tcp(let segment):
            let ip = segment.ip
            let tcp = segment.tcp
            if ip.source == sourceIP, ip.destination == targetIP, tcp.destinationPort == port, let p = byPort[tcp.sourcePort] {
                if p.phase == .path, p.sentAt == nil, tcp.flags.contains(.syn) {
                    p.sentAt = frame.time
                    p.sentSeq = tcp.seq
                    p.sentWindow = tcp.window
                    p.sentIPID = ip.ipID
                    p.sentMSS = TCPHeader.mss(bytes, at: ip.payloadOffset)
                }
                if p.phase == .trigger, p.triggerSent, p.sentAt == nil, segment.payloadWireLength > 0 {
                    p.sentAt = frame.time
                }
                return
            }
            guard ip.source == targetIP, ip.destination == sourceIP, tcp.sourcePort == port, let p = byPort[tcp.destinationPort] else { return }
            let reply = TraceReply(
                kind: tcp.flags.contains(.rst) ? .reset : .synAck, from: ip.source.description, ttl: ip.ttl, ipID: ip.ipID,
                dontFragment: ip.dontFragment, isIPv6: ip.isIPv6, flowLabel: ip.flowLabel)
            switch p.phase {
            case .path:
                guard p.reply == nil, tcp.flags.contains(.rst) || tcp.flags.contains([.syn, .ack]) else { return }
                p.reply = reply
                p.replyAt = frame.time
            case .trigger:
                guard tcp.flags.contains(.rst) else { return }
                if !p.triggerSent {
                    if p.refused == nil { p.refused = reply }
                } else if p.reply == nil {
                    p.reply = reply
                    p.replyAt = frame.time
                }
            }
        case .icmpError(let e):
            guard e.quotedSource == sourceIP, e.quotedDestination == targetIP, e.quotedDestinationPort == port,
                let p = byPort[e.quotedSourcePort]
            else { return }
            let isTimeExceeded = e.ip.isIPv6 ? e.type == 3 : e.type == 11
            let reply = TraceReply(
                kind: isTimeExceeded ? .timeExceeded : .icmpError, from: e.ip.source.description, ttl: e.ip.ttl,
                ipID: e.ip.ipID, dontFragment: e.ip.dontFragment, isIPv6: e.ip.isIPv6, flowLabel: e.ip.flowLabel,
                icmpName: e.name)
            switch p.phase {
            case .path:
                guard p.reply == nil else { return }
                p.reply = reply
                p.replyAt = frame.time
                if isTimeExceeded { p.changes = TraceRun.changes(e, probe: p) }
            case .trigger:
                if isTimeExceeded {
                    if p.triggerSent && p.expiredAt == nil {
                        p.expiredAt = reply.from
                        p.expiredTTL = reply.ttl
                    }
                } else if !p.triggerSent {
                    if p.refused == nil { p.refused = reply }
                } else if p.reply == nil {
                    p.reply = reply
                    p.replyAt = frame.time
                }
            }
        case .skipped:
            return
        }
    }

    /// tracebox: what the quoted header shows was changed between this host and the hop.
    static func changes(_ e: ICMPError, probe p: TraceProbe) -> [String] {
        guard p.sentAt != nil else { return [] }
        var out: [String] = []
        // The probe expires at this hop: it arrives with TTL 1 (a router quotes the header as it arrived).
        if e.quotedTTL != 1 { out.append("ttl: quoted \(e.quotedTTL), expected 1") }
        if !e.ip.isIPv6, let quotedID = e.quotedIPID, quotedID != p.sentIPID { out.append("ip_id: \(p.sentIPID) -> \(quotedID)") }
        if let seq = e.quotedSeq, seq != p.sentSeq {
            let offset = Int64(Int32(bitPattern: seq &- p.sentSeq))
            out.append("seq: offset \(offset > 0 ? "+" : "")\(offset)")
        }
        if let w = e.quotedWindow, w != p.sentWindow { out.append("window: \(p.sentWindow) -> \(w)") }
        if let m = e.quotedMSS, let sent = p.sentMSS, m != sent { out.append("mss: \(sent) -> \(m)") }
        return out
    }

    // MARK: result

    func report() -> TraceReport {
        let path = probes.filter { $0.phase == .path }
        let triggers = probes.filter { $0.phase == .trigger }
        let pathProbes = path.map { TracePathProbe(ttl: $0.ttl, reply: $0.reply) }
        let triggerProbes = triggers.map {
            TraceTriggerProbe(ttl: $0.ttl, connected: $0.connected, reset: $0.reply, expiredAt: $0.expiredAt)
        }
        var verdict = TraceLocator.locate(path: pathProbes, triggers: triggerProbes, destination: targetIP.description)
        if !verdict.resetSeen, let stopReason, serverHop != nil {
            // A run cut short proves nothing about the TTLs it did not probe.
            verdict.reason = "no reset in the probes sent, but the run stopped early (\(stopReason)): not every trigger TTL was tried"
        }
        // The same packets through analyze's engine: its verdict on the locating reset.
        var analyzed: JSON? = nil
        if verdict.resetSeen, let k = verdict.firstTTL {
            let phase: TraceProbe.Phase = verdict.stage == "trigger" ? .trigger : .path
            if let p = probes.first(where: { $0.phase == phase && $0.ttl == k }) {
                analyzed = analyzeVerdict(clientPort: p.localPort)
            }
        }
        return TraceReport(
            target: targetIP.description, source: sourceIP.description, port: port, triggerBytes: trigger.count,
            path: path, triggers: triggers, verdict: verdict, analyze: analyzed, serverHop: serverHop,
            stopReason: stopReason, elapsed: LiveCapture.now() - started, frames: frames.count)
    }

    func analyzeVerdict(clientPort: UInt16) -> JSON? {
        var configuration = AnalyzerConfiguration()
        configuration.sshPorts = [port]
        var records: [JSON] = []
        let analyzer = Analyzer(configuration: configuration) { records.append($0) }
        for (frame, bytes) in frames {
            bytes.withUnsafeBufferPointer { analyzer.ingest(frame, $0.span) }
        }
        _ = analyzer.finish()
        for r in records where r["type"]?.stringValue == "flow" && r["client"]?["port"]?.intValue == Int(clientPort) {
            let reset = r["reset"].flatMap { $0.isNull ? nil : $0 } ?? r["resets"]?.arrayValue?.first
            var fields: [(String, JSON)] = [("uid", r["uid"] ?? .null), ("outcome", r["outcome"] ?? .null), ("phase", r["phase"] ?? .null)]
            if let reset {
                fields.append(("attribution", reset["attribution"] ?? .null))
                fields.append(("confidence", reset["confidence"] ?? .null))
                fields.append(("evidence", .array((reset["evidence"]?.arrayValue ?? []).compactMap { $0["rule"] })))
            }
            if let cause = r["diagnosis"]?["cause"] { fields.append(("cause", cause)) }
            return .object(fields)
        }
        return nil
    }
}

/// What `sshrst trace` prints.
struct TraceReport {
    var target: String
    var source: String
    var port: UInt16
    var triggerBytes: Int
    var path: [TraceProbe]
    var triggers: [TraceProbe]
    var verdict: TraceVerdict
    var analyze: JSON?
    var serverHop: Int?
    var stopReason: String?
    var elapsed: Int64
    var frames: Int

    static func ms(_ ns: Int64) -> String {
        let us = max(0, ns / 1000)
        let frac = us % 1000
        return "\(us / 1000).\(frac < 10 ? "00" : frac < 100 ? "0" : "")\(frac) ms"
    }

    static func seconds(_ ns: Int64) -> String {
        let cs = max(0, ns / 10_000_000)
        return "\(cs / 100).\(cs % 100 < 10 ? "0" : "")\(cs % 100) s"
    }

    static func replyText(_ r: TraceReply, from: Bool = false) -> String {
        var s: String
        switch r.kind {
        case .timeExceeded: s = "time exceeded"
        case .synAck: s = "SYN-ACK"
        case .reset: s = "RST"
        case .icmpError: s = "ICMP \(r.icmpName ?? "error")"
        }
        if from { s += " from \(r.from)" }
        s += r.isIPv6 ? ", hop limit \(r.ttl)" : ", TTL \(r.ttl)"
        if r.kind == .reset {
            s += r.isIPv6 ? ", flow label \(r.flowLabel)" : ", IP ID \(r.ipID)\(r.dontFragment ? ", DF" : "")"
        }
        return s
    }

    func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }

    func text(interface: String) -> String {
        var out = "trace to \(target) port \(port) from \(source) on \(interface)\n"
        out += "path (TCP SYN with TTL 1, 2, ...):\n"
        for p in path {
            let ttl = pad(String(p.ttl), 3)
            guard let r = p.reply else {
                out += "  \(ttl)\(pad("*", 40))silent: no reply within the wait\n"
                continue
            }
            let rtt = p.replyAt.flatMap { at in p.sentAt.map { TraceReport.ms(at - $0) } } ?? "?"
            var line = "  \(ttl)\(pad(r.from, 26))\(pad(rtt, 14))\(TraceReport.replyText(r))"
            if r.kind == .synAck { line += "  (server)" }
            if !p.changes.isEmpty { line += "  changed: " + p.changes.joined(separator: "; ") }
            out += line + "\n"
        }
        if !triggers.isEmpty {
            out += "trigger (\(triggerBytes) bytes sent with TTL k on a connection made with the normal TTL):\n"
            for t in triggers {
                let ttl = pad(String(t.ttl), 3)
                if !t.connected {
                    out += "  \(ttl)\(t.note ?? "no connection")\(t.refused.map { ": " + TraceReport.replyText($0, from: true) } ?? "")\n"
                    continue
                }
                var line = "  \(ttl)"
                if let r = t.reply {
                    line += TraceReport.replyText(r, from: true)
                    if let at = t.replyAt, let sent = t.sentAt { line += ", \(TraceReport.ms(at - sent)) after the trigger" }
                    if t.ttl == verdict.firstTTL && verdict.stage == "trigger" { line += "  <- first reset" }
                } else {
                    line += "no reset"
                }
                if let e = t.expiredAt { line += "; expired at \(e)" }
                out += line + "\n"
            }
        }
        let v = verdict
        if v.resetSeen {
            let level = v.confidence >= 0.75 ? "high" : v.confidence > 0 ? "medium" : "none"
            out += v.attribution == .undetermined ? "verdict: undetermined (\(v.reason))" : "verdict: \(v.reason)"
            out += " (confidence \(JSON.fraction(v.confidence).serialized()), \(level))\n"
            for e in v.evidence {
                out += "  \(e.rule.rawValue) [\(e.pointsTo.rawValue)\(e.weight == 0 ? ", informational" : "")] \(e.detail)\n"
            }
        } else {
            out += "verdict: \(v.reason)\n"
        }
        if let a = analyze {
            let rules = (a["evidence"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: " + ")
            out += "analyze on the same packets: \(a["attribution"]?.stringValue ?? "-") \(a["confidence"]?.serialized() ?? "")"
            out += rules.isEmpty ? "" : " (\(rules))"
            if let c = a["cause"]?.stringValue { out += ", cause \(c)" }
            out += "\n"
        }
        for p in path where p.reply == nil {
            out += "note: hop \(p.ttl) is silent (no ICMP time exceeded)\n"
        }
        if let s = stopReason { out += "note: \(s)\n" }
        out += "probes: \(path.count + triggers.count) connections (\(path.count) path, \(triggers.count) trigger) in \(TraceReport.seconds(elapsed))\n"
        return out
    }

    static func replyJSON(_ r: TraceReply?) -> JSON {
        guard let r else { return .null }
        var f: [(String, JSON)] = [("kind", .string(r.kind.rawValue)), ("from", .string(r.from)), ("ttl", .int(Int(r.ttl)))]
        if r.kind == .reset {
            if r.isIPv6 { f.append(("flow_label", .int(Int(r.flowLabel)))) } else {
                f.append(("ip_id", .int(Int(r.ipID))))
                f.append(("df", .bool(r.dontFragment)))
            }
        }
        if let n = r.icmpName, r.kind == .icmpError || r.kind == .timeExceeded { f.append(("icmp", .string(n))) }
        return .object(f)
    }

    func jsonLines() -> String {
        var lines: [JSON] = []
        for p in path {
            let rtt: JSON = p.replyAt.flatMap { at in p.sentAt.map { JSON.seconds(at - $0) } } ?? .null
            lines.append(.object([
                ("type", .string("trace_hop")), ("ttl", .int(p.ttl)),
                ("address", p.reply.map { .string($0.from) } ?? .null),
                ("silent", .bool(p.reply == nil)), ("rtt", rtt), ("reply", TraceReport.replyJSON(p.reply)),
                ("changes", .array(p.changes.map { .string($0) })),
            ]))
        }
        for t in triggers {
            lines.append(.object([
                ("type", .string("trace_trigger")), ("ttl", .int(t.ttl)), ("connected", .bool(t.connected)),
                ("reset", TraceReport.replyJSON(t.reply)), ("expired_at", .optionalString(t.expiredAt)),
                ("refused", TraceReport.replyJSON(t.refused)),
            ]))
        }
        let v = verdict
        var f: [(String, JSON)] = [
            ("type", .string("trace_verdict")), ("target", .string(target)), ("port", .int(Int(port))),
            ("source", .string(source)), ("reset_seen", .bool(v.resetSeen)),
            ("attribution", v.resetSeen ? .string(v.attribution.rawValue) : .null),
            ("confidence", JSON.fraction(v.confidence)), ("hop", .optionalInt(v.hop)),
            ("address", .optionalString(v.address)), ("stage", .optionalString(v.stage)),
            ("first_ttl", .optionalInt(v.firstTTL)), ("ttl_hop", .optionalInt(v.ttlHop)),
            ("signature", .optionalString(v.signature)), ("reset", TraceReport.replyJSON(v.reset)),
            ("server_hop", .optionalInt(serverHop)),
            ("silent_hops", .array(path.filter { $0.reply == nil }.map { .int($0.ttl) })),
            ("evidence", .array(v.evidence.map {
                .object([("rule", .string($0.rule.rawValue)), ("points_to", .string($0.pointsTo.rawValue)), ("detail", .string($0.detail))])
            })),
            ("reason", .string(v.reason)), ("analyze", analyze ?? .null),
            ("probes", .int(path.count + triggers.count)), ("note", .optionalString(stopReason)),
        ]
        f.append(("elapsed", JSON.seconds(elapsed)))
        lines.append(.object(f))
        return lines.map { $0.serialized() + "\n" }.joined()
    }
}
