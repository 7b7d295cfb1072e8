import SSHRSTAttribution
import SSHRSTBytes
import SSHRSTCapture
import SSHRSTFlow
import SSHRSTReport
import SSHRSTTransport
import SSHRSTWire

/// The engine: one straight line from a frame to flow records.
///
/// `ingest` is synchronous and, in steady state, allocation-free: dissect in
/// place, look the flow up, advance its TCP state, feed the SSH decoder's
/// bounded buffer. Records (JSON values) are built only when a flow ends.
/// Records reach `sink` in first-packet order (held back at most
/// `reorderLimit` records); the summary comes from `finish()`.
public final class Analyzer {
    public let configuration: AnalyzerConfiguration
    public internal(set) var stats = DecodeStats()
    var table: FlowTable<FlowState>
    var nextSequence: UInt64 = 0
    var nextSweep: Int64 = .min
    var closing: [(slot: Int, generation: UInt32, deadline: Int64)] = []
    var closingHead = 0
    /// A deadline was queued before an earlier one (capture time went back): the next sweep scans the whole queue.
    var closingUnsorted = false
    var closingLastDeadline: Int64 = .min
    /// The newest established flow the last sweep's idle walk passed over (untouched since: `touch` clears it).
    var walkMark: (slot: Int, generation: UInt32)? = nil
    let sink: (JSON) -> Void
    var reorder = ReorderBuffer()
    var outcomes = OutcomeCounters()
    var digests: [FlowDigest] = []
    var hostKeys: [EndpointKey: (fingerprint: String, uid: FlowUID)] = [:]
    /// Server address and port pairs where SSH was seen by its banner (bounded by patternMemory).
    var sshEndpoints: Set<EndpointKey> = []
    /// Failed authentications per client > server:port, for ban diagnosis (bounded by patternMemory keys).
    var authFailures: [ClientServerPair: (count: Int, lastEnd: Int64)] = [:]
    /// The clients in `authFailures`: a flood's records skip its hash of both addresses.
    var authFailureClients = AddressFilter()
    var patterns: [JSON] = []
    /// KEXINITs, negotiations and their JSON shared between records (bounded).
    let memo = RecordMemo()
    /// KEXINIT name-list checks shared by the flows' SSH decoders (bounded).
    let kexCheckCache = KexInitCheckCache()
    /// Where a frame that is not a TCP segment is dissected to (a property: not re-initialised per packet).
    var nonTCP = Dissection.skipped(.notIP)
    /// The flows of the last `recentSYNCapacity` SYNs (slot, generation), a ring: where an ICMP error whose
    /// quote the snap length cut is looked for. Allocated once.
    var recentSYNs = [(slot: Int, generation: UInt32)](repeating: (-1, 0), count: Analyzer.recentSYNCapacity)
    var recentSYNNext = 0
    static let recentSYNCapacity = 64
    /// An ICMP error answers a SYN within this long (a round trip, with room for slow paths).
    static let icmpAnswerWindow: Int64 = 5_000_000_000
    /// Also called for each finished flow (live capture metrics, --write-resets).
    public var onFlowRecord: ((JSON) -> Void)? = nil
    /// Where a flow record's JSON text goes when it can be written as it is built (its turn in first-packet
    /// order has come, and nothing else reads it): lent straight from the record writer, with no copy and no
    /// allocation (JSON Lines output). nil: every record reaches `sink` as JSON.
    public var textSink: ((Span<UInt8>) -> Void)? = nil
    /// Set when this analyzer is one worker of a ShardedAnalyzer (nil: the single-threaded engine). A `let`:
    /// read on every packet (`touch`), a `var` was retained and released around each read.
    let shard: ShardState?

    public convenience init(configuration: AnalyzerConfiguration = AnalyzerConfiguration(), sink: @escaping (JSON) -> Void) {
        self.init(configuration: configuration, shard: nil, sink: sink)
    }

    init(configuration: AnalyzerConfiguration, shard: ShardState?, sink: @escaping (JSON) -> Void) {
        self.configuration = configuration
        self.shard = shard
        self.sink = sink
        table = FlowTable(capacity: configuration.maxFlows)
        closing.reserveCapacity(1024)
    }

