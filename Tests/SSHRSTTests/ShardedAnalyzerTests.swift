import Foundation
import SSHRST
import SSHRSTCapture
import SSHRSTReport
import Testing

/// `analyze --threads N` must write what one thread writes, byte for byte: records, patterns, summary.
@Suite struct ShardedAnalyzerTests {
    /// Every line the engine writes for `frames`, serialized, on `threads` threads (1: the plain Analyzer).
    /// Three threads run with tiny rings (64 KiB, 128 entries): they wrap and fill all the time.
    static func output(threads: Int, configuration: AnalyzerConfiguration = AnalyzerConfiguration(),
                       _ feed: ((Frame, Span<UInt8>) -> Void) -> Void) -> [String] {
        var lines: [String] = []
        let sink: (JSON) -> Void = { lines.append($0.serialized()) }
        if threads == 1 {
            let analyzer = Analyzer(configuration: configuration, sink: sink)
            feed { analyzer.ingest($0, $1) }
            analyzer.finish()
        } else {
            let small = threads == 3
            guard let analyzer = ShardedAnalyzer(
                configuration: configuration, threads: threads, ringBytes: small ? 1 << 16 : 4 << 20,
                ringEntries: small ? 128 : 16_384, sink: sink)
            else {
                Issue.record("could not start \(threads) threads")
                return []
            }
            feed { analyzer.ingest($0, $1) }
            analyzer.finish()
        }
        return lines
    }

    /// The frames of a capture file, cut to `snap` bytes when `snap` > 0.
    static func frames(of path: String, snap: Int = 0) -> (((Frame, Span<UInt8>) -> Void) -> Void) {
        return { ingest in
            do {
                try OfflineSource.read(path: path, filter: nil) { frame, bytes in
                    if snap > 0 && bytes.count > snap {
                        let cut = Frame(time: frame.time, capturedLength: snap, wireLength: frame.wireLength, linkType: frame.linkType)
                        ingest(cut, bytes.extracting(0..<snap))
                    } else {
                        ingest(frame, bytes)
                    }
                    return .proceed
                }
            } catch {
                Issue.record("\(path): \(error)")
            }
        }
    }

    static var captures: [String] {
        var paths: [String] = []
        for dir in [Paths.captures, Paths.conformance] {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
            paths += names.filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") }.sorted().map { dir.appendingPathComponent($0).path }
        }
        return paths
    }

    @Test func capturesArePresent() {
        // The suite below is only as good as its inputs: the repository's captures must be there.
        #expect(ShardedAnalyzerTests.captures.count >= 40)
    }

    /// Every capture of the repository, whole and cut as short snap lengths cut it (cut ICMP quotes,
    /// cut headers), on 2, 3 and 4 threads; and with a 30-second idle timeout (idle sweeps past established flows).
    @Test(arguments: ShardedAnalyzerTests.captures)
    func capturesAreIdenticalOnAnyNumberOfThreads(_ path: String) {
        for snap in [0, 54, 68, 96] {
            let one = ShardedAnalyzerTests.output(threads: 1, ShardedAnalyzerTests.frames(of: path, snap: snap))
            #expect(!one.isEmpty)
            for threads in [2, 3, 4] where snap == 0 || threads == 3 {
                let many = ShardedAnalyzerTests.output(threads: threads, ShardedAnalyzerTests.frames(of: path, snap: snap))
                #expect(firstDifference(one, many) == "same", "\(path) snap \(snap), \(threads) threads: \(firstDifference(one, many))")
            }
        }
        var shortIdle = AnalyzerConfiguration()
        shortIdle.idleTimeout = 30_000_000_000
        shortIdle.synTimeout = 3_000_000_000
        let one = ShardedAnalyzerTests.output(threads: 1, configuration: shortIdle, ShardedAnalyzerTests.frames(of: path))
        let two = ShardedAnalyzerTests.output(threads: 2, configuration: shortIdle, ShardedAnalyzerTests.frames(of: path))
        #expect(firstDifference(one, two) == "same", "\(path) short timeouts: \(firstDifference(one, two))")
    }

