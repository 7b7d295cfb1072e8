import SSHRSTWire

// Input values for RST attribution. The engine fills these from real packets; this module only reads them.
//
// Units: every time is `Int64` nanoseconds since the Unix epoch (capture time); every duration is `Int64`
// nanoseconds. Sequence numbers are raw 32-bit TCP values; all comparisons on them are wrap-aware (see SeqMath.swift).

/// One end of a TCP connection, by role.
public enum Side: String, Sendable, CaseIterable {
    case client, server

    /// The other end.
    public var opposite: Side { self == .client ? .server : .client }
}

/// Who really sent a packet: one of the two endpoints, a box in between, or "cannot tell".
public enum Party: String, Sendable, CaseIterable {
    case client, server, middlebox, undetermined

    /// The endpoint party for a side.
    public init(_ side: Side) { self = side == .client ? .client : .server }
}

/// Where the capture point sits relative to the two endpoints.
public enum Vantage: String, Sendable, CaseIterable {
    case client, server, middle, unknown

    /// The endpoint the capture was taken on, if it was taken on one.
    public var side: Side? {
        switch self {
        case .client: return .client
        case .server: return .server
        case .middle, .unknown: return nil
        }
    }
}

/// How the RST's sequence number relates to what its receiver would accept (RFC 5961 §3.2).
public enum SeqStatus: String, Sendable, CaseIterable {
    /// SEG.SEQ == RCV.NXT (or, for a RST answering a SYN, the ACK acknowledges the SYN): the receiver accepts it.
    case exact
    /// Inside the receive window but not exact: an RFC 5961 receiver drops it and sends a challenge ACK.
    case inWindow = "in_window"
    /// Outside the window: dropped by any receiver.
    case outOfWindow = "out_of_window"
    /// Not enough state seen to tell.
    case unknown
}

/// One side's packets (non-RST) seen in the flow BEFORE the RST under study.
public struct SideProfile: Sendable, Equatable {
    /// Non-RST packets from this side.
    public var packets: Int
    /// IPv4 TTL or IPv6 hop limit statistics.
    public var ttlFirst: UInt8?, ttlMin: UInt8?, ttlMax: UInt8?, ttlLast: UInt8?
    /// IP ID of this side's last packet; nil for IPv6 or none seen.
    public var ipIDLast: UInt16?
    /// Packets with IP ID 0.
    public var ipIDZeroCount: Int
    /// Consecutive packet pairs compared.
    public var ipIDPairs: Int
    /// Pairs whose IP ID delta (wrap-aware, `&-`) is 1...32: per-socket counter behaviour.
    public var ipIDSmallStepPairs: Int
    /// Packets with the IPv4 Don't Fragment bit.
    public var dontFragmentCount: Int
    /// Time of this side's last packet before the RST.
    public var lastTime: Int64?
    /// This side's ISN if its SYN/SYN-ACK was seen.
    public var isn: UInt32?
    /// SND.NXT as observed: highest seq+len(+SYN/FIN) sent.
    public var nextSeq: UInt32?
    /// Highest ACK number this side sent (its RCV.NXT).
    public var lastAck: UInt32?
    /// Last advertised window, scaled.
    public var window: UInt32?
    public var sentFIN: Bool
    public var payloadBytes: Int
    /// IPv6: the flow label of this side's packets when it never changed (nil otherwise or IPv4).
    public var stableFlowLabel: UInt32?
    /// Capture time at which this side's SND.NXT last advanced: when its newest bytes passed the capture point.
    public var nextSeqTime: Int64?
    /// Capture time at which this side's ACK last advanced: when it first acknowledged its newest peer bytes.
    public var lastAckTime: Int64?
    /// Round trip capture point → this side → capture point, from its ACKs of the peer's newest bytes (the
    /// shortest seen; delayed ACKs only lengthen a sample). nil when never measured.
    public var rttFromACKs: Int64?
    /// The last window field this side sent, unscaled (nil before any).
    public var windowField: UInt16?
    /// The last few segments that advanced this side's SND.NXT: their ends and capture times, oldest first.
    public var recentSegments: [SentSegment]
    /// Packets (of `packets`) that carried the RFC 7323 timestamps option, and the last TSval.
    public var timestampPackets: Int
    public var lastTSval: UInt32?

