import SSHRSTBytes
import SSHRSTCapture

/// Holds finished records until every earlier-starting flow has finished, so
/// records come out in first-packet order. Waiting records are kept as their
/// JSON text (a record's text is a fraction of its tree) in a `RecordArena`,
/// up to `limit` records and `maximumMemoryBytes` in memory; beyond that the
/// most recently finished ones go to a temporary file and are read back when
/// their turn comes (bounded memory, exact order). A record's text is lent to
/// the caller when its turn comes, from the arena or the spill file's read
/// window: no copy, no allocation. Only when no spill file can be made does it
/// give up order, counted.
///
/// The file is append-only, and a record read back leaves dead bytes behind: a flood whose records all wait
/// behind one long session wrote a spill file 8 times the capture's size. Once the file holds at least
/// `compactionBytes` and less than a quarter of it is still waiting, the waiting records are copied, in file
/// order, into a fresh file that replaces it (each byte is copied about once more on average; the disk used
/// stays within 4 times what is waiting).
struct ReorderBuffer {
    enum Pending {
        /// Text in the arena (`RecordArena.store`'s place).
        case memory(place: Int, length: Int)
        /// A finished flow not reported, waiting for its turn (counted with the records in memory).
        case memoryNone
        case spilled(offset: Int, length: Int)
        case spilledNone
    }
    var pending = PendingRecords()
    var arena = RecordArena()
    var inMemory = 0
    var inMemoryBytes = 0
    var nextToEmit: UInt64 = 0
    var spill: SpillFile? = nil
    /// Records waiting (in memory or spilled) before order gives way.
    static let maximumWaiting = 100_000
    /// Serialized bytes of waiting records held in memory before spilling.
    static let maximumMemoryBytes = 4 << 20
    /// Arena chunks in use before spilling, whatever the bytes still live in them: a chunk is reused only when
    /// all its records are gone, so a few long-waiting records could otherwise pin many chunks.
    static let maximumChunks = 2 * maximumMemoryBytes / RecordArena.chunkSize
    /// Keys held in memory, in arrival order (stale entries skipped lazily).
    var memoryOrder: [UInt64] = []
    /// Bytes of the records waiting in the spill file.
    var spilledBytes = 0
    /// The spill file's size from which its dead bytes are dropped (see above).
    var compactionBytes = 64 << 20
    /// Times the spill file was replaced by a compact copy.
    var compactions = 0

    /// Whether `sequence` is the next record due, nothing taken.
    func isNext(_ sequence: UInt64) -> Bool { sequence == nextToEmit && pending[sequence] == nil }

    /// Whether `sequence` is the next record due (then it counts as emitted).
    mutating func takeIfNext(_ sequence: UInt64) -> Bool {
        guard isNext(sequence) else { return false }
        nextToEmit &+= 1
        pending.advance(to: nextToEmit)
        return true
    }

