import SSHRSTAttribution
import Testing

/// One or more tests per rule: fires / does not fire / false-positive guard.
@Suite struct RuleTests {
    // MARK: captured_at_sender

    @Test func capturedAtSenderFiresOnUntouchedTTLAtSenderHost() {
        var c = Fx.clientVantageServerRST(ttl: 64, ipID: 0)
        c.vantage = .server
        c.sender = Fx.linux(hops: 0)
        let e = Rules.capturedAtSender(c)
        #expect(e?.pointsTo == .server)
        #expect(e?.weight == Weight.capturedAtSender)
    }

    @Test func capturedAtSenderSilentAtReceiverOrDecremented() {
        #expect(Rules.capturedAtSender(Fx.clientVantageServerRST(ttl: 64, ipID: 0)) == nil)  // vantage client, claims server
        var c = Fx.clientVantageServerRST(ttl: 63, ipID: 0)
        c.vantage = .server
        c.sender = Fx.linux(hops: 0)
        #expect(Rules.capturedAtSender(c) == nil)
        // ...and then the TTL rule treats the decremented RST at the sender's own host as strong.
        #expect(Rules.ttlDiffers(c)?.weight == Weight.ttlDiffersAtSenderHost)
    }

    @Test func untouchedButDifferentTTLAtSenderHostIsNotTheStrongCase() {
        var c = Fx.clientVantageServerRST(ttl: 255, ipID: 0)
        c.vantage = .server
        c.sender = Fx.linux(hops: 0)
        #expect(Rules.capturedAtSender(c) == nil)
        #expect(Rules.ttlDiffers(c)?.weight == Weight.ttlDiffersInitial)
    }

    // MARK: TTL

    @Test func ttlMatchesBaselineStableVsVarying() {
        var c = Fx.clientVantageServerRST(ttl: 62, ipID: 0)
        #expect(Rules.ttlMatchesBaseline(c)?.weight == Weight.ttlMatchStable)
        c.sender.ttlMin = 61
        #expect(Rules.ttlMatchesBaseline(c)?.weight == Weight.ttlMatchVarying)
        #expect(Rules.ttlDiffers(c) == nil)
    }

    @Test func ttlDiffersDetailHasNumbers() {
        let e = Rules.ttlDiffers(Fx.clientVantageServerRST(ttl: 63, ipID: 0))
        #expect(e?.pointsTo == .middlebox)
        #expect(e?.weight == Weight.ttlDiffersStable)
        #expect(e?.detail.contains("TTL 63, server baseline 62 (first 62, min 62, max 62 over 14 packets), hop distance 1 vs 2") == true)
    }

    @Test func ttlDiffersInitialTTL() {
        let e = Rules.ttlDiffers(Fx.clientVantageServerRST(ttl: 253, ipID: 0))
        #expect(e?.weight == Weight.ttlDiffersInitial)
        #expect(e?.detail.contains("initial TTL 255 vs 64") == true)
    }

    @Test func ttlRulesSilentWithoutBaselineOrTTL() {
        var c = Fx.clientVantageServerRST(ttl: 63, ipID: 0)
        c.sender = SideProfile()
        #expect(Rules.ttlDiffers(c) == nil && Rules.ttlMatchesBaseline(c) == nil)
        var d = Fx.clientVantageServerRST(ttl: 63, ipID: 0)
        d.reset.ttl = nil
        #expect(Rules.ttlDiffers(d) == nil && Rules.ttlMatchesBaseline(d) == nil)
    }

    @Test func ttlVaryingBaselineOutsideRangeIsWeak() {
        var c = Fx.clientVantageServerRST(ttl: 63, ipID: 0)
        c.sender.ttlMin = 60
        c.sender.ttlMax = 62
        #expect(Rules.ttlDiffers(c)?.weight == Weight.ttlDiffersVarying)
    }

    @Test func initialTTLRounding() {
        #expect(initialTTL(for: 0) == 32)
        #expect(initialTTL(for: 32) == 32)
        #expect(initialTTL(for: 33) == 64)
        #expect(initialTTL(for: 60) == 64)
        #expect(initialTTL(for: 64) == 64)
        #expect(initialTTL(for: 65) == 128)
        #expect(initialTTL(for: 128) == 128)
        #expect(initialTTL(for: 129) == 255)
        #expect(initialTTL(for: 255) == 255)
        #expect(hopDistance(for: 61) == 3)
        #expect(hopDistance(for: 255) == 0)
    }

