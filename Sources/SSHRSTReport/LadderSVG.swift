/// One packet of a flow, as the ladder diagram draws it.
public struct LadderPacket: Sendable {
    public var time: Int64
    public var fromClient: Bool
    /// tcpdump-style flags, e.g. "S", "S.", "P.", "R".
    public var flags: String
    /// Sequence and acknowledgement numbers relative to each side's ISN.
    public var seq: UInt32
    public var ack: UInt32?
    public var payloadLength: Int
    public var ttl: Int
    public var ipID: Int?
    /// The SSH message the segment starts (banner, KEXINIT, NEWKEYS, "encrypted"), or empty.
    public var label: String
    public var isReset: Bool

    public init(time: Int64, fromClient: Bool, flags: String, seq: UInt32, ack: UInt32?, payloadLength: Int, ttl: Int,
                ipID: Int?, label: String, isReset: Bool) {
        self.time = time
        self.fromClient = fromClient
        self.flags = flags
        self.seq = seq
        self.ack = ack
        self.payloadLength = payloadLength
        self.ttl = ttl
        self.ipID = ipID
        self.label = label
        self.isReset = isReset
    }

    /// SYN, FIN, RST or an SSH message other than encrypted data: never folded away.
    var isLandmark: Bool {
        isReset || flags.contains("S") || flags.contains("F") || (!label.isEmpty && label != "encrypted")
    }
}

/// Draws one flow as a ladder (sequence) diagram in one self-contained SVG file: client and server
/// lifelines, the capture point, every packet as an arrow (flags, length, TTL, IP ID; runs of data
/// segments folded), the handshake RTT, each RST in its attribution's colour and, for a middlebox, drawn
/// from the hop the TTL evidence gives; the verdict and the diagnosis as the caption. No scripts, no
/// external fonts or images: it reads in a browser and prints.
public enum LadderSVG {
    static let width = 1100
    static let left = 250
    static let right = 850
    static let rowHeight = 30
    static let top = 118

    /// Colours by attribution (readable in print as well as on screen).
    public static func color(_ attribution: String) -> String {
        switch attribution {
        case "server": return "#c0392b"
        case "client": return "#1f5fa8"
        case "middlebox": return "#7d3c98"
        default: return "#6e6e6e"
        }
    }

