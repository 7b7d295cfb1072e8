import SSHRSTAttribution
import SSHRSTCapture
import SSHRSTFlow
import SSHRSTReport
import SSHRSTWire

/// The engine on several threads, with the output of the single-threaded `Analyzer`, byte for byte.
///
/// The calling thread reads frames and dispatches them: each frame is dissected just enough to pick its
/// worker (a symmetric hash of the address pair, so every flow between two hosts, and everything the
/// engine remembers per client and server, stays on one worker; an ICMP error goes by the addresses it
/// quotes; a frame that does not dissect goes to worker 0, which counts it). Worker 0 runs on the calling
/// thread itself, between reads (`ShardWorker`); the others each have a thread behind a ring
/// (`FrameRing`: preallocated, nothing allocated per frame) that holds the frame's bytes where the
/// reader put them (borrowed from its windows, `FrameBorrower`), or a copy when the reader cannot lend
/// them (libpcap). Each worker runs its own `Analyzer` over its frames with the global packet index
/// beside each one.
///
/// What depends on time or on several flows is decided as the single-threaded engine decides it:
/// - sweeps happen where the global packet stream puts them (`time >= nextSweep`), sent to every worker
///   as a marker; a sweep reports exactly the flows whose own close delay or idle limit has passed
///   (`Analyzer.sweep`), so a worker reports the same flows as the single engine would among its own;
/// - every finished flow, every new flow and every SSH server learned by its banner is an event with a
///   key that places it in the single engine's order (the packet that triggered it; within a sweep,
///   close delays in scheduling order, then idle flows least recently touched first); the calling thread
///   merges the workers' events by that key (`merge`) and does there what spans flows: first-packet
///   numbering and order, servers known by their banner (a flow on an unconfigured port is built by its
///   worker as if SSH and kept only when the server was known by then), host-key changes, patterns,
///   outcome counters. Failed logins per client and server stay in the worker that sees that pair.
///
/// Where it differs from one thread, by design: when the flow table fills (each worker holds its share
/// of `--max-flows` plus a margin: when the whole table, or the flows between one pair of hosts, come
/// near that, which flow is evicted may differ), when more than `patternMemory` client/server pairs have
/// failed logins (counted per worker), and for an ICMP error whose quote the snap length cut before the
/// quoted destination address, sent by a router, that fits recent attempts of its client to servers on
/// different workers: it is tied to none, as one thread does unless all but one of them were answered.
public final class ShardedAnalyzer: FrameBorrower {
    public let configuration: AnalyzerConfiguration
    let workerCount: Int
    /// The rings of workers 1 ..< n (worker 0 runs on the calling thread: `inline`), pushed to without a
    /// retain and release per frame.
    let ringTable: FrameRingTable
    var rings: [FrameRing] { ringTable.rings }
    let inline: ShardWorker
    let outputs: [BatchQueue<ShardEvent>]
    var threads: [WorkerThread] = []
    /// Where the merged records go: an analyzer with no flows of its own holds the cross-flow state.
    let merger: Analyzer
    /// Where flow records' JSON text goes when there is one (`Analyzer.textSink`, the merger's): records are
    /// then written as the workers serialized them, or lent from the reorder buffer, without a record value.
    public var textSink: ((Span<UInt8>) -> Void)? {
        get { merger.textSink }
        set { merger.textSink = newValue }
    }
    // Dispatch state (the calling thread).
    var packets: UInt64 = 0
    var nextSweep: Int64 = .min
    var clock: Int64 = .min
    var firstTime: Int64? = nil
    var nonTCP = Dissection.skipped(.notIP)
    var entry = RingEntry()
    /// The last `Analyzer.recentSYNCapacity` attempt SYNs (a ring, as the single engine keeps them).
    var recentSYNs = [DispatchedSYN](repeating: DispatchedSYN(), count: Analyzer.recentSYNCapacity)
    var recentSYNNext = 0
    var synCount = 0
    /// A marker without a sweep this often (packets), so the merger can move on between sweeps.
    static let markerInterval: UInt64 = 4096
    // Merge state.
    var pending: [[ShardEvent]]
    var pendingHead: [Int]
    /// The key of each worker's head event, computed once.
    var headKey: [ShardKey?]
    var watermark: [UInt64]
    var finished: [Bool]
    var workerStats: [DecodeStats?]
    /// Each worker's flow numbers to first-packet sequence numbers (the worker numbers its flows as it
    /// creates them; `.created` events, applied in packet order, give them their place).
    var localToGlobal: [SequenceMap]
    var nextGlobalSequence: UInt64 = 0
    var finishing = false
    /// Set by a reader that lends its frames (`FrameBorrower`): they go to the rings uncopied.
    public var windowUse: UInt64? = nil

