import SSHRSTWire

#if canImport(Glibc)
import Glibc
#endif

/// What one ring entry carries beside the frame's bytes. Plain values only.
public struct RingEntry: Sendable {
    public enum Kind: UInt8, Sendable {
        /// A captured frame; its bytes follow in the arena.
        case frame
        /// A point in the global packet stream (no bytes): `index` is the next packet's global index;
        /// `sweep` says whether the engine sweeps there at `time`.
        case marker
    }
    public var kind: Kind = .frame
    /// Whether a marker asks for a sweep at `time`.
    public var sweep = false
    /// A frame the reading thread dissected as an ICMP error.
    public var icmpError = false
    /// A frame the reading thread dissected as a TCP segment: `segment` holds it (not dissected again).
    public var isTCP = false
    public var segment = TCPSegment.empty
    /// The frame's (or marker's) global packet index.
    public var index: UInt64 = 0
    public var frame = Frame(time: 0, capturedLength: 0, wireLength: 0, linkType: .ethernet)
    /// The latest capture time seen by the reading thread up to and including this frame.
    public var clock: Int64 = .min
    /// Global index of the oldest SYN the single-threaded engine would still remember for a cut ICMP quote.
    public var synCutoff: UInt64 = 0
    /// Arena position just past this entry's bytes (monotonic; releases them).
    var end = 0
    /// Where the bytes start in the arena.
    var offset = 0
    /// A lent frame's bytes (`push(_:_:lentFrom:)`): their address, 0 when they are in the arena, and the
    /// reader's window use number (`FrameBorrower`).
    var borrowedAddress: UInt = 0
    var windowUse: UInt64 = 0

    public init() {}
}

/// A single-producer, single-consumer ring of captured frames for one worker thread: the reading
/// thread copies each frame's bytes into a preallocated arena and its header into a preallocated
/// entry array; the worker reads them in place as a `Span<UInt8>`. Nothing is allocated per frame.
/// Entries are published in batches (one mutex round per batch); the producer waits while the ring is
/// full, the consumer while it is empty (pthread condition variables, no spinning).
///
/// Safety: the arena is written only at positions the consumer has released, and read only at
/// positions the producer has published; positions move under the mutex, which orders the byte
/// writes before the reads (pthread_mutex has acquire/release semantics).
public final class FrameRing: @unchecked Sendable {
    private var arena: UnsafeMutableRawPointer
    private var arenaSize: Int
    private let entries: UnsafeMutablePointer<RingEntry>
    private let entryCount: Int
    private var mutex = pthread_mutex_t()
    private var notEmpty = pthread_cond_t()
    private var notFull = pthread_cond_t()
    // Shared under the mutex.
    private var published = 0  // entries made visible to the consumer (monotonic count)
    private var released = 0  // entries the consumer has finished (monotonic count)
    private var releasedBytes = 0  // arena position released (monotonic)
    private var closed = false
    private var consumerWaiting = false
    private var producerWaiting = false
    // Producer-only.
    private var written = 0
    private var writtenBytes = 0
    private var lastKnownReleased = 0
    private var lastKnownReleasedBytes = 0
    /// Entries written before they are published (fewer mutex rounds).
    public static let batch = 64
    /// Published entries that wake a waiting consumer without an explicit `flush`.
    private let wakeAfter: Int