    // MARK: IP ID

    @Test func ipIDContinuesAcrossWrap() {
        var c = Fx.clientVantageServerRST(ttl: 62, ipID: 2, hasACK: true, seq: 2_000_100)
        c.sender.ipIDLast = 65534
        let e = Rules.ipIDContinues(c)
        #expect(e?.pointsTo == .server)
        #expect(e?.detail.contains("(+4)") == true)
        #expect(Rules.ipIDDiscontinuity(c) == nil)
    }

    @Test func ipIDContinuesNotForRepeatOrBigJump() {
        var c = Fx.clientVantageServerRST(ttl: 62, ipID: 5000, hasACK: true)
        #expect(Rules.ipIDContinues(c) == nil)  // same ID again: step 0
        c.reset.ipID = 5033
        #expect(Rules.ipIDContinues(c) == nil)
        #expect(Rules.ipIDDiscontinuity(c)?.pointsTo == .middlebox)
        c.reset.ipID = 4999  // backwards
        #expect(Rules.ipIDContinues(c) == nil)
    }

    @Test func ipIDContinuesFewSamplesWeight() {
        var c = Fx.clientVantageServerRST(ttl: 62, ipID: 5001, hasACK: true)
        c.sender.ipIDPairs = 1
        c.sender.ipIDSmallStepPairs = 0
        #expect(Rules.ipIDContinues(c)?.weight == Weight.ipIDContinuesFewSamples)
        #expect(Rules.ipIDDiscontinuity(c) == nil)
    }

    @Test func ipIDZeroDFCoupledToTTL() {
        #expect(Rules.ipIDZeroDF(Fx.clientVantageServerRST(ttl: 62, ipID: 0))?.pointsTo == .server)
        #expect(Rules.ipIDZeroDF(Fx.clientVantageServerRST(ttl: 63, ipID: 0))?.pointsTo == .middlebox)
        var c = Fx.clientVantageServerRST(ttl: 63, ipID: 0)
        c.sender.ttlMin = nil
        c.sender.ttlMax = nil
        c.sender.ttlFirst = nil
        c.sender.ttlLast = nil
        let e = Rules.ipIDZeroDF(c)
        #expect(e?.pointsTo == .undetermined && e?.weight == 0)
    }

    @Test func ipIDZeroDFNeedsDFAndNonZeroHistory() {
        #expect(Rules.ipIDZeroDF(Fx.clientVantageServerRST(ttl: 63, ipID: 0, df: false)) == nil)
        // False-positive guard: a sender that always uses IP ID 0 gives no contrast.
        var c = Fx.clientVantageServerRST(ttl: 63, ipID: 0)
        c.sender.ipIDLast = 0
        c.sender.ipIDZeroCount = 14
        c.sender.ipIDSmallStepPairs = 0
        #expect(Rules.ipIDZeroDF(c) == nil)
    }

    @Test func ipIDDiscontinuityNeedsCounterHistory() {
        var c = Fx.clientVantageServerRST(ttl: 62, ipID: 40000, hasACK: true)
        c.sender.ipIDSmallStepPairs = 2  // random IDs: no counter to compare with
        #expect(Rules.ipIDDiscontinuity(c) == nil)
    }

    // MARK: timing

    @Test func resetFasterThanRTTFires() {
        var c = Fx.clientVantageServerRST(ttl: 63, ipID: 0)
        c.rttToSenderNs = 20 * Fx.ms
        c.triggerDelayNs = 300_000
        c.gapBeforeTriggerNs = 5 * Fx.s
        let e = Rules.resetFasterThanRTT(c)
        #expect(e?.pointsTo == .middlebox && e?.weight == Weight.fasterThanRTT)
        #expect(e?.detail.contains("0.30 ms") == true && e?.detail.contains("20.00 ms") == true)
    }

