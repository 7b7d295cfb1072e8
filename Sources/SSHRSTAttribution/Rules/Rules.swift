// The evidence rules. Each is a pure function `(ResetContext) -> Evidence?` with one stable `RuleID`;
// `Rules.evaluate` dispatches over `RuleID.allCases` so a new case cannot be forgotten. Every rule is documented
// (signal, why, false positives, reference) in `RuleCatalog` (RuleCatalog.swift).

import SSHRSTWire

/// Known idle timeouts of cloud load balancers, NAT gateways and firewalls (reset-evidence.md §6).
public struct KnownIdleTimeout: Sendable, Equatable {
    public var name: String
    public var seconds: Int64
    public init(name: String, seconds: Int64) {
        self.name = name
        self.seconds = seconds
    }
}

public enum IdleTimeouts {
    /// Ordered by value. ±5 % tolerance when matching.
    public static let known: [KnownIdleTimeout] = [
        KnownIdleTimeout(name: "Azure Load Balancer default idle timeout (4 min)", seconds: 240),
        KnownIdleTimeout(name: "AWS NLB / NAT gateway / Network Firewall idle timeout (350 s)", seconds: 350),
        KnownIdleTimeout(name: "GCP VPC firewall connection tracking (10 min)", seconds: 600),
        KnownIdleTimeout(name: "GCP Cloud NAT TCP established idle timeout (1200 s)", seconds: 1200),
        KnownIdleTimeout(name: "common enterprise firewall TCP idle timeout (1 h, unverified)", seconds: 3600),
    ]

    /// Tolerance, in percent, for a measured idle time to "match" a known timeout.
    public static let tolerancePercent: Int64 = 5

    /// Idle gaps at least this long count as "long" even when they match no known timeout (30 s).
    public static let longIdleNs: Int64 = 30_000_000_000

    /// The known timeout an idle time matches within ±5 %, if any.
    public static func match(_ idleNs: Int64) -> KnownIdleTimeout? {
        known.first { Sat.within(idleNs, percent: tolerancePercent, of: $0.seconds * 1_000_000_000) }
    }
}

/// Sequence status of the RST against its receiver (RFC 5961 §3.2), with the numbers behind it.
///
/// - Answering a SYN: RFC 9293 SYN-SENT accepts a RST only with an ACK acknowledging the SYN, so `exact` means
///   ACK set and ack == client ISN + 1; anything else is `out_of_window`.
/// - Otherwise the receiver's RCV.NXT is taken as its last ACK sent; the sender's SND.NXT counts as exact too,
///   because a Linux abort uses SND.NXT and in-flight data reaches the receiver before the RST does.
///   In window = ahead of RCV.NXT by less than the receiver's last advertised window (scaled); window unknown → `unknown`.
public func sequenceStatus(_ c: ResetContext) -> (status: SeqStatus, detail: String) {
    let check = sequenceCheck(c, withText: true)
    return (check.status, check.detail.string)
}

/// `sequenceStatus` without its text (most callers only branch on the status).
public func sequenceStatusOnly(_ c: ResetContext) -> SeqStatus { sequenceCheck(c, withText: false).status }

/// The status, and its text when `withText` (the numbers behind it; left empty otherwise).
func sequenceCheck(_ c: ResetContext, withText: Bool) -> (status: SeqStatus, detail: Prose) {
    func text(_ p: @autoclosure () -> Prose) -> Prose { withText ? p() : Prose() }
    let r = c.reset
    if c.answersSYN {
        guard let expected = c.receiver.isn.map({ $0 &+ 1 }) ?? c.receiver.nextSeq else {
            return (.unknown, text("answers a SYN whose ISN was not seen"))
        }
        // `&+ 1`: ISN+1 modulo 2^32 is exactly the SYN's acknowledgment number.
        if r.hasACK && r.ack == expected { return (.exact, text("ack \(r.ack) = client ISN+1")) }
        return (.outOfWindow, text(r.hasACK ? "ack \(r.ack) ≠ client ISN+1 \(expected)" : "no ACK flag: ignored in SYN-SENT"))
    }
    let rcvNxt = c.receiver.lastAck
    let sndNxt = c.sender.nextSeq
    if let e = rcvNxt, r.seq == e { return (.exact, text("seq \(r.seq) = \(c.receiverWord) RCV.NXT (its last ACK)")) }
    if let s = sndNxt, r.seq == s { return (.exact, text("seq \(r.seq) = \(c.senderWord) SND.NXT")) }
    guard let e = rcvNxt ?? sndNxt else { return (.unknown, text("no sequence state seen for this flow")) }
    let d = SeqMath.distance(from: e, to: r.seq)
    guard let w = c.receiver.window else {
        return (.unknown, text("seq \(r.seq) is \(d) from expected \(e); receiver window unknown"))
    }
    if d > 0 && UInt32(d) < w {
        return (.inWindow, text("seq \(r.seq) is \(d) past expected \(e), inside window \(w)"))
    }
    return (.outOfWindow, text("seq \(r.seq) is \(d) from expected \(e), outside window \(w)"))
}

public enum Rules {
    /// Runs one rule.
    public static func evaluate(_ id: RuleID, _ c: ResetContext) -> Evidence? {
        switch id {
        case .capturedAtSender: return capturedAtSender(c)
        case .ttlMatchesBaseline: return ttlMatchesBaseline(c)
        case .ttlDiffers: return ttlDiffers(c)
        case .ipIDContinues: return ipIDContinues(c)
        case .ipIDZeroDF: return ipIDZeroDF(c)
        case .flowLabelZero: return flowLabelZero(c)
        case .flowLabelContinues: return flowLabelContinues(c)
        case .ipIDDiscontinuity: return ipIDDiscontinuity(c)
        case .resetFasterThanRTT: return resetFasterThanRTT(c)
        case .seqExact: return seqExact(c)
        case .seqInWindow: return seqInWindow(c)
        case .seqOutOfWindow: return seqOutOfWindow(c)
        case .synRefusalShape: return synRefusalShape(c)
        case .synRefusalBadAck: return synRefusalBadAck(c)
        case .resetShape: return resetShape(c)
        case .dataAfterReset: return dataAfterReset(c)
        case .challengeACK: return challengeACK(c)
        case .conflictingResetTTL: return conflictingResetTTL(c)
        case .conflictingResetIPID: return conflictingResetIPID(c)
        case .rstSeqChange: return rstSeqChange(c)
        case .rstAckChange: return rstAckChange(c)
        case .resetsBothDirections: return resetsBothDirections(c)
        case .rstPayload: return rstPayload(c)
        case .icmpAboutFlow: return icmpAboutFlow(c)
        case .idleTimeoutMatch: return idleTimeoutMatch(c)
        case .longIdleBeforeTrigger: return longIdleBeforeTrigger(c)
        case .loneReset: return loneReset(c)
        case .peerSocketGone: return peerSocketGone(c)
        // Active probing (`sshrst trace`, TraceLocator): nothing a passive capture can show.
        case .ttlLimitedTrigger, .resetTTLHop: return nil
        case .answersUnreceivedSegment: return answersUnreceivedSegment(c)
        case .socketAliveAfterReset: return socketAliveAfterReset(c)
        case .ipIDCollision: return ipIDCollision(c)
        case .ipIDFromTrigger: return ipIDFromTrigger(c)
        case .windowCopiedFromPeer: return windowCopiedFromPeer(c)
        case .reservedBitsSet: return reservedBitsSet(c)
        case .sameIPIDResets: return sameIPIDResets(c)
        case .noSocketShapeMatches: return noSocketShapeMatches(c)
        case .timestampsUnlikeSender: return timestampsUnlikeSender(c)
        }
    }

