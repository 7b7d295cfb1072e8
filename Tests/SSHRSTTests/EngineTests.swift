import Foundation
import SSHRST
import SSHRSTCapture
import SSHRSTReport
import Testing

@Suite struct EngineTests {
    func run(_ name: String, asText: Bool = false, configure: (inout AnalyzerConfiguration) -> Void) -> [String] {
        var configuration = AnalyzerConfiguration()
        configure(&configuration)
        var lines: [String] = []
        let analyzer = Analyzer(configuration: configuration) { lines.append($0.serialized()) }
        if asText { analyzer.textSink = { text in lines.append(String(decoding: text.indices.map { text[$0] }, as: UTF8.self)) } }
        try? OfflineSource.read(path: Paths.captures.appendingPathComponent(name).path, filter: nil) { frame, bytes in
            analyzer.ingest(frame, bytes)
            return .proceed
        }
        analyzer.finish()
        return lines
    }

    /// Records held back for first-packet order spill to a file past the limit
    /// and come back identical and in order.
    @Test func spilledRecordsKeepOrderAndContent() {
        let reference = run("mixed.pcap") { _ in }
        let spilled = run("mixed.pcap") { $0.reorderLimit = 1 }
        #expect(reference.count >= 7)
        #expect(spilled == reference)
    }

    /// Records written as built, straight from the record writer (JSON Lines output), are the records the
    /// sink gets otherwise, in the same order, whether they waited or not; most here do not.
    @Test func recordsLentAsTextAreTheRecords() {
        for name in ["mixed.pcap", "demo.pcap", "clean-session.pcap"] {
            let reference = run(name) { _ in }
            #expect(reference.count >= 2)
            #expect(run(name, asText: true) { _ in } == reference)
            #expect(run(name, asText: true) { $0.reorderLimit = 1 } == reference)
            #expect(run(name, asText: true) { $0.ordered = false }.sorted() == reference.sorted())
        }
    }

    /// A full table evicts the least recently active flow, reports it as it
    /// stands, and counts it.
    @Test func evictionIsCountedNeverFatal() throws {
        let lines = run("mixed.pcap") { $0.maxFlows = 2 }
        let summary = try #require(lines.last.flatMap { JSONParser.parse($0) })
        #expect(summary["type"]?.stringValue == "summary")
        #expect((summary["flows_evicted"]?.intValue ?? 0) > 0)
        let flows = lines.compactMap { JSONParser.parse($0) }.filter { $0["type"]?.stringValue == "flow" }
        #expect(flows.contains { ($0["anomalies"]?.arrayValue ?? []).contains(.string("flow_evicted")) })
    }

    /// The same input gives byte-identical output.
    @Test func deterministic() {
        #expect(run("demo.pcap") { _ in } == run("demo.pcap") { _ in })
    }

    /// A host key that changes for the same server address and port between
    /// flows gives a host_key_change pattern (the guide's possible MITM warning).
    /// Two lab recordings (separate sshd runs, so separate host keys, same
    /// server 203.0.113.10:22) read as one capture; one recording alone gives none.
    @Test func hostKeyChangePattern() throws {
        var lines: [String] = []
        let analyzer = Analyzer { lines.append($0.serialized()) }
        for name in ["clean-session.pcap", "demo.pcap"] {
            try OfflineSource.read(path: Paths.captures.appendingPathComponent(name).path, filter: nil) { frame, bytes in
                analyzer.ingest(frame, bytes)
                return .proceed
            }
        }
        analyzer.finish()
        let patterns = lines.compactMap { JSONParser.parse($0) }.filter { $0["kind"]?.stringValue == "host_key_change" }
        #expect(patterns.count == 1)
        #expect(patterns.first?["server"]?.stringValue == "203.0.113.10:22")
        #expect(patterns.first?["flows"]?.arrayValue?.count == 2)
        #expect(!run("demo.pcap") { _ in }.contains { $0.contains("\"host_key_change\"") })
    }
}
