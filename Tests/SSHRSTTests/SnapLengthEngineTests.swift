import SSHRST
import SSHRSTCapture
import SSHRSTReport
import SSHRSTWire
import Testing

/// A TCP conversation on 192.0.2.10:40001 > 203.0.113.10:22 as raw IPv4 frames (DLT_RAW), with TCP
/// timestamps on every segment (32-byte header, as Linux sends) and options on the SYNs, so a snap length
/// of 40 + 14 cuts every header inside its options.
struct RawConversation {
    var frames: [(time: Int64, bytes: [UInt8])] = []
    var time: Int64 = 1_700_000_000_000_000_000
    var clientSeq: UInt32 = 1000
    var serverSeq: UInt32 = 5000
    var clientID: UInt16 = 0x4000
    var serverID: UInt16 = 0x7000

    mutating func send(fromClient: Bool, _ flags: UInt8, payload: Int = 0, ttl: UInt8? = nil, id: UInt16? = nil, advance: Int64 = 10_000_000) {
        time += advance
        let options: [UInt8] = flags & 0x02 != 0
            ? [2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7]  // MSS, SACK ok, TS, NOP, wscale 7
            : [1, 1, 8, 10, 0, 0, 0, 2, 0, 0, 0, 1]  // NOP NOP TS
        let tcpLength = 20 + options.count
        let total = 20 + tcpLength + payload
        let ipID: UInt16
        if let id {
            ipID = id
        } else if fromClient {
            clientID &+= 1
            ipID = clientID
        } else {
            serverID &+= 1
            ipID = serverID
        }
        var b: [UInt8] = [0x45, 0, UInt8(total >> 8), UInt8(total & 0xff), UInt8(ipID >> 8), UInt8(ipID & 0xff), 0x40, 0,
                          ttl ?? (fromClient ? 64 : 62), 6, 0, 0]
        b += fromClient ? [192, 0, 2, 10, 203, 0, 113, 10] : [203, 0, 113, 10, 192, 0, 2, 10]
        let (sport, dport): (UInt16, UInt16) = fromClient ? (40001, 22) : (22, 40001)
        let seq = fromClient ? clientSeq : serverSeq
        let ack: UInt32 = flags & 0x10 != 0 ? (fromClient ? serverSeq : clientSeq) : 0
        b += [UInt8(sport >> 8), UInt8(sport & 0xff), UInt8(dport >> 8), UInt8(dport & 0xff)]
        b += [UInt8(seq >> 24), UInt8((seq >> 16) & 0xff), UInt8((seq >> 8) & 0xff), UInt8(seq & 0xff)]
        b += [UInt8(ack >> 24), UInt8((ack >> 16) & 0xff), UInt8((ack >> 8) & 0xff), UInt8(ack & 0xff)]
        b += [UInt8(tcpLength / 4) << 4, flags, 0x01, 0xf5, 0, 0, 0, 0] + options
        b += [UInt8](repeating: 0x41, count: payload)
        frames.append((time, b))
        let step = UInt32(payload) + (flags & 0x02 != 0 ? 1 : 0) + (flags & 0x01 != 0 ? 1 : 0)
        if flags & 0x04 == 0 {
            if fromClient { clientSeq &+= step } else { serverSeq &+= step }
        }
    }

    static let fin: UInt8 = 0x01, syn: UInt8 = 0x02, rst: UInt8 = 0x04, psh: UInt8 = 0x08, ack: UInt8 = 0x10

    mutating func handshake() {
        send(fromClient: true, Self.syn)
        send(fromClient: false, Self.syn | Self.ack)
        send(fromClient: true, Self.ack)
    }

