import Foundation
@testable import SSHRST
import SSHRSTAttribution
import SSHRSTCapture
import SSHRSTReport
import SSHRSTWire
import Testing

/// Quiet flows (no SSH bytes, reset or ICMP error) reuse their record's tail by its inputs
/// (`QuietTailKey`). In debug builds every reuse is rendered again and compared (the engine stops on a
/// difference), so these flows, alike in all but one input at a time, would stop the test run if the key
/// missed one.
@Suite struct QuietTailTests {
    /// Raw IPv4 frames of `RawConversation` moved to client 198.18.x.y:port.
    static func moved(_ c: RawConversation, client: Int, port: UInt16) -> [(Int64, [UInt8])] {
        let address: [UInt8] = [198, 18, UInt8(client >> 8 & 0xff), UInt8(client & 0xff)]
        return c.frames.map { frame in
            var b = frame.bytes
            let fromClient = b[12] == 192
            let at = fromClient ? 12 : 16
            for i in 0..<4 { b[at + i] = address[i] }
            let portAt = fromClient ? 20 : 22
            b[portAt] = UInt8(port >> 8)
            b[portAt + 1] = UInt8(port & 0xff)
            return (frame.time, b)
        }
    }

    /// Flows of seven shapes from 400 clients; within a shape they differ by TTL, by timing or only by
    /// address, so most tails are reused and some differ from a stored one by one input.
    static func frames() -> [(Int64, [UInt8])] {
        var all: [(Int64, [UInt8])] = []
        var start: Int64 = 1_700_000_000_000_000_000
        for k in 0..<400 {
            var c = RawConversation()
            c.time = start
            let ttl: UInt8 = [64, 52, 127, 250][k % 4]
            let ms: Int64 = 1_000_000
            switch k % 7 {
            case 0:  // a lone SYN
                c.send(fromClient: true, RawConversation.syn, ttl: ttl)
            case 1:  // a SYN sent again a second later (every few flows two seconds)
                c.send(fromClient: true, RawConversation.syn, ttl: ttl)
                c.clientSeq &-= 1
                c.send(fromClient: true, RawConversation.syn, ttl: ttl, advance: k % 3 == 0 ? 2_000 * ms : 1_000 * ms)
            case 2:  // answered, never completed; two round trips in turn
                c.send(fromClient: true, RawConversation.syn, ttl: ttl)
                c.send(fromClient: false, RawConversation.syn | RawConversation.ack, advance: k % 2 == 0 ? 10 * ms : 12 * ms)
            case 3:  // a handshake and a clean close, no payload
                c.handshake()
                c.send(fromClient: true, RawConversation.fin | RawConversation.ack, ttl: ttl)
                c.send(fromClient: false, RawConversation.fin | RawConversation.ack)
                c.send(fromClient: true, RawConversation.ack, ttl: ttl)
            case 4:  // a handshake, then nothing: open at the end
                c.handshake()
            case 5:  // the server closes first; two handshake round trips (the diagnosis cites them), one duration
                let lag: Int64 = k % 2 == 0 ? 0 : 300_000
                c.send(fromClient: true, RawConversation.syn)
                c.send(fromClient: false, RawConversation.syn | RawConversation.ack, advance: 10 * ms + lag)
                c.send(fromClient: true, RawConversation.ack)
                c.send(fromClient: false, RawConversation.fin | RawConversation.ack, advance: (k % 3 == 0 ? 5_000 * ms : 10 * ms) - lag)
            case 6 where k % 2 == 0:  // joined mid-connection: the `partial_connection` anomaly
                c.send(fromClient: true, RawConversation.ack, ttl: ttl)
                c.send(fromClient: false, RawConversation.ack)
            default:  // the client retransmits into a silent server
                c.handshake()
                c.send(fromClient: true, RawConversation.psh | RawConversation.ack, payload: 0, ttl: ttl)
                for _ in 0..<3 { c.send(fromClient: true, RawConversation.ack, ttl: ttl, advance: 600 * ms) }
            }
            all += moved(c, client: k % 150, port: UInt16(30_000 + k))
            start += 50 * ms
        }
        return all.sorted { $0.0 < $1.0 }
    }

