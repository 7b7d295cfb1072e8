import Foundation
import SSHRSTCapture
import SSHRSTReport
import Testing

/// Bad capture files: one clear, typed error naming the file and the problem,
/// and the flows read before the damage still reported. Never a trap.
@Suite struct BadInputTests {
    static let demo = Paths.captures.appendingPathComponent("demo.pcap")

    func temporary(_ name: String, _ bytes: [UInt8]) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sshrst-test-\(getpid())-\(name)")
        try Data(bytes).write(to: url)
        return url.path
    }

    func demoBytes() throws -> [UInt8] { [UInt8](try Data(contentsOf: BadInputTests.demo)) }

    @Test func missingFile() {
        let (_, error) = analyze("/nonexistent/sshrst.pcap")
        #expect(error?.kind == .open)
        #expect(error?.description.contains("/nonexistent/sshrst.pcap") == true)
    }

    @Test func notACapture() throws {
        let path = try temporary("text", Array("this is not a capture file\n".utf8))
        let (_, error) = analyze(path)
        #expect(error?.kind == .notACapture)
    }

    @Test func emptyFile() throws {
        let path = try temporary("empty", [])
        #expect(analyze(path).error?.kind == .notACapture)
    }

    @Test func truncatedFileHeader() throws {
        let path = try temporary("header", Array(try demoBytes().prefix(20)))
        #expect(analyze(path).error?.kind == .truncatedHeader)
    }

    @Test func truncatedLastRecordKeepsEarlierFlows() throws {
        let bytes = try demoBytes()
        let path = try temporary("tail", Array(bytes.prefix(bytes.count - 30)))
        let (records, error) = analyze(path)
        #expect(error?.kind == .truncatedRecord)
        let flows = records.filter { $0["type"]?.stringValue == "flow" }
        #expect(flows.count == 3, "the flows read before the cut are still reported")
        #expect(records.last?["type"]?.stringValue == "summary")
    }

    @Test func corruptRecordLength() throws {
        var bytes = try demoBytes()
        // First record's captured length (offset 24 + 8): impossible.
        bytes[32] = 0xff; bytes[33] = 0xff; bytes[34] = 0xff; bytes[35] = 0x7f
        let (_, error) = analyze(try temporary("corrupt", bytes))
        #expect(error?.kind == .corruptRecord)
        #expect(error?.description.contains("exceeds") == true)
    }

    @Test func unsupportedLinkType() throws {
        var bytes = try demoBytes()
        bytes[20] = 147  // LINKTYPE_USER0, little-endian file
        bytes[21] = 0
        #expect(analyze(try temporary("link", bytes)).error?.kind == .unsupportedLinkType)
    }

    @Test func pcapngIsReadThroughLibpcap() throws {
        // A real pcapng conversion of the demo capture, made with tshark when present.
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("sshrst-test-\(getpid()).pcapng").path
        let tshark = ["/usr/bin/tshark", "/usr/local/bin/tshark"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let editcap = ["/usr/bin/editcap", "/usr/local/bin/editcap"].first { FileManager.default.isExecutableFile(atPath: $0) }
        try #require(tshark != nil || editcap != nil, "editcap/tshark is needed to make a pcapng (Scripts/test installs tshark)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: editcap ?? "")
        process.arguments = ["-F", "pcapng", BadInputTests.demo.path, out]
        try process.run()
        process.waitUntilExit()
        let (records, error) = analyze(out)
        #expect(error == nil)
        let classic = analyze(BadInputTests.demo.path).records
        #expect(records.map { $0.serialized() } == classic.map { $0.serialized() }, "pcapng and pcap give the same records")
        // pcapng with a broken block length: a clear error, not a crash.
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: out)))
        if bytes.count > 300 {
            bytes[bytes.count - 200] ^= 0xff
            bytes[bytes.count - 199] ^= 0xff
        }
        _ = analyze(try temporary("ng", bytes))
    }

    /// Every prefix length of a real capture (sampled) and random byte flips in
    /// its headers: always a value, never a trap.
    @Test func mutationSweep() throws {
        let bytes = try demoBytes()
        var lengths = Array(stride(from: 0, to: bytes.count, by: 97))
        lengths.append(contentsOf: 0..<64)
        for n in lengths {
            let (records, _) = analyze(try temporary("prefix", Array(bytes.prefix(n))))
            if n >= 24 { #expect(records.last?["type"]?.stringValue == "summary") }
        }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<150 {
            var mutated = bytes
            for _ in 0..<8 {
                let i = Int.random(in: 24..<mutated.count, using: &generator)
                mutated[i] = UInt8.random(in: 0...255, using: &generator)
            }
            _ = analyze(try temporary("flip", mutated))
        }
    }
}