    /// The flow records of the engine run over these frames, each cut to `snap` bytes (0: whole).
    func flows(snap: Int = 0) -> [JSON] {
        var records: [JSON] = []
        let analyzer = Analyzer(configuration: AnalyzerConfiguration()) { records.append($0) }
        for f in frames {
            let bytes = snap > 0 ? Array(f.bytes.prefix(snap)) : f.bytes
            analyzer.ingest(Frame(time: f.time, capturedLength: bytes.count, wireLength: f.bytes.count, linkType: .raw), bytes.span)
        }
        _ = analyzer.finish()
        return records.filter { $0["type"]?.stringValue == "flow" }
    }
}

@Suite struct SnapLengthEngineTests {
    /// The TCP-level facts of a flow record: what a header-only capture must keep.
    static func tcpFacts(_ f: JSON) -> [String] {
        ["outcome", "conn_state", "history", "packets", "bytes", "reset.attribution", "reset.seq_status", "reset.claimed_sender"]
            .map { "\($0)=\(f.at($0)?.serialized() ?? "-")" }
    }

    /// A session with data both ways, reset by the server's socket: at every snap length from the first
    /// 14 TCP bytes up, the same outcome, conn_state, history, packet and byte counts and RST verdict.
    @Test func headerOnlyKeepsEveryTCPFact() {
        var c = RawConversation()
        c.handshake()
        c.send(fromClient: false, RawConversation.psh | RawConversation.ack, payload: 41)
        c.send(fromClient: true, RawConversation.psh | RawConversation.ack, payload: 41)
        c.send(fromClient: true, RawConversation.psh | RawConversation.ack, payload: 1400)
        c.send(fromClient: false, RawConversation.psh | RawConversation.ack, payload: 1000)
        c.send(fromClient: true, RawConversation.ack)
        c.send(fromClient: false, RawConversation.rst | RawConversation.ack)
        let whole = c.flows()
        #expect(whole.count == 1)
        guard let w = whole.first else { return }
        #expect(w["payload_not_captured"] == nil)
        // Raw IPv4: the TCP header starts at 20 and is 32 bytes long; 34 leaves its first 14 bytes.
        for snap in [34, 35, 36, 40, 44, 48, 51, 52, 54, 68, 96, 128] {
            let cut = c.flows(snap: snap)
            #expect(cut.count == 1, "snap \(snap)")
            guard let f = cut.first else { continue }
            #expect(Self.tcpFacts(f) == Self.tcpFacts(w), "snap \(snap)")
            #expect(f["anomalies"]?.serialized().contains("truncated_by_snaplen") == true, "snap \(snap)")
            #expect(f.at("payload_not_captured.client")?.intValue ?? 0 > 0, "snap \(snap)")
        }
        // Below the first 14 TCP bytes there is nothing to make a flow of.
        #expect(c.flows(snap: 33).isEmpty)
    }

    /// The in-window rules need the receiver's window: with it cut away (header cut before byte 16, or a
    /// SYN cut inside its options so the window scale is unknown) the RST's seq status is `unknown`, never
    /// `in_window` or `out_of_window` on a guessed window.
    @Test func windowNotCapturedMakesSeqStatusUnknown() {
        var c = RawConversation()
        c.handshake()
        c.send(fromClient: false, RawConversation.psh | RawConversation.ack, payload: 100)
        c.send(fromClient: true, RawConversation.ack)
        // A RST claiming the server, 100 bytes past what the client expects: inside its window, not exact.
        c.serverSeq &+= 100
        c.send(fromClient: false, RawConversation.rst, id: 0)
        #expect(c.flows().first?.at("reset.seq_status")?.stringValue == "in_window")
        // Raw IPv4, TCP at 20: 34 and 35 leave no window; 36 leaves the window but the SYNs' options (wscale)
        // are cut until 20 + 40.
        for snap in [34, 35, 36, 48, 59] {
            #expect(c.flows(snap: snap).first?.at("reset.seq_status")?.stringValue == "unknown", "snap \(snap)")
        }
        #expect(c.flows(snap: 60).first?.at("reset.seq_status")?.stringValue == "in_window")
    }

