import SSHRSTAttribution
import Testing

/// Evidence a forger cannot copy (issue 21): causality against the RTT, the socket that lives on, counters that
/// collide, injector marks, and the plain no-socket shape. The base context is Captures/copy-inject-upload.pcap's
/// forged RST, in round numbers: client vantage, server 100 ms away, the RST copies the server's TTL, next IP ID,
/// DF and exact seq, and acknowledges a client segment that passed 0.23 ms earlier.
@Suite struct ForgerRuleTests {
    static let tRST = Fx.t0 + 10 * Fx.s

    static func copied() -> ResetContext {
        var server = Fx.linux(hops: 2, ipIDLast: 2294, nextSeq: 3574, lastAck: 29614)
        server.rttFromACKs = 100 * Fx.ms
        server.windowField = 78
        var client = Fx.linux(hops: 0, ipIDLast: 7153, nextSeq: 32510, lastAck: 3574)
        client.nextSeqTime = tRST - 227_000
        client.lastAckTime = tRST - 900 * Fx.ms
        client.windowField = 68
        client.recentSegments = [
            SentSegment(end: 29614, time: Self.tRST - 60 * Fx.ms), SentSegment(end: 31062, time: Self.tRST - 229_000),
            SentSegment(end: 32510, time: Self.tRST - 227_000),
        ]
        let rst = ResetPacket(
            time: Self.tRST, claimedSender: .server, ttl: 62, ipID: 2295, dontFragment: true, seq: 3574, ack: 31062,
            hasACK: true, window: 78)
        let after = AfterReset(
            senderPackets: 20, receiverPackets: 6, senderMaxAckAfter: 32510, senderMaxAckDelay: 108 * Fx.ms,
            senderSameIPIDAfter: 1, senderFirstIPIDAfter: 2295)
        return ResetContext(
            reset: rst, sender: server, receiver: client, vantage: .client, synSeen: true, synAckSeen: true,
            established: true, rttToSenderNs: 100 * Fx.ms, triggerDelayNs: 227_000, gapBeforeTriggerNs: 2_000,
            gapBeforeResetNs: 227_000, after: after)
    }

    // MARK: the recorded case end to end

    @Test func headerCopyingInjectorIsAMiddleboxNotTheServer() {
        let v = attribute(Self.copied())
        #expect(v.attribution == .middlebox)
        #expect(v.confidence >= 0.75)
        #expect(v.fired(.answersUnreceivedSegment) && v.fired(.socketAliveAfterReset) && v.fired(.ipIDCollision))
        // The copied fields still speak for the server and are weighed, not hidden.
        #expect(v.fired(.ttlMatchesBaseline) && v.fired(.ipIDContinues))
    }

    @Test func withoutTheNewEvidenceTheCopyFoolsTheOldRules() {
        // The same RST with nothing after it and no segment timing: the copied TTL and IP ID win (the bug).
        var c = Self.copied()
        c.after = AfterReset()
        c.receiver.nextSeqTime = nil
        c.receiver.recentSegments = []
        #expect(attribute(c).attribution == .server)
    }

    // MARK: answers_unreceived_segment

    @Test func answersUnreceivedChoosesTheSegmentByItsAck() {
        let e = Rules.answersUnreceivedSegment(Self.copied())
        #expect(e?.pointsTo == .middlebox)
        #expect(e?.weight == Weight.answersUnreceived)
        #expect(e?.detail.contains("31062") == true)
        #expect(e?.detail.contains("0.23 ms") == true)
    }

    @Test func answersUnreceivedSilentWhenTheSegmentIsOldEnough() {
        var c = Self.copied()
        c.receiver.recentSegments[1].time = tRSTminus(60 * Fx.ms)  // 60 ms before, RTT 100 ms: reachable
        #expect(Rules.answersUnreceivedSegment(c) == nil)
        // An ack that matches no remembered segment end says nothing.
        c = Self.copied()
        c.reset.ack = 30000
        #expect(Rules.answersUnreceivedSegment(c) == nil)
        // Bytes the server had already acknowledged.
        c = Self.copied()
        c.sender.lastAck = 31062
        #expect(Rules.answersUnreceivedSegment(c) == nil)
    }

