import SSHRSTAttribution
import SSHRSTFlow

extension SideProfile {
    /// The attribution view of one endpoint's packets so far.
    init(_ e: Endpoint) {
        var recent: [SentSegment] = []
        e.forEachRecentAdvance { end, time in
            if recent.isEmpty { recent.reserveCapacity(4) }  // the most an endpoint remembers: one allocation
            recent.append(SentSegment(end: end, time: time))
        }
        self.init(
            packets: e.baselinePackets,
            ttlFirst: e.ttlFirst,
            ttlMin: e.baselinePackets > 0 ? e.ttlMin : nil,
            ttlMax: e.baselinePackets > 0 ? e.ttlMax : nil,
            ttlLast: e.baselinePackets > 0 ? e.ttlLast : nil,
            ipIDLast: e.ipIDLast,
            ipIDZeroCount: e.ipIDZeroCount,
            ipIDPairs: e.ipIDPairs,
            ipIDSmallStepPairs: e.ipIDSmallStepPairs,
            dontFragmentCount: e.dontFragmentCount,
            lastTime: e.packets > 0 ? e.lastTime : nil,
            isn: e.isn,
            nextSeq: e.hasSeq ? e.lastSeq : nil,
            lastAck: e.lastAck,
            window: e.hasSeq && !e.windowUnknown ? e.window : nil,
            sentFIN: e.finCount > 0,
            payloadBytes: e.payloadBytes,
            stableFlowLabel: e.flowLabelChanges == 0 ? e.flowLabelLast : nil,
            nextSeqTime: e.hasSeq && e.seqAdvanceTime != 0 ? e.seqAdvanceTime : nil,
            lastAckTime: e.lastAck != nil && e.ackAdvanceTime != 0 ? e.ackAdvanceTime : nil,
            rttFromACKs: e.ackRTTMin,
            windowField: e.baselinePackets > 0 ? e.windowField : nil,
            recentSegments: recent,
            timestampPackets: e.timestampPackets, lastTSval: e.lastTSval)
    }
}