    /// Starts `threads` workers (at least 2; use `Analyzer` for one), worker 0 on the calling thread and
    /// a thread for each other. Nil when the system refuses a thread.
    /// `ringBytes` and `ringEntries` size each worker's ring (tests make them small, so that the rings
    /// wrap and fill all the time).
    public init?(configuration: AnalyzerConfiguration = AnalyzerConfiguration(), threads: Int,
                 ringBytes: Int = 4 << 20, ringEntries: Int = 8192, sink: @escaping (JSON) -> Void) {
        var configuration = configuration
        configuration.ordered = true
        self.configuration = configuration
        let n = max(2, threads)
        workerCount = n
        ringTable = FrameRingTable((1..<n).map { _ in FrameRing(arenaBytes: ringBytes, entries: ringEntries) })
        outputs = (0..<n).map { _ in BatchQueue<ShardEvent>() }
        var mergerConfiguration = configuration
        mergerConfiguration.maxFlows = 1  // holds no flows: its table stays small
        merger = Analyzer(configuration: mergerConfiguration, sink: sink)
        pending = Array(repeating: [], count: n)
        pendingHead = Array(repeating: 0, count: n)
        headKey = Array(repeating: nil, count: n)
        watermark = Array(repeating: 0, count: n)
        finished = Array(repeating: false, count: n)
        workerStats = Array(repeating: nil, count: n)
        localToGlobal = Array(repeating: SequenceMap(), count: n)
        // The flow table is shared out: each worker holds its share of --max-flows (its share of the hash
        // slots) plus a margin for an uneven spread (four standard deviations), so memory stays that of one
        // table, whatever the threads.
        inlineSlots = ShardedAnalyzer.inlineSlots(workers: n)
        slotWorker = (0..<ShardedAnalyzer.shardSlots).map { [inlineSlots] slot in
            slot < inlineSlots ? 0 : 1 + (slot - inlineSlots) % (n - 1)
        }
        var configurations: [AnalyzerConfiguration] = []
        for w in 0..<n {
            var shared = configuration
            shared.maxFlows = ShardedAnalyzer.workerMaxFlows(
                configuration.maxFlows, share: ShardedAnalyzer.slots(of: w, workers: n, inline: inlineSlots),
                of: ShardedAnalyzer.shardSlots)
            configurations.append(shared)
        }
        inline = ShardWorker(configuration: configurations[0], output: outputs[0], ownThread: false)
        for w in 1..<n {
            let ring = rings[w - 1]
            let output = outputs[w]
            let workerConfiguration = configurations[w]
            let thread = WorkerThread { ShardedAnalyzer.runWorker(configuration: workerConfiguration, ring: ring, output: output) }
            guard thread.start() else {
                for ring in rings { ring.close() }
                for thread in self.threads { thread.join() }
                return nil
            }
            self.threads.append(thread)
        }
    }

    /// Flows are placed by a hash of their address pair into `shardSlots` slots: worker 0, on the reading
    /// thread, takes `inlineSlots` of them, the others the rest in turn. The reading thread also reads,
    /// dissects and dispatches every frame and merges and writes every record, so it counts as a quarter
    /// of a worker (12 of 60 slots with 2 threads, 7 with 3). Measured on 2 processors, same run, wall
    /// seconds with the reader's share at 1/2, 1/3, 1/5 and 1/10: bulk transfers 0.26, 0.23, 0.22, 0.20;
    /// short connections 0.28, 0.23, 0.23, 0.25; the 1.5 GB capture 1.27, 1.06, 0.85, 0.79; the SYN flood
    /// 10.4, 8.8-10.0, 8.9-9.4, 8.7.
    static let shardSlots = 60
    let inlineSlots: Int
    /// The worker of each slot (a table: the division by the worker count was a tenth of `shardOf`).
    let slotWorker: [Int]