    @Test func resetFasterThanRTTGuards() {
        var c = Fx.clientVantageServerRST(ttl: 63, ipID: 0)
        c.rttToSenderNs = 400_000  // below the 1 ms noise floor
        #expect(Rules.resetFasterThanRTT(c) == nil)
        c.rttToSenderNs = 20 * Fx.ms
        c.triggerDelayNs = 15 * Fx.ms  // later than half an RTT
        #expect(Rules.resetFasterThanRTT(c) == nil)
        c.triggerDelayNs = 300_000
        c.gapBeforeTriggerNs = 10 * Fx.ms  // a packet 10 ms earlier could be what it answers
        #expect(Rules.resetFasterThanRTT(c) == nil)
        c.gapBeforeTriggerNs = 5 * Fx.s
        c.triggerDelayNs = -5  // capture reordering
        #expect(Rules.resetFasterThanRTT(c) == nil)
    }

    @Test func resetFasterThanRTTAckForms() {
        var c = Fx.clientVantageServerRST(ttl: 63, ipID: 0, hasACK: true)
        c.rttToSenderNs = 20 * Fx.ms
        c.gapBeforeTriggerNs = 5 * Fx.s
        c.reset.ack = 1_000_200  // = receiver.nextSeq: saw everything
        #expect(Rules.resetFasterThanRTT(c)?.weight == Weight.fasterThanRTTUnverifiedAck)
        c.reset.ack = 1_000_100  // did not see the trigger's bytes: may predate it
        #expect(Rules.resetFasterThanRTT(c) == nil)
    }

    // MARK: sequence

    @Test func sequenceStatusExactInWindowOutOfWindow() {
        var c = Fx.clientVantageServerRST(ttl: 62, ipID: 0)
        #expect(sequenceStatus(c).status == .exact)
        #expect(Rules.seqExact(c)?.weight == 0)
        c.reset.seq = 2_000_100 &+ 1000
        #expect(sequenceStatus(c).status == .inWindow)
        #expect(Rules.seqInWindow(c)?.pointsTo == .middlebox)
        c.reset.seq = 2_000_100 &+ 100_000
        #expect(sequenceStatus(c).status == .outOfWindow)
        #expect(Rules.seqOutOfWindow(c) != nil)
        c.reset.seq = 2_000_100 &- 1
        #expect(sequenceStatus(c).status == .outOfWindow)
        c.receiver.window = nil
        #expect(sequenceStatus(c).status == .unknown)
    }

    @Test func sequenceStatusExactOnSenderSNDNXT() {
        // Receiver has not yet ACKed the sender's last 100 bytes; a Linux abort uses SND.NXT: exact.
        var c = Fx.clientVantageServerRST(ttl: 62, ipID: 5001, hasACK: true, seq: 2_000_200)
        c.sender.nextSeq = 2_000_200
        #expect(sequenceStatus(c).status == .exact)
    }

    @Test func sequenceStatusWrapAround() {
        var c = Fx.clientVantageServerRST(ttl: 62, ipID: 0)
        c.receiver.lastAck = UInt32.max &- 10
        c.sender.nextSeq = UInt32.max &- 10
        c.reset.seq = 20  // 31 past RCV.NXT across the wrap
        #expect(sequenceStatus(c).status == .inWindow)
        c.reset.seq = UInt32.max &- 10
        #expect(sequenceStatus(c).status == .exact)
        c.reset.seq = UInt32.max &- 20  // behind, across nothing
        #expect(sequenceStatus(c).status == .outOfWindow)
        #expect(SeqMath.distance(from: UInt32.max, to: 0) == 1)
        #expect(SeqMath.distance(from: 0, to: UInt32.max) == -1)
        #expect(SeqMath.isAfter(5, UInt32.max &- 5))
        #expect(SeqMath.ipIDStep(from: 65535, to: 0) == 1)
        #expect(SeqMath.ipIDGap(1, 65535) == 2)
    }

    @Test func zeroWindowMakesInexactOutOfWindow() {
        var c = Fx.clientVantageServerRST(ttl: 62, ipID: 0)
        c.receiver.window = 0
        c.reset.seq = 2_000_101
        #expect(sequenceStatus(c).status == .outOfWindow)
    }

