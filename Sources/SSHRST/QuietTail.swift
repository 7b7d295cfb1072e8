import SSHRSTAttribution
import SSHRSTBytes
import SSHRSTFlow
import SSHRSTWire

/// A quiet flow's record after its endpoints, rendered once per distinct input.
///
/// Most flows of a scan or a SYN flood carry no SSH bytes, no reset and no ICMP error: one SYN,
/// perhaps retransmitted or answered. Their record after `"server":{…}` (roles, vantage, counts, TCP state,
/// the diagnosis, TTLs, round trip) is then a function of a few numbers, the same for thousands of flows,
/// and rendering it (diagnosis, vantage, prose, JSON) cost ~8,000 instructions a record. `QuietTailKey`
/// holds every input of that text for such a flow; `QuietTailCache` keeps the text by key, so a repeated
/// tail is one copy.
///
/// The key is every value the general path reads for such a flow (`RecordBuilder.build`), taken from the
/// same functions where the writer has one (`ttlInputs`, `handshakeLegs`, `stalled`, `handshakeRTT`); the
/// diagnosis's inputs are `DiagnosisContext`'s fields that such a flow can set. The client's address is a
/// diagnosis input only where the diagnosis names it (a few next steps, `Diagnosis.namesClientAddress`):
/// only then is a tail stored under the address. Debug builds (the tests) render every hit again through
/// the general path and stop if the text or the cause differs.
struct QuietTailKey: Equatable {
    // The JSON around the diagnosis.
    var roleBasisSYN: Bool
    var vantage: UInt64
    var clientPackets: Int
    var serverPackets: Int
    var clientBytes: Int
    var serverBytes: Int
    /// With the byte counts and the history, what `TCPConnection.connStateName` reads.
    var originatorState: EndpointState
    var responderState: EndpointState
    var history: HistoryLetters
    /// The flow's anomaly bits (`FlowAnomaly`: `evicted` on every flow of a flood that fills the table).
    var anomalies: UInt32
    var outcome: Outcome
    var phase: Phase
    /// What `writeTTL` and `writeRTT` read (the same functions give them).
    var clientTTL: RecordBuilder.TTLInputs?
    var serverTTL: RecordBuilder.TTLInputs?
    var handshakeLegs: RecordBuilder.HandshakeLegs?
    // The diagnosis's inputs.
    var firstFINFrom: Side?
    var synCount: Int
    var durationNs: Int64
    var handshakeToEndNs: Int64?
    var priorAuthFailures: Int
    var stalledSide: Side?
    var stalledRetransmissions: Int
    var stalledQuietNs: Int64
    var handshakeRTTNs: Int64?
    /// Nil when the diagnosis does not name the client (see above).
    var clientAddress: IPAddress?

    /// A 64-bit mix of the fields that tell flows of one scan apart most often.
    var hash: UInt64 {
        var h: UInt64 = vantage
        @inline(__always) func mix(_ v: UInt64) { h = (h ^ v) &* 0x9E37_79B9_7F4A_7C15; h ^= h &>> 29 }
        mix(UInt64(bitPattern: Int64(clientPackets)) &<< 32 ^ UInt64(bitPattern: Int64(serverPackets)))
        mix(UInt64(bitPattern: Int64(clientBytes)) &<< 32 ^ UInt64(bitPattern: Int64(serverBytes)))
        mix(UInt64(bitPattern: durationNs) ^ UInt64(anomalies) &<< 40)
        mix(UInt64(bitPattern: handshakeLegs?.server ?? -1) ^ UInt64(bitPattern: handshakeLegs?.client ?? -1) &<< 1)
        mix(UInt64(originatorState.rawValue) ^ UInt64(responderState.rawValue) &<< 8 ^ UInt64(synCount) &<< 48 ^ UInt64(clientTTL?.first ?? 0) &<< 40 ^ UInt64(serverTTL?.first ?? 0) &<< 32)
        if let a = clientAddress { mix(a.high ^ a.low) }
        return h
    }
}

/// The tails of `QuietTailKey`, direct-mapped (a new key replaces the one in its slot). A slot's byte array
/// is reused, so once warm a stored tail allocates nothing.
struct QuietTailCache {
    struct Slot {
        var hash: UInt64 = 0
        var key: QuietTailKey? = nil
        var tail: [UInt8] = []
        var cause: CauseID = .noAnswerTimeout
    }

    /// A flood's unanswered SYNs differ by little more than their TTL (hundreds of distinct tails); its
    /// answered ones all differ (the round trip) and pass through: 4,096 slots keep the first while the
    /// second churn (~1.3 MB of slots, ~5 MB of tails when full).
    static let slotCount = 4096
    private var slots: [Slot] = []

    /// The slot holding `key`'s tail (its address-free form first), with its cause.
    func lookup(_ key: QuietTailKey, client: IPAddress) -> (slot: Int, cause: CauseID)? {
        guard !slots.isEmpty else { return nil }
        let h = key.hash
        let i = QuietTailCache.index(h)
        if slots[i].hash == h, slots[i].key == key { return (i, slots[i].cause) }
        var named = key
        named.clientAddress = client
        let hn = named.hash
        let j = QuietTailCache.index(hn)
        if slots[j].hash == hn, slots[j].key == named { return (j, slots[j].cause) }
        return nil
    }

    func tail(_ slot: Int) -> [UInt8] { slots[slot].tail }

    mutating func store(_ key: QuietTailKey, tail: Span<UInt8>, cause: CauseID) {
        if slots.isEmpty { slots = [Slot](repeating: Slot(), count: QuietTailCache.slotCount) }
        let h = key.hash
        let i = QuietTailCache.index(h)
        slots[i].hash = h
        slots[i].key = key
        slots[i].cause = cause
        slots[i].tail.removeAll(keepingCapacity: true)
        ByteCopy.append(tail, to: &slots[i].tail)
    }

    private static func index(_ hash: UInt64) -> Int {
        Int(truncatingIfNeeded: hash &>> 40) & (QuietTailCache.slotCount &- 1)
    }
}
