import Testing
@testable import SSHRSTAttribution

/// IPv6 has no IP ID; the flow label plays its part (Linux auto_flowlabels).
/// Shapes from Captures/mb-reject-near-client-v6.pcap: the server's packets all
/// carried 0x17311, the router's REJECT RST carried 0 with hop limit 64 vs 62.
@Suite struct FlowLabelTests {
    static func v6Context(rstHopLimit: UInt8, rstLabel: UInt32, serverLabel: UInt32?) -> ResetContext {
        var server = Fx.linux(hops: 2)
        server.ipIDLast = nil
        server.ipIDPairs = 0
        server.ipIDSmallStepPairs = 0
        server.ipIDZeroCount = 0
        server.stableFlowLabel = serverLabel
        var client = Fx.linux(hops: 0, ipIDLast: 300, nextSeq: 1_000_200, lastAck: 2_000_100)
        client.ipIDLast = nil
        client.stableFlowLabel = 0x2b461
        let rst = ResetPacket(
            time: Fx.t0 + 10 * Fx.s, claimedSender: .server, ttl: rstHopLimit, ipID: nil, dontFragment: false,
            isIPv6: true, seq: client.lastAck ?? 0, ack: 0, hasACK: false, window: 0, flowLabel: rstLabel)
        return ResetContext(
            reset: rst, sender: server, receiver: client, vantage: .client, synSeen: true, synAckSeen: true,
            established: true, answersSYN: false, rttToSenderNs: 30_000_000, triggerDelayNs: 40_000,
            gapBeforeTriggerNs: 17_000_000, gapBeforeResetNs: 40_000)
    }

    @Test func routerRejectOverIPv6IsMiddlebox() {
        let c = FlowLabelTests.v6Context(rstHopLimit: 64, rstLabel: 0, serverLabel: 0x17311)
        let e = Rules.flowLabelZero(c)
        #expect(e?.pointsTo == .middlebox)
        let v = attribute(c)
        #expect(v.attribution == .middlebox)
        #expect(v.confidence >= 0.7)
        #expect(v.path == .noSocketOrReject)
    }

    @Test func sameHopLimitLabelZeroIsTheServerHost() {
        let c = FlowLabelTests.v6Context(rstHopLimit: 62, rstLabel: 0, serverLabel: 0x17311)
        #expect(Rules.flowLabelZero(c)?.pointsTo == .server)
    }

    @Test func labelKeptIsASocketAbort() {
        let c = FlowLabelTests.v6Context(rstHopLimit: 62, rstLabel: 0x17311, serverLabel: 0x17311)
        #expect(Rules.flowLabelContinues(c)?.pointsTo == .server)
        #expect(Rules.flowLabelZero(c) == nil)
        #expect(attribute(c).attribution == .server)
    }

    @Test func silentWithoutAStableLabel() {
        // Labels that changed (nil) or were all zero (auto_flowlabels off): no signal either way.
        #expect(Rules.flowLabelZero(FlowLabelTests.v6Context(rstHopLimit: 64, rstLabel: 0, serverLabel: nil)) == nil)
        #expect(Rules.flowLabelZero(FlowLabelTests.v6Context(rstHopLimit: 64, rstLabel: 0, serverLabel: 0)) == nil)
        // Then a hop-limit difference alone stays undetermined.
        #expect(attribute(FlowLabelTests.v6Context(rstHopLimit: 64, rstLabel: 0, serverLabel: nil)).attribution == .undetermined)
    }

    @Test func ipv4IsUntouched() {
        var c = Fx.clientVantageServerRST(ttl: 63, ipID: 0)
        c.sender.stableFlowLabel = 0x17311
        #expect(Rules.flowLabelZero(c) == nil)
        #expect(Rules.flowLabelContinues(c) == nil)
    }
}

@Suite struct ProtocolMismatchTests {
    @Test func httpToPort22IsNotAnSSHFailure() {
        var c = DiagnosisContext(outcome: .closed, phase: .version, serverBannerSeen: true, clientBannerSeen: false)
        c.clientSpokeNonSSH = true
        #expect(diagnose(c).cause == .protocolMismatch)
        c.clientSpokeNonSSH = false
        #expect(diagnose(c).cause != .protocolMismatch)
    }

    @Test func catalogListsIt() {
        #expect(CauseCatalog.all.contains { $0.id == .protocolMismatch })
    }
}

/// The far host's kernel answering with no socket mid-session, when that host
/// never reset or closed its own socket: the packet is the host's, but its
/// connection was torn down by something unseen (often a middlebox RST that
/// reached that host only). Never a confident answer on that alone.
@Suite struct PeerSocketGoneTests {
    static func context(vantage: Vantage, senderSentFIN: Bool = false, earlierOwnRST: Bool = false) -> ResetContext {
        var client = Fx.linux(hops: 2, ipIDLast: 4000, nextSeq: 1_000_200, lastAck: 2_000_100)
        client.sentFIN = senderSentFIN
        let server = Fx.linux(hops: 0, ipIDLast: 9000, nextSeq: 2_000_100, lastAck: 1_000_200)
        let rst = ResetPacket(
            time: Fx.t0 + 10 * Fx.s, claimedSender: .client, ttl: 62, ipID: 0, dontFragment: true, isIPv6: false,
            seq: 1_000_200, ack: 0, hasACK: false, window: 0)
        var others: [OtherReset] = []
        if earlierOwnRST { others.append(OtherReset(time: Fx.t0 + 9 * Fx.s, claimedSender: .client, ttl: 62, ipID: 4001, seq: 1_000_200, ack: 2_000_100)) }
        return ResetContext(
            reset: rst, sender: client, receiver: server, vantage: vantage, synSeen: true, synAckSeen: true,
            established: true, answersSYN: false, rttToSenderNs: 30_000_000, triggerDelayNs: 30_000_000,
            gapBeforeTriggerNs: 200_000_000, gapBeforeResetNs: 30_000_000, others: others)
    }

    @Test func serverVantageKernelRSTFromASilentClientIsUndetermined() {
        let c = PeerSocketGoneTests.context(vantage: .server)
        #expect(Rules.peerSocketGone(c)?.pointsTo == .undetermined)
        let v = attribute(c)
        #expect(v.attribution == .undetermined, "\(v.reason)")
    }

    @Test func silentWhenTheHostResetOrClosedItself() {
        #expect(Rules.peerSocketGone(PeerSocketGoneTests.context(vantage: .server, senderSentFIN: true)) == nil)
        #expect(Rules.peerSocketGone(PeerSocketGoneTests.context(vantage: .server, earlierOwnRST: true)) == nil)
    }

    @Test func silentWhenCapturedOnThatHost() {
        #expect(Rules.peerSocketGone(PeerSocketGoneTests.context(vantage: .client)) == nil)
    }
}

extension PeerSocketGoneTests {
    @Test func explainedByAnEarlierRSTTowardsThatHost() {
        var c = PeerSocketGoneTests.context(vantage: .middle)
        #expect(Rules.peerSocketGone(c) != nil)
        c.others = [OtherReset(time: c.reset.time - Fx.s, claimedSender: .server, ttl: 64, ipID: 0, seq: 2_000_100, ack: 0)]
        #expect(Rules.peerSocketGone(c) == nil)
    }
}
