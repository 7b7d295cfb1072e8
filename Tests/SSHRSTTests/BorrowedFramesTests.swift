import Foundation
import SSHRSTCapture
import Testing

/// A reader that lends its frames (`FrameBorrower`) must never reuse a window while a frame in it is held:
/// the borrower keeps every frame's bytes in place and checks them when the reader asks to reuse.
@Suite struct BorrowedFramesTests {
    /// Holds every frame it is lent until the reader asks for its window back, checking each frame's
    /// bytes are still those it was lent.
    final class Holder: FrameBorrower {
        struct Held {
            var use: UInt64
            var address: UnsafePointer<UInt8>
            var count: Int
            var seed: UInt8
        }
        var windowUse: UInt64? = nil
        var held: [Held] = []
        var damaged = 0
        var checked = 0
        var asked: [UInt64] = []

        func waitForRelease(throughWindowUse use: UInt64) {
            asked.append(use)
            held.removeAll { frame in
                guard frame.use <= use else { return false }
                for i in 0..<frame.count where frame.address[i] != frame.seed &+ UInt8(truncatingIfNeeded: i) {
                    damaged += 1
                    break
                }
                checked += 1
                return true
            }
        }
    }

    /// A classic pcap of `count` frames of 200 to 1,700 bytes; frame k's byte i is k + i (mod 256).
    static func writeCapture(_ url: URL, count: Int) throws {
        var data = Data()
        let pattern = (0..<2048).map { UInt8(truncatingIfNeeded: $0) }
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
        u32(0xa1b2_c3d4); data.append(contentsOf: [2, 0, 4, 0]); u32(0); u32(0); u32(65535); u32(1)
        for k in 0..<count {
            let n = 200 + (k &* 7919) % 1500
            u32(UInt32(1_700_000_000 + k / 1000)); u32(UInt32(k % 1000)); u32(UInt32(n)); u32(UInt32(n))
            let seed = k % 256
            data.append(contentsOf: pattern[seed..<(seed + n)])
        }
        try data.write(to: url)
    }

    @Test func windowsAreReusedOnlyAfterTheirFramesAreReleased() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sshrst-borrow-\(getpid()).pcap")
        defer { try? FileManager.default.removeItem(at: url) }
        // About 23 MiB: every window is filled and reused several times.
        try BorrowedFramesTests.writeCapture(url, count: 24_000)
        let holder = Holder()
        var frames = 0
        var uses = Set<UInt64>()
        try OfflineSource.read(path: url.path, filter: nil, borrower: holder) { frame, bytes in
            guard let use = holder.windowUse else {
                Issue.record("a lending reader sets windowUse")
                return .stop
            }
            uses.insert(use)
            bytes.withUnsafeBufferPointer { buffer in
                if let base = buffer.baseAddress {
                    holder.held.append(.init(use: use, address: base, count: buffer.count, seed: buffer[0]))
                }
            }
            frames += 1
            return .proceed
        }
        #expect(frames == 24_000)
        #expect(uses.count > 2 * ClassicPcapReader.lendingWindows, "every window reused (\(uses.count) window uses)")
        // The reader asked before each reuse, in order, and at its end for everything.
        #expect(holder.asked.last == .max)
        #expect(holder.asked.dropLast() == Array(0..<UInt64(holder.asked.count - 1)))
        #expect(holder.held.isEmpty)
        #expect(holder.checked == 24_000)
        #expect(holder.damaged == 0)
        #expect(holder.windowUse == nil, "frames are no longer lent once the reader is gone")
    }
}

/// A worker at the end of input waits while its queue to the merger is full (`put(_:waitBelow:)`).
@Suite struct BatchQueueTests {
    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func add() { lock.lock(); value += 1; lock.unlock() }
        var count: Int { lock.lock(); defer { lock.unlock() }; return value }
    }

    @Test func aBoundedPutWaitsForTheConsumer() throws {
        let queue = BatchQueue<Int>()
        let done = Counter()
        let producer = WorkerThread {
            for i in 0..<100 {
                var batch = [i]
                queue.put(&batch, waitBelow: 3)
                done.add()
            }
        }
        #expect(producer.start())
        usleep(100_000)
        // Three items queued and nobody taking: the fourth put waits.
        #expect(done.count <= 3, "\(done.count) puts returned with 3 allowed")
        var taken: [Int] = []
        while taken.count < 100 {
            var items: [Int] = []
            queue.take(into: &items, wait: true)
            taken += items
        }
        producer.join()
        #expect(taken == Array(0..<100))
        #expect(done.count == 100)
    }

    /// Items the consumer gives back are released by the producer's next put, on the producer's thread (where
    /// they were allocated), not by the consumer.
    @Test func itemsGivenBackAreFreedByTheProducer() throws {
        final class Item: @unchecked Sendable {
            let freedOnProducer: Counter
            let freedElsewhere: Counter
            let producerThread: pthread_t
            init(_ onProducer: Counter, _ elsewhere: Counter, producer: pthread_t) {
                freedOnProducer = onProducer
                freedElsewhere = elsewhere
                producerThread = producer
            }
            deinit { if pthread_equal(pthread_self(), producerThread) != 0 { freedOnProducer.add() } else { freedElsewhere.add() } }
        }
        let queue = BatchQueue<Item>()
        let onProducer = Counter(), elsewhere = Counter(), sent = Counter(), consumed = Counter()
        let producer = WorkerThread {
            let me = pthread_self()
            for _ in 0..<50 {
                var batch = (0..<10).map { _ in Item(onProducer, elsewhere, producer: me) }
                queue.put(&batch)
                sent.add()
                while consumed.count < sent.count { usleep(1_000) }  // the consumer has given them back
            }
            var last = [Item(onProducer, elsewhere, producer: me)]
            queue.put(&last)  // releases the last batch given back
        }
        #expect(producer.start())
        var consumedItems = 0
        while consumedItems < 500 {
            var items: [Item] = []
            queue.take(into: &items, wait: true)
            consumedItems += items.count
            queue.giveBack(&items)
            #expect(items.isEmpty)
            consumed.add()
        }
        producer.join()
        #expect(onProducer.count == 500)
        #expect(elsewhere.count == 0)
    }
}
