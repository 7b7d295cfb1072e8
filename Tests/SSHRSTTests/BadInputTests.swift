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

    @Test func directory() {
        let error = analyze(FileManager.default.temporaryDirectory.path).error
        #expect(error?.kind == .open)
        #expect(error?.message == "cannot open: Is a directory")
    }

    /// A gzip member (RFC 1952) around deflate stored blocks (RFC 1951 §3.2.4), built here so that the
    /// test needs no compressor: zlib must give back the bytes, and the analysis must not change.
    static func gzipStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]
        var offset = 0
        repeat {
            let n = min(65_535, data.count - offset)
            let final: UInt8 = offset + n == data.count ? 1 : 0
            out += [final, UInt8(n & 0xff), UInt8(n >> 8), UInt8(~n & 0xff), UInt8((~n >> 8) & 0xff)]
            out += data[offset..<(offset + n)]
            offset += n
        } while offset < data.count
        var crc: UInt32 = 0xffff_ffff
        for byte in data {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xedb8_8320 : crc >> 1 }
        }
        crc = ~crc
        let size = UInt32(truncatingIfNeeded: data.count)
        for v in [crc, size] { out += [UInt8(v & 0xff), UInt8(v >> 8 & 0xff), UInt8(v >> 16 & 0xff), UInt8(v >> 24)] }
        return out
    }

    @Test func gzipCaptureReadsAsThePlainOne() throws {
        let plain = analyze(BadInputTests.demo.path)
        let path = try temporary("demo.gz", BadInputTests.gzipStored(try demoBytes()))
        let (records, error) = analyze(path)
        #expect(error == nil)
        #expect(records.count == plain.records.count)
        #expect(records.map { $0.serialized() } == plain.records.map { $0.serialized() })
    }

    @Test func gzipCutShort() throws {
        let whole = BadInputTests.gzipStored(try demoBytes())
        let path = try temporary("cut.gz", Array(whole.prefix(whole.count - 5000)))
        let (records, error) = analyze(path)
        #expect(error?.kind == .truncatedRecord)
        #expect(error?.message.hasPrefix("gzip stream cut short after ") == true)
        #expect(records.contains { $0["type"]?.stringValue == "flow" }, "flows read before the cut are reported")
    }

    @Test func gzipDamagedTrailer() throws {
        var bytes = BadInputTests.gzipStored(try demoBytes())
        bytes[bytes.count - 8] ^= 0xff  // CRC-32
        let (_, error) = analyze(try temporary("crc.gz", bytes))
        #expect(error?.kind == .corruptRecord)
        #expect(error?.message.contains("damaged gzip stream") == true)
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
