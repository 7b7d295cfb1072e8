import ArgumentParser
import SSHRST
import SSHRSTCapture
import SSHRSTReport
import SSHRSTWire

#if canImport(Glibc)
import Glibc
#endif

enum ExplainFormat: String, ExpressibleByArgument, CaseIterable {
    case text, svg
}

/// A time-sequence (ladder) diagram of one flow in the terminal, or as an SVG picture.
struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Draw one flow as a ladder diagram: every packet, the SSH messages, the RST and its evidence.",
        discussion: """
            UID is the flow's uid from analyze's output. Client on the left, server on the right, the \
            capture point marked. Each packet shows its time relative to the first, flags, relative \
            seq/ack, payload size, TTL and IP ID, and the SSH message it starts (banner, KEXINIT, \
            NEWKEYS, key exchange). The packets before a reset matter most: a long middle is elided \
            with a count (--head/--tail).
            """)

    @Argument(help: ArgumentHelp("The capture.", valueName: "file"), completion: .file())
    var file: String

    @Argument(help: ArgumentHelp("The flow's uid (from sshrst analyze).", valueName: "uid"))
    var uid: String

    @Option(name: .long, help: "Packets shown from the start before eliding.")
    var head: Int = 8

    @Option(name: .long, help: "Packets shown before the end.")
    var tail: Int = 16

    @Flag(name: .long, help: "Never colour.")
    var noColor = false

    @Option(name: .long, help: "text: the ladder in the terminal; svg: one self-contained SVG file (no scripts, no external fonts) to open in a browser, print or attach to a ticket, e.g. sshrst explain FILE UID --format svg > flow.svg")
    var format: ExplainFormat = .text

    @OptionGroup var analysis: AnalysisOptions

    struct Row {
        var time: Int64
        var fromClient: Bool
        var text: String
        var isReset: Bool
        var label: String
        var packet: LadderPacket
    }

    func run() throws {
        var target: JSON? = nil
        try analyzeFile(file, analysis.configuration()) { record in
            if record["uid"]?.stringValue == uid { target = record }
        }
        guard let flow = target else {
            printError("\(file): no flow with uid \(uid) (list them with: sshrst analyze --format jsonl \(file))")
            throw ExitCode(1)
        }
        guard let clientIP = flow.at("client.ip")?.stringValue, let clientPort = flow.at("client.port")?.intValue,
            let serverIP = flow.at("server.ip")?.stringValue, let serverPort = flow.at("server.port")?.intValue,
            let start = flow["ts"]?.nanoseconds, let duration = flow["duration"]?.nanoseconds
        else { throw ExitCode(1) }
        let end = start + duration
        var rows: [Row] = []
        var isn: [Bool: UInt32] = [:]
        var encrypted: [Bool: Bool] = [true: false, false: false]
        try? OfflineSource.read(path: file, filter: nil) { frame, bytes in
            guard frame.time >= start, frame.time <= end else { return frame.time > end ? .stop : .proceed }
            guard let dissection = try? Dissector.dissect(frame.linkType, bytes), case .tcp(let s) = dissection else { return .proceed }
            let src = s.ip.source.description
            let dst = s.ip.destination.description
            let fromClient: Bool
            if src == clientIP && Int(s.tcp.sourcePort) == clientPort && dst == serverIP && Int(s.tcp.destinationPort) == serverPort {
                fromClient = true
            } else if src == serverIP && Int(s.tcp.sourcePort) == serverPort && dst == clientIP && Int(s.tcp.destinationPort) == clientPort {
                fromClient = false
            } else {
                return .proceed
            }
            if s.tcp.flags.contains(.syn) { isn[fromClient] = s.tcp.seq }
            let seq = s.tcp.seq &- (isn[fromClient] ?? s.tcp.seq)
            let ack = s.tcp.ack &- (isn[!fromClient] ?? s.tcp.ack)
            var text = s.tcp.flags.tcpdumpText + " seq \(seq)"
            if s.tcp.flags.contains(.ack) { text += " ack \(ack)" }
            if s.payloadWireLength > 0 { text += " len \(s.payloadWireLength)" }
            text += " ttl \(s.ip.ttl)" + (s.ip.isIPv6 ? "" : " id \(s.ip.ipID)")
            var label = ""
            if s.payload.count > 0 {
                label = Explain.sshLabel(bytes, s.payload, encrypted: encrypted[fromClient] ?? false)
                if label.hasPrefix("NEWKEYS") { encrypted[fromClient] = true }
            }
            let packet = LadderPacket(
                time: frame.time, fromClient: fromClient, flags: s.tcp.flags.tcpdumpText, seq: seq,
                ack: s.tcp.flags.contains(.ack) ? ack : nil, payloadLength: s.payloadWireLength, ttl: Int(s.ip.ttl),
                ipID: s.ip.isIPv6 ? nil : Int(s.ip.ipID), label: label, isReset: s.tcp.flags.contains(.rst))
            rows.append(Row(time: frame.time, fromClient: fromClient, text: text, isReset: s.tcp.flags.contains(.rst), label: label, packet: packet))
            return .proceed
        }
        switch format {
        case .text: print(render(flow, rows: rows, start: start))
        case .svg: print(LadderSVG.render(flow: flow, packets: rows.map(\.packet), start: start), terminator: "")
        }
    }

    /// Names the SSH message a segment starts with (cleartext part only).
    static func sshLabel(_ bytes: Span<UInt8>, _ range: Range<Int>, encrypted: Bool) -> String {
        if encrypted { return "encrypted" }
        let n = range.count
        if n >= 4, bytes.u8(at: range.lowerBound) == 0x53, bytes.u8(at: range.lowerBound + 1) == 0x53,
            bytes.u8(at: range.lowerBound + 2) == 0x48, bytes.u8(at: range.lowerBound + 3) == 0x2d
        {
            var text: [UInt8] = []
            var i = range.lowerBound
            while i < range.upperBound, let b = bytes.u8(at: i), b != 0x0d, b != 0x0a, text.count < 60 {
                text.append(b >= 0x20 && b < 0x7f ? b : 0x3f)
                i += 1
            }
            return "banner " + String(decoding: text, as: UTF8.self)
        }
        guard n >= 6, let length = bytes.be32(at: range.lowerBound), length >= 2, length <= 35_000,
            let type = bytes.u8(at: range.lowerBound + 5)
        else { return "" }
        switch type {
        case 1: return "DISCONNECT"
        case 20: return "KEXINIT"
        case 21: return "NEWKEYS"
        case 30: return "KEX init (30)"
        case 31: return "KEX reply/group (31)"
        case 32: return "KEX GEX init (32)"
        case 33: return "KEX GEX reply (33)"
        case 34: return "KEX GEX request (34)"
        default: return ""
        }
    }

    func paint(_ s: String, _ code: String) -> String {
        let color = !noColor && getenv("NO_COLOR") == nil && isatty(STDOUT_FILENO) == 1
        return color ? "\u{1b}[\(code)m\(s)\u{1b}[0m" : s
    }

    func render(_ flow: JSON, rows: [Row], start: Int64) -> String {
        let width = 58
        let client = TextRenderer.endpoint(flow["client"])
        let server = TextRenderer.endpoint(flow["server"])
        let vantage = flow["vantage"]?.stringValue ?? "unknown"
        var out = "flow \(uid): \(flow["outcome"]?.stringValue ?? "?") in phase \(flow["phase"]?.stringValue ?? "?"), "
            + "\(flow["conn_state"]?.stringValue ?? "?") \(flow["history"]?.stringValue ?? "")\n"
        let capture: String
        switch vantage {
        case "client": capture = "capture point: [*] at the client"
        case "server": capture = "capture point: [*] at the server"
        case "middle": capture = "capture point: [*] on the path between them"
        default: capture = "capture point: unknown (TTLs do not tell)"
        }
        let leftMark = vantage == "client" ? "[*] " : ""
        let rightMark = vantage == "server" ? " [*]" : ""
        out += "\(capture)\n\n"
        out += "            " + TextRenderer.pad(leftMark + "client " + client, width + 2) + "server " + server + rightMark + "\n"
        let resets = flow["resets"]?.arrayValue ?? []
        var resetIndex = 0
        func line(_ r: Row) -> String {
            let rel: String = formatSeconds(r.time - start, decimals: 6)
            let timeText: String = TextRenderer.pad("+" + rel, 11)
            let body: String = " " + r.text + " "
            let fill: Int = max(2, width - body.count - 2)
            let dash: String = r.isReset ? "=" : "-"
            let bar: String = String(repeating: dash, count: fill)
            let arrow: String = r.fromClient ? "|" + body + bar + ">|" : "|<" + bar + body + "|"
            var text: String = timeText + " "
            text += r.isReset ? paint(arrow, "1;31") : arrow
            if !r.label.isEmpty { text += "  " + r.label }
            if r.isReset, resetIndex < resets.count {
                let e: JSON = resets[resetIndex]
                resetIndex += 1
                let who: String = e["attribution"]?.stringValue ?? "?"
                let confidence: String = e["confidence"]?.serialized() ?? "?"
                text += "  RST -> " + paint(who, "1") + " (" + confidence + ")"
                for ev in e["evidence"]?.arrayValue ?? [] {
                    let rule: String = ev["rule"]?.stringValue ?? ""
                    let points: String = ev["points_to"]?.stringValue ?? ""
                    let detail: String = ev["detail"]?.stringValue ?? ""
                    text += "\n" + String(repeating: " ", count: 14) + "  " + rule + " [" + points + "]: " + detail
                }
            }
            return text + "\n"
        }
        if rows.count <= head + tail {
            for r in rows { out += line(r) }
        } else {
            for r in rows.prefix(head) { out += line(r) }
            // Resets hidden in the elided middle still count for matching evidence to RSTs.
            for r in rows.dropFirst(head).dropLast(tail) where r.isReset { resetIndex += 1 }
            out += String(repeating: " ", count: 12) + "|   ... \(rows.count - head - tail) packets elided ..." + "\n"
            for r in rows.suffix(tail) { out += line(r) }
        }
        if let d = flow["diagnosis"], !d.isNull {
            out += "\ncause: " + (d["cause"]?.stringValue ?? "?") + ": " + (d["summary"]?.stringValue ?? "") + "\n"
        }
        return out
    }
}

extension JSON {
    func at(_ path: String) -> JSON? {
        var current: JSON? = self
        for part in path.split(separator: ".") { current = current?[String(part)] }
        return current
    }
}