    /// Zeek's UpdateClosedState: a RST after the same side's FIN, while the peer has not closed, resets that
    /// side (RSTO / RSTR, not SF).
    @Test func finThenResetFromTheClientIsRSTO() {
        var c = RawConversation()
        c.handshake()
        c.send(fromClient: false, RawConversation.psh | RawConversation.ack, payload: 41)
        c.send(fromClient: true, RawConversation.fin | RawConversation.ack)
        c.send(fromClient: false, RawConversation.ack)
        c.send(fromClient: true, RawConversation.rst | RawConversation.ack)
        for snap in [0, 34, 40, 54] {
            guard let f = c.flows(snap: snap).first else { Issue.record("no flow at snap \(snap)"); continue }
            #expect(f["conn_state"]?.stringValue == "RSTO", "snap \(snap)")
            #expect(f["outcome"]?.stringValue == "reset", "snap \(snap)")
            #expect(f.at("reset.attribution")?.stringValue != "server", "snap \(snap)")
        }
    }

    @Test func finThenResetFromTheServerIsRSTR() {
        var c = RawConversation()
        c.handshake()
        c.send(fromClient: true, RawConversation.psh | RawConversation.ack, payload: 41)
        c.send(fromClient: false, RawConversation.fin | RawConversation.ack)
        c.send(fromClient: false, RawConversation.rst | RawConversation.ack)
        for snap in [0, 34, 40, 54] {
            guard let f = c.flows(snap: snap).first else { Issue.record("no flow at snap \(snap)"); continue }
            #expect(f["conn_state"]?.stringValue == "RSTR", "snap \(snap)")
            #expect(f["outcome"]?.stringValue == "reset", "snap \(snap)")
            #expect(f.at("reset.attribution")?.stringValue != "client", "snap \(snap)")
        }
    }

    /// Zeek keeps SF when both sides had sent FIN before the RST (UpdateClosedState: peer CLOSED).
    @Test func resetAfterBothFINsStaysSF() {
        var c = RawConversation()
        c.handshake()
        c.send(fromClient: true, RawConversation.fin | RawConversation.ack)
        c.send(fromClient: false, RawConversation.fin | RawConversation.ack)
        c.send(fromClient: true, RawConversation.rst | RawConversation.ack)
        guard let f = c.flows().first else { Issue.record("no flow"); return }
        #expect(f["conn_state"]?.stringValue == "SF")
    }

    /// A capture that ends while the client still retransmits an unanswered SYN (a DROP): timeout, with the
    /// time waited in the diagnosis.
    @Test func retransmittedSYNAtTheEndIsTimeout() {
        var c = RawConversation()
        c.send(fromClient: true, RawConversation.syn)
        let isn = c.clientSeq &- 1
        for wait in [1, 2, 4] as [Int64] {
            c.clientSeq = isn
            c.send(fromClient: true, RawConversation.syn, advance: wait * 1_000_000_000)
        }
        for snap in [0, 34, 40, 54] {
            guard let f = c.flows(snap: snap).first else { Issue.record("no flow at snap \(snap)"); continue }
            #expect(f["outcome"]?.stringValue == "timeout", "snap \(snap)")
            #expect(f["conn_state"]?.stringValue == "S0", "snap \(snap)")
            #expect(f.at("packets.client")?.intValue == 4, "snap \(snap)")
            let summary = f.at("diagnosis.summary")?.stringValue ?? ""
            #expect(summary.contains("4 SYN(s) over 7.0"), "snap \(snap): \(summary)")
        }
    }
}

/// ICMP errors whose quote the snap length cut (raw IPv4: 20 + 8 + the quoted bytes).
@Suite struct CutICMPQuoteTests {
    /// A port unreachable from 203.0.113.10 to the client quoting the first 28 bytes of `syn`.
    static func portUnreachable(quoting syn: [UInt8], from source: [UInt8] = [203, 0, 113, 10]) -> [UInt8] {
        let quote = Array(syn.prefix(28))
        let total = 20 + 8 + quote.count
        return [0x45, 0, UInt8(total >> 8), UInt8(total & 0xff), 0, 0, 0, 0, 64, 1, 0, 0] + source + [192, 0, 2, 10,
                3, 3, 0, 0, 0, 0, 0, 0] + quote
    }

