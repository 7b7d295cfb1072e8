import Foundation
import SSHRST
import SSHRSTCapture
import SSHRSTReport
import SSHRSTTransport
import SSHRSTWire
import Testing

/// Fuzz inputs replayed through the same entry points as the libFuzzer harnesses in Tests/Fuzz
/// (built and run by Scripts/fuzz). Each test only asserts that the input does not crash, the
/// swift-nio-ssh FuzzResultTests practice: a crasher found by `Scripts/fuzz` becomes a named
/// `@Test` here with its base64 (`base64 -w0 fuzz-work/<harness>/crash-...`), after the fix.
///
/// No harness has found a crasher so far. The named inputs below pin hostile shapes written by
/// hand in the harnesses' input formats, and `seedCorporaReplay` replays every committed seed,
/// so a change of input format that breaks the corpora fails here rather than silently.
@Suite struct FuzzRegressionTests {
    // MARK: Named inputs

    /// Transport: banner across the 2^32 sequence wrap, `packet_length` 0xFFFFFFFF, nine disjoint
    /// out-of-order segments (more than `maxHeldSegments`), then the hole, an SSH-1.99 banner and a
    /// mid-stream summary after a -128 sequence delta.
    @Test func transportWrapHugeLengthAndHeldOverflow() throws {
        try FuzzReplay.transport(base64: """
            Bv////AUU1NILTIuMC1PcGVuU1NIXzkuNg0AAAEKAAAJ/////woUAAAAAwAAA+gKAAECAwQFBgcICQMAAARMCgABAgMEBQYH\
            CAkDAAAEsAoAAQIDBAUGBwgJAwAABRQKAAECAwQFBgcICQMAAAV4CgABAgMEBQYHCAkDAAAF3AoAAQIDBAUGBwgJAwAABkAK\
            AAECAwQFBgcICQMAAAakCgABAgMEBQYHCAkDAAAHCAoAAQIDBAUGBwgJAwAAA97/U1NILTEuOTkteA0KAAAAAAAAAAAAAAAA\
            AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\
            AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\
            AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\
            AAAAAAAAAAAAAAAAAAAAMYAFAAAAAAA=
            """)
    }

    /// Engine, one flow at most: an empty frame on every link type, two SYNs (eviction), a RST sent
    /// 500 ms back in time, data after the reset, an idle tick 16383 s ahead, a raw-IP RST+ACK.
    @Test func engineEmptyFramesEvictionAndTimeGoingBack() throws {
        try FuzzReplay.engine(base64: """
            EQAAAAAAAQAAAAACAAAAAAMAAAAABAAAAAAFAAAAAAYAAAAABwAAAAAIAAAAAAkAAAAACgAAAAAAAAUANgAAAAAAAAAAAAAA\
            AAgARQAAKAABQABABgAACgAAAQoAAAmcQAAWAAAAAQAAAABQAv//AAAAAAAABQA2AAAAAAAAAAAAAAAACABFAAAoAAFAAEAG\
            AAAKAAACCgAACZxBABYAAAABAAAAAFAC//8AAAAAAMH0ADYAAAAAAAAAAAAAAAAIAEUAACgAAUAAQAYAAAoAAAEKAAAJnEAA\
            FgAAAAEAAAAAUAT//wAAAAAAAAAARQAAAAAAAAAAAAAAAAgARQAANwABQABABgAACgAAAQoAAAmcQAAWAAAAAgAAAABQGP//\
            AAAAAFNTSC0yLjAteA0KAAD//4C//wAAAgABAChFAAAoAAFAAEAGAAAKAAADCgAACQABABYAAAABAAAAAFAU//8AAAAA
            """)
    }

    /// Dissector: Ethernet with four 802.1Q tags, IPv6 with a routing then a fragment header.
    @Test func dissectorVLANStackAndIPv6ExtensionChain() throws {
        try FuzzReplay.dissector(base64: """
            AQAAAAAAAAAAAAAAAIEAAAGBAAABgQAAAYEAAAGG3WAAAAAAKABAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAr\
            AAAAAAAAACwAAAAAAAAABgAAAQAAAAA=
            """)
    }

    /// Dissector: raw IPv4 (total length 0) carrying GRE with checksum, key and sequence flags and
    /// transparent-bridging payload cut before its Ethernet type.
    @Test func dissectorTruncatedGREBridging() throws {
        try FuzzReplay.dissector(base64: "AkUAAAAAAQAAQC8AAAECAwQFBgcIsABlWAAAAAAAAAAAAAAAAA==")
    }

    // MARK: Seed corpora