    @Test func answersUnreceivedIsWeakOnShortPathsAndSilentBelowOneMillisecond() {
        var c = Self.copied()
        c.rttToSenderNs = 3 * Fx.ms
        c.sender.rttFromACKs = nil
        c.receiver.recentSegments[1].time = tRSTminus(200_000)
        #expect(Rules.answersUnreceivedSegment(c)?.weight == Weight.answersUnreceivedWeak)
        c.rttToSenderNs = 900_000
        #expect(Rules.answersUnreceivedSegment(c) == nil)
    }

    @Test func timingAloneNeverGivesAConfidentMiddlebox() {
        // Only the timing rule, short path: below the decision threshold.
        var c = Self.copied()
        c.after = AfterReset()
        c.sender = SideProfile()
        c.rttToSenderNs = 3 * Fx.ms
        c.receiver.recentSegments[1].time = tRSTminus(200_000)
        let v = attribute(c)
        #expect(v.attribution == .undetermined)
        // Long path, timing alone: a middlebox at medium confidence at most (one family).
        c.rttToSenderNs = 100 * Fx.ms
        let w = attribute(c)
        #expect(w.attribution != .middlebox || w.confidence <= Decision.singleFamilyCap)
    }

    @Test func answersUnreceivedRWithoutACKUsesWhenTheAckWasFirstSent() {
        var c = Self.copied()
        c.reset.hasACK = false
        c.reset.ack = 0
        c.reset.seq = 3600
        c.receiver.lastAck = 3600
        c.receiver.lastAckTime = tRSTminus(300_000)
        #expect(Rules.answersUnreceivedSegment(c)?.weight == Weight.answersUnreceived)
        // The same seq is also the sender's own SND.NXT: an abort without ACK would carry it too, so weak.
        c.sender.nextSeq = 3600
        #expect(Rules.answersUnreceivedSegment(c)?.weight == Weight.answersUnreceivedWeak)
        // The ACK number was first sent long ago: the server could be answering an older segment.
        c.receiver.lastAckTime = tRSTminus(900 * Fx.ms)
        #expect(Rules.answersUnreceivedSegment(c) == nil)
    }

    @Test func answersUnreceivedSilentAtTheSendersHost() {
        var c = Self.copied()
        c.vantage = .server
        #expect(Rules.answersUnreceivedSegment(c) == nil)
    }

    // MARK: socket_alive_after_reset

    @Test func socketAliveWhenTheSenderAcksBeyondTheResetsAck() {
        let e = Rules.socketAliveAfterReset(Self.copied())
        #expect(e?.pointsTo == .middlebox)
        #expect(e?.weight == Weight.socketAlive)
        #expect(e?.detail.contains("beyond the RST's own ack") == true)
    }

    @Test func socketAliveByTimingWhenTheAckEqualsTheResets() {
        var c = Self.copied()
        c.reset.ack = 32510
        c.after.senderMaxAckAfter = 32510
        let e = Rules.socketAliveAfterReset(c)
        #expect(e?.weight == Weight.socketAlive)
        #expect(e?.detail.contains("reached it after the RST would have left it") == true)
    }

    @Test func socketAliveSilentWithoutAnAckOfTheAnsweredBytes() {
        var c = Self.copied()
        c.after = AfterReset()
        #expect(Rules.socketAliveAfterReset(c) == nil)
        // A host firewall drops the segment it answers: the sender only ever acks older bytes.
        c = Self.copied()
        c.reset.hasACK = false
        c.after.senderMaxAckAfter = 29614
        #expect(Rules.socketAliveAfterReset(c) == nil)
        // The newest bytes passed long before the RST: the ACK proves nothing.
        c = Self.copied()
        c.reset.hasACK = false
        c.receiver.nextSeqTime = tRSTminus(400 * Fx.ms)
        #expect(Rules.socketAliveAfterReset(c) == nil)
    }