    /// All rules that fire, in `RuleID` order (deterministic).
    public static func evaluateAll(_ c: ResetContext) -> [Evidence] {
        var fired: [Evidence] = []
        fired.reserveCapacity(8)
        for rule in allRules {
            if let e = evaluate(rule, c) { fired.append(e) }
        }
        return fired
    }

    /// Every rule in `RuleID` order (`allCases` builds a new array on each use).
    static let allRules = RuleID.allCases

    // MARK: vantage and TTL

    /// The capture sits on the claimed sender's host and the RST left it with that host's untouched initial TTL.
    public static func capturedAtSender(_ c: ResetContext) -> Evidence? {
        guard c.vantageIsSender, let ttl = c.reset.ttl, untouchedTTLs.contains(ttl) else { return nil }
        if let r = c.sender.ttlRange, r.max != ttl { return nil }
        return Evidence(
            rule: .capturedAtSender, pointsTo: c.claimedParty, weight: Weight.capturedAtSender,
            detail: "capture is on the \(c.senderWord) host (vantage \(c.vantage.rawValue)); the RST left it with untouched TTL \(ttl), like its \(c.sender.packets) earlier packets")
    }

    /// RST TTL within the claimed sender's baseline range.
    public static func ttlMatchesBaseline(_ c: ResetContext) -> Evidence? {
        guard !c.vantageIsSender, c.ttlRelation == .matches, let ttl = c.reset.ttl else { return nil }
        let stable = c.sender.ttlStable && c.sender.packets >= 2
        return Evidence(
            rule: .ttlMatchesBaseline, pointsTo: c.claimedParty,
            weight: stable ? Weight.ttlMatchStable : Weight.ttlMatchVarying,
            detail: "TTL \(ttl) within the \(c.senderWord) baseline (\(c.sender.ttlBaselineText)), hop distance \(hopDistance(for: ttl))")
    }

    /// RST TTL outside the claimed sender's baseline: a different hop distance or a different initial TTL.
    public static func ttlDiffers(_ c: ResetContext) -> Evidence? {
        guard case .differs(let delta, let initialDiffers) = c.ttlRelation, let ttl = c.reset.ttl,
            let range = c.sender.ttlRange
        else { return nil }
        let weight: Double
        var why: String
        if c.vantageIsSender && !untouchedTTLs.contains(ttl) {
            weight = Weight.ttlDiffersAtSenderHost
            why = "the capture is on the \(c.senderWord) host, whose packets leave with TTL \(range.max): this RST arrived from the network"
        } else if initialDiffers {
            weight = Weight.ttlDiffersInitial
            why = "initial TTL \(initialTTL(for: ttl)) vs \(initialTTL(for: range.max)): a different IP stack"
        } else if c.sender.ttlStable {
            weight = Weight.ttlDiffersStable
            why = delta < 0 ? "sent from \(-delta) hop(s) closer to the capture point" : "sent from \(delta) hop(s) farther away"
        } else {
            weight = Weight.ttlDiffersVarying
            why = "baseline varies, so this is weak"
        }
        let baseHops = hopDistance(for: range.min == range.max ? range.min : range.max)
        return Evidence(
            rule: .ttlDiffers, pointsTo: .middlebox, weight: weight,
            detail: "TTL \(ttl), \(c.senderWord) baseline \(range.min == range.max ? "\(range.min)" : "\(range.min)–\(range.max)") (\(c.sender.ttlBaselineText)), hop distance \(hopDistance(for: ttl)) vs \(baseHops): \(why)")
    }

    // MARK: IP ID

    /// RST IP ID continues the claimed sender's IP ID sequence by +1...+32: the connection's own socket sent it.
    public static func ipIDContinues(_ c: ResetContext) -> Evidence? {
        guard !c.reset.isIPv6, c.ipIDContinues, let id = c.reset.ipID, let last = c.sender.ipIDLast else { return nil }
        let step = SeqMath.ipIDStep(from: last, to: id)
        return Evidence(
            rule: .ipIDContinues, pointsTo: c.claimedParty,
            weight: c.sender.ipIDCounterLike ? Weight.ipIDContinuesCounter : Weight.ipIDContinuesFewSamples,
            detail: "IP ID \(id) follows the \(c.senderWord)'s last IP ID \(last) (+\(step)); earlier IDs: \(c.sender.ipIDText): a socket abort (tcp_send_active_reset)")
    }

    /// RST IP ID 0 with DF while the claimed sender's packets carried non-zero IDs: kernel no-socket RST or netfilter
    /// REJECT. Which box depends on the TTL: matching → the sender's host; differing → a Linux box on the path.
    public static func ipIDZeroDF(_ c: ResetContext) -> Evidence? {
        guard c.rstHasKernelNoSocketSignature, c.sender.ipIDLast != nil,
            c.sender.ipIDCounterLike || c.sender.nonZeroIPIDs >= 2
        else { return nil }
        let base: Prose = "IP ID 0 + DF while the \(c.senderWord)'s packets carried non-zero IDs (\(c.sender.ipIDText)): kernel no-socket RST or netfilter REJECT, not a socket abort"
        switch c.ttlRelation {
        case .matches:
            return Evidence(
                rule: .ipIDZeroDF, pointsTo: c.claimedParty, weight: Weight.ipIDZeroWithTTLMatch,
                detail: base + "; TTL matches the \(c.senderWord) host, so its kernel or host firewall sent it, not the sshd socket")
        case .differs:
            return Evidence(
                rule: .ipIDZeroDF, pointsTo: .middlebox, weight: Weight.ipIDZeroWithTTLDiffers,
                detail: base + "; TTL does not match the \(c.senderWord) host, so a Linux box on the path rejected it")
        case .unknown:
            return Evidence(rule: .ipIDZeroDF, pointsTo: .undetermined, weight: 0, detail: base + "; no TTL baseline to say which box")
        }
    }