    /// Every committed seed (Tests/Fuzz/Corpus/<harness>/) through its harness's entry point.
    @Test func seedCorporaReplay() throws {
        let corpus = Paths.package.appendingPathComponent("Tests/Fuzz/Corpus")
        var replayed = 0
        for harness in ["dissector", "transport", "engine"] {
            let dir = corpus.appendingPathComponent(harness)
            let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
            for name in names {
                let input = [UInt8](try Data(contentsOf: dir.appendingPathComponent(name)))
                switch harness {
                case "dissector": FuzzReplay.dissector(input)
                case "transport": FuzzReplay.transport(input)
                default: FuzzReplay.engine(input)
                }
                replayed += 1
            }
        }
        #expect(replayed > 0)
    }
}

/// The harnesses' input decoders (Tests/Fuzz/FuzzDissector.swift, FuzzTransport.swift,
/// FuzzEngine.swift), kept in step with them: same formats, same entry points.
enum FuzzReplay {
    struct BadBase64: Error {}

    static func decode(_ text: String) throws -> [UInt8] {
        guard let data = Data(base64Encoded: text.filter { !$0.isWhitespace }) else { throw BadBase64() }
        return [UInt8](data)
    }

    static func dissector(base64: String) throws { dissector(try decode(base64)) }
    static func transport(base64: String) throws { transport(try decode(base64)) }
    static func engine(base64: String) throws { engine(try decode(base64)) }

    static let dissectorDLTs: [Int32] = [0, 1, 12, 14, 101, 108, 113, 228, 229, 276, 147]
    static let engineDLTs: [Int32] = [1, 0, 12, 113, 276, 108, 101, 228, 229, 14, 147]

    /// [selector][frame]: `Dissector.dissect`.
    static func dissector(_ input: [UInt8]) {
        guard let selector = input.first else { return }
        let frame = Array(input.dropFirst())
        let dissection = try? Dissector.dissect(
            LinkType(dlt: dissectorDLTs[Int(selector) % dissectorDLTs.count]), frame.span)
        if case .tcp(let segment) = dissection {
            #expect(segment.payload.lowerBound >= 0 && segment.payload.upperBound <= frame.count)
        }
    }

    /// Records [flags][seq: 4 or delta 1][length: 2 or 1][payload]: `SSHTransportSession`.
    static func transport(_ input: [UInt8]) {
        var session = SSHTransportSession()
        var cursor: [UInt32] = [0, 0]
        var i = 0
        let n = input.count
        while i < n {
            let flags = input[i]
            i += 1
            let side: SSHSide = flags & 0x01 == 0 ? .originator : .responder
            let s = Int(side.rawValue)
            var sequence: UInt32
            if flags & 0x02 != 0 {
                guard i + 4 <= n else { break }
                sequence = UInt32(input[i]) << 24 | UInt32(input[i + 1]) << 16 | UInt32(input[i + 2]) << 8
                    | UInt32(input[i + 3])
                i += 4
            } else {
                guard i < n else { break }
                sequence = cursor[s] &+ UInt32(bitPattern: Int32(Int8(bitPattern: input[i])))
                i += 1
            }
            var length: Int
            if flags & 0x08 != 0 {
                guard i + 2 <= n else { break }
                length = Int(input[i]) << 8 | Int(input[i + 1])
                i += 2
            } else {
                guard i < n else { break }
                length = Int(input[i])
                i += 1
            }
            length = min(length, n - i)
            if flags & 0x04 != 0 { session.setStart(side, sequence: sequence) }
            let payload = Array(input[i..<(i + length)])
            i += length
            session.ingest(side, sequence: sequence, payload: payload.span)
            cursor[s] = sequence &+ UInt32(truncatingIfNeeded: length)
            if flags & 0x30 == 0x30 { _ = session.summary() }
        }
        session.finish()
        let summary = session.summary()
        _ = summary.negotiation
        _ = summary.anomalies
    }

    /// [configuration] then records [selector][time delta: 2][length: 2][frame]: `Analyzer`.
    static func engine(_ input: [UInt8]) {
        guard let c = input.first else { return }
        var configuration = AnalyzerConfiguration()
        configuration.maxFlows = [1, 2, 3, 4, 8, 16, 32, 64][Int(c & 7)]
        if c & 0x08 != 0 { configuration.sshPorts = [22, 2222] }
        if c & 0x10 != 0 {
            configuration.closeDelay = 1_000_000
            configuration.synTimeout = 1_000_000_000
        }
        if c & 0x20 != 0 { configuration.reorderLimit = 2 }
        if c & 0x40 != 0 { configuration.patternMemory = 4 }
        var written = 0
        let analyzer = Analyzer(configuration: configuration) { written += $0.serialized().utf8.count }
        var time: Int64 = 1_700_000_000_000_000_000
        var i = 1
        let n = input.count
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
            let linkType = LinkType(dlt: engineDLTs[Int(selector & 0x7f) % engineDLTs.count])
            let frame = Array(input[i..<(i + length)])
            i += length
            analyzer.ingest(Frame(time: time, capturedLength: length, wireLength: length, linkType: linkType), frame.span)
        }
        written += analyzer.finish().serialized().utf8.count
        #expect(written > 0)
    }
}