    static func inlineSlots(workers n: Int) -> Int {
        max(1, min(shardSlots - (n - 1), (2 * shardSlots + 4 * n - 3) / (8 * n - 6)))
    }

    /// How many of the `shardSlots` slots worker `w` takes.
    static func slots(of w: Int, workers n: Int, inline: Int) -> Int {
        if w == 0 { return inline }
        let rest = shardSlots - inline
        return rest / (n - 1) + (w - 1 < rest % (n - 1) ? 1 : 0)
    }

    /// A worker's part of `maxFlows` for `share` of `total` slots.
    public static func workerMaxFlows(_ maxFlows: Int, share: Int, of total: Int) -> Int {
        let part = (maxFlows * share + total - 1) / max(1, total)
        var root = 1
        while root * root < part { root += 1 }
        return min(maxFlows, part + 4 * root + 16)
    }

    deinit {
        for ring in rings { ring.close() }
        for thread in threads { thread.join() }
    }

    // MARK: Dispatch (the calling thread)

    /// Hands one frame to its worker. Never traps; allocation-free.
    public func ingest(_ frame: Frame, _ bytes: Span<UInt8>) {
        let index = packets
        packets &+= 1
        let time = frame.time
        if firstTime == nil { firstTime = time }
        if time > clock { clock = time }
        if time >= nextSweep {
            nextSweep = time &+ 1_000_000_000
            broadcastMarker(index, sweep: true, time: time)
        } else if index % ShardedAnalyzer.markerInterval == 0 {
            broadcastMarker(index, sweep: false, time: time)
        }
        var worker = 0
        var isTCP = false
        var isICMP = false
        var isSYN = false
        var ambiguousQuote = false
        do {
            // Dissected into the entry: the worker gets the segment without dissecting again.
            if try Dissector.dissect(frame.linkType, bytes, tcp: &entry.segment, other: &nonTCP) {
                isTCP = true
                worker = shardOf(entry.segment.ip.source, entry.segment.ip.destination)
                let flags = entry.segment.tcp.flags
                isSYN = flags.contains(.syn) && !flags.contains(.ack) && !flags.contains(.rst)
            } else if case .icmpError(let error) = nonTCP {
                isICMP = true
                (worker, ambiguousQuote) = shardOf(icmp: error, at: time)
            }
        } catch {
            worker = 0
        }
        entry.kind = .frame
        entry.icmpError = isICMP
        entry.isTCP = isTCP
        entry.index = index
        entry.frame = frame
        entry.clock = clock
        // The oldest SYN the single engine still remembers for a cut ICMP quote (its ring of recent SYNs).
        entry.synCutoff = synCount >= Analyzer.recentSYNCapacity ? recentSYNs[recentSYNNext].index : 0
        if ambiguousQuote { entry.synCutoff = .max }
        if worker == 0 {
            inline.handle(entry, bytes)
        } else {
            ringTable.push(to: worker - 1, entry, bytes, lentFrom: windowUse)
        }
        if isSYN {
            let ip = entry.segment.ip
            recentSYNs[recentSYNNext] = DispatchedSYN(
                index: index, time: time, client: ip.source, server: ip.destination, ipID: ip.ipID,
                flowLabel: ip.flowLabel, tcpLength: max(0, ip.datagramEnd &- ip.payloadOffset), worker: worker)
            recentSYNNext = recentSYNNext &+ 1 == Analyzer.recentSYNCapacity ? 0 : recentSYNNext &+ 1
            synCount &+= 1
        }
    }

    func broadcastMarker(_ index: UInt64, sweep: Bool, time: Int64) {
        var marker = RingEntry()
        marker.kind = .marker
        marker.sweep = sweep
        marker.index = index
        marker.frame.time = time
        marker.clock = clock
        for ring in rings {
            ring.push(marker, Span<UInt8>())
            ring.flush()
        }
        inline.handle(marker, Span<UInt8>())
        merge(wait: false)
    }

