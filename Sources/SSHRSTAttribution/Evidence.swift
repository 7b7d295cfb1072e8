// Evidence values, rule identifiers and weights.

import SSHRSTWire

/// One fired rule: which party it points to, how strongly, and the measurements behind it.
///
/// `weight` convention (the "signed strength" of this module):
/// - `weight > 0` with `pointsTo` ∈ {client, server, middlebox}: support for that party, in points (see `Weight`).
/// - `weight > 0` with `pointsTo == .undetermined`: evidence of a *conflict* (e.g. two RSTs claiming one address with
///   different TTLs and no baseline to tell which is genuine); it is subtracted from the winner's margin.
/// - `weight == 0`: informational, recorded so the report explains itself, never scored.
/// Weights are never negative.
public struct Evidence: Sendable, Equatable {
    public var rule: RuleID
    public var pointsTo: Party
    public var weight: Double
    /// The measured numbers, e.g. "TTL 63, server baseline 62 (first 62, min 62, max 62 over 14 packets), hop distance 1 vs 2".
    public var detailText: Prose
    public var detail: String { detailText.string }

    public init(rule: RuleID, pointsTo: Party, weight: Double, detail: Prose) {
        self.rule = rule
        self.pointsTo = pointsTo
        self.weight = weight
        self.detailText = detail
    }
}

/// Stable snake_case identifiers of the evidence rules. Never renamed: golden files and users depend on them.
/// `sshrst rules` prints `RuleCatalog.all`, one entry per case.
public enum RuleID: String, CaseIterable, Sendable {
    case capturedAtSender = "captured_at_sender"
    case ttlMatchesBaseline = "ttl_matches_baseline"
    case ttlDiffers = "ttl_differs"
    case ipIDContinues = "ip_id_continues"
    case ipIDZeroDF = "ip_id_zero_df"
    case flowLabelZero = "flow_label_zero"
    case flowLabelContinues = "flow_label_continues"
    case ipIDDiscontinuity = "ip_id_discontinuity"
    case resetFasterThanRTT = "reset_faster_than_rtt"
    case seqExact = "seq_exact"
    case seqInWindow = "seq_in_window"
    case seqOutOfWindow = "seq_out_of_window"
    case synRefusalShape = "syn_refusal_shape"
    case synRefusalBadAck = "syn_refusal_bad_ack"
    case resetShape = "reset_shape"
    case dataAfterReset = "data_after_reset"
    case challengeACK = "challenge_ack"
    case conflictingResetTTL = "conflicting_reset_ttl"
    case conflictingResetIPID = "conflicting_reset_ip_id"
    case rstSeqChange = "rst_seq_change"
    case rstAckChange = "rst_ack_change"
    case resetsBothDirections = "resets_both_directions"
    case rstPayload = "rst_payload"
    case icmpAboutFlow = "icmp_about_flow"
    case idleTimeoutMatch = "idle_timeout_match"
    case longIdleBeforeTrigger = "long_idle_before_trigger"
    case loneReset = "lone_reset"
    case peerSocketGone = "peer_socket_gone"
    /// `sshrst trace` only: the first TTL-limited probe that draws the reset.
    case ttlLimitedTrigger = "ttl_limited_trigger"
    /// `sshrst trace` only: the reset's TTL against the hops' ICMP TTLs and the server's.
    case resetTTLHop = "reset_ttl_hop"
    case answersUnreceivedSegment = "answers_unreceived_segment"
    case socketAliveAfterReset = "socket_alive_after_reset"
    case ipIDCollision = "ip_id_collision"
    case ipIDFromTrigger = "ip_id_from_trigger"
    case windowCopiedFromPeer = "window_copied_from_peer"
    case reservedBitsSet = "reserved_bits_set"
    case sameIPIDResets = "same_ip_id_resets"
    case noSocketShapeMatches = "no_socket_shape_matches"
    case timestampsUnlikeSender = "timestamps_unlike_sender"

