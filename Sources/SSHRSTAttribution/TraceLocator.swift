// `sshrst trace`: where on the path a reset comes from, from TTL-limited probes. A pure function of what the
// probes drew (no sockets, no clock), so every placement rule is tested without a network.
//
// The two probe series:
//   path     TCP SYNs with TTL 1, 2, ...: each hop's ICMP time-exceeded (its address, the TTL its ICMP arrives
//            with), until the destination answers (SYN-ACK: the server's hop; RST/ICMP error: a refusal).
//   trigger  for each TTL k, a connection made with the normal TTL, then the trigger (the client's identification
//            line and KEXINIT) sent with TTL k: a box keyed on SSH content answers once the trigger reaches it.
//
// Placing the box. A trigger with TTL k expires at hop k. A router that filters in its forward path (iptables
// FORWARD) sees only packets it forwards, so a box that is router j first answers at k = j + 1; a box that looks
// at packets as they arrive (an on-path injector, a PREROUTING rule) first answers at k = j. So the first k
// bounds the box to hop k-1 or k, and the reset's own TTL picks one: routers and boxes usually share an initial
// TTL, so a reset that arrives with hop h's ICMP TTL left from hop h. A reset that first comes back only when the
// trigger reaches the server's hop came from the server, unless its TTL says it left from a closer hop (the last
// router filtering in its forward path).

/// What the reply to one probe was, as seen at the prober.
public enum TraceReplyKind: String, Sendable, Equatable {
    /// ICMP time exceeded: the probe expired at this hop.
    case timeExceeded = "time_exceeded"
    /// The destination accepted the connection (SYN-ACK).
    case synAck = "syn_ack"
    /// A TCP RST claiming the destination's address.
    case reset
    /// An ICMP/ICMPv6 error other than time exceeded (unreachable, administratively prohibited).
    case icmpError = "icmp_error"
}

/// One reply: who sent it, with which TTL and IP header facts.
public struct TraceReply: Sendable, Equatable {
    public var kind: TraceReplyKind
    /// Source address of the reply, as text.
    public var from: String
    /// TTL / hop limit it arrived with.
    public var ttl: UInt8
    /// IPv4 ID and DF; for IPv6 `ipID` is 0 and `dontFragment` false.
    public var ipID: UInt16
    public var dontFragment: Bool
    public var isIPv6: Bool
    /// IPv6 flow label (0 for IPv4).
    public var flowLabel: UInt32
    /// For ICMP errors: the stable name (`admin_prohibited`, `port_unreachable`, ...).
    public var icmpName: String?

    public init(kind: TraceReplyKind, from: String, ttl: UInt8, ipID: UInt16 = 0, dontFragment: Bool = false,
                isIPv6: Bool = false, flowLabel: UInt32 = 0, icmpName: String? = nil) {
        self.kind = kind
        self.from = from
        self.ttl = ttl
        self.ipID = ipID
        self.dontFragment = dontFragment
        self.isIPv6 = isIPv6
        self.flowLabel = flowLabel
        self.icmpName = icmpName
    }

    /// The kernel no-socket / netfilter REJECT shape: IPv4 ID 0 with DF, or IPv6 flow label 0.
    public var rejectSignature: String? {
        guard kind == .reset else { return nil }
        if isIPv6 { return flowLabel == 0 ? "flow label 0" : nil }
        return ipID == 0 && dontFragment ? "IP ID 0 + DF" : nil
    }
}

/// The path probe with TTL `ttl` and its reply (nil: the hop stayed silent within the wait).
public struct TracePathProbe: Sendable, Equatable {
    public var ttl: Int
    public var reply: TraceReply?
    public init(ttl: Int, reply: TraceReply?) {
        self.ttl = ttl
        self.reply = reply
    }
}