    public init(arenaBytes: Int = 4 << 20, entries count: Int = 16_384) {
        arenaSize = max(arenaBytes, 1 << 16)
        arena = UnsafeMutableRawPointer.allocate(byteCount: arenaSize, alignment: 16)
        entryCount = max(count, FrameRing.batch * 2)
        wakeAfter = min(1024, entryCount / 4)
        entries = UnsafeMutablePointer<RingEntry>.allocate(capacity: entryCount)
        entries.initialize(repeating: RingEntry(), count: entryCount)
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&notEmpty, nil)
        pthread_cond_init(&notFull, nil)
    }

    deinit {
        arena.deallocate()
        entries.deinitialize(count: entryCount)
        entries.deallocate()
        pthread_cond_destroy(&notFull)
        pthread_cond_destroy(&notEmpty)
        pthread_mutex_destroy(&mutex)
    }

    // MARK: Producer

    /// Copies one entry into the ring, waiting while it is full. A frame's bytes are copied into the
    /// arena or, lent (`lentFrom`: the reader's window use number, `FrameBorrower`), left where they are
    /// until the consumer releases the entry (`waitForRelease` says when they may be overwritten).
    public func push(_ entry: RingEntry, _ bytes: Span<UInt8>, lentFrom windowUse: UInt64? = nil) {
        // Room for the header.
        if written - lastKnownReleased >= entryCount { waitForRoom(entries: 1, bytes: 0) }
        // Copied once, into its slot, and completed there (the slot is the consumer's once published).
        let slot = entries + written % entryCount
        slot.pointee = entry
        slot.pointee.offset = 0
        slot.pointee.borrowedAddress = 0
        let n = entry.kind == .frame ? bytes.count : 0
        if let windowUse {
            bytes.withUnsafeBytes { source in slot.pointee.borrowedAddress = UInt(bitPattern: source.baseAddress) }
            slot.pointee.windowUse = windowUse
        } else if n > 0 {
            // Room for the bytes: contiguous, wrapping to the arena's start when the tail is too short.
            if n > arenaSize / 2 { growForLargeFrame(n) }
            var offset = writtenBytes % arenaSize
            var waste = 0
            if offset + n > arenaSize {
                waste = arenaSize - offset
                offset = 0
            }
            if writtenBytes + waste + n - lastKnownReleasedBytes > arenaSize {
                waitForRoom(entries: 0, bytes: waste + n)
            }
            writtenBytes += waste
            slot.pointee.offset = offset
            bytes.withUnsafeBytes { source in
                if let base = source.baseAddress { (arena + offset).copyMemory(from: base, byteCount: n) }
            }
            writtenBytes += n
        }
        slot.pointee.end = writtenBytes
        written += 1
        if written - published >= FrameRing.batch { publish(wake: false) }
    }

    /// Returns once every borrowed frame of window use `use` or lower has been released (publishing what
    /// was written first, so the consumer can get there).
    public func waitForRelease(throughWindowUse use: UInt64) {
        pthread_mutex_lock(&mutex)
        published = written
        if consumerWaiting { pthread_cond_signal(&notEmpty) }
        // Entries are in window order: the oldest unreleased one tells.
        while released < published && entries[released % entryCount].windowUse <= use {
            producerWaiting = true
            pthread_cond_wait(&notFull, &mutex)
            producerWaiting = false
        }
        lastKnownReleased = released
        lastKnownReleasedBytes = releasedBytes
        pthread_mutex_unlock(&mutex)
    }

    /// Makes every written entry visible to the consumer, and wakes it if it waits.
    public func flush() { publish(wake: true) }

    /// Publishes the written entries. A waiting consumer is woken when `wake`, or once `wakeAfter`
    /// entries wait for it: a worker faster than the reading thread sleeps whenever it catches up, and
    /// waking it for every batch cost a futex round per 64 frames (0.2 s of system time per million
    /// frames on two cores, more than the analysis). The producer always wakes it before it waits itself.
    private func publish(wake: Bool) {
        pthread_mutex_lock(&mutex)
        published = written
        if consumerWaiting && (wake || published &- released >= wakeAfter) { pthread_cond_signal(&notEmpty) }
        lastKnownReleased = released
        lastKnownReleasedBytes = releasedBytes
        pthread_mutex_unlock(&mutex)
    }

    /// No more entries: the consumer's `consume` returns false once it has read everything.
    public func close() {
        pthread_mutex_lock(&mutex)
        published = written
        closed = true
        pthread_cond_signal(&notEmpty)
        pthread_mutex_unlock(&mutex)
    }

    private func waitForRoom(entries needed: Int, bytes: Int) {
        pthread_mutex_lock(&mutex)
        published = written
        if consumerWaiting { pthread_cond_signal(&notEmpty) }
        while true {
            lastKnownReleased = released
            lastKnownReleasedBytes = releasedBytes
            let entriesOK = needed == 0 || written - released + needed <= entryCount
            let bytesOK = bytes == 0 || writtenBytes + bytes - releasedBytes <= arenaSize
            if entriesOK && bytesOK { break }
            producerWaiting = true
            pthread_cond_wait(&notFull, &mutex)
            producerWaiting = false
        }
        pthread_mutex_unlock(&mutex)
    }

    /// A frame larger than half the arena (never with libpcap's 256 KiB snap length and the default
    /// arena): wait until the consumer has released everything, then give the arena room for it.
    private func growForLargeFrame(_ n: Int) {
        pthread_mutex_lock(&mutex)
        published = written
        if consumerWaiting { pthread_cond_signal(&notEmpty) }
        while released < written {
            producerWaiting = true
            pthread_cond_wait(&notFull, &mutex)
            producerWaiting = false
        }
        lastKnownReleased = released
        lastKnownReleasedBytes = releasedBytes
        if n > arenaSize / 2 {
            arena.deallocate()
            arenaSize = 2 * n
            arena = UnsafeMutableRawPointer.allocate(byteCount: arenaSize, alignment: 16)
            // Positions restart at a multiple of the new size so offsets stay consistent.
            writtenBytes = 0
            releasedBytes = 0
            lastKnownReleasedBytes = 0
        }
        pthread_mutex_unlock(&mutex)
    }

    // MARK: Consumer

    /// Waits for published entries and hands each to `body` with its bytes (valid only during the
    /// call), in order. Returns false when the ring is closed and everything has been read.
    public func consume(_ body: (RingEntry, Span<UInt8>) -> Void) -> Bool {
        pthread_mutex_lock(&mutex)
        while published == released && !closed {
            consumerWaiting = true
            pthread_cond_wait(&notEmpty, &mutex)
            consumerWaiting = false
        }
        let start = released
        let stop = published
        let base = arena
        pthread_mutex_unlock(&mutex)
        if start == stop { return false }  // closed and drained
        for i in start..<stop {
            let entry = entries[i % entryCount]
            let count = entry.kind == .frame ? entry.frame.capturedLength : 0
            let first = entry.borrowedAddress != 0
                ? UnsafePointer<UInt8>(bitPattern: entry.borrowedAddress)
                : UnsafePointer((base + entry.offset).assumingMemoryBound(to: UInt8.self))
            let bytes = UnsafeBufferPointer(start: first, count: max(0, count))
            body(entry, bytes.span)
            // Room back to the producer as the batch goes (a full ring does not wait for the whole batch).
            if (i &- start) & (FrameRing.releaseEvery &- 1) == FrameRing.releaseEvery &- 1 || i == stop &- 1 {
                release(through: i &+ 1, end: entry.end)
            }
        }
        return true
    }

    /// Entries released to the producer in steps of this many (a power of two).
    static let releaseEvery = 512

    private func release(through count: Int, end: Int) {
        pthread_mutex_lock(&mutex)
        released = count
        releasedBytes = end
        if producerWaiting { pthread_cond_signal(&notFull) }
        pthread_mutex_unlock(&mutex)
    }
}