    // MARK: Per packet

    /// Analyses one frame. Never traps; every failure becomes a counter.
    public func ingest(_ frame: Frame, _ bytes: Span<UInt8>) {
        let time = frame.time
        stats.frames &+= 1
        stats.bytes &+= frame.wireLength
        if stats.firstTime == nil { stats.firstTime = time }
        if time > stats.lastTime { stats.lastTime = time }
        if shard == nil, time >= nextSweep {
            sweep(time)
            nextSweep = time &+ 1_000_000_000
        }
        var segment = TCPSegment.empty
        let isTCP: Bool
        do {
            isTCP = try Dissector.dissect(frame.linkType, bytes, tcp: &segment, other: &nonTCP)
        } catch {
            stats.count(error)
            return
        }
        if isTCP {
            stats.tcpSegments &+= 1
            handle(segment, bytes, at: time)
            return
        }
        switch nonTCP {
        case .tcp:
            break  // never: a TCP segment is written into `segment` and handled above
        case .icmpError(let error):
            stats.icmpErrors &+= 1
            handle(error, at: time)
        case .skipped(let reason):
            stats.count(reason)
        }
    }

    func likelyServerPort(_ port: UInt16) -> Bool {
        configuration.isSSHPort(port) || port < 1024
    }

    func handle(_ segment: TCPSegment, _ bytes: Span<UInt8>, at time: Int64) {
        let tcp = segment.tcp
        let (key, sourceIsLow) = FlowKey.make(
            source: segment.ip.source, sourcePort: tcp.sourcePort,
            destination: segment.ip.destination, destinationPort: tcp.destinationPort)
        var slot = table.find(key)
        if let s = slot, tcp.flags.contains(.syn), !tcp.flags.contains(.ack), table.records[s].isNewAttempt(seq: tcp.seq) {
            // A new SYN with another ISN on a finished connection: port reuse.
            finalize(s)
            slot = nil
        }
        let s: Int
        if let existing = slot {
            s = existing
        } else {
            s = createFlow(key, segment, sourceIsLow: sourceIsLow, at: time)
        }
        touch(s, at: time)
        let result = table.records[s].update(
            sourceIsLow: sourceIsLow, segment, bytes, at: time, stats: &stats, closeDelay: configuration.closeDelay,
            kexCheckCache: kexCheckCache)
        if result.learnedBanner { learnSSHEndpoint(s) }
        if let deadline = result.deadline { schedule(s, deadline: deadline) }
        if tcp.flags.contains(.syn), !tcp.flags.contains(.ack), !tcp.flags.contains(.rst) {
            // Only an attempt's SYNs: what a cut ICMP quote can be matched against.
            table.records[s].lastSYN = SYNFacts(
                time: time, ipID: segment.ip.ipID, flowLabel: segment.ip.flowLabel,
                tcpLength: max(0, segment.ip.datagramEnd &- segment.ip.payloadOffset))
            recentSYNs[recentSYNNext] = (s, table.generation(at: s))
            recentSYNNext = recentSYNNext &+ 1 == Analyzer.recentSYNCapacity ? 0 : recentSYNNext &+ 1
        }
    }