    @Test func synRefusalShapeAndBadAck() {
        let client = SideProfile(packets: 1, ttlFirst: 64, ttlMin: 64, ttlMax: 64, ttlLast: 64, isn: UInt32.max, nextSeq: 0)
        var c = ResetContext(
            reset: ResetPacket(time: Fx.t0, claimedSender: .server, ttl: 62, ipID: 0, dontFragment: true, seq: 0, ack: 0, hasACK: true),
            receiver: client, vantage: .client, synSeen: true, answersSYN: true)
        // ISN = 2^32-1, so ISN+1 wraps to 0.
        #expect(sequenceStatus(c).status == .exact)
        #expect(Rules.synRefusalShape(c)?.pointsTo == .server)
        #expect(Rules.synRefusalBadAck(c) == nil)
        #expect(Rules.seqExact(c) == nil)  // refusals use the SYN rules, not the window rules
        c.reset.ack = 12345
        #expect(Rules.synRefusalShape(c) == nil)
        #expect(Rules.synRefusalBadAck(c)?.pointsTo == .middlebox)
        c.reset.hasACK = false
        #expect(sequenceStatus(c).status == .outOfWindow)
        #expect(Rules.synRefusalBadAck(c) != nil)
        c.reset.claimedSender = .client
        #expect(Rules.synRefusalShape(c) == nil && Rules.synRefusalBadAck(c) == nil)
    }

    @Test func refusalWithBadAckAloneIsUndetermined() {
        let client = SideProfile(packets: 1, ttlFirst: 64, ttlMin: 64, ttlMax: 64, ttlLast: 64, isn: 1000, nextSeq: 1001)
        let c = ResetContext(
            reset: ResetPacket(time: Fx.t0, claimedSender: .server, ttl: 62, ipID: 0, dontFragment: true, seq: 0, ack: 77, hasACK: true),
            receiver: client, vantage: .client, synSeen: true, answersSYN: true)
        #expect(attribute(c).attribution == .undetermined)
    }

    @Test func resetShapeIsInformational() {
        let a = Rules.resetShape(Fx.clientVantageServerRST(ttl: 62, ipID: 0))
        #expect(a?.weight == 0 && a?.detail.contains("R without ACK") == true)
        let b = Rules.resetShape(Fx.clientVantageServerRST(ttl: 62, ipID: 5001, hasACK: true, seq: 2_000_100))
        #expect(b?.detail.contains("socket abort") == true)
    }

    // MARK: after the RST

    @Test func dataAfterResetNewVsMaybeRetransmit() {
        var c = Fx.clientVantageServerRST(ttl: 62, ipID: 5001, hasACK: true, seq: 2_000_100)
        #expect(Rules.dataAfterReset(c) == nil)
        c.after = AfterReset(senderPackets: 1, senderDataOrFIN: 1, firstSenderDataDelay: 2 * Fx.ms)
        #expect(Rules.dataAfterReset(c)?.weight == Weight.dataAfterResetMaybeRetransmit)
        c.after.senderMaxSeqAfter = 2_000_100  // not beyond SND.NXT: a retransmission
        #expect(Rules.dataAfterReset(c)?.weight == Weight.dataAfterResetMaybeRetransmit)
        c.after.senderMaxSeqAfter = 2_000_101
        #expect(Rules.dataAfterReset(c)?.weight == Weight.dataAfterResetNew)
        c.after.senderMaxSeqAfter = nil
        c.after.firstSenderDataDelay = 3 * Fx.s
        #expect((Rules.dataAfterReset(c)?.weight ?? 1) <= 0.5)
    }

    @Test func dataAfterResetWithHostKernelSignatureIsCapped() {
        // False-positive guard: a host firewall REJECT leaves sshd's socket alive too.
        var c = Fx.clientVantageServerRST(ttl: 62, ipID: 0)
        c.after = AfterReset(senderPackets: 2, senderDataOrFIN: 2, firstSenderDataDelay: 10 * Fx.ms, senderMaxSeqAfter: 2_000_500)
        #expect(Rules.dataAfterReset(c)?.weight == Weight.dataAfterResetHostKernelShape)
        #expect(attribute(c).attribution == .undetermined)  // host kernel shape vs live socket: say so
    }

