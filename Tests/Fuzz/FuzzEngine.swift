// libFuzzer harness: the whole engine (SSHRST.Analyzer) over a sequence of frames.
// Built by Scripts/fuzz (not a SwiftPM target; SwiftPM ignores Tests/Fuzz).
//
// Input: [configuration: 1 byte] then records, each
//   [selector: 1 byte] [time delta: 2 bytes BE] [length: 2 bytes BE] [frame: length bytes (clamped)]
// configuration: maxFlows = [1, 2, 3, 4, 8, 16, 32, 64][c & 7] (64: never full, an input of at most
//   2048 bytes holds at most 45 flows; a bigger table would only cost a fresh mmap per execution); c & 0x08: ports 22 and 2222;
//   c & 0x10: closeDelay 1 ms, synTimeout 1 s; c & 0x20: reorderLimit 2; c & 0x40: patternMemory 4.
// selector: the DLT is FuzzEngine.dlts[(selector & 0x7f) % count]; selector & 0x80: no frame, call
//   `advance(to:)` (live capture's idle tick) at the new time instead.
// time delta (14-bit value v, unit by the top 2 bits): 00 v µs, 01 v ms, 10 v s, 11 -v ms (time runs back).
// Every record the sink receives, and the summary from finish(), is serialized (into one
// ByteSink kept across executions: the JSON writer runs, without a String per record).
// Per execution only what the input decides is set up: the input is read in place (no copy),
// and the analyzer is the only allocation of note.
// Tests/SSHRSTTests/FuzzRegressionTests.swift replays inputs with the same decoder.

import SSHRST
import SSHRSTCapture
import SSHRSTReport
import SSHRSTWire

enum FuzzEngine {
    static let dlts: [Int32] = [1, 0, 12, 113, 276, 108, 101, 228, 229, 14, 147]
    static let maxFlows = [1, 2, 3, 4, 8, 16, 32, 64]

    nonisolated(unsafe) static var sink = ByteSink(capacity: 1 << 16)

    static func run(_ input: Span<UInt8>) {
        guard !input.isEmpty else { return }
        let c = input[0]
        var configuration = AnalyzerConfiguration()
        configuration.maxFlows = maxFlows[Int(c & 7)]
        if c & 0x08 != 0 { configuration.sshPorts = [22, 2222] }
        if c & 0x10 != 0 {
            configuration.closeDelay = 1_000_000
            configuration.synTimeout = 1_000_000_000
        }
        if c & 0x20 != 0 { configuration.reorderLimit = 2 }
        if c & 0x40 != 0 { configuration.patternMemory = 4 }
        let analyzer = Analyzer(configuration: configuration) { record in
            FuzzEngine.sink.removeAll()
            record.write(into: &FuzzEngine.sink)
        }
        var time: Int64 = 1_700_000_000_000_000_000
        var i = 1
        let n = input.count
        let all = input  // frames are sub-spans: Swift's bounds checks guard them, no copy
        while i + 5 <= n {
            let selector = input[i]
            let delta = Int64(input[i + 1]) << 8 | Int64(input[i + 2])
            var length = Int(input[i + 3]) << 8 | Int(input[i + 4])
            i += 5
            let v = delta & 0x3fff
            switch delta >> 14 {
            case 0: time &+= v &* 1_000
            case 1: time &+= v &* 1_000_000
            case 2: time &+= v &* 1_000_000_000
            default: time &-= v &* 1_000_000
            }
            if selector & 0x80 != 0 {
                analyzer.advance(to: time)
                continue
            }
            length = min(length, n - i)
            let linkType = LinkType(dlt: dlts[Int(selector & 0x7f) % dlts.count])
            let frame = all.extracting(i..<(i + length))
            i += length
            analyzer.ingest(Frame(time: time, capturedLength: length, wireLength: length, linkType: linkType), frame)
        }
        let summary = analyzer.finish()
        sink.removeAll()
        summary.write(into: &sink)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEngine(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    FuzzEngine.run(UnsafeBufferPointer(start: data, count: size).span)
    return 0
}