    /// The flow an ICMP error with a cut quote answers: the one unanswered SYN, among the last
    /// `recentSYNCapacity`, sent by the error's addressee within `icmpAnswerWindow` before it and
    /// agreeing with every quoted field that was captured (addresses, IPv4 ID or IPv6 flow label, TCP
    /// length). None when no SYN or more than one fits: a guess would tie the error to the wrong flow.
    func flowForCutQuote(_ error: ICMPError, at time: Int64) -> Int? {
        // Something that tells this attempt from one the capture does not show (another port, filtered
        // out) must have been captured: the quoted server address, a non-zero IPv4 ID or IPv6 flow label
        // (an ID of 0, sent by stacks that zero it under DF, tells nothing), or the error comes from the
        // server itself.
        let quoteTells = error.quotedDestinationKnown || (error.quotedIPID ?? 0) != 0 || (error.quotedFlowLabel ?? 0) != 0
        var found: Int? = nil
        for entry in recentSYNs {
            guard table.isLive(entry.slot), table.generation(at: entry.slot) == entry.generation else { continue }
            if found == entry.slot { continue }
            let state = table.records[entry.slot]
            guard state.synAckTime == nil, state.tcp.originator.state == .synSent, state.tcp.responder.packets == 0
            else { continue }
            let key = table.key(at: entry.slot)
            let client = state.originatorIsLow ? key.lowAddress : key.highAddress
            let server = state.originatorIsLow ? key.highAddress : key.lowAddress
            let syn = state.lastSYN
            guard error.ip.destination == client, error.ip.isIPv6 == client.isIPv6 else { continue }
            guard quoteTells || error.ip.source == server else { continue }
            guard time >= syn.time, time &- syn.time <= Analyzer.icmpAnswerWindow else { continue }
            if error.quotedSourceKnown && error.quotedSource != client { continue }
            if error.quotedDestinationKnown && error.quotedDestination != server { continue }
            if let id = error.quotedIPID, id != syn.ipID { continue }
            if let label = error.quotedFlowLabel, label != syn.flowLabel { continue }
            if let length = error.quotedTCPLength, length != syn.tcpLength { continue }
            if found != nil { return nil }  // two attempts fit: ambiguous
            found = entry.slot
        }
        return found
    }

    func createFlow(_ key: FlowKey, _ segment: TCPSegment, sourceIsLow: Bool, at time: Int64) -> Int {
        if table.count >= table.capacity, let oldest = table.oldest {
            table.records[oldest].anomalies.insert(.evicted)
            stats.flowsEvicted &+= 1
            finalize(oldest)
        }
        let tcp = segment.tcp
        // Zeek's TCPAnalyzer::WantConnection: the sender of a pure SYN is the
        // originator; otherwise guess the responder by likely server ports.
        var flip = false
        if !tcp.flags.contains(.syn) || tcp.flags.contains(.ack) {
            if likelyServerPort(tcp.sourcePort) {
                if likelyServerPort(tcp.destinationPort) {
                    flip = !tcp.flags.contains(.syn) && tcp.sourcePort < tcp.destinationPort
                } else {
                    flip = true
                }
            }
        }
        let originatorIsLow = flip ? !sourceIsLow : sourceIsLow
        let status: SSHStatus =
            configuration.isSSHPort(tcp.sourcePort) || configuration.isSSHPort(tcp.destinationPort) ? .port : .unknown
        // Built where it is stored, then set in place (the state is 1 KB: a local one is copied).
        let s = table.insert(key, FlowState(originatorIsLow: originatorIsLow, time: time, sequence: nextSequence, status: status), at: time)
        nextSequence &+= 1
        if flip { table[s].tcp.markFlipped() }
        if !tcp.flags.contains(.syn) { table[s].anomalies.insert(.partialConnection) }
        stats.flowsCreated &+= 1
        return s
    }

    func handle(_ error: ICMPError, at time: Int64) {
        let s: Int
        if error.quoteComplete {
            let (key, _) = FlowKey.make(
                source: error.quotedSource, sourcePort: error.quotedSourcePort,
                destination: error.quotedDestination, destinationPort: error.quotedDestinationPort)
            guard let found = table.find(key) else { return }
            s = found
        } else {
            guard let found = flowForCutQuote(error, at: time) else { return }
            s = found
            table.records[s].anomalies.insert(.icmpQuoteCut)
        }
        stats.icmpErrorsMatched &+= 1
        if table.records[s].icmp.count >= FlowState.maximumICMP {
            table.records[s].anomalies.insert(.icmpLimited)
        } else {
            table.records[s].icmp.append(
                ICMPObservation(
                    time: time, sender: error.ip.source, type: error.type, code: error.code, ttl: error.ip.ttl,
                    isIPv6: error.ip.isIPv6, name: error.name, isUnreachable: error.isUnreachable))
        }
        let tcp = table.records[s].tcp
        if error.isUnreachable && table.records[s].synAckTime == nil && tcp.originator.state == .synSent {
            table.records[s].refusedByICMP = true
            if table.records[s].closeDeadline == nil { schedule(s, deadline: time &+ configuration.closeDelay) }
        }
        touch(s, at: time)
        table.records[s].lastTime = time
    }