    /// Rules that count as *strong* on their own: a verdict resting on one of them is not capped by the single-family rule.
    public var isStrong: Bool {
        switch self {
        case .capturedAtSender, .dataAfterReset, .rstSeqChange, .resetsBothDirections, .ttlLimitedTrigger,
            .socketAliveAfterReset:
            return true
        default: return false
        }
    }

    /// Independent evidence families. Two rules of one family (e.g. both TTL rules) are not two independent witnesses.
    public var family: RuleFamily {
        switch self {
        case .capturedAtSender: return .vantage
        case .ttlMatchesBaseline, .ttlDiffers, .resetTTLHop: return .ttl
        case .ttlLimitedTrigger: return .activeProbe
        case .ipIDContinues, .ipIDZeroDF, .ipIDDiscontinuity, .flowLabelZero, .flowLabelContinues: return .ipID
        case .resetFasterThanRTT: return .timing
        case .seqExact, .seqInWindow, .seqOutOfWindow, .challengeACK: return .sequence
        case .synRefusalShape, .synRefusalBadAck, .resetShape: return .shape
        case .dataAfterReset: return .after
        case .conflictingResetTTL, .conflictingResetIPID, .rstSeqChange, .rstAckChange, .resetsBothDirections: return .multiReset
        case .rstPayload: return .payload
        case .icmpAboutFlow: return .icmp
        case .idleTimeoutMatch, .longIdleBeforeTrigger: return .idle
        case .loneReset, .peerSocketGone: return .context
        case .answersUnreceivedSegment: return .timing
        case .socketAliveAfterReset: return .after
        case .ipIDCollision: return .counters
        case .ipIDFromTrigger, .windowCopiedFromPeer, .reservedBitsSet, .sameIPIDResets: return .marks
        case .noSocketShapeMatches: return .ipID
        case .timestampsUnlikeSender: return .counters
        }
    }
}

/// Independent evidence families (`RuleID.family`).
public enum RuleFamily: String, Sendable, CaseIterable {
    case vantage, ttl, timing, sequence, shape, after, payload, icmp, idle, context, counters, marks
    case activeProbe = "active_probe"
    case ipID = "ip_id"
    case multiReset = "multi_reset"
}