    /// A symmetric hash of two addresses (both orders give the same worker): their XOR (the high words
    /// multiplied first, so they do not cancel the low ones), mixed once. Mixing each address first, then
    /// their XOR, was three mixes: ~60 instructions of the reading thread's ~1,000 a packet.
    func shardOf(_ a: IPAddress, _ b: IPAddress) -> Int {
        let pair = ((a.high ^ b.high) &* 0x9e37_79b9_7f4a_7c15) ^ a.low ^ b.low
        return slotWorker[Int(truncatingIfNeeded: ShardedAnalyzer.mix(pair) % UInt64(ShardedAnalyzer.shardSlots))]
    }

    /// The worker holding the flow an ICMP error can answer (the engine's `handle(_: ICMPError)`): the
    /// quoted pair. For a cut quote, the worker of the recent SYNs whose own fields fit it (those the
    /// engine's `flowForCutQuote` may pick; it also checks the flow's state, in the worker); when they
    /// sit on several workers (a router's error, the quote cut before the destination address, attempts
    /// of one client to several servers), the error is tied to none (`ambiguous`), as one thread does
    /// unless all but one of those attempts were answered meanwhile: the one case where threads may differ.
    func shardOf(icmp error: ICMPError, at time: Int64) -> (worker: Int, ambiguous: Bool) {
        if error.quoteComplete { return (shardOf(error.quotedSource, error.quotedDestination), false) }
        let quoteTells = error.quotedDestinationKnown || (error.quotedIPID ?? 0) != 0 || (error.quotedFlowLabel ?? 0) != 0
        var found = -1
        let count = min(synCount, Analyzer.recentSYNCapacity)
        for i in 0..<count {
            let syn = recentSYNs[i]
            guard error.ip.destination == syn.client, error.ip.isIPv6 == syn.client.isIPv6 else { continue }
            guard quoteTells || error.ip.source == syn.server else { continue }
            guard time >= syn.time, time &- syn.time <= Analyzer.icmpAnswerWindow else { continue }
            if error.quotedSourceKnown && error.quotedSource != syn.client { continue }
            if error.quotedDestinationKnown && error.quotedDestination != syn.server { continue }
            if let id = error.quotedIPID, id != syn.ipID { continue }
            if let label = error.quotedFlowLabel, label != syn.flowLabel { continue }
            if let length = error.quotedTCPLength, length != syn.tcpLength { continue }
            if found >= 0 && recentSYNs[found].worker != syn.worker { return (recentSYNs[found].worker, true) }
            found = i
        }
        if found >= 0 { return (recentSYNs[found].worker, false) }
        let server = error.quotedDestinationKnown ? error.quotedDestination : error.ip.source
        return (shardOf(error.ip.destination, server), false)
    }

    static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9e37_79b9_7f4a_7c15
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// Reports every flow still open, the patterns, and returns the summary record (as `Analyzer.finish`).
    @discardableResult
    public func finish(extra: [(String, JSON)] = []) -> JSON {
        for ring in rings { ring.close() }
        inline.finish()
        merge(wait: true)
        for thread in threads { thread.join() }
        threads.removeAll()
        var total = DecodeStats()
        for stats in workerStats { if let stats { total.add(stats) } }
        total.frames = Int(packets)
        total.firstTime = firstTime
        total.lastTime = firstTime == nil ? 0 : max(0, clock)
        total.reorderForced = merger.stats.reorderForced
        merger.stats = total
        return merger.finish(extra: extra)
    }

    /// Flows currently tracked (for progress lines): created minus reported so far.
    public var liveFlows: Int { localToGlobal.reduce(0) { $0 + $1.count } }
    public var resetsSoFar: Int { merger.resetsSoFar }

    // MARK: Borrowed frames

    /// Waits until no worker holds a frame of the reader's windows up to `use` (the reader reuses them).
    public func waitForRelease(throughWindowUse use: UInt64) {
        for ring in rings { ring.waitForRelease(throughWindowUse: use) }
    }

    // MARK: Workers