    @Test func challengeACKMiddleboxVsGenuinePattern() {
        var c = Fx.clientVantageServerRST(ttl: 62, ipID: 5001, hasACK: true, seq: 2_000_100 &+ 500)
        c.after.receiverChallengeACK = true
        #expect(Rules.challengeACK(c)?.pointsTo == .middlebox)
        c.others = [OtherReset(time: c.reset.time + 2 * Fx.ms, claimedSender: .server, ttl: 62, ipID: 5002, seq: 2_000_100)]
        #expect(Rules.challengeACK(c)?.pointsTo == .server)
        c.reset.seq = 2_000_100  // exact: a challenge ACK is not about this RST
        #expect(Rules.challengeACK(c) == nil)
    }

    // MARK: several RSTs

    @Test func conflictingResetTTL() {
        var c = Fx.clientVantageServerRST(ttl: 63, ipID: 0)
        #expect(Rules.conflictingResetTTL(c) == nil)
        c.others = [OtherReset(time: c.reset.time + Fx.ms, claimedSender: .server, ttl: 62)]
        #expect(Rules.conflictingResetTTL(c)?.pointsTo == .middlebox)
        var g = Fx.clientVantageServerRST(ttl: 62, ipID: 5001, hasACK: true)
        g.others = [OtherReset(time: g.reset.time - Fx.ms, claimedSender: .server, ttl: 63)]
        #expect(Rules.conflictingResetTTL(g)?.pointsTo == .server)
        g.sender = SideProfile()
        #expect(Rules.conflictingResetTTL(g)?.pointsTo == .undetermined)
        // Other direction does not count.
        c.others = [OtherReset(time: c.reset.time + Fx.ms, claimedSender: .client, ttl: 64)]
        #expect(Rules.conflictingResetTTL(c) == nil)
    }

    @Test func conflictingResetIPIDIgnoresKernelZeroIDs() {
        var c = Fx.clientVantageServerRST(ttl: 62, ipID: 5001, hasACK: true)
        c.others = [OtherReset(time: c.reset.time + Fx.ms, claimedSender: .server, ttl: 62, ipID: 0)]
        #expect(Rules.conflictingResetIPID(c) == nil)  // genuine abort then no-socket RSTs
        c.others = [OtherReset(time: c.reset.time + Fx.ms, claimedSender: .server, ttl: 62, ipID: 40000)]
        #expect(Rules.conflictingResetIPID(c)?.pointsTo == .server)
        c.reset.ipID = 30000
        #expect(Rules.conflictingResetIPID(c)?.pointsTo == .middlebox)
    }

    @Test func rstSeqChangeWeaver() {
        var c = Fx.clientVantageServerRST(ttl: 63, ipID: 1, hasACK: true, seq: 2_000_100 &+ 1460)
        c.others = [OtherReset(time: c.reset.time - Fx.ms, claimedSender: .server, ttl: 63, seq: 2_000_100)]
        let e = Rules.rstSeqChange(c)
        #expect(e?.pointsTo == .middlebox && e?.weight == Weight.rstSeqChange)
        // Not when the seq is within what the sender sent, nor after 2 s, nor after a FIN.
        var d = c
        d.reset.seq = 2_000_100
        #expect(Rules.rstSeqChange(d) == nil)
        d = c
        d.others[0].time = c.reset.time - 3 * Fx.s
        #expect(Rules.rstSeqChange(d) == nil)
        d = c
        d.sender.sentFIN = true
        #expect(Rules.rstSeqChange(d) == nil)
    }

    @Test func rstSeqChangeAcrossWrap() {
        var c = Fx.clientVantageServerRST(ttl: 63, ipID: 1, hasACK: true, seq: 1000)
        c.sender.nextSeq = UInt32.max &- 100
        c.receiver.lastAck = UInt32.max &- 100
        c.others = [OtherReset(time: c.reset.time - Fx.ms, claimedSender: .server, seq: UInt32.max &- 100)]
        #expect(Rules.rstSeqChange(c) != nil)
    }

    @Test func rstAckChange() {
        var c = Fx.clientVantageServerRST(ttl: 63, ipID: 1, hasACK: true)
        c.others = [OtherReset(time: c.reset.time + Fx.ms, claimedSender: .server, ack: 0)]
        #expect(Rules.rstAckChange(c) == nil)
        c.others = [OtherReset(time: c.reset.time + Fx.ms, claimedSender: .server, ack: 1_000_900)]
        #expect(Rules.rstAckChange(c)?.pointsTo == .middlebox)
        c.reset.hasACK = false
        #expect(Rules.rstAckChange(c) == nil)
    }