/// A queue of batches between threads (a worker's finished-flow events to the merging thread): the producer
/// hands over a whole array at a time, the consumer takes one array at a time and gives it back when done with
/// it. Arrays move between the threads whole: no element is copied (a copy retains every reference in the
/// element, and the merger of a SYN flood copied each event twice, once into its queue and once back).
public final class BatchQueue<Element: Sendable>: @unchecked Sendable {
    /// The batches put and not taken yet, oldest first (from `head`), and how many items they hold.
    private var items: [[Element]] = []
    private var head = 0
    private var queued = 0
    /// Batches the consumer is done with (`giveBack`), released by the producer's next `put`.
    private var returned: [[Element]] = []
    private var mutex = pthread_mutex_t()
    private var ready = pthread_cond_t()
    private var room = pthread_cond_t()
    private var waiting = false
    private var producerWaiting = false

    public init() {
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&ready, nil)
        pthread_cond_init(&room, nil)
    }

    deinit {
        pthread_cond_destroy(&room)
        pthread_cond_destroy(&ready)
        pthread_mutex_destroy(&mutex)
    }

    /// Queues `batch` (left empty: a batch given back, emptied here, when there is one); with `waitBelow`,
    /// first waits while that many items or more are queued (the consumer's `take` makes room).
    public func put(_ batch: inout [Element], waitBelow limit: Int? = nil) {
        guard !batch.isEmpty else { return }
        // What the consumer gave back, released at the end of this call, on this thread.
        var done: [[Element]] = []
        pthread_mutex_lock(&mutex)
        swap(&done, &returned)
        if let limit {
            while queued >= limit {
                producerWaiting = true
                pthread_cond_wait(&room, &mutex)
                producerWaiting = false
            }
        }
        queued &+= batch.count
        var moved: [Element] = []
        swap(&moved, &batch)
        items.append(moved)
        if waiting { pthread_cond_signal(&ready) }
        pthread_mutex_unlock(&mutex)
        // The items given back are freed here; one emptied array (its capacity kept) is the next batch.
        for k in done.indices { done[k].removeAll(keepingCapacity: true) }
        if let reused = done.popLast() { batch = reused }
    }

    /// Hands a batch the consumer is done with back to the producer, whose next `put` releases it (`batch`
    /// is left empty). Memory is then freed on the thread that allocated it: glibc takes an arena's lock to
    /// free a chunk from another thread's arena, and two threads on a SYN flood spent 12% of their time in
    /// that lock, the merger freeing every record a worker built.
    public func giveBack(_ batch: inout [Element]) {
        guard !batch.isEmpty else { return }
        var moved: [Element] = []
        swap(&moved, &batch)
        pthread_mutex_lock(&mutex)
        returned.append(moved)
        pthread_mutex_unlock(&mutex)
    }

    /// Moves the oldest batch queued into `into` when `into` is empty (nothing when it still holds items:
    /// the consumer takes the next batch once it is through this one); with `wait`, waits until something is
    /// queued.
    public func take(into: inout [Element], wait: Bool) {
        guard into.isEmpty else { return }
        pthread_mutex_lock(&mutex)
        while wait && head == items.count {
            waiting = true
            pthread_cond_wait(&ready, &mutex)
            waiting = false
        }
        if head < items.count {
            swap(&into, &items[head])
            head &+= 1
            queued &-= into.count
            if head == items.count {
                items.removeAll(keepingCapacity: true)
                head = 0
            }
        }
        if producerWaiting { pthread_cond_signal(&room) }
        pthread_mutex_unlock(&mutex)
    }
}