    /// XML text: & < > " ' escaped; control characters dropped.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default:
                if ch.value < 0x20 && ch != "\t" { continue }
                out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    /// Words wrapped to lines of at most `columns` characters.
    static func wrap(_ text: String, _ columns: Int) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty && line.count + 1 + word.count > columns {
                lines.append(line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }

    /// Seconds since the flow's first packet, microseconds: "+0.020554".
    static func relative(_ ns: Int64) -> String {
        let us = max(0, ns) / 1000
        let whole = us / 1_000_000
        let fraction = String(us % 1_000_000)
        return "+\(whole)." + String(repeating: "0", count: 6 - fraction.count) + fraction
    }

    /// An item on the ladder: a packet, or a folded run of data segments.
    enum Item {
        case packet(LadderPacket, resetIndex: Int?)
        case folded(count: Int, clientPackets: Int, serverPackets: Int, bytes: Int, from: Int64, to: Int64)
        /// Nothing on the wire for this long (an idle period: what an idle reset follows).
        case gap(Int64)
    }

    /// Gaps between packets at least this long are drawn as idle periods.
    static let idleGapNs: Int64 = 1_000_000_000

    /// Runs of more than `keep * 2 + 2` unremarkable packets keep `keep` at each end and fold the rest.
    static func items(_ packets: [LadderPacket], keep: Int = 2) -> [Item] {
        var out: [Item] = []
        var resetIndex = 0
        var run: [LadderPacket] = []
        func flush() {
            if run.count > keep * 2 + 2 {
                for p in run.prefix(keep) { out.append(.packet(p, resetIndex: nil)) }
                let middle = run.dropFirst(keep).dropLast(keep)
                let client = middle.filter(\.fromClient).count
                out.append(.folded(
                    count: middle.count, clientPackets: client, serverPackets: middle.count - client,
                    bytes: middle.reduce(0) { $0 + $1.payloadLength },
                    from: middle.first?.time ?? 0, to: middle.last?.time ?? 0))
                for p in run.suffix(keep) { out.append(.packet(p, resetIndex: nil)) }
            } else {
                for p in run { out.append(.packet(p, resetIndex: nil)) }
            }
            run = []
        }
        for p in packets {
            if p.isLandmark {
                flush()
                if p.isReset {
                    out.append(.packet(p, resetIndex: resetIndex))
                    resetIndex += 1
                } else {
                    out.append(.packet(p, resetIndex: nil))
                }
            } else {
                run.append(p)
            }
        }
        flush()
        // Idle periods between consecutive items.
        var withGaps: [Item] = []
        var last: Int64? = nil
        for item in out {
            let (first, end): (Int64, Int64)
            switch item {
            case .packet(let p, _): (first, end) = (p.time, p.time)
            case .folded(_, _, _, _, let from, let to): (first, end) = (from, to)
            case .gap: continue
            }
            if let last, first - last >= idleGapNs { withGaps.append(.gap(first - last)) }
            withGaps.append(item)
            last = end
        }
        return withGaps
    }

    /// The initial TTL a received TTL most likely started from.
    static func initialTTL(_ ttl: Int) -> Int { ttl <= 64 ? 64 : ttl <= 128 ? 128 : 255 }

    public static func render(flow: JSON, packets: [LadderPacket], start: Int64) -> String {
        let uid = flow["uid"]?.stringValue ?? "?"
        let client = TextRenderer.endpoint(flow["client"])
        let server = TextRenderer.endpoint(flow["server"])
        let vantage = flow["vantage"]?.stringValue ?? "unknown"
        let outcome = flow["outcome"]?.stringValue ?? "?"
        let phase = flow["phase"]?.stringValue ?? "?"
        let resets = flow["resets"]?.arrayValue ?? []
        let clientHops = flow["ttl"]?["client"]?["hops"]?.intValue ?? 0
        let serverHops = flow["ttl"]?["server"]?["hops"]?.intValue ?? 0
        // Routers between the two ends that decrement TTL, as the capture point sees them.
        let routers: Int
        let captureIndex: Double  // position in router units: 0 = client, routers + 1 = server
        switch vantage {
        case "client": routers = serverHops; captureIndex = 0.25
        case "server": routers = clientHops; captureIndex = Double(routers) + 0.75
        case "middle": routers = clientHops + serverHops; captureIndex = Double(clientHops) + 0.5
        default: routers = 0; captureIndex = -1
        }
        func x(_ index: Double) -> Int {
            left + Int((Double(right - left) * index / Double(routers + 1)).rounded())
        }
        let list = items(packets)

        // Where each middlebox RST came from: hop d from the capture point toward the end it claims to be.
        var middleboxIndex: [Int: Double] = [:]
        for case .packet(let p, let r?) in list where r < resets.count {
            guard resets[r]["attribution"]?.stringValue == "middlebox" else { continue }
            let hops = initialTTL(p.ttl) - p.ttl
            let towardServer = !p.fromClient  // it claims the server: it sits between the capture point and the server
            var index = towardServer ? (captureIndex.rounded(.down) + Double(hops) + 1) : (captureIndex.rounded(.up) - Double(hops) - 1)
            index = min(max(index, 0.5), Double(routers) + 0.5)
            middleboxIndex[r] = routers == 0 ? 0.5 : index
        }

        var body = ""
        var y = top
        let rowsHeight = list.count * rowHeight
        let lifelineEnd = top + rowsHeight + 10
        // Lifelines.
        body += "<line x1=\"\(left)\" y1=\"\(top - 30)\" x2=\"\(left)\" y2=\"\(lifelineEnd)\" stroke=\"#222\" stroke-width=\"2\"/>\n"
        body += "<line x1=\"\(right)\" y1=\"\(top - 30)\" x2=\"\(right)\" y2=\"\(lifelineEnd)\" stroke=\"#222\" stroke-width=\"2\"/>\n"
        body += "<text x=\"\(left)\" y=\"\(top - 38)\" text-anchor=\"middle\" class=\"end\">client \(escape(client))</text>\n"
        body += "<text x=\"\(right)\" y=\"\(top - 38)\" text-anchor=\"middle\" class=\"end\">server \(escape(server))</text>\n"
        // Routers on the path (thin), the capture point (a dashed line with a label), middleboxes (their colour).
        if routers > 0 {
            for i in 1...min(routers, 16) {
                let rx = x(Double(i))
                body += "<line x1=\"\(rx)\" y1=\"\(top - 24)\" x2=\"\(rx)\" y2=\"\(lifelineEnd)\" stroke=\"#ccc\" stroke-width=\"1\"/>\n"
                body += "<text x=\"\(rx)\" y=\"\(top - 26)\" text-anchor=\"middle\" class=\"small\">hop \(i)</text>\n"
            }
        }
        if captureIndex >= 0 {
            let cx = x(captureIndex)
            body += "<line x1=\"\(cx)\" y1=\"\(top - 18)\" x2=\"\(cx)\" y2=\"\(lifelineEnd)\" stroke=\"#2e8b57\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>\n"
            body += "<text x=\"\(cx)\" y=\"\(top - 8)\" text-anchor=\"middle\" class=\"small\" fill=\"#2e8b57\">capture point (\(escape(vantage)))</text>\n"
        }
        for (_, index) in middleboxIndex.sorted(by: { $0.key < $1.key }).prefix(1) {
            let mx = x(index)
            body += "<line x1=\"\(mx)\" y1=\"\(top - 30)\" x2=\"\(mx)\" y2=\"\(lifelineEnd)\" stroke=\"\(color("middlebox"))\" stroke-width=\"2\" stroke-dasharray=\"2 3\"/>\n"
            body += "<text x=\"\(mx)\" y=\"\(lifelineEnd + 16)\" text-anchor=\"middle\" class=\"small\" fill=\"\(color("middlebox"))\">middlebox (from the RST's TTL)</text>\n"
        }

        // RTT brackets from the handshake.
        var handshakeY: [String: Int] = [:]
        var rowY = top
        for item in list {
            if case .packet(let p, _) = item {
                if p.flags == "S" && handshakeY["syn"] == nil { handshakeY["syn"] = rowY }
                if p.flags == "S." && handshakeY["synack"] == nil { handshakeY["synack"] = rowY }
                if p.flags == "." && handshakeY["synack"] != nil && handshakeY["ack"] == nil { handshakeY["ack"] = rowY }
            }
            rowY += rowHeight
        }
        if let rtt = flow["rtt_ms"], !rtt.isNull {
            func bracket(_ from: Int?, _ to: Int?, _ label: String, _ bx: Int) {
                guard let from, let to, to > from else { return }
                body += "<path d=\"M \(bx + 6) \(from + 4) H \(bx) V \(to + 4) H \(bx + 6)\" fill=\"none\" stroke=\"#b9770e\" stroke-width=\"1.5\"/>\n"
                body += "<text x=\"\(bx - 4)\" y=\"\((from + to) / 2 + 8)\" text-anchor=\"end\" class=\"small\" fill=\"#b9770e\">\(escape(label))</text>\n"
            }
            if let leg = rtt["server_leg"]?.serialized() { bracket(handshakeY["syn"], handshakeY["synack"], "RTT \(leg) ms", left - 118) }
            if let leg = rtt["client_leg"]?.serialized() { bracket(handshakeY["synack"], handshakeY["ack"], "RTT \(leg) ms", left - 118) }
        }

        // Packets.
        for item in list {
            switch item {
            case .gap(let ns):
                let seconds = ns >= 10_000_000_000 ? "\(ns / 1_000_000_000).\(ns / 100_000_000 % 10)" : "\(ns / 1_000_000_000).\(String(1000 + ns / 1_000_000 % 1000).dropFirst())"
                body += "<text x=\"\((left + right) / 2)\" y=\"\(y + 10)\" text-anchor=\"middle\" class=\"idle\">⋯ \(seconds) s with no packets (idle) ⋯</text>\n"
            case .folded(let count, let c, let s, let bytes, let from, let to):
                body += "<rect x=\"\(left + 4)\" y=\"\(y - 6)\" width=\"\(right - left - 8)\" height=\"\(rowHeight - 8)\" rx=\"4\" fill=\"#f2f2f2\" stroke=\"#bbb\"/>\n"
                body += "<text x=\"\((left + right) / 2)\" y=\"\(y + 10)\" text-anchor=\"middle\" class=\"small\">… \(count) data segments folded (client \(c), server \(s), \(bytes) bytes of payload), \(relative(from - start)) to \(relative(to - start)) s …</text>\n"
            case .packet(let p, let r):
                let attribution = r.flatMap { $0 < resets.count ? resets[$0]["attribution"]?.stringValue : nil } ?? "undetermined"
                let stroke = p.isReset ? color(attribution) : "#333"
                let width = p.isReset ? 2.5 : 1.2
                var fromX = p.fromClient ? left : right
                if let r, let index = middleboxIndex[r] { fromX = x(index) }
                let toX = p.fromClient ? right : left
                let y1 = y
                let y2 = y + 12
                let head = toX > fromX ? toX - 10 : toX + 10
                body += "<text x=\"\(left - 10)\" y=\"\(y + 10)\" text-anchor=\"end\" class=\"time\">\(relative(p.time - start))</text>\n"
                body += "<line x1=\"\(fromX)\" y1=\"\(y1)\" x2=\"\(head)\" y2=\"\(y2)\" stroke=\"\(stroke)\" stroke-width=\"\(width)\"/>\n"
                body += "<path d=\"M \(toX) \(y2) L \(head) \(y2 - 5) L \(head) \(y2 + 5) Z\" fill=\"\(stroke)\"/>\n"
                var text = p.flags + " seq \(p.seq)"
                if let ack = p.ack { text += " ack \(ack)" }
                if p.payloadLength > 0 { text += " len \(p.payloadLength)" }
                text += " ttl \(p.ttl)"
                if let id = p.ipID { text += " id \(id)" }
                let mid = (fromX + toX) / 2
                body += "<text x=\"\(mid)\" y=\"\(y1 + 2)\" text-anchor=\"middle\" class=\"pkt\"\(p.isReset ? " fill=\"\(stroke)\" font-weight=\"bold\"" : "")>\(escape(text))</text>\n"
                var note = p.label
                if p.isReset, let r, r < resets.count {
                    note = "RST by \(attribution) (\(resets[r]["confidence"]?.serialized() ?? "?"))"
                }
                if !note.isEmpty {
                    let short = note.count > 32 ? String(note.prefix(31)) + "…" : note
                    body += "<text x=\"\(right + 10)\" y=\"\(y + 10)\" class=\"note\"\(p.isReset ? " fill=\"\(stroke)\" font-weight=\"bold\"" : "")>\(escape(short))</text>\n"
                }
            }
            y += rowHeight
        }