    /// Many attempts from one client to several servers (different workers) and ICMP errors quoting them,
    /// from the servers and from a router, cut at every length: each error goes where one thread sends it.
    @Test func cutICMPQuotesGoWhereOneThreadSendsThem() {
        var frames: [(Int64, [UInt8])] = []
        var time: Int64 = 1_700_000_000_000_000_000
        var syns: [[UInt8]] = []
        for k in 0..<90 {
            var c = RawConversation()
            c.time = time
            c.clientSeq = UInt32(1000 + 7919 * k)
            c.send(fromClient: true, RawConversation.syn, id: UInt16(0x100 + k % 37))  // IDs repeat across servers
            var syn = c.frames[0].bytes
            syn[19] = UInt8(1 + k % 5)  // server 203.0.113.1...5
            syn[20] = UInt8((40_000 + k) >> 8); syn[21] = UInt8((40_000 + k) & 0xff)
            syns.append(syn)
            time += 20_000_000
            frames.append((time, syn))
            if k % 9 == 4 {
                // A router's error and a server's error for earlier attempts.
                time += 1_000_000
                frames.append((time, CutICMPQuoteTests.portUnreachable(quoting: syns[k - 3], from: [198, 51, 100, 1])))
                time += 1_000_000
                frames.append((time, CutICMPQuoteTests.portUnreachable(quoting: syns[k - 1], from: [203, 0, 113, UInt8(1 + (k - 1) % 5)])))
            }
        }
        for snap in [0, 28, 32, 34, 36, 40, 44, 48, 52, 56] {
            let feed: ((Frame, Span<UInt8>) -> Void) -> Void = { ingest in
                for (time, whole) in frames {
                    let bytes = snap > 0 ? Array(whole.prefix(snap)) : whole
                    ingest(Frame(time: time, capturedLength: bytes.count, wireLength: whole.count, linkType: .raw), bytes.span)
                }
            }
            let one = ShardedAnalyzerTests.output(threads: 1, feed)
            #expect(one.filter { $0.contains("\"icmp\":[{") }.count > 0 || snap > 0 && snap < 40)
            for threads in [2, 3, 4] {
                let many = ShardedAnalyzerTests.output(threads: threads, feed)
                #expect(firstDifference(one, many) == "same", "snap \(snap), \(threads) threads: \(firstDifference(one, many))")
            }
        }
    }

    /// A frame larger than half a ring's arena (the ring grows for it once drained) among ordinary ones.
    @Test func largeFramesPassThroughSmallRings() {
        let demo = Paths.captures.appendingPathComponent("demo.pcap").path
        var frames: [(Frame, [UInt8])] = []
        do {
            try OfflineSource.read(path: demo, filter: nil) { frame, bytes in
                var copy: [UInt8] = []
                for i in 0..<bytes.count { copy.append(bytes[i]) }
                frames.append((frame, copy))
                return .proceed
            }
        } catch {
            Issue.record("\(error)")
        }
        #expect(frames.count > 10)
        // Every fifth frame padded to 200 KB after its IP datagram (the engine reads the IP lengths).
        for i in stride(from: 0, to: frames.count, by: 5) {
            frames[i].1 += [UInt8](repeating: 0xAB, count: 200_000)
            frames[i].0.capturedLength = frames[i].1.count
            frames[i].0.wireLength = max(frames[i].0.wireLength, frames[i].1.count)
        }
        let feed: ((Frame, Span<UInt8>) -> Void) -> Void = { ingest in
            for (frame, bytes) in frames { ingest(frame, bytes.span) }
        }
        let one = ShardedAnalyzerTests.output(threads: 1, feed)
        #expect(one.count >= 4)
        let three = ShardedAnalyzerTests.output(threads: 3, feed)
        #expect(firstDifference(one, three) == "same")
    }

    /// A sweep reports exactly the flows whose own limit has passed: an attempt unanswered for the SYN
    /// timeout is a timeout even while an older established flow (idle longer than the SYN timeout, not
    /// yet the idle timeout) sits before it in the table; a SYN-ACK after that starts another flow. (Before
    /// the sweeps were made exact, the established flow held the attempt back.) Same on 1-3 threads.
    @Test func attemptTimesOutBehindAQuietEstablishedFlow() {
        var a = RawConversation()
        a.send(fromClient: true, RawConversation.syn)
        a.send(fromClient: false, RawConversation.syn | RawConversation.ack)
        a.send(fromClient: true, RawConversation.ack)
        var b = RawConversation()
        b.time = a.time + 10_000_000_000
        b.clientSeq = 900_000
        b.send(fromClient: true, RawConversation.syn)
        b.send(fromClient: false, RawConversation.syn | RawConversation.ack, advance: 110_000_000_000)
        // b's client port is 39938 (0x9c02, a's is 40001, 0x9c41): its SYN's source port, its SYN-ACK's destination port.
        b.frames[0].bytes[21] = 0x02
        b.frames[1].bytes[23] = 0x02
        var frames = a.frames.map { ($0.time, $0.bytes) } + b.frames.map { ($0.time, $0.bytes) }
        // Packets of another client every 10 s keep the sweeps going.
        var c = RawConversation()
        c.clientSeq = 5_000_000
        for k in 1...14 {
            c.time = a.time + Int64(k) * 10_000_000_000
            c.send(fromClient: true, RawConversation.ack, advance: 0)
        }
        for f in c.frames {
            var bytes = f.bytes
            bytes[15] = 99  // client 192.0.2.99
            frames.append((f.time, bytes))
        }
        frames.sort { $0.0 < $1.0 }
        let feed: ((Frame, Span<UInt8>) -> Void) -> Void = { ingest in
            for (time, bytes) in frames {
                ingest(Frame(time: time, capturedLength: bytes.count, wireLength: bytes.count, linkType: .raw), bytes.span)
            }
        }
        let one = ShardedAnalyzerTests.output(threads: 1, feed)
        let attempts = one.filter { $0.contains("\"port\":39938") }
        #expect(attempts.count == 2, "the attempt and the late SYN-ACK's flow: \(attempts.count)")
        #expect(attempts.first?.contains("\"outcome\":\"timeout\"") == true)
        for threads in [2, 3] {
            #expect(firstDifference(one, ShardedAnalyzerTests.output(threads: threads, feed)) == "same")
        }
    }