    /// IPv6's analogue of `ipIDZeroDF`: the RST carries flow label 0 while every
    /// earlier packet of the claimed sender carried one constant non-zero label
    /// (Linux sockets do, net.ipv6.auto_flowlabels=1). netfilter's REJECT
    /// (nf_reject_ip6hdr_put) builds its header with label 0; a socket abort keeps
    /// the socket's label. TTL (hop limit) then says which box: matching -> the
    /// sender's host; differing -> a box on the path. Seen in the lab: a router's
    /// ip6tables REJECT gave label 0 against the server's constant 0x17311.
    public static func flowLabelZero(_ c: ResetContext) -> Evidence? {
        guard c.reset.isIPv6, c.reset.flowLabel == 0, let label = c.sender.stableFlowLabel, label != 0, c.sender.packets >= 2
        else { return nil }
        let base: Prose = "flow label 0 while the \(c.senderWord)'s \(c.sender.packets) packets all carried label 0x\(String(label, radix: 16)): not the \(c.senderWord)'s socket (netfilter REJECT or a no-socket reply)"
        switch c.ttlRelation {
        case .matches:
            return Evidence(rule: .flowLabelZero, pointsTo: c.claimedParty, weight: Weight.ipIDZeroWithTTLMatch,
                detail: base + "; hop limit matches the \(c.senderWord) host, so its kernel or host firewall sent it")
        case .differs:
            return Evidence(rule: .flowLabelZero, pointsTo: .middlebox, weight: Weight.ipIDZeroWithTTLDiffers,
                detail: base + "; hop limit does not match the \(c.senderWord) host, so a box on the path rejected it")
        case .unknown:
            return Evidence(rule: .flowLabelZero, pointsTo: .undetermined, weight: 0, detail: base + "; no hop-limit baseline to say which box")
        }
    }

    /// IPv6: the RST carries the same non-zero flow label as all of the claimed
    /// sender's earlier packets: it left that sender's own socket (a socket abort).
    public static func flowLabelContinues(_ c: ResetContext) -> Evidence? {
        guard c.reset.isIPv6, let rl = c.reset.flowLabel, rl != 0, let label = c.sender.stableFlowLabel, label == rl,
            c.sender.packets >= 2
        else { return nil }
        return Evidence(rule: .flowLabelContinues, pointsTo: c.claimedParty, weight: Weight.ipIDContinuesCounter,
            detail: "flow label 0x\(String(rl, radix: 16)) is the one all \(c.sender.packets) earlier \(c.senderWord) packets carried: the \(c.senderWord)'s own socket sent it (socket abort)")
    }

    /// RST IP ID neither 0 nor continuing the claimed sender's counter.
    public static func ipIDDiscontinuity(_ c: ResetContext) -> Evidence? {
        guard !c.reset.isIPv6, let id = c.reset.ipID, id != 0, let last = c.sender.ipIDLast, c.sender.ipIDCounterLike,
            !c.ipIDContinues
        else { return nil }
        return Evidence(
            rule: .ipIDDiscontinuity, pointsTo: .middlebox, weight: Weight.ipIDDiscontinuity,
            detail: "IP ID \(id) does not continue the \(c.senderWord)'s counter (last \(last), gap \(SeqMath.ipIDGap(last, id)); \(c.sender.ipIDText))")
    }

    // MARK: timing

    /// The RST arrived sooner after the receiver's last packet than a round trip to the claimed sender takes,
    /// and nothing earlier was recent enough for the RST to be its prompt answer.
    public static func resetFasterThanRTT(_ c: ResetContext) -> Evidence? {
        guard !c.vantageIsSender, let rtt = c.rttToSenderNs, rtt >= 1_000_000, let d = c.triggerDelayNs, d >= 0,
            d < rtt / 2, let gap = c.gapBeforeTriggerNs, Sat.add(d, gap) > Sat.add(rtt, rtt)
        else { return nil }
        let r = c.reset
        var weight = Weight.fasterThanRTT
        var form = "R without ACK (answers a packet)"
        if r.hasACK {
            guard let rn = c.receiver.nextSeq else { return nil }
            guard r.ack == rn else { return nil }  // did not see the trigger's bytes: may predate it
            weight = Weight.fasterThanRTTUnverifiedAck
            form = "R+ACK acknowledging all \(c.receiverWord) bytes (a spontaneous abort could coincide)"
        }
        return Evidence(
            rule: .resetFasterThanRTT, pointsTo: .middlebox, weight: weight,
            detail: "RST \(Fmt.millis(d)) after the \(c.receiverWord)'s packet, but a round trip to the \(c.senderWord) takes \(Fmt.millis(rtt)) here and the flow was idle \(Fmt.seconds(gap)) before that packet; \(form)")
    }

    // MARK: sequence

    public static func seqExact(_ c: ResetContext) -> Evidence? {
        guard !c.answersSYN else { return nil }
        guard sequenceStatusOnly(c) == .exact else { return nil }
        let s = sequenceCheck(c, withText: true)
        return Evidence(
            rule: .seqExact, pointsTo: c.claimedParty, weight: 0,
            detail: "\(s.detail): acceptable (RFC 5961); consistent with the genuine peer or an on-path box that sees the traffic")
    }

    public static func seqInWindow(_ c: ResetContext) -> Evidence? {
        guard !c.answersSYN else { return nil }
        guard sequenceStatusOnly(c) == .inWindow else { return nil }
        let s = sequenceCheck(c, withText: true)
        return Evidence(
            rule: .seqInWindow, pointsTo: .middlebox, weight: Weight.seqInWindow,
            detail: "\(s.detail): in window but not exact, which a stack aborting its own connection does not send (blind or racing RST)")
    }

