import SSHRSTWire

/// Zeek's TCP endpoint states (src/analyzer/protocol/tcp/TCP_Endpoint.h).
public enum EndpointState: UInt8, Sendable {
    case inactive, synSent, synAckSent, partial, established, closed, reset
}

/// Wrap-around sequence arithmetic (RFC 9293 §3.4): the signed distance
/// from `b` to `a`, correct while they are less than 2^31 apart.
@inlinable
public func seqDelta(_ a: UInt32, _ b: UInt32) -> Int32 {
    Int32(bitPattern: a &- b)
}

/// One direction of a TCP connection: Zeek's endpoint state plus the
/// measurements attribution needs (TTL baseline, IP ID trend, sequence space).
public struct Endpoint: Sendable {
    public var state: EndpointState = .inactive
    public var previousState: EndpointState = .inactive

    // Sequence space.
    public var isn: UInt32? = nil
    public var startSeq: UInt32 = 0
    /// One past the highest sequence number sent (SND.NXT as observed).
    public var lastSeq: UInt32 = 0
    public var hasSeq = false
    /// Highest ACK number sent (this side's RCV.NXT).
    public var lastAck: UInt32? = nil
    public var window: UInt32 = 0
    /// The last non-RST segment's window field as sent (unscaled).
    public var windowField: UInt16 = 0
    public var windowScale: UInt8? = nil
    /// Capture time at which `lastSeq` last advanced (the newest bytes were sent), 0 before any.
    public var seqAdvanceTime: Int64 = 0
    /// Capture time at which `lastAck` last advanced (this side first acknowledged its newest peer bytes), 0 before any.
    public var ackAdvanceTime: Int64 = 0
    /// Shortest time, at the capture point, from the peer's newest bytes to this side's first ACK of all of them:
    /// the round trip capture point → this side → capture point, measured on data (delayed ACKs only lengthen
    /// it). nil until measured.
    public var ackRTTMin: Int64? = nil
    /// The ends of the last four segments that advanced `lastSeq`, with their capture times (a ring, written at
    /// `recentNext & 3`): which segment a RST acknowledges, while data flows.
    @usableFromInline var recentEnds: (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0)
    @usableFromInline var recentTimes: (Int64, Int64, Int64, Int64) = (0, 0, 0, 0)
    @usableFromInline var recentNext: UInt8 = 0
    /// Non-RST packets that carried the timestamps option, and the last TSval among them.
    public var timestampPackets = 0
    public var lastTSval: UInt32? = nil
    /// The last window is not known: its segment's header was cut before the window field, or this side's
    /// SYN was cut inside its options, so its window scale is unknown (`tcpdump -s 54/68`).
    public var windowUnknown = false
    /// This side's SYN options were cut by the snap length before a window scale option was seen.
    public var windowScaleUnknown = false

    // Zeek history bookkeeping.
    var histLastSYN: UInt32 = 0
    var histLastFIN: UInt32 = 0
    var histLastRST: UInt32 = 0
    public var retransmissions: UInt32 = 0
    var retransmissionThreshold: UInt32 = 1
    public var zeroWindows: UInt32 = 0
    var zeroWindowThreshold: UInt32 = 1

    // Counters.
    public var packets = 0
    public var payloadBytes = 0
    public var synCount = 0
    public var finCount = 0
    public var rstCount = 0
    public var firstTime: Int64 = 0
    public var lastTime: Int64 = 0

    // TTL and IP ID baseline over non-RST packets.
    public var ttlFirst: UInt8? = nil
    public var ttlMin: UInt8 = 255
    public var ttlMax: UInt8 = 0
    public var ttlLast: UInt8 = 0
    public var ipIDLast: UInt16? = nil
    public var ipIDZeroCount = 0
    public var ipIDPairs = 0
    public var ipIDSmallStepPairs = 0
    public var dontFragmentCount = 0
    /// IPv6 flow label of the last non-RST packet, and how often it changed.
    public var flowLabelLast: UInt32? = nil
    public var flowLabelChanges = 0
    /// Non-RST packets counted in the TTL/IP ID baseline.
    public var baselinePackets = 0
    public var lastNonRSTTime: Int64 = 0

    public init() {}

    /// Records the IP facts of a non-RST packet.
    @inlinable
    public mutating func observeBaseline(_ ip: IPInfo, at time: Int64) {
        baselinePackets &+= 1
        lastNonRSTTime = time
        if ttlFirst == nil { ttlFirst = ip.ttl }
        ttlMin = min(ttlMin, ip.ttl)
        ttlMax = max(ttlMax, ip.ttl)
        ttlLast = ip.ttl
        if ip.dontFragment { dontFragmentCount &+= 1 }
        guard !ip.isIPv6 else {
            if let last = flowLabelLast, last != ip.flowLabel { flowLabelChanges &+= 1 }
            flowLabelLast = ip.flowLabel
            return
        }
        if ip.ipID == 0 { ipIDZeroCount &+= 1 }
        if let last = ipIDLast {
            ipIDPairs &+= 1
            let step = ip.ipID &- last
            if step >= 1 && step <= 32 { ipIDSmallStepPairs &+= 1 }
        }
        ipIDLast = ip.ipID
    }

    /// Remembers a segment that advanced `lastSeq` (ring of four, no allocation).
    @inline(__always)
    mutating func noteAdvance(end: UInt32, at time: Int64) {
        switch recentNext & 3 {
        case 0: recentEnds.0 = end; recentTimes.0 = time
        case 1: recentEnds.1 = end; recentTimes.1 = time
        case 2: recentEnds.2 = end; recentTimes.2 = time
        default: recentEnds.3 = end; recentTimes.3 = time
        }
        recentNext &+= 1
    }

    /// Calls `body` with each remembered segment end and time, oldest first (none before any data).
    @inlinable
    public func forEachRecentAdvance(_ body: (_ end: UInt32, _ time: Int64) -> Void) {
        for k in 0..<4 {
            let (end, time): (UInt32, Int64)
            switch (Int(recentNext) &+ k) & 3 {
            case 0: (end, time) = (recentEnds.0, recentTimes.0)
            case 1: (end, time) = (recentEnds.1, recentTimes.1)
            case 2: (end, time) = (recentEnds.2, recentTimes.2)
            default: (end, time) = (recentEnds.3, recentTimes.3)
            }
            if time != 0 { body(end, time) }
        }
    }

    /// The remembered segment ends and times, oldest first (cold path: allocates when there are any).
    public var recentAdvances: [(end: UInt32, time: Int64)] {
        var out: [(end: UInt32, time: Int64)] = []
        forEachRecentAdvance { out.append(($0, $1)) }
        return out
    }
}