/// The trigger probe with TTL `ttl`: whether its connection was made, and what answered the trigger.
public struct TraceTriggerProbe: Sendable, Equatable {
    public var ttl: Int
    /// false: the handshake itself failed (refused or unanswered), no trigger was sent.
    public var connected: Bool
    /// A RST or an ICMP error (not time exceeded) after the trigger was sent.
    public var reset: TraceReply?
    /// The time-exceeded source for the trigger, if one came back.
    public var expiredAt: String?
    public init(ttl: Int, connected: Bool, reset: TraceReply?, expiredAt: String?) {
        self.ttl = ttl
        self.connected = connected
        self.reset = reset
        self.expiredAt = expiredAt
    }
}

/// Where the reset comes from.
public struct TraceVerdict: Sendable {
    /// false: no probe drew a reset or an ICMP error (a clean path); the other fields are then empty.
    public var resetSeen: Bool
    public var attribution: Party
    public var confidence: Double
    /// The hop (1 = the first router) the reset is placed at; the server's hop when the server sent it.
    public var hop: Int?
    /// The address of that hop (its ICMP time-exceeded source; the server's address for the server); nil when
    /// the hop was silent.
    public var address: String?
    /// "trigger" (the reset answered the SSH trigger) or "handshake" (the SYN itself was refused).
    public var stage: String?
    /// The probe TTL that first drew it.
    public var firstTTL: Int?
    /// The reset itself.
    public var reset: TraceReply?
    /// "IP ID 0 + DF" (REJECT / kernel no-socket shape), "flow label 0" (IPv6), or nil.
    public var signature: String?
    /// The hop the reset's TTL points to, when some hop's or the server's TTL calibrates it.
    public var ttlHop: Int?
    public var evidence: [Evidence]
    public var reason: String
}

public enum TraceLocator {
    /// The hop a reply with `ttl` left from, calibrated on the hops whose ICMP came back: hop h's ICMP arriving
    /// with t_h puts a reply arriving with t at h + (t_h - t). The nearest calibration wins (same initial TTL is
    /// likelier close by); nil when no hop answered or the result is not a hop (< 1).
    public static func hopOf(ttl: UInt8, path: [TracePathProbe]) -> (hop: Int, exact: Bool)? {
        var best: (hop: Int, exact: Bool, distance: Int)? = nil
        for probe in path {
            guard let r = probe.reply, r.kind == .timeExceeded else { continue }
            let estimate = probe.ttl + Int(r.ttl) - Int(ttl)
            // Only the same initial TTL family: more than 32 apart is another initial TTL.
            guard abs(Int(r.ttl) - Int(ttl)) <= 32, estimate >= 1 else { continue }
            let distance = abs(Int(r.ttl) - Int(ttl))
            if let b = best, distance >= b.distance { continue }
            best = (estimate, distance == 0, distance)
        }
        return best.map { ($0.hop, $0.exact) }
    }

    /// The address the hop's ICMP time-exceeded came from (path probes first, then trigger probes).
    public static func address(ofHop hop: Int, path: [TracePathProbe], triggers: [TraceTriggerProbe]) -> String? {
        if let p = path.first(where: { $0.ttl == hop }), let r = p.reply, r.kind == .timeExceeded { return r.from }
        if let t = triggers.first(where: { $0.ttl == hop }), let a = t.expiredAt { return a }
        return nil
    }

    /// The verdict from both probe series. `destination` is the target's address text.
    public static func locate(path: [TracePathProbe], triggers: [TraceTriggerProbe], destination: String) -> TraceVerdict {
        // The server's hop and TTL: the first path probe answered by a SYN-ACK.
        let server = path.first { $0.reply?.kind == .synAck }
        let serverHop = server?.ttl
        let serverTTL = server?.reply?.ttl

        // 1. A reset answering the trigger: the first TTL that drew one.
        if let first = triggers.first(where: { $0.connected && $0.reset != nil }), let reset = first.reset {
            return place(reset, firstTTL: first.ttl, stage: "trigger", serverHop: serverHop, serverTTL: serverTTL,
                         path: path, triggers: triggers, destination: destination)
        }
        // 2. The handshake refused: the first path probe the destination (or a box for it) answered with a RST
        // or an ICMP error, before any SYN-ACK.
        if let refusal = path.first(where: { $0.reply?.kind == .reset || $0.reply?.kind == .icmpError }),
            refusal.ttl < (serverHop ?? Int.max), let reset = refusal.reply
        {
            return place(reset, firstTTL: refusal.ttl, stage: "handshake", serverHop: nil, serverTTL: nil,
                         path: path, triggers: triggers, destination: destination)
        }
        let reason: String
        if let serverHop {
            reason = "no reset: the server answered at hop \(serverHop) and no trigger TTL drew a reset or an ICMP error"
        } else {
            reason = "no reset, and the destination never answered within the hops probed"
        }
        return TraceVerdict(resetSeen: false, attribution: .undetermined, confidence: 0, hop: nil, address: nil, stage: nil,
                            firstTTL: nil, reset: nil, signature: nil, ttlHop: nil, evidence: [], reason: reason)
    }