    public static func seqOutOfWindow(_ c: ResetContext) -> Evidence? {
        guard !c.answersSYN else { return nil }
        guard sequenceStatusOnly(c) == .outOfWindow else { return nil }
        let s = sequenceCheck(c, withText: true)
        return Evidence(
            rule: .seqOutOfWindow, pointsTo: .middlebox, weight: Weight.seqOutOfWindow,
            detail: "\(s.detail): the receiver ignores it")
    }

    /// RST+ACK answering the client's SYN with ack = ISN+1 from the server's address: RFC 793 closed-port shape.
    public static func synRefusalShape(_ c: ResetContext) -> Evidence? {
        guard c.answersSYN, c.reset.claimedSender == .server, sequenceStatusOnly(c) == .exact else { return nil }
        let r = c.reset
        let kernel = c.rstHasKernelNoSocketSignature ? "IP ID 0 + DF (Linux no-socket RST or REJECT)" : (r.isIPv6 ? "IPv6 (no IP ID)" : "IP ID \(r.ipID.map { "\($0)" } ?? "?")")
        return Evidence(
            rule: .synRefusalShape, pointsTo: .server, weight: Weight.synRefusalShape,
            detail: "RST+ACK seq \(r.seq) ack \(r.ack) = client ISN+1 answering the SYN (RFC 793 closed-port shape), \(kernel), \(c.rstTTLText); no server packets to compare with, so a firewall spoofing the server would look the same")
    }

    /// A RST answering the SYN that does not acknowledge it.
    public static func synRefusalBadAck(_ c: ResetContext) -> Evidence? {
        guard c.answersSYN, c.reset.claimedSender == .server else { return nil }
        guard sequenceStatusOnly(c) == .outOfWindow else { return nil }
        let s = sequenceCheck(c, withText: true)
        return Evidence(
            rule: .synRefusalBadAck, pointsTo: .middlebox, weight: Weight.synRefusalBadAck,
            detail: "RST to the SYN with \(s.detail): a stack refusing the SYN acknowledges it (blind, stale or spoofed RST)")
    }

    /// Flag/seq shape after establishment: R+ACK at SND.NXT (socket abort) or R without ACK (no-socket/REJECT reply).
    public static func resetShape(_ c: ResetContext) -> Evidence? {
        guard !c.answersSYN, c.established else { return nil }
        let r = c.reset
        if !r.hasACK {
            return Evidence(
                rule: .resetShape, pointsTo: .undetermined, weight: 0,
                detail: "R without ACK, seq \(r.seq): the RFC 9293 reply of a box with no socket (kernel no-socket path or REJECT) to an ACK-bearing segment")
        }
        if let s = c.sender.nextSeq, r.seq == s {
            return Evidence(
                rule: .resetShape, pointsTo: .undetermined, weight: 0,
                detail: "R+ACK at the \(c.senderWord)'s SND.NXT \(s): the shape of a socket abort (tcp_send_active_reset) or of a copy of one")
        }
        return nil
    }

    // MARK: after the RST

    /// The claimed sender kept sending data or FIN at/after the RST's sequence number (Weaver RST_SEQ_DATA).
    public static func dataAfterReset(_ c: ResetContext) -> Evidence? {
        let a = c.after
        guard a.senderDataOrFIN > 0 else { return nil }
        var weight = Weight.dataAfterResetMaybeRetransmit
        var what = "may be a retransmission already in flight"
        if let maxAfter = a.senderMaxSeqAfter, let next = c.sender.nextSeq, SeqMath.isAfter(maxAfter, next) {
            weight = Weight.dataAfterResetNew
            what = "new bytes up to \(maxAfter), beyond its pre-RST SND.NXT \(next): its socket never reset"
        }
        if let delay = a.firstSenderDataDelay, delay > 2_000_000_000, weight < Weight.dataAfterResetNew {
            weight = min(weight, 0.5)
            what += ", and more than 2 s later"
        }
        if c.rstHasKernelNoSocketSignature && c.ttlRelation == .matches {
            weight = min(weight, Weight.dataAfterResetHostKernelShape)
            what += "; the RST has the \(c.senderWord) host's kernel signature, so a firewall on that host is also possible"
        }
        let delayText = a.firstSenderDataDelay.map { ", first \(Fmt.millis($0)) after it" } ?? ""
        return Evidence(
            rule: .dataAfterReset, pointsTo: .middlebox, weight: weight,
            detail: "\(c.senderWord) sent \(a.senderDataOrFIN) data/FIN packet(s) at or after the RST's seq \(c.reset.seq)\(delayText); \(what)")
    }

    /// The receiver answered with a challenge ACK (RFC 5961 §3.2): it judged the RST inexact.
    public static func challengeACK(_ c: ResetContext) -> Evidence? {
        guard c.after.receiverChallengeACK, !c.answersSYN else { return nil }
        guard sequenceStatusOnly(c) != .exact else { return nil }
        if let expected = c.expectedSeq,
            c.others.contains(where: { $0.claimedSender == c.reset.claimedSender && $0.time > c.reset.time && $0.seq == expected })
        {
            return Evidence(
                rule: .challengeACK, pointsTo: c.claimedParty, weight: Weight.challengeACKGenuine,
                detail: "\(c.receiverWord) sent a challenge ACK and the \(c.senderWord) then sent an exact RST (seq \(expected)): the RFC 5961 genuine-peer pattern")
        }
        return Evidence(
            rule: .challengeACK, pointsTo: .middlebox, weight: Weight.challengeACKMiddlebox,
            detail: "\(c.receiverWord) answered with a challenge ACK (\(sequenceCheck(c, withText: true).detail)) and no exact RST followed: a blind or off-path RST")
    }

    // MARK: several RSTs

    /// Another RST claiming the same sender arrived with a different hop distance.
    public static func conflictingResetTTL(_ c: ResetContext) -> Evidence? {
        guard let ttl = c.reset.ttl else { return nil }
        let myHops = hopDistance(for: ttl)
        guard
            let other = c.others.first(where: { o in
                guard o.claimedSender == c.reset.claimedSender, let t = o.ttl else { return false }
                return hopDistance(for: t) != myHops || initialTTL(for: t) != initialTTL(for: ttl)
            }), let otherTTL = other.ttl
        else { return nil }
        let base: Prose = "another RST claiming the \(c.senderWord) had TTL \(otherTTL) vs \(ttl) here: two boxes sent RSTs with this address"
        switch c.ttlRelation {
        case .matches:
            return Evidence(rule: .conflictingResetTTL, pointsTo: c.claimedParty, weight: Weight.conflictConsistent, detail: base + "; this one matches the baseline, the other is the odd one")
        case .differs:
            return Evidence(rule: .conflictingResetTTL, pointsTo: .middlebox, weight: Weight.conflictOdd, detail: base + "; this one does not match the \(c.senderWord) baseline")
        case .unknown:
            return Evidence(rule: .conflictingResetTTL, pointsTo: .undetermined, weight: Weight.conflictUnresolved, detail: base + "; no baseline to tell which is genuine")
        }
    }