    public init(
        packets: Int = 0,
        ttlFirst: UInt8? = nil, ttlMin: UInt8? = nil, ttlMax: UInt8? = nil, ttlLast: UInt8? = nil,
        ipIDLast: UInt16? = nil, ipIDZeroCount: Int = 0, ipIDPairs: Int = 0, ipIDSmallStepPairs: Int = 0,
        dontFragmentCount: Int = 0, lastTime: Int64? = nil, isn: UInt32? = nil, nextSeq: UInt32? = nil,
        lastAck: UInt32? = nil, window: UInt32? = nil, sentFIN: Bool = false, payloadBytes: Int = 0,
        stableFlowLabel: UInt32? = nil, nextSeqTime: Int64? = nil, lastAckTime: Int64? = nil,
        rttFromACKs: Int64? = nil, windowField: UInt16? = nil, recentSegments: [SentSegment] = [],
        timestampPackets: Int = 0, lastTSval: UInt32? = nil
    ) {
        self.timestampPackets = timestampPackets
        self.lastTSval = lastTSval
        self.recentSegments = recentSegments
        self.stableFlowLabel = stableFlowLabel
        self.nextSeqTime = nextSeqTime
        self.lastAckTime = lastAckTime
        self.rttFromACKs = rttFromACKs
        self.windowField = windowField
        self.packets = packets
        self.ttlFirst = ttlFirst
        self.ttlMin = ttlMin
        self.ttlMax = ttlMax
        self.ttlLast = ttlLast
        self.ipIDLast = ipIDLast
        self.ipIDZeroCount = ipIDZeroCount
        self.ipIDPairs = ipIDPairs
        self.ipIDSmallStepPairs = ipIDSmallStepPairs
        self.dontFragmentCount = dontFragmentCount
        self.lastTime = lastTime
        self.isn = isn
        self.nextSeq = nextSeq
        self.lastAck = lastAck
        self.window = window
        self.sentFIN = sentFIN
        self.payloadBytes = payloadBytes
    }

    /// A profile whose TTL never varied: convenience for tests and synthetic inputs.
    public static func steady(packets: Int, ttl: UInt8) -> SideProfile {
        SideProfile(packets: packets, ttlFirst: ttl, ttlMin: ttl, ttlMax: ttl, ttlLast: ttl)
    }
}

/// A segment that advanced its sender's SND.NXT: one past its last byte, and when it passed the capture point.
public struct SentSegment: Sendable, Equatable {
    public var end: UInt32
    public var time: Int64
    public init(end: UInt32, time: Int64) {
        self.end = end
        self.time = time
    }
}

/// The RST under study, as captured.
public struct ResetPacket: Sendable, Equatable {
    public var time: Int64
    /// Whose address the RST carries as its source.
    public var claimedSender: Side
    public var ttl: UInt8?
    /// nil for IPv6.
    public var ipID: UInt16?
    public var dontFragment: Bool
    public var isIPv6: Bool
    public var seq: UInt32
    public var ack: UInt32
    public var hasACK: Bool
    public var window: UInt16
    public var payloadLength: Int
    /// First ≤ 64 payload bytes (RFC 1122 §4.2.2.12 allows diagnostic text in a RST).
    public var payloadPrefix: [UInt8]
    /// IPv6 flow label of the RST (nil for IPv4).
    public var flowLabel: UInt32?
    /// The TCP header's reserved bits (RFC 9293 §3.1 "Rsrvd", the low nibble of byte 12).
    public var reservedBits: UInt8
    /// TSval of the RST's timestamps option, nil when it carries none.
    public var tsval: UInt32?