    /// Holds record `sequence` (its text copied into the arena; nil: a finished flow not reported) until its
    /// turn, spilling when memory is over its bounds.
    mutating func add(_ sequence: UInt64, text: Span<UInt8>?, limit: Int, forced: inout Int) {
        if let text {
            pending[sequence] = .memory(place: arena.store(text), length: text.count)
            inMemoryBytes &+= text.count
        } else {
            pending[sequence] = .memoryNone
        }
        inMemory &+= 1
        memoryOrder.append(sequence)
        if memoryOrder.count > 4 * max(limit, 64) {
            memoryOrder.removeAll { key in
                switch pending[key] {
                case .memory?, .memoryNone?: return false
                default: return true
                }
            }
        }
        guard inMemory > limit || inMemoryBytes > ReorderBuffer.maximumMemoryBytes
            || arena.chunksInUse > ReorderBuffer.maximumChunks
        else { return }
        // Spill the most recently finished waiting records first: they wait longest. Each batch is written in
        // descending first-packet order, so reading back in first-packet order walks it backwards, one aligned
        // read window after another (`SpillFile.fill`). Written as they finished (newest first), they came
        // back out of order: the windows were refilled 3.2 times per window of bytes spilled on the short
        // profile (1.1 now), ascending order was worse than either on a flood.
        if spill == nil { spill = SpillFile() }
        guard let file = spill, file.isAvailable else { return }
        var toSpill = max(1, inMemory - limit / 2)
        var bytesLeft = inMemoryBytes
        // A batch frees the newest chunks whole (they were filled in finishing order); while older chunks
        // pinned by a few records are still too many, a further batch takes half of what is left in memory.
        repeat {
            var chosen: [(key: UInt64, entry: Pending)] = []
            while toSpill > 0 || bytesLeft > ReorderBuffer.maximumMemoryBytes / 2, let key = memoryOrder.popLast() {
                guard let entry = pending[key] else { continue }
                switch entry {
                case .memory(_, let length): bytesLeft &-= length
                case .memoryNone: break
                default: continue
                }
                toSpill -= 1
                chosen.append((key, entry))
            }
            chosen.sort { $0.key > $1.key }
            for (key, entry) in chosen {
                if case .memory(let place, let length) = entry {
                    guard let spilled = arena.withText(place, length: length, { file.append($0) }) else { return }
                    arena.release(place)
                    pending[key] = .spilled(offset: spilled.offset, length: spilled.length)
                    inMemoryBytes &-= length
                    spilledBytes &+= length
                } else {
                    pending[key] = .spilledNone
                }
                inMemory &-= 1
            }
            toSpill = inMemory / 2
            bytesLeft = 0
        } while arena.chunksInUse > ReorderBuffer.maximumChunks / 2 && !memoryOrder.isEmpty
        compactSpillIfMostlyDead()
    }

    /// Copies the records still waiting in the spill file, in file order, to a fresh file that replaces it,
    /// when the file is large and mostly read. Nothing changes unless every record is copied (on a failure
    /// the old file and its offsets stay as they are).
    mutating func compactSpillIfMostlyDead() {
        guard let file = spill, file.size >= compactionBytes, spilledBytes &* 4 < file.size else { return }
        var waiting: [(offset: Int, length: Int, key: UInt64)] = []
        pending.forEach { key, entry in
            if case .spilled(let offset, let length) = entry { waiting.append((offset, length, key)) }
        }
        waiting.sort { $0.offset < $1.offset }
        let fresh = SpillFile()
        var moved: [(key: UInt64, offset: Int, length: Int)] = []
        moved.reserveCapacity(waiting.count)
        for w in waiting {
            var place: (offset: Int, length: Int)? = nil
            guard file.read(offset: w.offset, length: w.length, { place = fresh.append($0) }), let place else { return }
            moved.append((w.key, place.offset, place.length))
        }
        for m in moved { pending[m.key] = .spilled(offset: m.offset, length: m.length) }
        spill = fresh
        compactions &+= 1
    }

    /// Lends the next record in order to `body` (its text; nil: a finished flow not reported) and returns
    /// true, or returns false when the next one has not finished yet. With `force` (end of input) it skips to
    /// the oldest finished one. The text lives until `body` returns.
    mutating func next(force: Bool, limit: Int, forced: inout Int, _ body: (Span<UInt8>?) -> Void) -> Bool {
        if let entry = pending.removeValue(forKey: nextToEmit) {
            nextToEmit &+= 1
            pending.advance(to: nextToEmit)
            switch entry {
            case .memory(let place, let length):
                inMemory &-= 1
                inMemoryBytes &-= length
                arena.withText(place, length: length) { body($0) }
                arena.release(place)
            case .memoryNone:
                inMemory &-= 1
                body(nil)
            case .spilledNone:
                body(nil)
            case .spilled(let offset, let length):
                spilledBytes &-= length
                // A record the file cannot give back (never: it is read as written) is not reported.
                if spill?.read(offset: offset, length: length, { body($0) }) != true { body(nil) }
            }
            return true
        }
        // Without a usable spill file, or with more waiting records than the
        // index may hold, order gives way to bounded memory (counted).
        let unusable = spill.map { !$0.isAvailable } ?? false
        let overIndex = pending.count > ReorderBuffer.maximumWaiting
        guard !pending.isEmpty, force || (unusable && inMemory > limit) || overIndex else { return false }
        if let smallest = pending.min() {
            if !force { forced &+= 1 }
            nextToEmit = smallest
            return next(force: force, limit: limit, forced: &forced, body)
        }
        return false
    }
}