    // MARK: ip_id_collision

    @Test func ipIDCollisionOnTheSameID() {
        let e = Rules.ipIDCollision(Self.copied())
        #expect(e?.weight == Weight.ipIDCollision)
        #expect(e?.pointsTo == .middlebox)
    }

    @Test func ipIDCollisionWhenTheCounterWouldGoBack() {
        var c = Self.copied()
        c.after.senderSameIPIDAfter = 0
        c.after.senderFirstIPIDAfter = 2290
        #expect(Rules.ipIDCollision(c)?.weight == Weight.ipIDBehind)
        c.after.senderFirstIPIDAfter = 2296  // ahead: the normal case
        #expect(Rules.ipIDCollision(c) == nil)
        c.reset.ipID = 0
        c.after.senderSameIPIDAfter = 3
        #expect(Rules.ipIDCollision(c) == nil)
    }

    // MARK: injector marks

    @Test func ipIDFromTheTrigger() {
        var c = Self.copied()
        c.reset.ipID = 7154  // the client's last ID + 1
        #expect(Rules.ipIDFromTrigger(c)?.pointsTo == .middlebox)
        c.reset.ipID = 7153
        #expect(Rules.ipIDFromTrigger(c)?.weight == Weight.ipIDFromTrigger)
        c.reset.ipID = 7160
        #expect(Rules.ipIDFromTrigger(c) == nil)
        #expect(Rules.ipIDFromTrigger(Self.copied()) == nil)  // continues the server's own counter
    }

    @Test func windowCopiedFromThePeer() {
        var c = Self.copied()
        c.reset.ipID = 40000  // not the server's counter
        c.reset.window = 68  // the client's window field
        #expect(Rules.windowCopiedFromPeer(c)?.weight == Weight.windowCopied)
        c.reset.window = 78  // the server's own
        #expect(Rules.windowCopiedFromPeer(c) == nil)
        c.reset.window = 68
        c.reset.ipID = 2295  // a socket abort carries its current window, which may equal the peer's
        #expect(Rules.windowCopiedFromPeer(c) == nil)
        c.reset.ipID = 40000
        c.reset.window = 0
        #expect(Rules.windowCopiedFromPeer(c) == nil)
    }

    @Test func reservedBitsButNotTheAEBit() {
        var c = Self.copied()
        c.reset.reservedBits = 0x02
        #expect(Rules.reservedBitsSet(c)?.weight == Weight.reservedBits)
        c.reset.reservedBits = 0x01  // AccECN AE
        #expect(Rules.reservedBitsSet(c) == nil)
    }

    @Test func sameIPIDAcrossABurstWithSeqOffsets() {
        var c = Self.copied()
        c.others = [OtherReset(time: Self.tRST + 100_000, claimedSender: .server, ttl: 62, ipID: 2295, seq: 3574 + 1460, ack: 31062)]
        let e = Rules.sameIPIDResets(c)
        #expect(e?.weight == Weight.sameIPIDResets)
        #expect(e?.detail.contains("1460") == true)
        c.others[0].ipID = 2296
        #expect(Rules.sameIPIDResets(c) == nil)
        c.others[0].ipID = 2295
        c.others[0].seq = 3574  // a duplicate, not a burst
        #expect(Rules.sameIPIDResets(c) == nil)
    }

    // MARK: timestamps_unlike_sender