    static func runWorker(configuration: AnalyzerConfiguration, ring: FrameRing, output: BatchQueue<ShardEvent>) {
        let worker = ShardWorker(configuration: configuration, output: output, ownThread: true)
        while ring.consume({ entry, bytes in worker.handle(entry, bytes) }) {}
        worker.finish()
    }

    // MARK: Merge (the calling thread)

    /// The merge key of an event at the head of a worker's queue (nil: a watermark or the end, handled).
    func key(_ event: ShardEvent, worker w: Int) -> ShardKey {
        switch event {
        case .created(let packet): return ShardKey(packet: packet, phase: .packet, order: 0)
        case .learned(let packet, _): return ShardKey(packet: packet, phase: .packet, order: 0)
        case .finished(let key, let local, _):
            guard key.phase == .finish else { return key }
            // Open flows at the end: in first-packet order (Analyzer.reportOpenFlows).
            return ShardKey(packet: .max, phase: .finish, order: localToGlobal[w].value(of: local) ?? .max)
        case .watermark, .done: return ShardKey(packet: 0, phase: .closing, order: 0)
        }
    }

    /// Applies the workers' events in the single engine's order, as far as every worker has reported
    /// (with `wait`, to the end).
    func merge(wait: Bool) {
        while true {
            // Watermarks and ends at the heads first.
            var best = -1
            var bestKey = ShardKey(packet: .max, phase: .finish, order: .max)
            var bound = ShardKey(packet: .max, phase: .finish, order: .max)
            var boundWorker = -1
            for w in 0..<workerCount {
                // A new head (none whose key is known yet): past the markers, then its key. A known head is
                // not looked at again (each look at an event copies it: ~130 instructions and a retain).
                if headKey[w] == nil {
                    while pendingHead[w] < pending[w].count {
                        switch pending[w][pendingHead[w]] {
                        case .watermark(let index):
                            watermark[w] = index
                            pendingHead[w] += 1
                            continue
                        case .done(let stats):
                            workerStats[w] = stats
                            finished[w] = true
                            pendingHead[w] += 1
                            continue
                        default: break
                        }
                        break
                    }
                    if pendingHead[w] < pending[w].count { headKey[w] = key(pending[w][pendingHead[w]], worker: w) }
                }
                if let k = headKey[w] {
                    if best < 0 || k < bestKey {
                        best = w
                        bestKey = k
                    }
                } else {
                    // The records in these events were built on the worker's thread: freed there.
                    outputs[w].giveBack(&pending[w])
                    pendingHead[w] = 0
                    if !finished[w] {
                        // Everything before this worker's watermark packet (and its sweep) has arrived.
                        let k = ShardKey(packet: watermark[w], phase: .packet, order: 0)
                        if boundWorker < 0 || k < bound {
                            bound = k
                            boundWorker = w
                        }
                    }
                }
            }
            if best >= 0 && (boundWorker < 0 || bestKey < bound) {
                let event = pending[best][pendingHead[best]]
                pendingHead[best] += 1
                headKey[best] = nil
                apply(event, worker: best)
                continue
            }
            if boundWorker < 0 { return }  // all finished, all applied
            let before = pending[boundWorker].count
            outputs[boundWorker].take(into: &pending[boundWorker], wait: wait)
            if pending[boundWorker].count == before && !wait {
                // Nothing new from the slowest worker: look at the others once, then return.
                for w in 0..<workerCount where w != boundWorker { outputs[w].take(into: &pending[w], wait: false) }
                return
            }
        }
    }

    func apply(_ event: ShardEvent, worker w: Int) {
        switch event {
        case .created:
            localToGlobal[w].append(nextGlobalSequence)
            nextGlobalSequence &+= 1
        case .learned(_, let endpoint):
            if merger.sshEndpoints.count < configuration.patternMemory { merger.sshEndpoints.insert(endpoint) }
        case .finished(_, let local, let finished):
            let sequence = localToGlobal[w].remove(local) ?? nextGlobalSequence
            // The record is passed on where it lies (bound to a variable, it was copied).
            if let finished, finished.speculative.map({ merger.sshEndpoints.contains($0) }) ?? true {
                merger.mergeFinished(sequence: sequence, finished.built)
            } else {
                merger.mergeFinished(sequence: sequence, nil)
            }
        case .watermark, .done:
            break
        }
    }
}