    struct EndpointKey: Hashable {
        var address: IPAddress
        var port: UInt16
    }

    func responderEndpoint(_ key: FlowKey, originatorIsLow: Bool) -> EndpointKey {
        originatorIsLow ? EndpointKey(address: key.highAddress, port: key.highPort)
            : EndpointKey(address: key.lowAddress, port: key.lowPort)
    }

    func learnSSHEndpoint(_ s: Int) {
        if let shard { shard.learned(responderEndpoint(table.key(at: s), originatorIsLow: table.records[s].originatorIsLow)); return }
        guard sshEndpoints.count < configuration.patternMemory else { return }
        sshEndpoints.insert(responderEndpoint(table.key(at: s), originatorIsLow: table.records[s].originatorIsLow))
    }

    // MARK: Ending flows

    func schedule(_ s: Int, deadline: Int64) {
        table.records[s].closeDeadline = deadline
        closing.append((s, table.generation(at: s), deadline))
        if deadline < closingLastDeadline { closingUnsorted = true }
        closingLastDeadline = deadline
        shard?.scheduled(s)
    }

    /// Reports flows whose close delay, SYN timeout or idle timeout has passed: exactly the flows whose
    /// own deadline or idle limit has passed (what a worker of ShardedAnalyzer, seeing some of the flows,
    /// reports too), close delays in the order they were scheduled, then idle flows least recent first.
    func sweep(_ now: Int64) {
        shard?.phase = .closing
        if closingUnsorted { sweepUnsortedClosing(now) }
        while closingHead < closing.count {
            let entry = closing[closingHead]
            guard entry.deadline <= now else { break }
            closingHead += 1
            if table.isLive(entry.slot), table.generation(at: entry.slot) == entry.generation,
                table.records[entry.slot].closeDeadline != nil
            {
                finalize(entry.slot)
            }
        }
        if closingHead > 4096 && closingHead * 2 > closing.count {
            closing.removeFirst(closingHead)
            closingHead = 0
        }
        shard?.phase = .idle
        let shortest = min(configuration.synTimeout, configuration.idleTimeout)
        var walk = table.oldest
        var passedOver: (slot: Int, generation: UInt32)? = nil
        var mark = walkMark
        while let oldest = walk {
            let idle = now &- table.lastTime(at: oldest)
            guard idle > shortest else { break }
            walk = table.newer(than: oldest)
            let tcp = table.records[oldest].tcp
            let attempt = tcp.originator.state == .synSent && tcp.responder.state == .inactive
            if attempt || idle > configuration.idleTimeout {
                stats.flowsIdleExpired &+= 1
                finalize(oldest)
                continue
            }
            // An established flow older than the SYN timeout: passed over, attempts touched after it may
            // be due (table times are the capture clock, so the walk's order is their age). The flows from
            // here to the last sweep's mark were passed over then and are no more due now (none is newer
            // than the mark, none idle longer than this one): the walk goes on after the mark.
            passedOver = (oldest, table.generation(at: oldest))
            if let m = mark, m.slot != oldest, table.isLive(m.slot), table.generation(at: m.slot) == m.generation {
                walk = table.newer(than: m.slot)
                passedOver = m
            }
            mark = nil
        }
        walkMark = passedOver
    }