    static func place(_ reset: TraceReply, firstTTL k: Int, stage: String, serverHop: Int?, serverTTL: UInt8?,
                      path: [TracePathProbe], triggers: [TraceTriggerProbe], destination: String) -> TraceVerdict {
        var evidence: [Evidence] = []
        let signature = reset.rejectSignature
        let probeName = stage == "trigger" ? "trigger" : "SYN"
        let fromTTL = hopOf(ttl: reset.ttl, path: path)
        var hop: Int
        var party: Party
        var address: String?

        // An ICMP error names its sender: the box's own address.
        if reset.kind == .icmpError {
            let h = fromTTL?.hop ?? k
            let name = reset.icmpName ?? "icmp_error"
            let isDestination = reset.from == destination
            party = isDestination ? .server : .middlebox
            hop = isDestination ? (serverHop ?? h) : h
            address = reset.from
            evidence.append(Evidence(
                rule: .ttlLimitedTrigger, pointsTo: party, weight: Weight.ttlLimitedTrigger,
                detail: "ICMP \(name) from \(reset.from) first for the \(probeName) with TTL \(k)\(k > 1 ? ", not with TTL \(k - 1)" : "")"))
            return finish(evidence, reset: reset, hop: hop, address: address, stage: stage, firstTTL: k, signature: nil,
                          ttlHop: fromTTL?.hop)
        }

        if let serverHop, k < serverHop {
            // The trigger expired before the server: a box at hop k-1 or k.
            party = .middlebox
            evidence.append(Evidence(
                rule: .ttlLimitedTrigger, pointsTo: .middlebox, weight: Weight.ttlLimitedTrigger,
                detail: "reset first for the \(probeName) with TTL \(k)\(k > 1 ? ", not with TTL \(k - 1)" : ""); the server is at hop \(serverHop), so the \(probeName) expired before reaching it"))
            if let t = fromTTL, t.hop == k || t.hop == k - 1 {
                hop = t.hop
                evidence.append(Evidence(
                    rule: .resetTTLHop, pointsTo: .middlebox, weight: Weight.resetTTLHop,
                    detail: "reset TTL \(reset.ttl) \(t.exact ? "equals hop \(t.hop)'s ICMP TTL" : "puts its sender at hop \(t.hop)")\(t.hop == k - 1 ? " (a router that filters what it forwards sees TTL \(k) first)" : "")"))
            } else {
                hop = k
                evidence.append(Evidence(
                    rule: .resetTTLHop, pointsTo: .middlebox, weight: 0,
                    detail: fromTTL.map { "reset TTL \(reset.ttl) points to hop \($0.hop), outside hops \(k - 1)…\(k): a box that sets its own TTL; placed at hop \(k)" }
                        ?? "reset TTL \(reset.ttl) cannot be placed (no hop's ICMP TTL to compare with); placed at hop \(k)"))
            }
        } else {
            // The reset came back only once the probe reached the destination's hop (or the server's hop is unknown).
            let destinationHop = serverHop ?? k
            if let t = fromTTL, t.hop < destinationHop, t.hop >= k - 1 {
                party = .middlebox
                hop = t.hop
                let weight = stage == "handshake" ? Weight.resetTTLHopRefusal : Weight.resetTTLHop
                evidence.append(Evidence(
                    rule: .ttlLimitedTrigger, pointsTo: .middlebox, weight: 0,
                    detail: serverHop == nil
                        ? "the SYN with TTL \(k) is the first answered for the destination (by a RST, never a SYN-ACK); the server itself was not seen"
                        : "reset first for the trigger with TTL \(k), the server's hop; none for TTL \(k - 1)"))
                evidence.append(Evidence(
                    rule: .resetTTLHop, pointsTo: .middlebox, weight: weight,
                    detail: "reset TTL \(reset.ttl) \(t.exact ? "equals hop \(t.hop)'s ICMP TTL" : "puts its sender at hop \(t.hop)"), short of hop \(destinationHop)\(serverTTL.map { " (the server's SYN-ACK arrives with TTL \($0))" } ?? ""): a box at hop \(t.hop) answered for the server"))
            } else {
                party = .server
                hop = destinationHop
                evidence.append(Evidence(
                    rule: .ttlLimitedTrigger, pointsTo: .server, weight: Weight.ttlLimitedTriggerAtServer,
                    detail: "reset only once the \(probeName) reached hop \(destinationHop), the \(serverHop == nil ? "destination's" : "server's") hop (TTL \(k)); none for TTL \(k - 1)"))
                if let serverTTL, serverTTL == reset.ttl {
                    evidence.append(Evidence(
                        rule: .resetTTLHop, pointsTo: .server, weight: Weight.resetTTLHop,
                        detail: "reset TTL \(reset.ttl) equals the server's SYN-ACK TTL: the server, or a box in front of it that answers with the server's exact TTL"))
                } else if let t = fromTTL {
                    evidence.append(Evidence(
                        rule: .resetTTLHop, pointsTo: .server, weight: t.hop == destinationHop ? Weight.resetTTLHop : 0,
                        detail: "reset TTL \(reset.ttl) puts its sender at hop \(t.hop)\(serverTTL.map { "; the server's SYN-ACK arrives with TTL \($0)" } ?? "")"))
                }
            }
            address = party == .server ? destination : nil
        }
        if party == .middlebox { address = TraceLocator.address(ofHop: hop, path: path, triggers: triggers) }
        if let signature {
            // As in analyze (ip_id_zero_df): the REJECT / no-socket shape, with the TTL relation deciding whose.
            let sameAsServer = serverTTL == reset.ttl
            evidence.append(Evidence(
                rule: reset.isIPv6 ? .flowLabelZero : .ipIDZeroDF, pointsTo: party,
                weight: party == .middlebox && !sameAsServer ? Weight.ipIDZeroWithTTLDiffers : Weight.ipIDZeroWithTTLMatch,
                detail: "\(signature): a kernel no-socket reply or a netfilter REJECT, not a socket's own abort"))
        }
        return finish(evidence, reset: reset, hop: hop, address: address, stage: stage, firstTTL: k, signature: signature,
                      ttlHop: fromTTL?.hop)
    }

    static func finish(_ evidence: [Evidence], reset: TraceReply, hop: Int, address: String?, stage: String,
                       firstTTL: Int, signature: String?, ttlHop: Int?) -> TraceVerdict {
        let v = Decision.combine(evidence, seqStatus: .unknown)
        var reason = v.reason
        if v.attribution == .middlebox {
            reason = "middlebox at hop \(hop)\(address.map { ", address \($0)" } ?? " (the hop is silent: no ICMP time exceeded)")\(signature.map { ", REJECT signature \($0)" } ?? "")"
        } else if v.attribution == .server {
            reason = "server (hop \(hop)), or a box answering with the server's exact TTL\(signature.map { ", signature \($0)" } ?? "")"
        }
        return TraceVerdict(resetSeen: true, attribution: v.attribution, confidence: v.confidence,
                            hop: v.attribution == .undetermined ? nil : hop, address: v.attribution == .undetermined ? nil : address,
                            stage: stage, firstTTL: firstTTL, reset: reset, signature: signature, ttlHop: ttlHop,
                            evidence: evidence, reason: reason)
    }
}
