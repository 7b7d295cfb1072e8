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

    /// Both readers: the file mapped a window at a time, and `read(2)` into windows (standard input, pipes,
    /// compressed files).
    @Test(arguments: [true, false])
    func windowsAreReusedOnlyAfterTheirFramesAreReleased(mapping: Bool) throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sshrst-borrow-\(getpid())-\(mapping).pcap")
        defer { try? FileManager.default.removeItem(at: url) }
        // About 23 MiB: every window is filled and reused several times.
        try BorrowedFramesTests.writeCapture(url, count: 24_000)
        let holder = Holder()
        var frames = 0
        var uses = Set<UInt64>()
        var windows = 0
        try {
            guard let reader = try ClassicPcapReader.open(stream: CaptureStream.open(path: url.path), mapping: mapping) else {
                Issue.record("a classic pcap")
                return
            }
            #expect(reader.mapping == mapping)
            reader.lend(to: holder)
            windows = mapping ? ClassicPcapReader.mappedLendingWindows : ClassicPcapReader.lendingWindows
            try reader.forEach { frame, bytes in
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
        }()  // the reader is gone here
        #expect(frames == 24_000)
        #expect(uses.count > 2 * windows, "every window reused (\(uses.count) window uses)")
        // The reader asked before each reuse, in order, and at its end for everything.
        #expect(holder.asked.last == .max)
        let first = holder.asked.first ?? 0
        #expect(holder.asked.dropLast() == Array(first..<(first + UInt64(holder.asked.count - 1))))
        #expect(holder.held.isEmpty)
        #expect(holder.checked == 24_000)
        #expect(holder.damaged == 0)
        #expect(holder.windowUse == nil, "frames are no longer lent once the reader is gone")
    }
}

/// The mapped reader (`MappedWindow`) on a file that changes while it is read: one that grows (a capture
/// still being written) is read to its new end; one that shrinks ends in an error, not SIGBUS.
@Suite struct MappedReaderTests {
    /// Frames read (and how many were not as written) until the end or an error; `change` runs after frame
    /// `after` was delivered.
    static func frames(_ url: URL, mapping: Bool, after: Int = -1, _ change: () throws -> Void = {}) throws -> (count: Int, damaged: Int, error: CaptureError?) {
        guard let reader = try ClassicPcapReader.open(stream: CaptureStream.open(path: url.path), mapping: mapping) else {
            Issue.record("a classic pcap")
            return (0, 0, nil)
        }
        #expect(reader.mapping == mapping)
        var count = 0
        var damaged = 0
        var changeError: Error? = nil
        do {
            try reader.forEach { _, bytes in
                // Frame k's bytes are k + i (mod 256): a frame read from a zero page would not be.
                if bytes.count > 1, bytes[1] != bytes[0] &+ 1 { damaged += 1 }
                if count == after {
                    do { try change() } catch { changeError = error }
                }
                count += 1
                return .proceed
            }
        } catch {
            return (count, damaged, error)
        }
        if let changeError { throw changeError }
        return (count, damaged, nil)
    }

    @Test(arguments: [true, false])
    func aFileThatGrowsWhileReadIsReadToItsNewEnd(mapping: Bool) throws {
        let dir = FileManager.default.temporaryDirectory
        let url = dir.appendingPathComponent("sshrst-grow-\(getpid())-\(mapping).pcap")
        let more = dir.appendingPathComponent("sshrst-grow-more-\(getpid())-\(mapping).pcap")
        defer { try? FileManager.default.removeItem(at: url); try? FileManager.default.removeItem(at: more) }
        try BorrowedFramesTests.writeCapture(url, count: 3_000)
        try BorrowedFramesTests.writeCapture(more, count: 5_000)
        // Records 3,000 to 4,999 of the longer file, appended while the first 3,000 are read.
        let longer = try Data(contentsOf: more)
        let shorter = try Data(contentsOf: url)
        let (count, damaged, error) = try MappedReaderTests.frames(url, mapping: mapping, after: 100) {
            let handle = try FileHandle(forWritingTo: url)
            try handle.seekToEnd()
            try handle.write(contentsOf: longer[shorter.count...])
            try handle.close()
        }
        #expect(error == nil)
        #expect(count == 5_000)
        #expect(damaged == 0)
    }

    @Test func aMappedFileThatShrinksWhileReadEndsInAnError() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sshrst-shrink-\(getpid()).pcap")
        defer { try? FileManager.default.removeItem(at: url) }
        // About 9.5 MiB: more than one mapped window (4 MiB).
        try BorrowedFramesTests.writeCapture(url, count: 10_000)
        let (count, damaged, error) = try MappedReaderTests.frames(url, mapping: true, after: 100) {
            // Cut to 1 MiB while the first window (mapped and populated) is being read.
            #expect(truncate(url.path, 1 << 20) == 0)
        }
        #expect(error?.kind == .truncatedRecord, "\(String(describing: error))")
        #expect(error?.message.contains("shrank") == true, "\(String(describing: error))")
        // The frames before the cut were delivered as written; the one across the cut reads zeros past it
        // (its bytes were lent before the file shrank), and the read ends at the next record.
        #expect(count > 100 && count < 1_200, "\(count) frames")
        #expect(damaged <= 1)
    }

    /// The guard's flag is the reader's own: another reader whose file shrinks meanwhile (here, in the
    /// middle of this one's read) does not stop this one. With one flag for the process it did, and the
    /// tests, which read files in parallel, failed now and then.
    @Test func aShrinkingFileStopsOnlyItsOwnReader() throws {
        let dir = FileManager.default.temporaryDirectory
        let steady = dir.appendingPathComponent("sshrst-steady-\(getpid()).pcap")
        let shrinking = dir.appendingPathComponent("sshrst-shrink-other-\(getpid()).pcap")
        defer {
            try? FileManager.default.removeItem(at: steady)
            try? FileManager.default.removeItem(at: shrinking)
        }
        try BorrowedFramesTests.writeCapture(steady, count: 10_000)
        try BorrowedFramesTests.writeCapture(shrinking, count: 10_000)
        var other: (count: Int, damaged: Int, error: CaptureError?)? = nil
        let (count, damaged, error) = try MappedReaderTests.frames(steady, mapping: true, after: 100) {
            other = try MappedReaderTests.frames(shrinking, mapping: true, after: 100) {
                #expect(truncate(shrinking.path, 1 << 20) == 0)
            }
        }
        #expect(other?.error?.message.contains("shrank") == true, "\(String(describing: other?.error))")
        #expect(error == nil, "\(String(describing: error))")
        #expect(count == 10_000)
        #expect(damaged == 0)
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