    public init(
        time: Int64, claimedSender: Side, ttl: UInt8? = nil, ipID: UInt16? = nil, dontFragment: Bool = false,
        isIPv6: Bool = false, seq: UInt32 = 0, ack: UInt32 = 0, hasACK: Bool = false, window: UInt16 = 0,
        payloadLength: Int = 0, payloadPrefix: [UInt8] = [], flowLabel: UInt32? = nil, reservedBits: UInt8 = 0,
        tsval: UInt32? = nil
    ) {
        self.tsval = tsval
        self.flowLabel = flowLabel
        self.reservedBits = reservedBits
        self.time = time
        self.claimedSender = claimedSender
        self.ttl = ttl
        self.ipID = ipID
        self.dontFragment = dontFragment
        self.isIPv6 = isIPv6
        self.seq = seq
        self.ack = ack
        self.hasACK = hasACK
        self.window = window
        self.payloadLength = payloadLength
        self.payloadPrefix = payloadPrefix
    }
}

/// What happened after this RST in the same flow.
public struct AfterReset: Sendable, Equatable {
    /// Non-RST packets from the claimed sender after the RST.
    public var senderPackets: Int
    /// Of those, packets carrying payload or FIN with seq at/after the RST's seq (wrap-aware).
    public var senderDataOrFIN: Int
    /// ns from the RST to the first such packet.
    public var firstSenderDataDelay: Int64?
    /// Packets from the other side after the RST.
    public var receiverPackets: Int
    /// The receiver sent a pure ACK within ~2 RTT (or 1 s) after the RST (RFC 5961 §3.2 challenge ACK).
    public var receiverChallengeACK: Bool
    /// Added by attribution: highest seq+len the claimed sender sent after the RST, if any data followed.
    /// When present and beyond the sender's pre-RST `nextSeq`, the data is *new* (not a retransmission already
    /// in flight), which rules out the commonest false positive of `data_after_reset`. nil = not measured.
    public var senderMaxSeqAfter: UInt32?
    /// Highest ACK number in the claimed sender's non-RST packets after the RST (nil: none with ACK).
    public var senderMaxAckAfter: UInt32?
    /// ns from the RST to the first non-RST packet of the claimed sender that carried `senderMaxAckAfter`.
    public var senderMaxAckDelay: Int64?
    /// Non-RST packets of the claimed sender after the RST carrying the RST's own (non-zero) IPv4 ID.
    public var senderSameIPIDAfter: Int
    /// IPv4 ID of the claimed sender's first non-RST packet after the RST.
    public var senderFirstIPIDAfter: UInt16?

    public init(
        senderPackets: Int = 0, senderDataOrFIN: Int = 0, firstSenderDataDelay: Int64? = nil,
        receiverPackets: Int = 0, receiverChallengeACK: Bool = false, senderMaxSeqAfter: UInt32? = nil,
        senderMaxAckAfter: UInt32? = nil, senderMaxAckDelay: Int64? = nil, senderSameIPIDAfter: Int = 0,
        senderFirstIPIDAfter: UInt16? = nil
    ) {
        self.senderMaxAckAfter = senderMaxAckAfter
        self.senderMaxAckDelay = senderMaxAckDelay
        self.senderSameIPIDAfter = senderSameIPIDAfter
        self.senderFirstIPIDAfter = senderFirstIPIDAfter
        self.senderPackets = senderPackets
        self.senderDataOrFIN = senderDataOrFIN
        self.firstSenderDataDelay = firstSenderDataDelay
        self.receiverPackets = receiverPackets
        self.receiverChallengeACK = receiverChallengeACK
        self.senderMaxSeqAfter = senderMaxSeqAfter
    }
}

/// Another RST of the same flow (either direction).
public struct OtherReset: Sendable, Equatable {
    public var time: Int64
    public var claimedSender: Side
    public var ttl: UInt8?
    public var ipID: UInt16?
    public var seq: UInt32
    public var ack: UInt32

    public init(time: Int64, claimedSender: Side, ttl: UInt8? = nil, ipID: UInt16? = nil, seq: UInt32 = 0, ack: UInt32 = 0) {
        self.time = time
        self.claimedSender = claimedSender
        self.ttl = ttl
        self.ipID = ipID
        self.seq = seq
        self.ack = ack
    }
}