    @Test func resetsBothDirectionsOnlyAtMiddleOrUnknown() {
        var c = Fx.clientVantageServerRST(ttl: 60, ipID: 0)
        c.others = [OtherReset(time: c.reset.time + 2 * Fx.ms, claimedSender: .client, ttl: 60)]
        #expect(Rules.resetsBothDirections(c) == nil)  // client vantage
        c.vantage = .middle
        #expect(Rules.resetsBothDirections(c)?.weight == Weight.bothDirectionsMiddle)
        c.vantage = .unknown
        #expect(Rules.resetsBothDirections(c)?.weight == Weight.bothDirectionsUnknownVantage)
        c.vantage = .middle
        c.others[0].time = c.reset.time + 6 * Fx.ms
        #expect(Rules.resetsBothDirections(c) == nil)
    }

    @Test func azureStyleBidirectionalResetAtMiddle() {
        // Middle vantage: RSTs to both ends at the same ms after 240 s idle, TTL 64 vs baselines 61.
        var c = Fx.clientVantageServerRST(ttl: 64, ipID: 0)
        c.vantage = .middle
        c.sender = Fx.linux(hops: 3)
        c.receiver = Fx.linux(hops: 3, ipIDLast: 300, nextSeq: 1_000_200, lastAck: 2_000_100)
        c.gapBeforeResetNs = 240 * Fx.s
        c.triggerDelayNs = 240 * Fx.s
        c.gapBeforeTriggerNs = 1 * Fx.s
        c.others = [OtherReset(time: c.reset.time, claimedSender: .client, ttl: 64, ipID: 0)]
        let v = attribute(c)
        #expect(v.attribution == .middlebox)
        #expect(v.confidence >= 0.85)
        #expect(v.evidence.first { $0.rule == .idleTimeoutMatch }?.detail.contains("Azure") == true)
        #expect(v.path == .forged)
    }

    // MARK: payload, ICMP, idle, lone

    @Test func rstPayloadEscapedText() {
        var c = Fx.clientVantageServerRST(ttl: 62, ipID: 0)
        #expect(Rules.rstPayload(c) == nil)
        c.reset.payloadLength = 9
        c.reset.payloadPrefix = Array("Blocked\r\n".utf8)
        let e = Rules.rstPayload(c)
        #expect(e?.pointsTo == .middlebox)
        #expect(e?.detail.contains("\"Blocked\\x0d\\x0a\"") == true)
    }

    @Test func icmpAboutFlowVariants() {
        var c = Fx.clientVantageServerRST(ttl: 63, ipID: 0)
        #expect(Rules.icmpAboutFlow(c) == nil)
        c.icmp = [ICMPReport(time: c.reset.time - Fx.s, senderRole: .middlebox, type: 11, code: 0, ttl: 63)]
        #expect(Rules.icmpAboutFlow(c) == nil)  // time exceeded is not a refusal
        c.icmp = [ICMPReport(time: c.reset.time - Fx.s, senderRole: .middlebox, type: 3, code: 13, ttl: 63)]
        #expect(Rules.icmpAboutFlow(c)?.weight == Weight.icmpSameHop)
        c.icmp[0].ttl = 250
        #expect(Rules.icmpAboutFlow(c)?.weight == Weight.icmpOnPath)
        c.icmp = [ICMPReport(time: c.reset.time + Fx.s, senderRole: .server, type: 3, code: 3, ttl: 62)]
        #expect(Rules.icmpAboutFlow(c)?.pointsTo == .server)
        c.icmp = [ICMPReport(time: c.reset.time + Fx.s, senderRole: .client, type: 3, code: 3)]
        #expect(Rules.icmpAboutFlow(c) == nil)
    }