    /// A full flow table: each worker holds its share of --max-flows (plus a margin), evicts beyond it,
    /// counts it, and the run ends with one summary; a worker's share is never above the whole.
    @Test func fullTableEvictsPerShare() {
        #expect(ShardedAnalyzer.workerMaxFlows(100_000, share: 1, of: 2) == 50_000 + 4 * 224 + 16)
        #expect(ShardedAnalyzer.workerMaxFlows(90_000, share: 20, of: 60) == 30_000 + 4 * 174 + 16)
        #expect(ShardedAnalyzer.workerMaxFlows(16, share: 1, of: 4) == 16)
        #expect(ShardedAnalyzer.workerMaxFlows(1, share: 1, of: 8) == 1)
        var configuration = AnalyzerConfiguration()
        configuration.maxFlows = 4
        // 60 attempts at once, from 60 clients to 5 servers.
        var frames: [(Int64, [UInt8])] = []
        for k in 0..<60 {
            var c = RawConversation()
            c.time += Int64(k) * 1_000_000
            c.send(fromClient: true, RawConversation.syn, id: UInt16(k))
            var syn = c.frames[0].bytes
            syn[15] = UInt8(10 + k)  // client 192.0.2.(10 + k)
            syn[19] = UInt8(1 + k % 5)  // server 203.0.113.1...5
            frames.append((c.time, syn))
        }
        let feed: ((Frame, Span<UInt8>) -> Void) -> Void = { ingest in
            for (time, bytes) in frames {
                ingest(Frame(time: time, capturedLength: bytes.count, wireLength: bytes.count, linkType: .raw), bytes.span)
            }
        }
        let lines = ShardedAnalyzerTests.output(threads: 2, configuration: configuration, feed)
        #expect(lines.last?.contains("\"type\":\"summary\"") == true)
        #expect(lines.filter { $0.contains("\"type\":\"summary\"") }.count == 1)
        let one = ShardedAnalyzerTests.output(threads: 1, configuration: configuration, feed)
        #expect(lines.count == 61 && one.count == 61, "every attempt reported once: \(lines.count), \(one.count)")
        #expect(lines.last?.contains("\"flows_evicted\":0,") == false)
    }

    /// Generated traffic (Scripts/bench.d/gen.c, built from the repository): short SSH sessions with
    /// resets of every kind and background traffic spread over half an hour (sweeps, SYN and idle
    /// timeouts, port reuse), and a SYN flood; one thread against two and three.
    @Test func generatedTrafficIsIdentical() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sshrst-sharded-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let gen = dir.appendingPathComponent("gen").path
        try run("/usr/bin/cc", ["-O2", "-o", gen, Paths.package.appendingPathComponent("Scripts/bench.d/gen.c").path])
        let cases: [(String, [String])] = [
            ("sparse", ["--size", "3M", "--gap-ns", "20000000", "--seed", "7"]),
            ("flood", ["--synflood", "15000", "--gap-ns", "3000000", "--seed", "3"]),
            ("dense", ["--size", "3M", "--seed", "11"]),
        ]
        for (name, args) in cases {
            let file = dir.appendingPathComponent("\(name).pcap").path
            try run(gen, ["-o", file] + args)
            var configuration = AnalyzerConfiguration()
            configuration.idleTimeout = 60_000_000_000
            let one = ShardedAnalyzerTests.output(threads: 1, configuration: configuration, ShardedAnalyzerTests.frames(of: file))
            #expect(one.count > 1000, "\(name): \(one.count) lines")
            for threads in [2, 3] {
                let many = ShardedAnalyzerTests.output(threads: threads, configuration: configuration, ShardedAnalyzerTests.frames(of: file))
                #expect(firstDifference(one, many) == "same", "\(name), \(threads) threads: \(firstDifference(one, many))")
            }
        }
    }

    func run(_ tool: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(tool) \(arguments) exited \(process.terminationStatus)")
    }
}

/// Where two outputs first differ (for the failure message).
func firstDifference(_ a: [String], _ b: [String]) -> String {
    if a == b { return "same" }
    for i in 0..<min(a.count, b.count) where a[i] != b[i] {
        return "line \(i + 1):\n  one:  \(a[i].prefix(400))\n  many: \(b[i].prefix(400))"
    }
    return "\(a.count) lines against \(b.count)"
}