    /// Another RST claiming the same sender carried an unrelated non-zero IP ID.
    public static func conflictingResetIPID(_ c: ResetContext) -> Evidence? {
        guard let id = c.reset.ipID, id != 0 else { return nil }
        guard
            let other = c.others.first(where: { o in
                guard o.claimedSender == c.reset.claimedSender, let oid = o.ipID, oid != 0 else { return false }
                return SeqMath.ipIDGap(oid, id) > 32
            }), let otherID = other.ipID
        else { return nil }
        let base: Prose = "another RST claiming the \(c.senderWord) had IP ID \(otherID) vs \(id) here (gap \(SeqMath.ipIDGap(otherID, id)))"
        if c.ipIDContinues {
            return Evidence(rule: .conflictingResetIPID, pointsTo: c.claimedParty, weight: Weight.conflictConsistent, detail: base + "; this one continues the \(c.senderWord)'s counter")
        }
        if c.sender.ipIDCounterLike {
            return Evidence(rule: .conflictingResetIPID, pointsTo: .middlebox, weight: Weight.ipIDConflictOdd, detail: base + "; this one does not continue the \(c.senderWord)'s counter")
        }
        return Evidence(rule: .conflictingResetIPID, pointsTo: .undetermined, weight: Weight.conflictUnresolved, detail: base + "; no counter to tell which is genuine")
    }

    /// Back-to-back RSTs from one claimed sender with rising seq beyond anything it sent (Weaver RST_SEQ_CHANGE).
    public static func rstSeqChange(_ c: ResetContext) -> Evidence? {
        let r = c.reset
        guard !c.sender.sentFIN, c.sender.nextSeq != nil || c.receiver.lastAck != nil else { return nil }
        if let next = c.sender.nextSeq, !SeqMath.isAfter(r.seq, next) { return nil }
        if let ack = c.receiver.lastAck, SeqMath.distance(from: ack, to: r.seq) <= 2 { return nil }
        guard
            let prev = c.others.last(where: { o in
                o.claimedSender == r.claimedSender && o.time < r.time && Sat.sub(r.time, o.time) < 2_000_000_000
                    && SeqMath.distance(from: o.seq, to: r.seq) > 2
            })
        else { return nil }
        return Evidence(
            rule: .rstSeqChange, pointsTo: .middlebox, weight: Weight.rstSeqChange,
            detail: "RST seq \(r.seq) is \(SeqMath.distance(from: prev.seq, to: r.seq)) past the previous RST's \(prev.seq) (\(Fmt.millis(Sat.sub(r.time, prev.time))) earlier) and beyond anything the \(c.senderWord) sent: an injector spraying sequence numbers")
    }

    /// Several RSTs from one claimed sender with different ACK numbers within 2 s (Weaver RST_ACK_CHANGE).
    public static func rstAckChange(_ c: ResetContext) -> Evidence? {
        let r = c.reset
        guard r.hasACK, r.ack != 0 else { return nil }
        guard
            let other = c.others.first(where: { o in
                o.claimedSender == r.claimedSender && o.ack != 0 && o.ack != r.ack && Sat.absDiff(o.time, r.time) < 2_000_000_000
            })
        else { return nil }
        return Evidence(
            rule: .rstAckChange, pointsTo: .middlebox, weight: Weight.rstAckChange,
            detail: "another RST claiming the \(c.senderWord) \(Fmt.millis(Sat.absDiff(other.time, r.time))) apart acknowledges \(other.ack), this one \(r.ack): a stack aborts once")
    }

    /// RSTs claiming both endpoints within 5 ms of each other.
    public static func resetsBothDirections(_ c: ResetContext) -> Evidence? {
        guard c.vantage == .middle || c.vantage == .unknown else { return nil }
        guard
            let other = c.others.first(where: { o in
                o.claimedSender != c.reset.claimedSender && Sat.absDiff(o.time, c.reset.time) <= 5_000_000
            })
        else { return nil }
        return Evidence(
            rule: .resetsBothDirections, pointsTo: .middlebox,
            weight: c.vantage == .middle ? Weight.bothDirectionsMiddle : Weight.bothDirectionsUnknownVantage,
            detail: "a RST claiming the \(other.claimedSender.rawValue) passed \(Fmt.millis(Sat.absDiff(other.time, c.reset.time))) apart: both ends reset at once, the teardown of a box in between (vantage \(c.vantage.rawValue))")
    }

    // MARK: payload, ICMP, idle, context

    /// The RST carries payload (RFC 1122 §4.2.2.12 diagnostic text). Linux and OpenSSH never send it.
    public static func rstPayload(_ c: ResetContext) -> Evidence? {
        guard c.reset.payloadLength > 0 else { return nil }
        let text = c.reset.payloadPrefix.isEmpty ? "" : ": \"\(Fmt.escaped(Array(c.reset.payloadPrefix.prefix(64))))\""
        return Evidence(
            rule: .rstPayload, pointsTo: .middlebox, weight: Weight.rstPayload,
            detail: "RST carries \(c.reset.payloadLength) payload byte(s)\(text)")
    }

    /// An ICMP destination-unreachable about this flow: its source address is its real sender.
    public static func icmpAboutFlow(_ c: ResetContext) -> Evidence? {
        let t = c.reset.time
        guard
            let m = c.icmp.filter({ $0.isUnreachable }).min(by: { a, b in
                let da = Sat.absDiff(a.time, t)
                let db = Sat.absDiff(b.time, t)
                return da != db ? da < db : a.time < b.time
            })
        else { return nil }
        let when = "\(Fmt.seconds(Sat.absDiff(m.time, t))) \(m.time <= t ? "before" : "after") the RST"
        switch m.senderRole {
        case .middlebox:
            if let it = m.ttl, let rt = c.reset.ttl, hopDistance(for: it) == hopDistance(for: rt), c.ttlRelation != .matches {
                return Evidence(
                    rule: .icmpAboutFlow, pointsTo: .middlebox, weight: Weight.icmpSameHop,
                    detail: "ICMP \(m.name) from a middlebox address \(when), \(hopDistance(for: it)) hops away like the RST and unlike the \(c.senderWord): likely the same device")
            }
            return Evidence(
                rule: .icmpAboutFlow, pointsTo: .middlebox, weight: Weight.icmpOnPath,
                detail: "ICMP \(m.name) from a middlebox address \(when): a filtering device sits on the path")
        case c.claimedParty:
            return Evidence(
                rule: .icmpAboutFlow, pointsTo: c.claimedParty, weight: Weight.icmpFromEndpoint,
                detail: "ICMP \(m.name) from the \(c.senderWord)'s own address \(when): that host is rejecting this flow")
        default:
            return nil
        }
    }