    @Test func icmpNamesV4AndV6() {
        #expect(ICMPReport(time: 0, senderRole: .server, type: 3, code: 3).name == "port_unreachable")
        #expect(ICMPReport(time: 0, senderRole: .server, type: 3, code: 13).isAdminProhibited)
        #expect(ICMPReport(time: 0, senderRole: .server, type: 1, code: 4, isIPv6: true).name == "port_unreachable")
        #expect(ICMPReport(time: 0, senderRole: .server, type: 1, code: 1, isIPv6: true).isAdminProhibited)
        #expect(!ICMPReport(time: 0, senderRole: .server, type: 3, code: 3, isIPv6: true).isUnreachable)
    }

    @Test func idleTimeoutMatchTolerance() {
        #expect(IdleTimeouts.match(350 * Fx.s)?.seconds == 350)
        #expect(IdleTimeouts.match(367 * Fx.s)?.seconds == 350)  // +4.9 %
        #expect(IdleTimeouts.match(368 * Fx.s) == nil)  // +5.1 %
        #expect(IdleTimeouts.match(240 * Fx.s)?.seconds == 240)
        #expect(IdleTimeouts.match(1190 * Fx.s)?.seconds == 1200)
        #expect(IdleTimeouts.match(Int64.max) == nil)
        #expect(IdleTimeouts.match(Int64.min) == nil)
    }

    @Test func idleRulesNeedPromptAnswer() {
        var c = Fx.clientVantageServerRST(ttl: 63, ipID: 0)
        c.gapBeforeTriggerNs = 600 * Fx.s
        c.triggerDelayNs = 5 * Fx.s  // not an answer to the first packet after the gap
        c.gapBeforeResetNs = 5 * Fx.s
        #expect(Rules.idleTimeoutMatch(c) == nil)
        #expect(Rules.longIdleBeforeTrigger(c) == nil)
        c.triggerDelayNs = Fx.ms
        #expect(Rules.idleTimeoutMatch(c) != nil)
        #expect(Rules.longIdleBeforeTrigger(c) == nil)  // the known-timeout rule takes it
        c.gapBeforeTriggerNs = 20 * Fx.s
        #expect(Rules.longIdleBeforeTrigger(c) == nil)  // not long
    }

    @Test func loneReset() {
        #expect(Rules.loneReset(ResetContext(reset: ResetPacket(time: 0, claimedSender: .client)))?.weight == 0)
        #expect(Rules.loneReset(Fx.clientVantageServerRST(ttl: 62, ipID: 0)) == nil)
    }

    // MARK: catalog and robustness

    @Test func catalogHasEveryRuleOnceAndDocumented() {
        #expect(RuleCatalog.all.count == RuleID.allCases.count)
        #expect(RuleCatalog.all.map(\.id) == RuleID.allCases)
        for info in RuleCatalog.all {
            #expect(!info.signal.isEmpty && !info.why.isEmpty && !info.falsePositives.isEmpty && !info.reference.isEmpty)
        }
        for id in RuleID.allCases {
            #expect(id.rawValue.allSatisfy { $0.isLowercase || $0 == "_" })
        }
    }

    @Test func extremeValuesNeverTrap() {
        let extremes: [Int64?] = [nil, Int64.min, -1, 0, 1, Int64.max]
        for e in extremes {
            var c = Fx.clientVantageServerRST(ttl: 0, ipID: 65535, df: true, hasACK: true, seq: UInt32.max)
            c.rttToSenderNs = e
            c.triggerDelayNs = e
            c.gapBeforeTriggerNs = e
            c.gapBeforeResetNs = e
            c.reset.time = e ?? 0
            c.after = AfterReset(senderPackets: Int.max, senderDataOrFIN: 1, firstSenderDataDelay: e, receiverPackets: -1, senderMaxSeqAfter: UInt32.max)
            c.others = [OtherReset(time: Int64.min, claimedSender: .server, ttl: 255, ipID: 0, seq: 0, ack: UInt32.max),
                        OtherReset(time: Int64.max, claimedSender: .client, ttl: 1, ipID: 1, seq: 1, ack: 1)]
            c.icmp = [ICMPReport(time: Int64.max, senderRole: .middlebox, type: 3, code: 13, ttl: 0)]
            c.sender.packets = -5
            c.sender.ipIDZeroCount = Int.max
            c.sender.ipIDPairs = Int.max
            c.sender.ipIDSmallStepPairs = Int.max
            let v = attribute(c)
            #expect(v.confidence >= 0 && v.confidence <= 1)
        }
    }
}
