@testable import SSHRST
import SSHRSTBytes
import Testing

/// The reorder buffer's arena of waiting records' text: every text comes back as stored whatever the order of
/// releases, chunks are reused once empty (not allocated again), and a record longer than a chunk gets one of
/// its own that is not kept.
@Suite struct RecordArenaTests {
    static func text(_ n: Int, length: Int) -> [UInt8] {
        (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ n) }
    }

    @Test func textsComeBackAsStoredAndChunksAreReused() {
        var generator = SplitMix(seed: 0xa7e4a)
        var arena = RecordArena()
        var live: [(place: Int, n: Int, length: Int)] = []
        var most = 0
        for n in 0..<8_000 {
            // Lengths of real records (a few hundred bytes to a few kilobytes), now and then one longer than a chunk.
            let length = n % 997 == 0 ? RecordArena.chunkSize + 1 + n % 5_000 : 200 + Int(generator.next() % 3_000)
            let bytes = Self.text(n, length: length)
            live.append((arena.store(bytes.span), n, length))
            // Releases in random order, keeping about 300 records waiting.
            while live.count > 300 {
                let i = Int(generator.next() % UInt64(live.count))
                let r = live.remove(at: i)
                let back = arena.withText(r.place, length: r.length) { ByteCopy.array($0) }
                #expect(back == Self.text(r.n, length: r.length))
                arena.release(r.place)
            }
            most = max(most, arena.chunks.count)
        }
        for r in live {
            #expect(arena.withText(r.place, length: r.length) { ByteCopy.array($0) } == Self.text(r.n, length: r.length))
            arena.release(r.place)
        }
        #expect(arena.chunksInUse == 1)  // the current one
        // 300 records of ~1.7 KB waiting at a time, released at random: chunks stay pinned by a few records
        // each, but they are reused, not allocated for every 64 KiB stored (8,000 records are ~210 chunks).
        #expect(most < 100)
        // A long record's own chunk is emptied of its storage once released.
        for chunk in arena.chunks where chunk.live == 0 {
            #expect(chunk.bytes.capacity <= 2 * RecordArena.chunkSize)
        }
    }

    /// A few records that wait long, one in each chunk, must not hold memory without bound: the reorder buffer
    /// spills when too many chunks are in use, whatever the bytes still live in them, and order is kept.
    @Test func pinnedChunksMakeTheBufferSpill() {
        var buffer = ReorderBuffer()
        var forced = 0
        var out: [UInt64] = []
        let record = [UInt8](repeating: 0x61, count: 1_000)
        func drain() {
            while buffer.next(force: false, limit: 1_000_000, forced: &forced, { text in
                #expect(text?.count == 1_000)
            }) { out.append(buffer.nextToEmit - 1) }
        }
        // Pairs finish swapped (2i + 1, then 2i): each odd one waits in the arena a moment, then goes. Every 60
        // pairs, a flow of a later range (`far`, after all pairs) finishes too and waits to the end: one in every
        // chunk's ~65 records, pinning it with 1 KB live.
        let pairs: UInt64 = 60 * UInt64(ReorderBuffer.maximumChunks + 40)
        let far = 2 * pairs
        var farCount: UInt64 = 0
        var mostChunks = 0
        for i in 0..<pairs {
            buffer.add(2 * i + 1, text: record.span, limit: 1_000_000, forced: &forced)
            if i % 60 == 59 {
                buffer.add(far + farCount, text: record.span, limit: 1_000_000, forced: &forced)
                farCount += 1
            }
            if buffer.takeIfNext(2 * i) { out.append(2 * i) }
            drain()
            mostChunks = max(mostChunks, buffer.arena.chunksInUse)
        }
        drain()
        #expect(buffer.inMemoryBytes < ReorderBuffer.maximumMemoryBytes / 8)  // never the bytes that spilled
        #expect(mostChunks <= ReorderBuffer.maximumChunks)
        #expect(buffer.spill != nil)
        #expect(out == Array(0..<(far + farCount)))
        #expect(forced == 0)
    }
}
