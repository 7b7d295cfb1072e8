import SSHRSTAttribution
import Testing

/// The lead's scenarios (a)–(g), as full contexts, with the expected attribution and a confidence band.
@Suite struct ScenarioTests {
    @Test func a_closedPortRefusalAtClientVantage() {
        // Client SYN (ISN 1000) answered by RST+ACK seq 0 ack 1001, IP ID 0 + DF, TTL 62. No server packets.
        let client = SideProfile(
            packets: 1, ttlFirst: 64, ttlMin: 64, ttlMax: 64, ttlLast: 64, ipIDLast: 0, ipIDZeroCount: 1,
            dontFragmentCount: 1, lastTime: Fx.t0, isn: 1000, nextSeq: 1001)
        let rst = ResetPacket(
            time: Fx.t0 + 300_000, claimedSender: .server, ttl: 62, ipID: 0, dontFragment: true, seq: 0, ack: 1001, hasACK: true)
        let c = ResetContext(
            reset: rst, sender: SideProfile(), receiver: client, vantage: inferVantage(client: client, server: SideProfile()).vantage,
            synSeen: true, answersSYN: true, triggerDelayNs: 300_000)
        #expect(c.vantage == .client)
        let v = attribute(c)
        #expect(v.attribution == .server)
        #expect(v.confidence >= 0.55 && v.confidence <= 0.65)  // one witness, nothing to contradict: medium
        #expect(v.seqStatus == .exact)
        #expect(v.fired(.synRefusalShape))
        #expect(v.path == .noSocketOrReject)
        #expect(v.reason.contains("medium confidence at most"))
    }

    @Test func b_routerRejectNextToClient() {
        // RST claims the server, TTL 63 vs the server's 62, IP ID 0 + DF vs the server's counter.
        let v = attribute(Fx.clientVantageServerRST(ttl: 63, ipID: 0))
        #expect(v.attribution == .middlebox)
        #expect(v.confidence >= 0.75)
        #expect(v.fired(.ttlDiffers))
        #expect(v.fired(.ipIDZeroDF))
        #expect(v.evidence.first { $0.rule == .ttlDiffers }?.detail.contains("hop distance 1 vs 2") == true)
        #expect(v.seqStatus == .exact)
    }

    @Test func c_clientAbortAtClientVantage() {
        let client = Fx.linux(hops: 0, ipIDLast: 300, nextSeq: 1_000_200, lastAck: 2_000_100)
        let server = Fx.linux(hops: 2, ipIDLast: 5000, nextSeq: 2_000_100, lastAck: 1_000_200)
        let rst = ResetPacket(
            time: Fx.t0 + 10 * Fx.s, claimedSender: .client, ttl: 64, ipID: 301, dontFragment: true, seq: 1_000_200,
            ack: 2_000_100, hasACK: true)
        let vantage = inferVantage(client: client, server: server).vantage
        #expect(vantage == .client)
        let v = attribute(ResetContext(reset: rst, sender: client, receiver: server, vantage: vantage, synSeen: true, synAckSeen: true, established: true))
        #expect(v.attribution == .client)
        #expect(v.confidence >= 0.8)
        #expect(v.fired(.capturedAtSender))
        #expect(v.fired(.ipIDContinues))
        #expect(v.seqStatus == .exact)
        #expect(v.path == .socketAbort)
    }

    @Test func d_serverSocketAbort() {
        let v = attribute(Fx.clientVantageServerRST(ttl: 62, ipID: 5001, hasACK: true, seq: 2_000_100))
        #expect(v.attribution == .server)
        #expect(v.confidence >= 0.75)
        #expect(v.path == .socketAbort)
    }

    @Test func d_maxStartupsDropFewServerPackets() {
        // SYN-ACK (IP ID 0) + "Not allowed at this time" line (IP ID 4242), then RST+ACK IP ID 4243 after the client banner.
        let server = SideProfile(
            packets: 2, ttlFirst: 62, ttlMin: 62, ttlMax: 62, ttlLast: 62, ipIDLast: 4242, ipIDZeroCount: 1, ipIDPairs: 1,
            ipIDSmallStepPairs: 0, dontFragmentCount: 2, isn: 5000, nextSeq: 5027, lastAck: 1042)
        let client = Fx.linux(packets: 3, hops: 0, ipIDLast: 10, nextSeq: 1042, lastAck: 5027)
        let rst = ResetPacket(time: Fx.t0, claimedSender: .server, ttl: 62, ipID: 4243, dontFragment: true, seq: 5027, ack: 1042, hasACK: true)
        let v = attribute(ResetContext(reset: rst, sender: server, receiver: client, vantage: .client, synSeen: true, synAckSeen: true, established: true, rttToSenderNs: 400_000, triggerDelayNs: 450_000))
        #expect(v.attribution == .server)
        #expect(v.confidence >= 0.7)
    }

    @Test func d_serverAbortAtServerVantage() {
        let server = Fx.linux(hops: 0, ipIDLast: 5000, nextSeq: 2_000_100, lastAck: 1_000_200)
        let client = Fx.linux(hops: 2, ipIDLast: 300, nextSeq: 1_000_200, lastAck: 2_000_100)
        let rst = ResetPacket(time: Fx.t0, claimedSender: .server, ttl: 64, ipID: 5001, dontFragment: true, seq: 2_000_100, ack: 1_000_200, hasACK: true)
        let vantage = inferVantage(client: client, server: server).vantage
        #expect(vantage == .server)
        let v = attribute(ResetContext(reset: rst, sender: server, receiver: client, vantage: vantage, established: true))
        #expect(v.attribution == .server)
        #expect(v.confidence >= 0.8)
    }