    /// The idle time before the RST's trigger (or before the RST itself) matches a known cloud/firewall idle timeout.
    public static func idleTimeoutMatch(_ c: ResetContext) -> Evidence? {
        if let g = c.gapBeforeTriggerNs, let d = c.triggerDelayNs, d >= 0, d <= 1_000_000_000, let k = IdleTimeouts.match(g) {
            return Evidence(
                rule: .idleTimeoutMatch, pointsTo: .middlebox, weight: Weight.idleKnownTimeout,
                detail: "RST answers the first \(c.receiverWord) packet after \(Fmt.seconds(g)) idle, within 5 % of the \(k.name)")
        }
        if let g = c.gapBeforeResetNs, c.triggerDelayNs.map({ $0 >= g }) ?? true, let k = IdleTimeouts.match(g) {
            return Evidence(
                rule: .idleTimeoutMatch, pointsTo: .middlebox, weight: Weight.idleKnownTimeout,
                detail: "RST came on its own after \(Fmt.seconds(g)) idle, within 5 % of the \(k.name) (reset-on-idle)")
        }
        return nil
    }

    /// A long idle (≥ 30 s) before the trigger that matches no known timeout: weak eviction evidence.
    public static func longIdleBeforeTrigger(_ c: ResetContext) -> Evidence? {
        guard idleTimeoutMatch(c) == nil else { return nil }
        if let g = c.gapBeforeTriggerNs, g >= IdleTimeouts.longIdleNs, let d = c.triggerDelayNs, d >= 0, d <= 1_000_000_000 {
            return Evidence(
                rule: .longIdleBeforeTrigger, pointsTo: .middlebox, weight: Weight.idleLong,
                detail: "RST answers the first \(c.receiverWord) packet after \(Fmt.seconds(g)) idle (no known timeout matches): state in a box on the path may have expired")
        }
        return nil
    }

    /// A RST with no other packet of its flow seen: backscatter or a capture started mid-flow.
    /// The far host's kernel answers with no socket (IP ID 0 + DF, or IPv6 flow
    /// label 0, TTL of that host) in the middle of an established session in
    /// which that host never sent a FIN or a RST of its own: its connection
    /// vanished silently. Something tore it down that this capture point did
    /// not see — typically a RST from a box on the path that reached that host
    /// only (the middlebox-near-the-other-end case), or the host restarted.
    /// The RST packet is the host's, but the reset that ended the session may
    /// not be: conflict evidence, so a lone kernel signature is not enough for
    /// a confident answer. Silent when the capture is on that host (it would
    /// have seen the RST that killed its socket).
    public static func peerSocketGone(_ c: ResetContext) -> Evidence? {
        guard c.established, !c.answersSYN, !c.vantageIsSender, !c.sender.sentFIN, c.sender.payloadBytes > 0 else { return nil }
        let kernelShape: Bool
        if c.reset.isIPv6 {
            kernelShape = c.reset.flowLabel == 0 && (c.sender.stableFlowLabel ?? 0) != 0
        } else {
            kernelShape = c.rstHasKernelNoSocketSignature && (c.sender.ipIDLast ?? 0) != 0
        }
        guard kernelShape, case .matches = c.ttlRelation else { return nil }
        // Explained when the capture saw that host reset itself earlier, or saw a RST
        // travel towards it (that is what killed its socket).
        // That host's own earlier no-socket RSTs (IPv4 ID 0) explain nothing: they are the same symptom.
        let explained = c.others.contains { o in
            o.time < c.reset.time && (o.claimedSender != c.reset.claimedSender || c.reset.isIPv6 || (o.ipID ?? 1) != 0)
        }
        guard !explained else { return nil }
        return Evidence(
            rule: .peerSocketGone, pointsTo: .undetermined, weight: Weight.peerSocketGone,
            detail: "the \(c.senderWord) host's kernel answered with no socket, mid-session, although the \(c.senderWord) never sent a FIN or a RST of its own: either its connection had vanished, torn down by something this capture point did not see (a RST from a box on the path that reached the \(c.senderWord) only, or a restart), or a box at the same hop distance sent this RST in its name (a REJECT in the router next to it looks the same, and identical when a router rewrites TTLs on the way, a TTL normaliser); the wire cannot tell these apart")
    }

    // MARK: evidence a forger cannot copy (issue 21)

