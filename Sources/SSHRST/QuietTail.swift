import SSHRSTAttribution
import SSHRSTBytes
import SSHRSTFlow
import SSHRSTWire

/// A quiet flow's record after its endpoints, rendered once per distinct input.
///
/// Most flows of a scan or a SYN flood carry no SSH bytes, no reset and no ICMP error: one SYN,
/// perhaps retransmitted or answered. Their record after `"server":{…}` (roles, vantage, counts, TCP state,
/// the diagnosis, TTLs) is then a function of a few numbers, the same for thousands of flows, and rendering
/// it (diagnosis, vantage, prose, JSON) cost ~8,000 instructions a record. `QuietTailKey` holds every input
/// of that text for such a flow; `QuietTailCache` keeps the text by key, so a repeated tail is one copy.
/// The text stops after `"rtt_ms":`: the round trip and the record's constant end are written for each
/// flow (`RecordBuilder.writeQuietEnd`), so answered SYNs, which all differ there, share a tail too.
///
/// The key is every value the general path reads for such a flow (`RecordBuilder.build`), taken from the
/// same functions where the writer has one (`ttlInputs`, `stalled`, `handshakeRTT`); the diagnosis's inputs
/// are `DiagnosisContext`'s fields that such a flow can set, as the diagnosis reads them: durations as
/// `Fmt.seconds` prints them, the handshake's times only for the outcomes that read them
/// (`DiagnosisContext.readsHandshakeTimes`). The client's address is a diagnosis input only where the
/// diagnosis names it (a few next steps, `Diagnosis.namesClientAddress`): only then is a tail stored under
/// the address. Debug builds (the tests) render every hit again through the general path and stop if the
/// text or the cause differs.
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
    /// What `writeTTL` reads (the same function gives them).
    var clientTTL: RecordBuilder.TTLInputs?
    var serverTTL: RecordBuilder.TTLInputs?
    // The diagnosis's inputs.
    var firstFINFrom: Side?
    var synCount: Int
    /// The flow's duration as the diagnosis prints it (`Fmt.secondsParts`).
    var duration: Fmt.Parts
    /// Nil for the outcomes whose diagnosis does not read them.
    var handshakeToEndNs: Int64?
    var priorAuthFailures: Int
    var stalledSide: Side?
    var stalledRetransmissions: Int
    /// A stalled peer's silence, as printed too.
    var stalledQuiet: Fmt.Parts?
    var handshakeRTTNs: Int64?
    /// Nil when the diagnosis does not name the client (see above).
    var clientAddress: IPAddress?

    /// A 64-bit mix of the fields that tell flows of one scan apart most often.
    var hash: UInt64 {
        var h: UInt64 = vantage
        @inline(__always) func mix(_ v: UInt64) { h = (h ^ v) &* 0x9E37_79B9_7F4A_7C15; h ^= h &>> 29 }
        mix(UInt64(bitPattern: Int64(clientPackets)) &<< 32 ^ UInt64(bitPattern: Int64(serverPackets)))
        mix(UInt64(bitPattern: Int64(clientBytes)) &<< 32 ^ UInt64(bitPattern: Int64(serverBytes)))
        mix(duration.whole &* 1_000_000 ^ duration.fraction ^ UInt64(anomalies) &<< 40)
        mix(UInt64(bitPattern: handshakeRTTNs ?? -1) ^ UInt64(bitPattern: handshakeToEndNs ?? -1) &<< 1)
        mix(UInt64(originatorState.rawValue) ^ UInt64(responderState.rawValue) &<< 8 ^ UInt64(synCount) &<< 48 ^ UInt64(clientTTL?.first ?? 0) &<< 40 ^ UInt64(serverTTL?.first ?? 0) &<< 32)
        if let a = clientAddress { mix(a.high ^ a.low) }
        return h
    }
}

/// The tails of `QuietTailKey`, two-way set-associative: a key has two slots, and a new key replaces the
/// one of them used least recently. A slot's byte array is reused, so once warm a stored tail allocates
/// nothing.
struct QuietTailCache {
    struct Slot {
        /// Whether a key, its cause and its tail (in `tails`) were stored here. An empty slot holds the first
        /// key stored anywhere: an optional key was copied out of its slot for each comparison.
        var filled = false
        var hash: UInt64 = 0
        var key: QuietTailKey
        var cause: CauseID = .noAnswerTimeout
        /// `uses` when the slot was last stored or hit.
        var use = 0
    }

    /// A flood's SYNs, answered or not, differ by little more than their TTLs (hundreds to a few thousand
    /// distinct tails); flows closed with a handshake all differ (its times) and pass through. 4,096 slots
    /// keep the first while the second churn (~1.3 MB of slots, ~5 MB of tails when full); with one slot a
    /// key, a third of a flood's repeated tails were lost to another key of the same slot.
    static let slotCount = 4096
    private var slots: [Slot] = []
    /// The text of each slot, beside the slots: read out of a slot, a tail copied the whole slot first.
    private var tails: [[UInt8]] = []
    /// Lookups so far: the clock of `Slot.use`.
    private var uses = 0

    /// The slot holding `key`'s tail (its address-free form first), with its cause.
    mutating func lookup(_ key: QuietTailKey, client: IPAddress) -> (slot: Int, cause: CauseID)? {
        guard !slots.isEmpty else { return nil }
        uses &+= 1
        if let hit = find(key, hash: key.hash) { return hit }
        var named = key
        named.clientAddress = client
        return find(named, hash: named.hash)
    }

    private mutating func find(_ key: QuietTailKey, hash: UInt64) -> (slot: Int, cause: CauseID)? {
        let set = QuietTailCache.set(hash)
        for i in set..<set &+ 2 where slots[i].hash == hash && slots[i].filled && slots[i].key == key {
            slots[i].use = uses
            return (i, slots[i].cause)
        }
        return nil
    }

    func tail(_ slot: Int) -> [UInt8] { tails[slot] }

    mutating func store(_ key: QuietTailKey, tail: Span<UInt8>, cause: CauseID) {
        if slots.isEmpty {
            slots = [Slot](repeating: Slot(key: key), count: QuietTailCache.slotCount)
            tails = [[UInt8]](repeating: [], count: QuietTailCache.slotCount)
        }
        let h = key.hash
        let set = QuietTailCache.set(h)
        let i = slots[set].use <= slots[set &+ 1].use ? set : set &+ 1
        slots[i].filled = true
        slots[i].hash = h
        slots[i].key = key
        slots[i].cause = cause
        slots[i].use = uses
        tails[i].removeAll(keepingCapacity: true)
        ByteCopy.append(tail, to: &tails[i])
    }

    /// The first of the two slots of `hash`.
    private static func set(_ hash: UInt64) -> Int {
        Int(truncatingIfNeeded: hash &>> 40) & (QuietTailCache.slotCount &- 2)
    }
}