    @Test func e_hostFirewallRejectOnServer() {
        // TTL = server baseline (same host) but IP ID 0 + DF: the server host's kernel/firewall, not sshd's socket.
        // Seen from the client, mid-session, with no FIN or RST from the server before it, the same packet is
        // what the server's kernel sends when its socket was silently torn down by a RST the client side never
        // saw (a middlebox that reset the server only). sshrst does not guess between the two: undetermined,
        // with both rules and the reason in the verdict.
        let v = attribute(Fx.clientVantageServerRST(ttl: 62, ipID: 0))
        #expect(v.attribution == .undetermined)
        #expect(v.fired(.peerSocketGone))
        #expect(v.evidence.first { $0.rule == .ipIDZeroDF }?.detail.contains("not the sshd socket") == true)
        // Once the server had closed its side (FIN) the kernel reply is unambiguous again: the server host.
        var closed = Fx.clientVantageServerRST(ttl: 62, ipID: 0)
        closed.sender.sentFIN = true
        let w = attribute(closed)
        #expect(w.attribution == .server)
        #expect(w.confidence >= 0.6 && w.confidence < 0.9)
        #expect(w.path == .noSocketOrReject)
    }

    @Test func f_injectedRSTWithCorrectSeqServerKeepsSending() {
        var c = Fx.clientVantageServerRST(ttl: 63, ipID: 1, hasACK: true)
        c.after = AfterReset(senderPackets: 4, senderDataOrFIN: 3, firstSenderDataDelay: 5 * Fx.ms, receiverPackets: 1, senderMaxSeqAfter: 2_000_900)
        let v = attribute(c)
        #expect(v.attribution == .middlebox)
        #expect(v.confidence >= 0.85)
        #expect(v.fired(.dataAfterReset))
        #expect(v.path == .forged)
    }

    @Test func g_conntrackIdleRejectInRouter() {
        var c = Fx.clientVantageServerRST(ttl: 63, ipID: 0)
        c.gapBeforeTriggerNs = 400 * Fx.s
        c.triggerDelayNs = 200_000
        let v = attribute(c)
        #expect(v.attribution == .middlebox)
        #expect(v.confidence >= 0.75)
        #expect(v.fired(.longIdleBeforeTrigger))
    }

    @Test func g_idleMatchingAWSNLB() {
        var c = Fx.clientVantageServerRST(ttl: 63, ipID: 0)
        c.gapBeforeTriggerNs = 351 * Fx.s
        let v = attribute(c)
        #expect(v.attribution == .middlebox)
        #expect(v.evidence.first { $0.rule == .idleTimeoutMatch }?.detail.contains("350 s") == true)
    }

    @Test func contradictoryEvidenceIsUndetermined() {
        // TTL says "another box", IP ID says "the server's own socket".
        let v = attribute(Fx.clientVantageServerRST(ttl: 63, ipID: 5001, hasACK: true, seq: 2_000_100))
        #expect(v.attribution == .undetermined)
        #expect(v.confidence == 0)
        #expect(v.reason.contains("contradictory"))
        #expect(v.reason.contains("ttl_differs"))
        #expect(v.reason.contains("ip_id_continues"))
    }

    @Test func noEvidenceIsUndetermined() {
        let rst = ResetPacket(time: Fx.t0, claimedSender: .server, isIPv6: true, seq: 7)
        let v = attribute(ResetContext(reset: rst))
        #expect(v.attribution == .undetermined)
        #expect(v.seqStatus == .unknown)
        #expect(v.reason.contains("no rule produced evidence"))
        #expect(v.fired(.loneReset))
    }

    @Test func singleTTLDifferenceAloneIsNotEnough() {
        // IPv6 (no IP ID), TTL differs by one hop, nothing else.
        var c = Fx.clientVantageServerRST(ttl: 63, ipID: nil, df: false)
        c.reset.isIPv6 = true
        let v = attribute(c)
        #expect(v.attribution == .undetermined)
        #expect(v.reason.contains("too weak"))
    }

    @Test func ipv6ServerAbortUsesTTLAndTiming() {
        var c = Fx.clientVantageServerRST(ttl: 62, ipID: nil, df: false, hasACK: true, seq: 2_000_100)
        c.reset.isIPv6 = true
        let v = attribute(c)
        #expect(!v.fired(.ipIDContinues) && !v.fired(.ipIDZeroDF) && !v.fired(.ipIDDiscontinuity))
        // TTL match alone (0.35) is too weak: honest undetermined rather than a guess.
        #expect(v.attribution == .undetermined)
    }

    @Test func ipv6InjectionStillDetectedByDataAfterReset() {
        var c = Fx.clientVantageServerRST(ttl: 61, ipID: nil, df: false, hasACK: true, seq: 2_000_100)
        c.reset.isIPv6 = true
        c.after = AfterReset(senderPackets: 2, senderDataOrFIN: 2, firstSenderDataDelay: 3 * Fx.ms, senderMaxSeqAfter: 2_000_500)
        let v = attribute(c)
        #expect(v.attribution == .middlebox)
        #expect(v.confidence >= 0.8)
    }

    @Test func verdictIsDeterministic() {
        let c = Fx.clientVantageServerRST(ttl: 63, ipID: 0)
        let a = attribute(c)
        let b = attribute(c)
        #expect(a.evidence == b.evidence && a.reason == b.reason && a.confidence == b.confidence)
    }
}
