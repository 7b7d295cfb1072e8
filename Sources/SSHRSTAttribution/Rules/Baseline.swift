// Derived facts shared by several rules, computed from the claimed sender's profile.

import SSHRSTWire

/// How the RST's TTL relates to the claimed sender's earlier packets.
enum TTLRelation: Equatable {
    /// Within the baseline's min...max range.
    case matches
    /// Outside the range; `hopDelta` = RST hop distance minus the nearest baseline hop distance (negative: closer).
    case differs(hopDelta: Int, initialDiffers: Bool)
    /// No RST TTL or no baseline.
    case unknown
}

extension SideProfile {
    /// Lowest and highest TTL seen, tolerant of partially filled profiles.
    var ttlRange: (min: UInt8, max: UInt8)? {
        guard packets > 0, let lo = ttlMin ?? ttlFirst ?? ttlLast, let hi = ttlMax ?? ttlFirst ?? ttlLast else { return nil }
        return (Swift.min(lo, hi), Swift.max(lo, hi))
    }

    /// The TTL never varied.
    var ttlStable: Bool {
        guard let r = ttlRange else { return false }
        return r.min == r.max
    }

    /// "first 61, min 61, max 61 over 14 packets".
    var ttlBaselineText: Prose {
        guard let r = ttlRange else { return "no baseline" }
        // Two literals, not an optional mapped to a `Prose` first: that would build a piece per call.
        guard let first = ttlFirst else { return "first ?, min \(r.min), max \(r.max) over \(packets) packets" }
        return "first \(first), min \(r.min), max \(r.max) over \(packets) packets"
    }

    /// Packets with a non-zero IP ID (never negative).
    var nonZeroIPIDs: Int {
        let (d, overflow) = packets.subtractingReportingOverflow(ipIDZeroCount)
        return overflow ? 0 : Swift.max(0, d)
    }

    /// The side's IP IDs behave like a per-connection counter: ≥ 2 pairs compared and ≥ 80 % of them stepped by 1...32.
    var ipIDCounterLike: Bool {
        // Written with a division so no count from the engine can overflow: small ≥ pairs − pairs/5 (≥ 80 %).
        ipIDPairs >= 2 && ipIDSmallStepPairs <= ipIDPairs && ipIDSmallStepPairs >= ipIDPairs - ipIDPairs / 5
    }

    /// "IP IDs counter-like (12/13 small steps), last 4711".
    var ipIDText: Prose {
        guard let last = ipIDLast else { return "last none, \(ipIDSmallStepPairs)/\(ipIDPairs) small steps, \(ipIDZeroCount) zero of \(packets)" }
        return "last \(last), \(ipIDSmallStepPairs)/\(ipIDPairs) small steps, \(ipIDZeroCount) zero of \(packets)"
    }
}

extension ResetContext {
    /// The claimed sender as a party.
    var claimedParty: Party { Party(reset.claimedSender) }

    /// The claimed sender's role word, for detail strings.
    var senderWord: String { reset.claimedSender.rawValue }
    var receiverWord: String { reset.claimedSender.opposite.rawValue }

    /// The capture was taken on the claimed sender's own host.
    var vantageIsSender: Bool { vantage.side == reset.claimedSender }

    var ttlRelation: TTLRelation {
        guard let ttl = reset.ttl, let r = sender.ttlRange else { return .unknown }
        if ttl >= r.min && ttl <= r.max { return .matches }
        let rstHops = hopDistance(for: ttl)
        let nearest = ttl > r.max ? r.max : r.min
        let initialDiffers = initialTTL(for: ttl) != initialTTL(for: nearest)
        return .differs(hopDelta: rstHops - hopDistance(for: nearest), initialDiffers: initialDiffers)
    }

    /// "TTL 63 (hop distance 1)".
    var rstTTLText: Prose {
        guard let ttl = reset.ttl else { return "no TTL" }
        return "\(reset.isIPv6 ? "hop limit" : "TTL") \(ttl) (initial \(initialTTL(for: ttl)), \(hopDistance(for: ttl)) hops)"
    }

    /// The RST's IP ID is 0 with DF: Linux `tcp_v4_send_reset` (no socket) or netfilter `nf_send_reset`.
    var rstHasKernelNoSocketSignature: Bool { reset.ipID == 0 && reset.dontFragment && !reset.isIPv6 }

    /// The RST's IP ID continues the claimed sender's last IP ID by 1...32.
    var ipIDContinues: Bool {
        guard let id = reset.ipID, let last = sender.ipIDLast, last != 0, id != 0 else { return false }
        let step = SeqMath.ipIDStep(from: last, to: id)
        return step >= 1 && step <= 32
    }

    /// The receiver's next expected sequence number as seen (its last ACK), falling back to the sender's SND.NXT.
    var expectedSeq: UInt32? { receiver.lastAck ?? sender.nextSeq }

    /// Shortest measured round trip capture point ↔ claimed sender: the handshake and the sender's ACK timing.
    var bestRTTToSender: Int64? {
        switch (rttToSenderNs, sender.rttFromACKs) {
        case (let a?, let b?): return Swift.min(a, b)
        case (let a?, nil): return a
        case (nil, let b?): return b
        case (nil, nil): return nil
        }
    }

    /// "handshake 100.77 ms, ACK timing 100.50 ms".
    var rttSourcesText: Prose {
        var parts: [Prose] = []
        if let h = rttToSenderNs { parts.append("handshake \(Fmt.millis(h))") }
        if let a = sender.rttFromACKs { parts.append("ACK timing \(Fmt.millis(a))") }
        return Prose.joined(parts, separator: ", ")
    }

    /// When the receiver segment ending exactly at `end` passed the capture point (its newest bytes or one of its
    /// last few segments), if remembered.
    func receiverSegmentEnding(at end: UInt32) -> Int64? {
        if let next = receiver.nextSeq, next == end, let t = receiver.nextSeqTime { return t }
        return receiver.recentSegments.last(where: { $0.end == end })?.time
    }
}