/// The weights, in points. Calibration (see `Decision`): a verdict needs ≥ 0.6 points for the winner and a margin
/// ≥ 0.45 over the runner-up plus conflict points. So no weak rule (≤ 0.45) can decide alone, two independent
/// weak/moderate rules can, and a strong rule (≥ 1.0) can.
public enum Weight {
    /// Strong, hard to fake by accident: RST carries the capture host's own untouched TTL.
    public static let capturedAtSender = 1.0
    /// Conflict weight of `peer_socket_gone`: enough to pull a TTL-match + kernel-shape pair (0.8) under the margin.
    public static let peerSocketGone = 0.4
    /// Strong: the claimed sender produced new data after "its" RST (Weaver RST_SEQ_DATA).
    public static let dataAfterResetNew = 1.5
    /// Data at/after the RST seq, but it may be a retransmission already in flight.
    public static let dataAfterResetMaybeRetransmit = 0.8
    /// Data after a RST that carries the sender host's kernel signature: socket alive, host firewall possible.
    public static let dataAfterResetHostKernelShape = 0.6
    /// Rising seq across back-to-back RSTs (Weaver RST_SEQ_CHANGE).
    public static let rstSeqChange = 1.0
    /// RSTs claiming both ends within a few ms, seen at a middle capture.
    public static let bothDirectionsMiddle = 1.0
    public static let bothDirectionsUnknownVantage = 0.5
    /// IP ID continues the claimed sender's per-socket counter.
    public static let ipIDContinuesCounter = 0.6
    public static let ipIDContinuesFewSamples = 0.5
    /// IP ID 0 + DF: not a socket abort; combined with the TTL relation (see the rule).
    public static let ipIDZeroWithTTLDiffers = 0.6
    public static let ipIDZeroWithTTLMatch = 0.45
    /// IP ID far from the counter (not 0).
    public static let ipIDDiscontinuity = 0.35
    /// TTL rules.
    public static let ttlMatchStable = 0.35
    public static let ttlMatchVarying = 0.25
    public static let ttlDiffersStable = 0.45
    public static let ttlDiffersVarying = 0.25
    public static let ttlDiffersInitial = 0.5
    public static let ttlDiffersAtSenderHost = 0.9
    /// Timing: the RST beat the round trip to its claimed sender.
    public static let fasterThanRTT = 0.7
    public static let fasterThanRTTUnverifiedAck = 0.4
    /// Sequence validity.
    public static let seqInWindow = 0.2
    public static let seqOutOfWindow = 0.2
    public static let challengeACKMiddlebox = 0.4
    public static let challengeACKGenuine = 0.3
    /// Refusal shape (RFC 793 closed port) — complete but spoofable.
    public static let synRefusalShape = 0.8
    public static let synRefusalBadAck = 0.3
    /// Multi-RST conflicts.
    public static let conflictOdd = 0.6
    public static let conflictConsistent = 0.2
    public static let conflictUnresolved = 0.3
    public static let ipIDConflictOdd = 0.4
    public static let rstAckChange = 0.35
    /// `sshrst trace`: a TTL-limited trigger that expired short of the server drew the reset (strong); the reset
    /// came only once the trigger reached the server's hop (moderate: a box there answers the same way).
    public static let ttlLimitedTrigger = 1.0
    public static let ttlLimitedTriggerAtServer = 0.35
    /// `sshrst trace`: the reset's TTL places its sender at a hop; on a refused SYN the destination was never seen.
    public static let resetTTLHop = 0.45
    public static let resetTTLHopRefusal = 0.8
    /// Payload, ICMP, idle.
    public static let rstPayload = 0.25
    public static let icmpSameHop = 0.6
    public static let icmpOnPath = 0.3
    public static let icmpFromEndpoint = 0.3
    public static let idleKnownTimeout = 0.45
    public static let idleLong = 0.2
    /// The RST answers bytes its claimed sender cannot have received yet (round trip ≥ `causalityFullRTTNs`).
    public static let answersUnreceived = 0.9
    /// The same with a round trip of 1 to 5 ms, or an R-only RST whose seq is also the sender's SND.NXT: never decides alone.
    public static let answersUnreceivedWeak = 0.3
    /// The claimed sender acknowledged bytes that reached it after its RST left it: its socket was alive. Strong.
    public static let socketAlive = 1.2
    public static let socketAliveShortRTT = 0.4
    /// A later genuine packet of the claimed sender carries the RST's IP ID, or an ID its counter had passed.
    public static let ipIDCollision = 0.7
    public static let ipIDBehind = 0.5
    /// Injector marks.
    public static let ipIDFromTrigger = 0.5
    public static let windowCopied = 0.3
    public static let reservedBits = 0.6
    public static let sameIPIDResets = 0.8
    /// The sender's own packets and the RST share the Linux no-socket shape (IP ID 0 + DF, same TTL).
    public static let noSocketShape = 0.4
    /// The RST's timestamps option contradicts the claimed sender's kernel (missing on a socket abort, present on a
    /// no-socket RST, or a TSval behind the sender's clock).
    public static let timestampsUnlike = 0.6
}

/// Round trips below which causality against the RTT is weak (jitter, clock granularity, a box one switch away):
/// at 5 ms and above the timing rules carry their full weight.
public enum Causality {
    public static let fullRTTNs: Int64 = 5_000_000
    public static let minimumRTTNs: Int64 = 1_000_000
}

/// Documentation of one rule: `sshrst rules` prints these.
public struct RuleInfo: Sendable {
    public var id: RuleID
    /// What is measured.
    public var signal: String
    /// Why it points to a party.
    public var why: String
    /// Known false positives.
    public var falsePositives: String
    /// Where the behaviour is documented.
    public var reference: String

    public init(id: RuleID, signal: String, why: String, falsePositives: String, reference: String) {
        self.id = id
        self.signal = signal
        self.why = why
        self.falsePositives = falsePositives
        self.reference = reference
    }
}