        // Caption: the verdict and the diagnosis.
        var caption: [(String, String)] = []  // (text, class)
        if let reset = flow["reset"], !reset.isNull {
            caption.append(("Verdict: the RST that ended the flow was sent by the \(reset["attribution"]?.stringValue ?? "?") (confidence \(reset["confidence"]?.serialized() ?? "?")).", "capb"))
            if let e = reset["explanation"]?.stringValue { caption += wrap(e, 125).map { ($0, "cap") } }
        } else if let icmp = flow["icmp"]?.arrayValue?.first {
            caption.append(("Verdict: ICMP \(icmp["name"]?.stringValue ?? "?") from \(icmp["sender_ip"]?.stringValue ?? "?") (\(icmp["attribution"]?.stringValue ?? "?")).", "capb"))
        } else {
            caption.append(("No RST or ICMP error in this flow.", "capb"))
        }
        if let d = flow["diagnosis"], !d.isNull {
            caption.append(("Diagnosis: \(d["cause"]?.stringValue ?? "?")", "capb"))
            caption += wrap(d["summary"]?.stringValue ?? "", 125).map { ($0, "cap") }
        }
        var captionText = ""
        var cy = lifelineEnd + 44
        for (line, cls) in caption {
            captionText += "<text x=\"20\" y=\"\(cy)\" class=\"\(cls)\">\(escape(line))</text>\n"
            cy += 17
        }
        // Legend.
        var legend = ""
        var lx = 20
        for who in ["server", "client", "middlebox", "undetermined"] {
            legend += "<rect x=\"\(lx)\" y=\"\(cy + 4)\" width=\"14\" height=\"10\" fill=\"\(color(who))\"/>"
            legend += "<text x=\"\(lx + 20)\" y=\"\(cy + 14)\" class=\"small\">RST by \(who)</text>\n"
            lx += 150
        }
        let height = cy + 30