/// The text of the records waiting in memory for their turn, in chunks of `chunkSize` bytes filled in the
/// order records finish. Storing a record is one copy of its text into the current chunk; a chunk is reused
/// once every record in it is gone (written or spilled), so in steady state nothing is allocated. Before it,
/// each waiting record was an array of its own, wrapped twice in `SharedJSON` on its way out: about 2.5k
/// instructions a record with malloc and free, on the short profile where nearly every record waits. A
/// record longer than a chunk gets a chunk of its own, whose storage is freed with it.
struct RecordArena {
    struct Chunk {
        var bytes: [UInt8] = []
        /// Records stored in it and not yet released.
        var live = 0
        /// Made for one record longer than `chunkSize`.
        var oversize = false
    }
    private(set) var chunks: [Chunk] = []
    /// Chunks with no record, ready for reuse.
    private var spare: [Int] = []
    /// The chunk being filled (-1: none yet).
    private var current = -1
    /// Chunks holding at least one record, or being filled.
    private(set) var chunksInUse = 0
    static let chunkSize = 64 << 10

    /// Copies `text` in; returns its place (chunk and offset, for `withText` and `release`).
    mutating func store(_ text: Span<UInt8>) -> Int {
        let length = text.count
        if current < 0 || chunks[current].bytes.count + length > RecordArena.chunkSize {
            startChunk(holding: length)
        }
        let offset = chunks[current].bytes.count
        ByteCopy.append(text, to: &chunks[current].bytes)
        chunks[current].live &+= 1
        return current << 32 | offset
    }

    /// Makes a chunk with room for `length` bytes the current one: the current one again when it is empty,
    /// else a spare one, else a new one.
    private mutating func startChunk(holding length: Int) {
        if current >= 0 && chunks[current].live == 0 {
            empty(current)
        } else {
            if let reused = spare.popLast() {
                current = reused
            } else {
                chunks.append(Chunk())
                current = chunks.count - 1
            }
            chunksInUse &+= 1
        }
        chunks[current].oversize = length > RecordArena.chunkSize
        chunks[current].bytes.reserveCapacity(max(length, RecordArena.chunkSize))
    }

    /// Empties chunk `c`: a standard one keeps its storage for reuse, a long record's own one does not.
    private mutating func empty(_ c: Int) {
        if chunks[c].oversize {
            chunks[c].bytes = []
            chunks[c].oversize = false
        } else {
            chunks[c].bytes.removeAll(keepingCapacity: true)
        }
    }

    /// Lends the `length` bytes stored at `place` to `body`.
    func withText<R>(_ place: Int, length: Int, _ body: (Span<UInt8>) -> R) -> R {
        let offset = place & 0xffff_ffff
        let bytes = chunks[place >> 32].bytes  // lent through a local (one retain)
        return body(bytes.span.extracting(offset..<(offset + length)))
    }

    /// Forgets the record at `place`: its chunk is reused once it holds no other.
    mutating func release(_ place: Int) {
        let c = place >> 32
        chunks[c].live &-= 1
        guard chunks[c].live == 0, c != current else { return }
        empty(c)
        spare.append(c)
        chunksInUse &-= 1
    }
}