/// An ICMP/ICMPv6 error whose quoted header belongs to the flow.
public struct ICMPReport: Sendable, Equatable {
    public var time: Int64
    /// `.server` / `.client` when the ICMP source address is that endpoint's, else `.middlebox`.
    public var senderRole: Party
    public var type: UInt8
    public var code: UInt8
    public var isIPv6: Bool
    public var ttl: UInt8?

    public init(time: Int64, senderRole: Party, type: UInt8, code: UInt8, isIPv6: Bool = false, ttl: UInt8? = nil) {
        self.time = time
        self.senderRole = senderRole
        self.type = type
        self.code = code
        self.isIPv6 = isIPv6
        self.ttl = ttl
    }

    /// Destination unreachable (ICMPv4 type 3, ICMPv6 type 1), the family that refuses connections.
    public var isUnreachable: Bool { isIPv6 ? type == 1 : type == 3 }

    /// Administratively prohibited: ICMPv4 3/9, 3/10, 3/13; ICMPv6 1/1.
    public var isAdminProhibited: Bool {
        isIPv6 ? (type == 1 && code == 1) : (type == 3 && (code == 9 || code == 10 || code == 13))
    }

    /// Stable snake_case name of the type/code, as in the `icmp` array of the flow record (SSHRSTWire's table).
    public var name: String { ICMPName.of(type: type, code: code, isIPv6: isIPv6) }
}

/// Everything attribution knows about one RST: the packet, both sides' history before it, what followed, and the flow's
/// other RSTs and ICMP errors. Built by the engine once per RST (cold path).
public struct ResetContext: Sendable {
    public var reset: ResetPacket
    /// The claimed sender's packets before the RST.
    public var sender: SideProfile
    /// The other side's packets before the RST.
    public var receiver: SideProfile
    /// From `inferVantage`.
    public var vantage: Vantage
    /// established = 3-way handshake completed (or mid-stream data both ways).
    public var synSeen: Bool, synAckSeen: Bool, established: Bool
    /// The RST came while the client's SYN was unanswered (no SYN-ACK seen): a refusal.
    public var answersSYN: Bool
    /// Round trip from the capture point to the CLAIMED sender and back, from the handshake.
    public var rttToSenderNs: Int64?
    /// RST time minus the receiver's last packet before it (the packet the RST would be answering).
    public var triggerDelayNs: Int64?
    /// Idle gap in the flow before that trigger packet; nil if no trigger.
    public var gapBeforeTriggerNs: Int64?
    /// RST time minus the flow's previous packet (either side).
    public var gapBeforeResetNs: Int64?
    public var after: AfterReset
    /// The flow's other RSTs (both directions), capture order.
    public var others: [OtherReset]
    /// ICMP errors about this flow.
    public var icmp: [ICMPReport]
    /// 0 = first RST of the flow.
    public var indexInFlow: Int

    public init(
        reset: ResetPacket, sender: SideProfile = SideProfile(), receiver: SideProfile = SideProfile(),
        vantage: Vantage = .unknown, synSeen: Bool = false, synAckSeen: Bool = false, established: Bool = false,
        answersSYN: Bool = false, rttToSenderNs: Int64? = nil, triggerDelayNs: Int64? = nil,
        gapBeforeTriggerNs: Int64? = nil, gapBeforeResetNs: Int64? = nil, after: AfterReset = AfterReset(),
        others: [OtherReset] = [], icmp: [ICMPReport] = [], indexInFlow: Int = 0
    ) {
        self.reset = reset
        self.sender = sender
        self.receiver = receiver
        self.vantage = vantage
        self.synSeen = synSeen
        self.synAckSeen = synAckSeen
        self.established = established
        self.answersSYN = answersSYN
        self.rttToSenderNs = rttToSenderNs
        self.triggerDelayNs = triggerDelayNs
        self.gapBeforeTriggerNs = gapBeforeTriggerNs
        self.gapBeforeResetNs = gapBeforeResetNs
        self.after = after
        self.others = others
        self.icmp = icmp
        self.indexInFlow = indexInFlow
    }
}