/// A joinable thread running one closure (pthread_create / pthread_join).
public final class WorkerThread: @unchecked Sendable {
    private var thread = pthread_t()
    private var started = false
    private let body: @Sendable () -> Void

    public init(_ body: @escaping @Sendable () -> Void) {
        self.body = body
    }

    /// Starts the thread; false if the system refuses (the caller runs without it).
    public func start() -> Bool {
        let context = Unmanaged.passRetained(self).toOpaque()
        let result = pthread_create(&thread, nil, { raw in
            let worker = Unmanaged<WorkerThread>.fromOpaque(raw!).takeRetainedValue()
            worker.body()
            return nil
        }, context)
        if result != 0 {
            Unmanaged<WorkerThread>.fromOpaque(context).release()
            return false
        }
        started = true
        return true
    }

    public func join() {
        guard started else { return }
        pthread_join(thread, nil)
        started = false
    }

    /// Processors online (sysconf(_SC_NPROCESSORS_ONLN)), at least 1.
    public static var processorCount: Int {
        max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }
}

/// The rings of the workers of a sharded analysis, pushed to by index. A method called on an array's element
/// is bracketed by a retain and a release of it, and a ring's reference count is written by the reading
/// thread for every frame while the worker reads the ring on every `consume`: `swift_release` alone was 4%
/// of a two-thread run on bulk transfers, most of it waiting on the atomic compare-exchange. Here the rings
/// are kept alive by `rings` and called through unretained references.
public struct FrameRingTable {
    public let rings: [FrameRing]
    private let references: [Unmanaged<FrameRing>]

    public init(_ rings: [FrameRing]) {
        self.rings = rings
        references = rings.map { unsafe Unmanaged.passUnretained($0) }
    }

    /// `FrameRing.push` on ring `index`.
    @inline(__always)
    public func push(to index: Int, _ entry: RingEntry, _ bytes: Span<UInt8>, lentFrom windowUse: UInt64?) {
        unsafe references[index]._withUnsafeGuaranteedRef { $0.push(entry, bytes, lentFrom: windowUse) }
    }
}