    /// With room for every flow, and with a table of 64 that evicts (the `evicted` anomaly, as in a flood).
    @Test(arguments: [100_000, 64])
    func reusedTailsAreTheTailsRenderedEachTime(maxFlows: Int) {
        let frames = QuietTailTests.frames()
        var lines: [String] = []
        var configuration = AnalyzerConfiguration()
        configuration.maxFlows = maxFlows
        let analyzer = Analyzer(configuration: configuration, sink: { lines.append($0.serialized()) })
        for (time, bytes) in frames {
            analyzer.ingest(Frame(time: time, capturedLength: bytes.count, wireLength: bytes.count, linkType: .raw), bytes.span)
        }
        analyzer.finish()
        let flows = lines.filter { $0.hasPrefix("{\"type\":\"flow\"") }
        // (A full table ends some flows early: their later packets start new ones.)
        #expect(maxFlows < 400 ? flows.count >= 400 : flows.count == 400)
        // Most tails were reused (and, in this debug build, each reuse checked against a fresh rendering).
        #expect(analyzer.memo.quietTailHits > 200, "\(analyzer.memo.quietTailHits) reused tails")
        // Not all alike: every shape's outcome is there.
        for outcome in ["timeout", "closed", "open"] {
            #expect(flows.contains { $0.contains("\"outcome\":\"\(outcome)\"") }, "\(outcome)")
        }
        #expect(flows.contains { $0.contains("\"anomalies\":[\"partial_connection\"]") })
        if maxFlows < 400 { #expect(flows.filter { $0.contains("\"flow_evicted\"") }.count > 100) }
    }

    /// Answered SYNs that differ only in their round trip (and so in their duration, below what the
    /// diagnosis prints) share one stored tail: the round trip is written for each record after it.
    @Test func answeredSYNsShareATailWhateverTheirRoundTrip() {
        var frames: [(Int64, [UInt8])] = []
        let flows = 60
        for k in 0..<flows {
            var c = RawConversation()
            c.time = 1_700_000_000_000_000_000 + Int64(k) * 50_000_000
            c.send(fromClient: true, RawConversation.syn, ttl: 52)
            c.send(fromClient: false, RawConversation.syn | RawConversation.ack, advance: 10_000_000 + Int64(k) * 1_000)
            frames += QuietTailTests.moved(c, client: k, port: UInt16(40_000 + k))
        }
        var lines: [String] = []
        let analyzer = Analyzer(configuration: AnalyzerConfiguration(), sink: { lines.append($0.serialized()) })
        for (time, bytes) in frames.sorted(by: { $0.0 < $1.0 }) {
            analyzer.ingest(Frame(time: time, capturedLength: bytes.count, wireLength: bytes.count, linkType: .raw), bytes.span)
        }
        analyzer.finish()
        let records = lines.filter { $0.hasPrefix("{\"type\":\"flow\"") }
        #expect(records.count == flows)
        // Each record has its own round trip (10.000, 10.001, ... ms), and all but the first reused the tail.
        for k in 0..<flows {
            let leg = "\"rtt_ms\":{\"server_leg\":10.\(String(repeating: "0", count: k < 10 ? 2 : 1))\(k)}"
            #expect(records.contains { $0.contains(leg) }, "\(leg)")
        }
        #expect(analyzer.memo.quietTailHits == flows - 1, "\(analyzer.memo.quietTailHits) reused tails")
    }

    /// Durations are keyed as the diagnosis prints them: a few microseconds apart they are one key, but
    /// 9.9996 s ("10.000 s") and 10 s ("10.0 s") are two.
    @Test func durationsAreKeyedAsPrinted() {
        #expect(Fmt.secondsParts(1_000_400_000) == Fmt.secondsParts(1_000_000_000))
        #expect(Fmt.secondsParts(1_000_600_000) != Fmt.secondsParts(1_000_000_000))
        #expect(Fmt.seconds(9_999_600_000).description == "10.000 s")
        #expect(Fmt.seconds(10_000_000_000).description == "10.0 s")
        #expect(Fmt.secondsParts(9_999_600_000) != Fmt.secondsParts(10_000_000_000))
        #expect(Fmt.secondsParts(-400_000) == Fmt.secondsParts(0))
        #expect(Fmt.seconds(-400_000).description == Fmt.seconds(0).description)
    }

    /// A diagnosis tells whether its text names the client: only then is a quiet tail stored under the
    /// client's address (a ban's unban command names it; a plain timeout is the same for every client).
    @Test func aDiagnosisSaysWhetherItNamesTheClient() {
        let client = IPAddress(v4: 0xc612_0001)
        let ban = diagnose(DiagnosisContext(outcome: .timeout, phase: .tcp, priorAuthFailures: 3, clientAddress: client))
        #expect(ban.cause == .banAfterFailedAuth)
        #expect(ban.namesClientAddress)
        #expect(ban.nextSteps.contains { $0.contains("198.18.0.1") })
        let timeout = diagnose(DiagnosisContext(outcome: .timeout, phase: .tcp, clientAddress: client))
        #expect(timeout.cause == .noAnswerTimeout)
        #expect(!timeout.namesClientAddress)
        #expect(!timeout.nextSteps.contains { $0.contains("198.18.0.1") })
    }
}
