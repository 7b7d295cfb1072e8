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