/// One worker's engine: an `Analyzer` over its share of the frames, reporting to the merge as events.
/// Runs on its own thread behind a ring (`runWorker`) or, for worker 0, on the reading thread itself.
final class ShardWorker {
    let analyzer: Analyzer
    let shard: ShardState
    /// The global packet index of the SYN in each slot of the analyzer's recent-SYN ring.
    var synIndex = [UInt64](repeating: 0, count: Analyzer.recentSYNCapacity)

    /// `ownThread`: the worker may wait for the merger (`ShardState.mayWait`); worker 0 runs on the
    /// merging thread and never does.
    init(configuration: AnalyzerConfiguration, output: BatchQueue<ShardEvent>, ownThread: Bool) {
        shard = ShardState(output: output)
        shard.mayWait = ownThread
        analyzer = Analyzer(configuration: configuration, shard: shard) { _ in }
    }

    /// One ring entry: a marker (the global stream's position, maybe a sweep) or a frame.
    func handle(_ entry: RingEntry, _ bytes: Span<UInt8>) {
        switch entry.kind {
        case .marker:
            shard.packetIndex = entry.index
            shard.clock = entry.clock
            if entry.sweep { analyzer.sweep(entry.frame.time) }
            shard.events.append(.watermark(entry.index))
            shard.output.put(&shard.events)
        case .frame:
            shard.packetIndex = entry.index
            shard.clock = entry.clock
            shard.phase = .packet
            if entry.icmpError && entry.synCutoff == .max {
                // A cut quote that attempts on several workers fit: tied to none (rare; this copy allocates).
                let saved = analyzer.recentSYNs
                for i in 0..<Analyzer.recentSYNCapacity { analyzer.recentSYNs[i] = (-1, 0) }
                analyzer.ingest(entry.frame, bytes)
                analyzer.recentSYNs = saved
                return
            }
            if entry.icmpError {
                // An ICMP error: SYNs the single engine has forgotten by now are no candidates.
                for i in 0..<Analyzer.recentSYNCapacity where synIndex[i] < entry.synCutoff {
                    analyzer.recentSYNs[i] = (-1, 0)
                }
            }
            let sequence = analyzer.nextSequence
            let synNext = analyzer.recentSYNNext
            if entry.isTCP {
                analyzer.ingest(entry.frame, bytes, dissected: entry.segment)
            } else {
                analyzer.ingest(entry.frame, bytes)
            }
            if analyzer.nextSequence != sequence { shard.send(.created(packet: entry.index)) }
            if analyzer.recentSYNNext != synNext { synIndex[synNext] = entry.index }
        }
    }

    /// The end of input: every flow still open, then the worker's statistics.
    func finish() {
        shard.phase = .finish
        shard.packetIndex = .max
        analyzer.reportOpenFlows()
        shard.events.append(.done(analyzer.stats))
        shard.output.put(&shard.events)
    }
}

/// What the reading thread keeps of an attempt's SYN: where a cut ICMP quote may point.
struct DispatchedSYN {
    var index: UInt64 = 0
    var time: Int64 = 0
    var client = IPAddress(v4: 0)
    var server = IPAddress(v4: 0)
    var ipID: UInt16 = 0
    var flowLabel: UInt32 = 0
    var tcpLength = 0
    var worker = 0
}

/// Where a worker's event falls in the single engine's order.
struct ShardKey: Comparable, Sendable {
    var packet: UInt64
    var phase: ShardPhase
    var order: UInt64

    static func < (a: ShardKey, b: ShardKey) -> Bool {
        if a.packet != b.packet { return a.packet < b.packet }
        if a.phase != b.phase { return a.phase.rawValue < b.phase.rawValue }
        return a.order < b.order
    }
}

/// What finalizes a flow, in the order the single engine does it for one packet: the sweep before it
/// (close delays, then idle flows), then the packet itself; `finish` after the last packet.
enum ShardPhase: UInt8, Sendable {
    case closing, idle, packet, finish
}