    /// Causality against the round trip. The segment the RST answers is chosen by its numbers, not by a quiet gap:
    /// an R+ACK that acknowledges all of the receiver's bytes answers the segment that carried the newest of
    /// them; an R without ACK (seq = SEG.ACK of what it answers) answers the segment that first carried the
    /// receiver's current ACK number. If that segment passed the capture point less than half a round trip to the
    /// claimed sender before the RST (minus a jitter margin of max(0.5 ms, RTT/10)), the sender cannot have
    /// received it yet: a box between the capture point and the sender answered. Works while data flows.
    /// Full weight from a 5 ms round trip; below it (or for an R-only RST whose seq is also the sender's own
    /// SND.NXT, which an abort without ACK would carry too) it is weak and cannot decide alone.
    public static func answersUnreceivedSegment(_ c: ResetContext) -> Evidence? {
        guard !c.vantageIsSender, !c.answersSYN, let rtt = c.bestRTTToSender, rtt >= Causality.minimumRTTNs,
            resetFasterThanRTT(c) == nil
        else { return nil }
        let r = c.reset
        let sentAt: Int64
        let what: String
        var coincide = false
        if r.hasACK {
            // The receiver segment whose end the RST acknowledges (its newest bytes, or one of the last few
            // segments while data kept flowing).
            guard let t = c.receiverSegmentEnding(at: r.ack) else { return nil }
            // Bytes the sender had already acknowledged reached it long ago: nothing to learn.
            if let acked = c.sender.lastAck, !SeqMath.isAfter(r.ack, acked) { return nil }
            sentAt = t
            what = "RST+ACK acknowledges \(c.receiverWord) bytes up to \(r.ack), the last of which passed here"
        } else {
            guard let ack = c.receiver.lastAck, r.seq == ack, let t = c.receiver.lastAckTime else { return nil }
            sentAt = t
            what = "R without ACK, seq \(r.seq) = the ACK number the \(c.receiverWord) first sent"
            coincide = c.sender.nextSeq == r.seq
        }
        let early = Sat.sub(r.time, sentAt)
        let margin = max(Int64(500_000), rtt / 10)
        guard early >= 0, Sat.add(early, margin) < rtt / 2 else { return nil }
        let full = rtt >= Causality.fullRTTNs && !coincide
        var why = "it could not have reached the \(c.senderWord) yet, so a box between this capture point and the \(c.senderWord) answered it"
        if rtt < Causality.fullRTTNs { why += "; the round trip is under 5 ms, so this is weak" }
        if coincide { why += "; the seq is also the \(c.senderWord)'s own SND.NXT, which an abort without ACK would carry, so this is weak" }
        return Evidence(
            rule: .answersUnreceivedSegment, pointsTo: .middlebox,
            weight: full ? Weight.answersUnreceived : Weight.answersUnreceivedWeak,
            detail: "\(what) \(Fmt.millis(early)) before it, but the \(c.senderWord) is \(Fmt.millis(rtt)) away round trip (\(c.rttSourcesText)): \(why)")
    }

    /// The socket that lives on. After the RST, the claimed sender sent a packet whose ACK covers bytes it could
    /// only have received after its RST left it: more than the RST itself acknowledged (timing-free), or the
    /// receiver's newest bytes before the RST when those passed the capture point less than half a round trip to
    /// the sender before the RST. A socket that aborted, or a host with no socket, never acknowledges again; a
    /// REJECT in the sender host's own firewall keeps the socket but drops the segment it answers, so those
    /// bytes would never be acknowledged. Strong.
    public static func socketAliveAfterReset(_ c: ResetContext) -> Evidence? {
        guard !c.answersSYN, let maxAck = c.after.senderMaxAckAfter else { return nil }
        let r = c.reset
        let delay = c.after.senderMaxAckDelay.map { ", \(Fmt.millis($0)) after the RST" } ?? ""
        if r.hasACK, SeqMath.isAfter(maxAck, r.ack) {
            return Evidence(
                rule: .socketAliveAfterReset, pointsTo: .middlebox, weight: Weight.socketAlive,
                detail: "the \(c.senderWord) later acknowledged \(c.receiverWord) bytes up to \(maxAck)\(delay), \(SeqMath.distance(from: r.ack, to: maxAck)) beyond the RST's own ack \(r.ack): its socket kept receiving after the RST, so it did not send it")
        }
        guard !c.vantageIsSender, let next = c.receiver.nextSeq, let t = c.receiver.nextSeqTime,
            SeqMath.distance(from: next, to: maxAck) >= 0, let rtt = c.bestRTTToSender, rtt >= Causality.minimumRTTNs
        else { return nil }
        if let acked = c.sender.lastAck, !SeqMath.isAfter(next, acked) { return nil }
        let early = Sat.sub(r.time, t)
        let margin = max(Int64(500_000), rtt / 10)
        guard early >= 0, Sat.add(early, margin) < rtt / 2 else { return nil }
        let full = rtt >= Causality.fullRTTNs
        return Evidence(
            rule: .socketAliveAfterReset, pointsTo: .middlebox, weight: full ? Weight.socketAlive : Weight.socketAliveShortRTT,
            detail: "the \(c.senderWord) later acknowledged the \(c.receiverWord)'s bytes up to \(maxAck)\(delay); the newest of them passed here \(Fmt.millis(early)) before the RST, with the \(c.senderWord) \(Fmt.millis(rtt)) away round trip, so they reached it after the RST would have left it: its socket was alive (and no host firewall dropped them)\(full ? "" : "; the round trip is under 5 ms, so this is weak")")
    }

    /// Counters that collide: a later genuine packet of the claimed sender carries the RST's own IPv4 ID, or the
    /// sender's next packet carries an ID the RST had already passed (a per-connection counter never goes back).
    public static func ipIDCollision(_ c: ResetContext) -> Evidence? {
        guard !c.reset.isIPv6, let id = c.reset.ipID, id != 0 else { return nil }
        if c.after.senderSameIPIDAfter > 0 {
            return Evidence(
                rule: .ipIDCollision, pointsTo: .middlebox, weight: Weight.ipIDCollision,
                detail: "\(c.after.senderSameIPIDAfter) later \(c.senderWord) packet(s) carried the RST's own IP ID \(id): one counter does not give two packets one ID, and the flow went on with the other one, so the RST is the copy")
        }
        guard let first = c.after.senderFirstIPIDAfter, first != 0, c.sender.ipIDCounterLike else { return nil }
        let ahead = SeqMath.ipIDStep(from: first, to: id)
        guard ahead >= 1 && ahead <= 32 else { return nil }
        return Evidence(
            rule: .ipIDCollision, pointsTo: .middlebox, weight: Weight.ipIDBehind,
            detail: "the \(c.senderWord)'s next packet after the RST carried IP ID \(first), \(ahead) behind the RST's \(id): its counter cannot go back, so the RST did not come from it")
    }

    /// The RST's IPv4 ID equals, or is one more than, the ID of the receiver's packet it answers: an injector
    /// that built its packet from the trigger. No endpoint numbers its packets from its peer's counter.
    public static func ipIDFromTrigger(_ c: ResetContext) -> Evidence? {
        guard !c.reset.isIPv6, let id = c.reset.ipID, id != 0, let trig = c.receiver.ipIDLast, trig != 0,
            let d = c.triggerDelayNs, d >= 0, d < 1_000_000_000, !c.ipIDContinues
        else { return nil }
        let step = SeqMath.ipIDStep(from: trig, to: id)
        guard step <= 1 else { return nil }
        return Evidence(
            rule: .ipIDFromTrigger, pointsTo: .middlebox, weight: Weight.ipIDFromTrigger,
            detail: "IP ID \(id) is the \(c.receiverWord)'s packet's own ID \(trig)\(step == 1 ? " + 1" : ""), the packet it answers \(Fmt.millis(d)) earlier: an injector building its RST from the trigger")
    }