    @Test func abortShapeWithoutTheNegotiatedTimestamps() {
        var c = Self.copied()
        c.sender.timestampPackets = c.sender.packets
        c.sender.lastTSval = 900_000
        let e = Rules.timestampsUnlikeSender(c)  // R+ACK, next IP ID, no timestamps option
        #expect(e?.pointsTo == .middlebox)
        #expect(e?.weight == Weight.timestampsUnlike)
        c.reset.tsval = 900_010  // a genuine abort: the option, a clock that moved on
        #expect(Rules.timestampsUnlikeSender(c) == nil)
        c.reset.tsval = 899_000  // behind the sender's clock
        #expect(Rules.timestampsUnlikeSender(c)?.detail.contains("1000 behind") == true)
        c.reset.tsval = nil
        var atSender = c
        atSender.vantage = .server  // the RST left the server host itself
        #expect(Rules.timestampsUnlikeSender(atSender) == nil)
        c.sender.timestampPackets = c.sender.packets - 1  // the sender does not always stamp: nothing to say
        #expect(Rules.timestampsUnlikeSender(c) == nil)
    }

    @Test func noSocketShapeWithTimestamps() {
        var c = Fx.clientVantageServerRST(ttl: 62, ipID: 0)
        c.sender.timestampPackets = c.sender.packets
        c.sender.lastTSval = 5
        #expect(Rules.timestampsUnlikeSender(c) == nil)  // ID 0 + DF, no option: Linux's no-socket RST
        c.reset.tsval = 6
        #expect(Rules.timestampsUnlikeSender(c)?.pointsTo == .middlebox)
    }

    // MARK: no_socket_shape_matches

    @Test func plainNoSocketShapeGivesTheServerWithMediumConfidence() {
        // The server sent only its SYN-ACK (ID 0 + DF, TTL 62); the RST has the same shape.
        var server = SideProfile.steady(packets: 1, ttl: 62)
        server.ipIDLast = 0
        server.ipIDZeroCount = 1
        server.dontFragmentCount = 1
        let rst = ResetPacket(time: Self.tRST, claimedSender: .server, ttl: 62, ipID: 0, dontFragment: true, seq: 1_000_200, ack: 0)
        let c = ResetContext(
            reset: rst, sender: server, receiver: Fx.linux(hops: 0), vantage: .client, synSeen: true, synAckSeen: true,
            established: true, rttToSenderNs: 100 * Fx.ms)
        #expect(Rules.noSocketShapeMatches(c)?.pointsTo == .server)
        let v = attribute(c)
        #expect(v.attribution == .server)
        #expect(v.confidence >= Decision.minimumScore && v.confidence < 0.75)
        // Without this rule the TTL alone is too weak: the rule is what decides.
        #expect(Decision.combine(v.evidence.filter { $0.rule != .noSocketShapeMatches }, seqStatus: v.seqStatus).attribution == .undetermined)
        var other = c
        other.reset.ttl = 63
        #expect(Rules.noSocketShapeMatches(other) == nil)
    }

    // MARK: peer_socket_gone

    @Test func ownEarlierNoSocketResetsDoNotExplainAVanishedSocket() {
        // Server vantage: the client kernel's no-socket RSTs answer the server's ACKs after a forged RST reached
        // the client only. The second one is no better explained than the first.
        var client = Fx.linux(hops: 2, ipIDLast: 51998)
        client.payloadBytes = 30000
        let rst = ResetPacket(time: Self.tRST, claimedSender: .client, ttl: 62, ipID: 0, dontFragment: true, seq: 100)
        var c = ResetContext(
            reset: rst, sender: client, receiver: Fx.linux(hops: 0), vantage: .server, synSeen: true, synAckSeen: true,
            established: true)
        c.others = [OtherReset(time: Self.tRST - 10 * Fx.ms, claimedSender: .client, ttl: 62, ipID: 0, seq: 50)]
        #expect(Rules.peerSocketGone(c)?.weight == Weight.peerSocketGone)
        c.others = [OtherReset(time: Self.tRST - 10 * Fx.ms, claimedSender: .server, ttl: 64, ipID: 0, seq: 50)]
        #expect(Rules.peerSocketGone(c) == nil)
    }

    static func tRSTminus(_ ns: Int64) -> Int64 { tRST - ns }
    func tRSTminus(_ ns: Int64) -> Int64 { Self.tRSTminus(ns) }
}