        var svg = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\">\n"
        svg += "<title>sshrst: flow \(escape(uid)), \(escape(client)) to \(escape(server))</title>\n"
        svg += "<style>text{font-family:'DejaVu Sans Mono','Menlo','Consolas',monospace;font-size:12px;fill:#111}"
        svg += ".h{font-size:15px;font-weight:bold}.end{font-size:13px;font-weight:bold}.small{font-size:11px}"
        svg += ".time{font-size:11px;fill:#555}.pkt{font-size:11px}.note{font-size:11px;fill:#333}.idle{font-size:12px;font-style:italic;fill:#b9770e}.cap{font-size:12px}.capb{font-size:12px;font-weight:bold}</style>\n"
        svg += "<rect x=\"0\" y=\"0\" width=\"\(width)\" height=\"\(height)\" fill=\"#ffffff\"/>\n"
        let state = (flow["conn_state"]?.stringValue ?? "") + " " + (flow["history"]?.stringValue ?? "")
        svg += "<text x=\"20\" y=\"28\" class=\"h\">flow \(escape(uid)): \(escape(outcome.uppercased())) in phase \(escape(phase)) (\(escape(state)))</text>\n"
        svg += "<text x=\"20\" y=\"48\" class=\"small\">\(packets.count) packets seen at the capture point; times relative to the first; seq/ack relative to each side's ISN</text>\n"
        svg += body + captionText + legend + "\n</svg>\n"
        return svg
    }
}