    /// Builds the flow's record (cold path) from its state where it lies in the table, then removes it and
    /// queues the record for output in first-packet order. The state (1 KB) is not moved out: taken out of
    /// its slot and handed on, it was copied four times. (The slot is cleared in each branch: one `remove`
    /// after an optional record copied the built record, 3% more instructions on a SYN flood.)
    func finalize(_ s: Int) {
        if let shard { return finalizeInShard(s, shard) }
        let key = table.key(at: s)
        table.records[s].transport?.finish()
        // A flow with no payload on a port that is not configured (a refused or
        // unanswered SYN, say) is reported when that server address and port
        // carried SSH in another flow of this capture.
        var status = table.records[s].status
        if status == .unknown, sshEndpoints.contains(responderEndpoint(key, originatorIsLow: table.records[s].originatorIsLow)) {
            status = .banner
            table.records[s].status = status
        }
        let sequence = table.records[s].sequence
        var record: JSON? = nil
        if status.isReported {
            let inPlace = textSink != nil && onFlowRecord == nil
            let built = table.withRecord(s) { state in buildRecord(state, key: key, textInPlace: inPlace) }
            table.remove(s)
            record = built.record
            noteFinished(built)
            if inPlace, let textSink {
                // The text is in the record writer: written from there when its turn has come, else copied
                // into the reorder buffer's arena (no record value is made either way).
                if !configuration.ordered || reorder.takeIfNext(sequence) {
                    memo.recordWriter.withSpan(textSink)
                } else {
                    memo.recordWriter.withSpan { text in
                        reorder.add(sequence, text: text, limit: configuration.reorderLimit, forced: &stats.reorderForced)
                    }
                }
                if configuration.ordered { emitReady(force: false) }
                return
            }
        } else {
            table.remove(s)
        }
        guard configuration.ordered else {
            if let record { sink(record) }
            return
        }
        writeInOrder(record, sequence: sequence)
    }

    /// What a finished flow's record adds to what spans flows: the counts, the digests the patterns read,
    /// the host keys, the record hook.
    func noteFinished(_ built: BuiltRecord) {
        outcomes.count(built)
        if digests.count < configuration.patternMemory { digests.append(built.digest) }
        noteHostKey(built)
        if let record = built.record { onFlowRecord?(record) }
    }

    /// Writes the record of flow `sequence` if its turn has come, else holds its text, then whatever its
    /// arrival lets through. A nil record: a finished flow not reported.
    func writeInOrder(_ record: JSON?, sequence: UInt64) {
        if reorder.takeIfNext(sequence) {
            // Its turn already: written as built, nothing to hold.
            if let record { write(record) }
        } else if let record {
            let text = record.serializedBytes()
            reorder.add(sequence, text: text.span, limit: configuration.reorderLimit, forced: &stats.reorderForced)
        } else {
            reorder.add(sequence, text: nil, limit: configuration.reorderLimit, forced: &stats.reorderForced)
        }
        emitReady(force: false)
    }

    /// Writes a flow record: its text to `textSink` when there is one and the record is already text.
    func write(_ record: JSON) {
        if let textSink, case .shared(let stored) = record {
            let bytes = stored.bytes
            textSink(bytes.span)
        } else {
            sink(record)
        }
    }

    /// Writes a flow record's text: to `textSink`, else to `sink` as a record holding a copy of it.
    func write(text: Span<UInt8>) {
        if let textSink {
            textSink(text)
        } else {
            sink(.shared(SharedJSON(serialized: ByteCopy.array(text))))
        }
    }

    /// A client and the server address and port it connected to: where failed logins are counted.
    struct ClientServerPair: Hashable {
        var client: IPAddress
        var server: IPAddress
        var port: UInt16
    }

    /// Builds a finished flow's record, told how many failed logins from its client to that server ended
    /// before it began; its own failed login is counted for the flows after it (not for a record made
    /// `speculatively`, which the merger of the sharded engine may still drop).
    func buildRecord(_ state: borrowing FlowState, key: FlowKey, speculatively: Bool = false, textInPlace: Bool = false) -> BuiltRecord {
        let firstTime = state.firstTime
        let lastTime = state.lastTime
        var builder = RecordBuilder(originatorIsLow: state.originatorIsLow, key: key, memo: memo)
        let client = builder.originator
        let server = builder.responder
        let pair = ClientServerPair(client: client.0, server: server.0, port: server.1)
        // No hash per record unless a failed login came from this client (or one sharing its bucket).
        if authFailureClients.mayContain(client.0), let prior = authFailures[pair], prior.lastEnd <= firstTime {
            builder.priorAuthFailures = prior.count
        }
        let built = builder.build(state, textInPlace: textInPlace)
        if !speculatively, built.digest.authFailedLikely,
            authFailures.count < configuration.patternMemory || authFailures[pair] != nil
        {
            let prior = authFailures[pair] ?? (0, 0)
            authFailures[pair] = (prior.count + 1, max(prior.lastEnd, lastTime))
            authFailureClients.insert(client.0)
        }
        return built
    }

