import SSHRSTAttribution

/// Synthetic contexts modelled on the lab recordings (Linux hosts, namespaces, routers decrement TTL by 1).
enum Fx {
    static let t0: Int64 = 1_700_000_000_000_000_000
    static let ms: Int64 = 1_000_000
    static let s: Int64 = 1_000_000_000

    /// A Linux endpoint's profile as seen `hops` routers away: counter IP IDs, DF, steady TTL.
    static func linux(
        packets: Int = 14, hops: UInt8, ipIDLast: UInt16 = 5000, nextSeq: UInt32 = 2_000_100, lastAck: UInt32 = 1_000_200,
        isn: UInt32? = nil, window: UInt32 = 64_240
    ) -> SideProfile {
        let ttl = 64 - hops
        return SideProfile(
            packets: packets, ttlFirst: ttl, ttlMin: ttl, ttlMax: ttl, ttlLast: ttl, ipIDLast: ipIDLast,
            ipIDZeroCount: 1, ipIDPairs: packets - 1, ipIDSmallStepPairs: packets - 2, dontFragmentCount: packets,
            lastTime: t0 + 5 * s, isn: isn, nextSeq: nextSeq, lastAck: lastAck, window: window, sentFIN: false,
            payloadBytes: 2000)
    }

    /// Client vantage, established session, RST claims the server. Server is 2 routers away (TTL 62).
    static func clientVantageServerRST(ttl: UInt8, ipID: UInt16?, df: Bool = true, hasACK: Bool = false, seq: UInt32? = nil) -> ResetContext {
        let server = linux(hops: 2, ipIDLast: 5000, nextSeq: 2_000_100, lastAck: 1_000_200)
        let client = linux(hops: 0, ipIDLast: 300, nextSeq: 1_000_200, lastAck: 2_000_100)
        let rst = ResetPacket(
            time: t0 + 10 * s, claimedSender: .server, ttl: ttl, ipID: ipID, dontFragment: df, isIPv6: false,
            seq: seq ?? client.lastAck ?? 0, ack: hasACK ? 1_000_200 : 0, hasACK: hasACK, window: 0)
        return ResetContext(
            reset: rst, sender: server, receiver: client, vantage: .client, synSeen: true, synAckSeen: true,
            established: true, answersSYN: false, rttToSenderNs: 400_000, triggerDelayNs: 300_000,
            gapBeforeTriggerNs: 2 * s, gapBeforeResetNs: 300_000)
    }
}