    /// The RST's window field copies the receiver's last window field (non-zero) instead of the sender's own.
    public static func windowCopiedFromPeer(_ c: ResetContext) -> Evidence? {
        let w = c.reset.window
        // A socket abort carries its socket's current window, which can equal the peer's by chance: only a RST
        // that does not continue the sender's IP ID counter is judged.
        guard w != 0, let peer = c.receiver.windowField, peer == w, !c.ipIDContinues else { return nil }
        if let own = c.sender.windowField, own == w { return nil }
        let own = c.sender.windowField.map { "\($0)" } ?? "unseen"
        return Evidence(
            rule: .windowCopiedFromPeer, pointsTo: .middlebox, weight: Weight.windowCopied,
            detail: "window field \(w) is the \(c.receiverWord)'s own last window field (the \(c.senderWord)'s was \(own)): a Linux no-socket RST or REJECT carries 0 and a socket abort its own window")
    }

    /// Reserved TCP header bits set (other than AccECN's AE bit).
    public static func reservedBitsSet(_ c: ResetContext) -> Evidence? {
        let bits = c.reset.reservedBits & 0x0E
        guard bits != 0 else { return nil }
        return Evidence(
            rule: .reservedBitsSet, pointsTo: .middlebox, weight: Weight.reservedBits,
            detail: "reserved TCP bits 0x\(String(bits, radix: 16)) set (RFC 9293: must be zero); no endpoint stack sends them")
    }

    /// Several RSTs claiming one sender with the same non-zero IPv4 ID and different sequence numbers.
    public static func sameIPIDResets(_ c: ResetContext) -> Evidence? {
        guard !c.reset.isIPv6, let id = c.reset.ipID, id != 0 else { return nil }
        let r = c.reset
        let same = c.others.filter { o in
            o.claimedSender == r.claimedSender && o.ipID == id && o.seq != r.seq && Sat.absDiff(o.time, r.time) < 2_000_000_000
        }
        guard let o = same.first else { return nil }
        return Evidence(
            rule: .sameIPIDResets, pointsTo: .middlebox, weight: Weight.sameIPIDResets,
            detail: "\(same.count + 1) RSTs claiming the \(c.senderWord) carry IP ID \(id) with different seq (\(o.seq) vs \(r.seq), offset \(SeqMath.distance(from: o.seq, to: r.seq))): a stack numbers each packet anew; a burst from one template is an injector's")
    }

    /// The plain no-socket shape: the RST (IPv4 ID 0 + DF) looks exactly like the claimed sender's own earlier
    /// packets, which all carried ID 0 + DF (a Linux SYN-ACK does), at the same TTL.
    public static func noSocketShapeMatches(_ c: ResetContext) -> Evidence? {
        guard c.rstHasKernelNoSocketSignature, !c.vantageIsSender, c.sender.packets >= 1,
            c.sender.ipIDZeroCount == c.sender.packets, c.sender.dontFragmentCount == c.sender.packets,
            c.ttlRelation == .matches
        else { return nil }
        return Evidence(
            rule: .noSocketShapeMatches, pointsTo: c.claimedParty, weight: Weight.noSocketShape,
            detail: "IP ID 0 + DF at the \(c.senderWord)'s TTL, exactly like its \(c.sender.packets) own packet(s) (all ID 0 + DF, as a Linux SYN-ACK): the \(c.senderWord) host's no-socket reply or its host firewall")
    }

    /// The RST's RFC 7323 timestamps option contradicts the claimed sender's kernel, when every earlier packet of
    /// that sender carried one: a TSval behind the sender's last (its clock only moves forward), no option on an
    /// RST that otherwise has the sender socket's abort shape (R+ACK continuing its IP ID counter or IPv6 flow
    /// label; Linux's tcp_send_active_reset goes through tcp_transmit_skb, which adds the timestamps the
    /// connection negotiated, as every socket abort in the lab shows), or an option on an RST with the no-socket
    /// shape (IPv4 ID 0 + DF: tcp_v4_send_reset and nf_send_reset build a bare 20-byte header).
    public static func timestampsUnlikeSender(_ c: ResetContext) -> Evidence? {
        let r = c.reset
        let s = c.sender
        // On the sender's own host the RST left that host (captured_at_sender): whatever its options, no box
        // on the path made it.
        guard !c.answersSYN, !c.vantageIsSender, s.packets >= 2, s.timestampPackets == s.packets, let last = s.lastTSval
        else { return nil }
        if let ts = r.tsval {
            let behind = SeqMath.distance(from: ts, to: last)
            if behind > 0 {
                return Evidence(
                    rule: .timestampsUnlikeSender, pointsTo: .middlebox, weight: Weight.timestampsUnlike,
                    detail: "TSval \(ts) is \(behind) behind the \(c.senderWord)'s last TSval \(last): its timestamp clock only moves forward (RFC 7323 §5.4), so another clock stamped this RST")
            }
            if c.rstHasKernelNoSocketSignature {
                return Evidence(
                    rule: .timestampsUnlikeSender, pointsTo: .middlebox, weight: Weight.timestampsUnlike,
                    detail: "a timestamps option on a RST with the no-socket shape (IP ID 0 + DF): Linux tcp_v4_send_reset and netfilter's REJECT send a bare 20-byte header, so this is neither")
            }
            return nil
        }
        let socketShape: Bool
        if r.isIPv6 {
            socketShape = r.flowLabel.map { $0 != 0 && $0 == s.stableFlowLabel } ?? false
        } else {
            socketShape = c.ipIDContinues
        }
        guard r.hasACK, socketShape else { return nil }
        return Evidence(
            rule: .timestampsUnlikeSender, pointsTo: .middlebox, weight: Weight.timestampsUnlike,
            detail: "no timestamps option, although all \(s.packets) earlier \(c.senderWord) packets carried one and this RST has its socket's abort shape (R+ACK, \(r.isIPv6 ? "its flow label" : "its next IP ID")): an abort from that socket carries the negotiated timestamps, a copy of its headers need not")
    }

    public static func loneReset(_ c: ResetContext) -> Evidence? {
        guard c.sender.packets == 0, c.receiver.packets == 0, !c.synSeen, !c.synAckSeen else { return nil }
        return Evidence(
            rule: .loneReset, pointsTo: .undetermined, weight: 0,
            detail: "no other packet of this flow seen before the RST: backscatter, or the capture started mid-flow")
    }
}