/// One worker's message to the merging thread.
enum ShardEvent: Sendable {
    /// A flow was created by this packet (numbered in first-packet order by the merger).
    case created(packet: UInt64)
    /// SSH was recognised by its banner: the server endpoint.
    case learned(packet: UInt64, Analyzer.EndpointKey)
    /// A flow ended: its worker-local number and its record (nil: not reported).
    case finished(ShardKey, local: UInt64, ShardRecord?)
    /// Every event before this packet index (and its sweep) has been sent.
    case watermark(UInt64)
    /// The worker is done: its counters.
    case done(DecodeStats)
}

/// A finished flow's record on its way to the merger (a reference: events stay small to move), and,
/// for a flow with no payload on an unconfigured port, the server endpoint that must have carried SSH
/// by then for the record to count.
final class ShardRecord: Sendable {
    let built: BuiltRecord
    let speculative: Analyzer.EndpointKey?

    init(_ built: BuiltRecord, speculative: Analyzer.EndpointKey?) {
        self.built = built
        self.speculative = speculative
    }
}

/// A worker analyzer's link to the merge: the current global packet index, the capture clock, and the
/// per-slot indices that order its finished flows.
final class ShardState {
    var packetIndex: UInt64 = 0
    var clock: Int64 = .min
    var phase = ShardPhase.packet
    var events: [ShardEvent] = []
    /// Per flow slot: the packet that last touched it (idle order) and that scheduled its close (close order).
    var touchedAt: [UInt64] = []
    var scheduledAt: [UInt64] = []
    let output: BatchQueue<ShardEvent>
    /// Events handed over at least this often (the merger streams the end's many open flows).
    static let batch = 256

    init(output: BatchQueue<ShardEvent>) {
        self.output = output
        events.reserveCapacity(ShardState.batch)
    }

    /// At the end of input a worker on its own thread builds the records of all its open flows (up to its
    /// share of --max-flows) faster than the merger writes them: there it waits while this many events
    /// are queued (the merger waits only on an empty queue, never on a full one). Unbounded, two
    /// threads peaked at 297 MiB on a 200,000-SYN flood, one at 164 MiB.
    static let finishQueueLimit = 4 * batch
    /// Whether `send` may wait for the merger (not for worker 0: it runs on the merging thread).
    var mayWait = false

    func send(_ event: ShardEvent) {
        events.append(event)
        if events.count >= ShardState.batch {
            output.put(&events, waitBelow: mayWait && phase == .finish ? ShardState.finishQueueLimit : nil)
        }
    }

    func touched(_ slot: Int) {
        if slot >= touchedAt.count { grow(to: slot) }
        touchedAt[slot] = packetIndex
    }

    func scheduled(_ slot: Int) {
        if slot >= scheduledAt.count { grow(to: slot) }
        scheduledAt[slot] = packetIndex
    }

    func grow(to slot: Int) {
        let count = max(slot + 1, 2 * touchedAt.count, 1024)
        touchedAt.append(contentsOf: repeatElement(0, count: count - touchedAt.count))
        scheduledAt.append(contentsOf: repeatElement(0, count: count - scheduledAt.count))
    }

    func learned(_ endpoint: Analyzer.EndpointKey) {
        send(.learned(packet: packetIndex, endpoint))
    }

    func key(slot: Int) -> ShardKey {
        switch phase {
        case .closing: return ShardKey(packet: packetIndex, phase: .closing, order: slot < scheduledAt.count ? scheduledAt[slot] : 0)
        case .idle: return ShardKey(packet: packetIndex, phase: .idle, order: slot < touchedAt.count ? touchedAt[slot] : 0)
        case .packet: return ShardKey(packet: packetIndex, phase: .packet, order: 0)
        case .finish: return ShardKey(packet: .max, phase: .finish, order: 0)
        }
    }
}

