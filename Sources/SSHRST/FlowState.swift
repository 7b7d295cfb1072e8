import SSHRSTAttribution
import SSHRSTFlow
import SSHRSTTransport
import SSHRSTWire

/// Whether a flow carries SSH, as far as the engine can tell.
enum SSHStatus: UInt8, Sendable {
    /// Not on an SSH port and no payload yet.
    case unknown
    /// One side is on a configured SSH port.
    case port
    /// Not on an SSH port, but a side's first payload began with "SSH-".
    case banner
    /// Not on an SSH port and the first payload was something else.
    case notSSH

    /// Whether a finished flow gets a record.
    var isReported: Bool { self != .notSSH && self != .unknown }
}

/// Engine-level anomaly bits; names in `FlowAnomaly.names`.
struct FlowAnomaly: OptionSet, Sendable {
    let rawValue: UInt32
    static let truncatedBySnaplen = FlowAnomaly(rawValue: 1 << 0)
    static let dataAfterReset = FlowAnomaly(rawValue: 1 << 1)
    static let synAfterReset = FlowAnomaly(rawValue: 1 << 2)
    static let spontaneousRST = FlowAnomaly(rawValue: 1 << 3)
    static let resetsLimited = FlowAnomaly(rawValue: 1 << 4)
    static let icmpLimited = FlowAnomaly(rawValue: 1 << 5)
    static let conflictingResetTTL = FlowAnomaly(rawValue: 1 << 6)
    static let conflictingResetIPID = FlowAnomaly(rawValue: 1 << 7)
    static let evicted = FlowAnomaly(rawValue: 1 << 8)
    static let partialConnection = FlowAnomaly(rawValue: 1 << 9)
    static let rstStorm = FlowAnomaly(rawValue: 1 << 10)
    static let tcpOptionsMalformed = FlowAnomaly(rawValue: 1 << 11)
    /// An ICMP error whose quote the snap length cut was tied to this flow by the SYN it answers.
    static let icmpQuoteCut = FlowAnomaly(rawValue: 1 << 12)

    static let names: [(FlowAnomaly, String)] = [
        (.truncatedBySnaplen, "truncated_by_snaplen"),
        (.dataAfterReset, "data_after_reset"),
        (.synAfterReset, "syn_after_reset"),
        (.spontaneousRST, "spontaneous_rst"),
        (.resetsLimited, "resets_limit_reached"),
        (.icmpLimited, "icmp_limit_reached"),
        (.conflictingResetTTL, "conflicting_reset_ttl"),
        (.conflictingResetIPID, "conflicting_reset_ip_id"),
        (.evicted, "flow_evicted"),
        (.partialConnection, "partial_connection"),
        (.rstStorm, "rst_storm"),
        (.tcpOptionsMalformed, "tcp_options_malformed"),
        (.icmpQuoteCut, "icmp_quote_not_captured"),
    ]
}

/// One RST as seen, with the state around it frozen at that moment.
struct ResetObservation: Sendable {
    var packet: ResetPacket
    var direction: Direction
    var sender: SideProfile
    var receiver: SideProfile
    var synSeen: Bool
    var synAckSeen: Bool
    var established: Bool
    var answersSYN: Bool
    var rttToSender: Int64?
    var triggerDelay: Int64?
    var gapBeforeTrigger: Int64?
    var gapBeforeReset: Int64?
    /// Round trip from the capture point to the RST's receiver (handshake and ACK timing), if measured.
    var rttToReceiver: Int64? = nil
    var after = AfterReset()
}

/// One ICMP/ICMPv6 error about the flow.
struct ICMPObservation: Sendable {
    var time: Int64
    var sender: IPAddress
    var type: UInt8
    var code: UInt8
    var ttl: UInt8
    var isIPv6: Bool
    var name: String
    var isUnreachable: Bool
}

/// Everything the engine keeps per flow.
struct FlowState: Sendable {
    /// Limits on per-flow evidence lists (RST storms, ICMP floods).
    static let maximumResets = 8
    static let maximumICMP = 8

    var tcp = TCPConnection()
    /// Whether the key's low side is the originator.
    var originatorIsLow: Bool
    var firstTime: Int64
    var lastTime: Int64
    /// Creation order: the order of first packets.
    var sequence: UInt64
    var status: SSHStatus
    var transport: SSHTransportSession? = nil
    var synTime: Int64? = nil
    var synAckTime: Int64? = nil
    var ackTime: Int64? = nil
    /// Idle gap before the most recent packet of each direction.
    var gapBeforeLast: (Int64, Int64) = (0, 0)
    var resets: [ResetObservation] = []
    var resetCount = 0
    var icmp: [ICMPObservation] = []
    var anomalies: FlowAnomaly = []
    /// When set, the flow is finished and waits this long for stragglers.
    var closeDeadline: Int64? = nil
    var refusedByICMP = false
    var newKeys: (Bool, Bool) = (false, false)
    var postNewKeysMaxSegment: (Int, Int) = (0, 0)
    var postNewKeysBytes: (Int, Int) = (0, 0)
    var firstFIN: Direction? = nil
    /// Payload bytes per direction (originator, responder) that the snap length cut away: the IP length
    /// fields count them, the capture does not hold them.
    var uncapturedPayload: (Int, Int) = (0, 0)
    /// Per direction: a segment's payload was cut, so the SSH decoder was given nothing from that point
    /// on (what it decoded before stands; what came after is unknown, not absent).
    var transportCut: (Bool, Bool) = (false, false)
    /// Per direction, the SSH-2 packet headers read from cut segments (how far the exchange went).
    var cutHeaders: (CutPacketHeaders, CutPacketHeaders) = (CutPacketHeaders(), CutPacketHeaders())
    /// The originator's last SYN: what an ICMP error whose quote was cut can still be matched on.
    var lastSYN = SYNFacts()
    var finTime: Int64? = nil

    init(originatorIsLow: Bool, time: Int64, sequence: UInt64, status: SSHStatus) {
        self.originatorIsLow = originatorIsLow
        self.firstTime = time
        self.lastTime = time
        self.sequence = sequence
        self.status = status
    }

    var isReported: Bool { status.isReported }

    /// The furthest phase the captured bytes of a cut flow show (RFC 4253 order, the SSH decoder's rules):
    /// an identification line's start, a KEXINIT header, NEWKEYS both ways or one way followed by more bytes.
    var cutPhase: SSHPhaseCode {
        if newKeys.0 && newKeys.1 { return .encrypted }
        if (newKeys.0 && postNewKeysBytes.0 > 0) || (newKeys.1 && postNewKeysBytes.1 > 0) { return .encrypted }
        if cutHeaders.0.sawKexInit || cutHeaders.1.sawKexInit { return .kex }
        if cutHeaders.0.sawVersion || cutHeaders.1.sawVersion { return .version }
        return .tcp
    }
}

/// IP facts of a SYN that an ICMP error quotes (RFC 792: the offending datagram's IP header first).
struct SYNFacts: Sendable {
    var time: Int64 = 0
    var ipID: UInt16 = 0
    var flowLabel: UInt32 = 0
    /// TCP header + payload length by the IP length field.
    var tcpLength = 0
}