    /// Two attempts from the same client, the second refused by ICMP: whatever part of the quote survives,
    /// the error goes to the attempt whose SYN it quotes, or to none, never to the other one.
    static func run(snap: Int, sameID: Bool, secondID: UInt16 = 0x2222, icmpFrom: [UInt8] = [203, 0, 113, 10]) -> [Int: String] {
        var a = RawConversation()
        a.send(fromClient: true, RawConversation.syn, id: 0x1111)
        var b = RawConversation()
        b.time = a.time
        b.clientSeq = 777_000
        b.send(fromClient: true, RawConversation.syn, id: sameID ? 0x1111 : secondID)
        // b's SYN comes from port 40002.
        b.frames[0].bytes[20] = 0x9c; b.frames[0].bytes[21] = 0x42
        var frames = [(a.frames[0].time, a.frames[0].bytes), (b.frames[0].time + 1_000, b.frames[0].bytes)]
        frames.append((b.frames[0].time + 2_000_000, portUnreachable(quoting: b.frames[0].bytes, from: icmpFrom)))
        var records: [JSON] = []
        let analyzer = Analyzer(configuration: AnalyzerConfiguration()) { records.append($0) }
        for (time, whole) in frames {
            let bytes = snap > 0 ? Array(whole.prefix(snap)) : whole
            analyzer.ingest(Frame(time: time, capturedLength: bytes.count, wireLength: whole.count, linkType: .raw), bytes.span)
        }
        _ = analyzer.finish()
        var outcome: [Int: String] = [:]
        for r in records where r["type"]?.stringValue == "flow" {
            outcome[r.at("client.port")?.intValue ?? 0] = r["outcome"]?.stringValue
        }
        return outcome
    }

    @Test func tiedToTheSYNItQuotes() {
        // Whole quote, ports cut (source and destination addresses left), addresses cut (IP ID left).
        for snap in [0, 56, 50, 46, 40, 38, 37] {
            let o = Self.run(snap: snap, sameID: false)
            #expect(o[40001] == "timeout", "snap \(snap)")
            // Below 10 quoted bytes (37) the quote's protocol is not captured: not tied.
            #expect(o[40002] == (snap == 37 ? "timeout" : "refused"), "snap \(snap)")
        }
    }

    /// A SYN with IP ID 0 (DF stacks that zero it): with only the ID left of the quote, the error is tied
    /// only when it comes from the server's own address; from a router it could be about an attempt the
    /// capture does not show.
    @Test func zeroIDNeedsTheServersOwnError() {
        #expect(Self.run(snap: 40, sameID: false, secondID: 0)[40002] == "refused")
        #expect(Self.run(snap: 40, sameID: false, secondID: 0, icmpFrom: [198, 51, 100, 1])[40002] == "timeout")
        // The quoted server address (snap 50) or a non-zero ID tells it apart, from any sender.
        #expect(Self.run(snap: 50, sameID: false, secondID: 0, icmpFrom: [198, 51, 100, 1])[40002] == "refused")
        #expect(Self.run(snap: 40, sameID: false, icmpFrom: [198, 51, 100, 1])[40002] == "refused")
    }

    @Test func ambiguousQuoteIsNotTied() {
        // Both SYNs carry the same IP ID: with only the ID captured the error cannot be placed.
        let o = Self.run(snap: 40, sameID: true)
        #expect(o[40001] == "timeout" && o[40002] == "timeout")
        // With the quoted ports captured it can.
        #expect(Self.run(snap: 0, sameID: true)[40002] == "refused")
    }
}