extension Analyzer {
    /// `ingest` for a frame the reading thread has dissected as a TCP segment (the same steps after the
    /// dissection; a worker does not sweep on its own).
    func ingest(_ frame: Frame, _ bytes: Span<UInt8>, dissected segment: TCPSegment) {
        let time = frame.time
        stats.frames &+= 1
        stats.bytes &+= frame.wireLength
        if stats.firstTime == nil { stats.firstTime = time }
        if time > stats.lastTime { stats.lastTime = time }
        stats.tcpSegments &+= 1
        handle(segment, bytes, at: time)
    }

    /// Marks `s` used now. Table times are the capture clock (the latest time seen, whatever this packet
    /// says): the LRU list is then in time order, so a sweep's walk stops at the first flow not idle long
    /// enough, in one thread as in each worker.
    func touch(_ s: Int, at time: Int64) {
        table.touch(s, at: max(time, shard?.clock ?? stats.lastTime))
        if walkMark?.slot == s { walkMark = nil }
        shard?.touched(s)
    }

    /// Close delays queued out of time order: reports every due one (in queue order), keeps the rest.
    func sweepUnsortedClosing(_ now: Int64) {
        var kept = closingHead
        var last: Int64 = .min
        var sorted = true
        var i = closingHead
        while i < closing.count {
            let entry = closing[i]
            i += 1
            if entry.deadline <= now {
                if table.isLive(entry.slot), table.generation(at: entry.slot) == entry.generation,
                    table.records[entry.slot].closeDeadline != nil
                {
                    finalize(entry.slot)
                }
            } else {
                closing[kept] = entry
                kept += 1
                if entry.deadline < last { sorted = false }
                last = entry.deadline
            }
        }
        closing.removeLast(closing.count - kept)
        closingUnsorted = !sorted
        closingLastDeadline = last
    }

    /// A worker's `finalize`: the record is built here (failed logins per pair counted here too); the
    /// merger numbers, orders and writes it and keeps the cross-flow memories.
    func finalizeInShard(_ s: Int, _ shard: ShardState) {
        let key = shard.key(slot: s)
        let flowKey = table.key(at: s)
        table.records[s].transport?.finish()
        var speculative: EndpointKey? = nil
        var status = table.records[s].status
        if status == .unknown {
            // Whether the server carried SSH in another flow by now is the merger's to say.
            speculative = responderEndpoint(flowKey, originatorIsLow: table.records[s].originatorIsLow)
            status = .banner
            table.records[s].status = status
        }
        var built: ShardRecord? = nil
        let sequence = table.records[s].sequence
        if status.isReported {
            let record = table.withRecord(s) { state in buildRecord(state, key: flowKey, speculatively: speculative != nil) }
            built = ShardRecord(record, speculative: speculative)
        }
        table.remove(s)
        shard.send(.finished(key, local: sequence, built))
    }

    /// The merger's half of `finalize`: what spans flows, then output in first-packet order.
    func mergeFinished(sequence: UInt64, _ built: BuiltRecord?) {
        if let built { noteFinished(built) }
        // A record that waits is kept as a copy of its text in the reorder buffer's arena: the worker's goes
        // back to its thread to be freed (`BatchQueue.giveBack`).
        writeInOrder(built?.record, sequence: sequence)
    }
}

extension DecodeStats {
    /// Adds another worker's counters (times: the latest; the first is the dispatcher's).
    mutating func add(_ other: DecodeStats) {
        frames &+= other.frames
        bytes &+= other.bytes
        tcpSegments &+= other.tcpSegments
        icmpErrors &+= other.icmpErrors
        icmpErrorsMatched &+= other.icmpErrorsMatched
        truncatedBySnaplen &+= other.truncatedBySnaplen
        for i in 0..<min(skipped.count, other.skipped.count) { skipped[i] &+= other.skipped[i] }
        for i in 0..<min(errors.count, other.errors.count) { errors[i] &+= other.errors[i] }
        flowsCreated &+= other.flowsCreated
        flowsEvicted &+= other.flowsEvicted
        flowsIdleExpired &+= other.flowsIdleExpired
        nonSSHFlows &+= other.nonSSHFlows
        reorderForced &+= other.reorderForced
        if other.firstTime != nil, other.lastTime > lastTime || firstTime == nil { lastTime = max(lastTime, other.lastTime) }
        if firstTime == nil { firstTime = other.firstTime }
    }
}