    func emitReady(force: Bool) {
        while reorder.next(force: force, limit: configuration.reorderLimit, forced: &stats.reorderForced, { text in
            if let text { write(text: text) }
        }) {}
    }

    func noteHostKey(_ built: BuiltRecord) {
        guard let fingerprint = built.hostKeyFingerprint else { return }
        // Keyed by the address and port; their text is made only for a pattern.
        let endpoint = EndpointKey(address: built.server.address, port: built.server.port)
        if let earlier = hostKeys[endpoint] {
            if earlier.fingerprint != fingerprint && patterns.count < configuration.patternMemory {
                let server = built.serverEndpoint()
                patterns.append(
                    .object([
                        ("type", .string("pattern")),
                        ("kind", .string("host_key_change")),
                        ("summary", .string("\(server) presented host key \(fingerprint) after \(earlier.fingerprint) earlier in the capture: a possible man-in-the-middle, a load balancer in front of different servers, or a re-keyed host")),
                        ("flows", .array([.string(earlier.uid.description), .string(built.uid.description)])),
                        ("server", .string(server)),
                        ("previous_fingerprint", .string(earlier.fingerprint)),
                        ("fingerprint", .string(fingerprint)),
                    ]))
                hostKeys[endpoint] = (fingerprint, built.uid)
            }
        } else if hostKeys.count < configuration.patternMemory {
            // Bounded like the other pattern memories: a capture running for weeks meets
            // ever new servers (what it no longer remembers it cannot compare).
            hostKeys[endpoint] = (fingerprint, built.uid)
        }
    }

    /// Reports every flow still open, the patterns, and returns the summary record.
    @discardableResult
    public func finish(extra: [(String, JSON)] = []) -> JSON {
        reportOpenFlows()
        for p in findPatterns(digests) {
            var fields: [(String, JSON)] = [
                ("type", .string("pattern")), ("kind", .string(p.kind)), ("summary", .string(p.summary)),
                ("flows", .array(p.flows.map { .string($0) })),
            ]
            for field in p.extra {
                switch field.value {
                case .int(let v): fields.append((field.key, .int(Int(v))))
                case .string(let v): fields.append((field.key, .string(v)))
                }
            }
            patterns.append(.object(fields))
        }
        for p in patterns { sink(p) }
        patterns.removeAll()
        let summary = SummaryBuilder.build(stats: stats, outcomes: outcomes, extra: extra)
        sink(summary)
        return summary
    }

    /// Reports every flow still tracked as it stands (outcome "open" unless it
    /// had already ended) and forgets it, without ending the analysis: live
    /// capture calls this when the interface goes away, since what follows the
    /// gap cannot be joined to what came before it. Returns how many flows.
    /// Not inlined (it runs once): `Scripts/bench` tells the end of the input from the packets by this
    /// symbol, and since the reorder buffer lends its records it was inlined into `finish`.
    @discardableResult
    @inline(never)
    public func reportOpenFlows() -> Int {
        let live = table.liveSlotsOldestFirst().sorted { table.records[$0].sequence < table.records[$1].sequence }
        for s in live { finalize(s) }
        emitReady(force: true)
        return live.count
    }

    /// Lets time pass without packets (live capture between packets): flows
    /// whose close delay, SYN timeout or idle timeout has run out are reported.
    public func advance(to time: Int64) {
        if time >= nextSweep {
            sweep(time)
            nextSweep = time &+ 1_000_000_000
        }
    }

    /// Flows currently tracked (for progress lines).
    public var liveFlows: Int { table.count }
    public var resetsSoFar: Int { outcomes.resets }
}
