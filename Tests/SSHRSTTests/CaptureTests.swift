import Foundation
import SSHRSTReport
import SSHRSTCapture
import SSHRSTWire
import Testing

/// The recorded captures in Captures/: each against its reviewed golden
/// (`<name>.expected.jsonl`, compared on the fields `sshrst check` compares)
/// and against the truth of how it was built (`<name>.truth.json`).
@Suite struct CaptureTests {
    static let names: [String] = {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: Paths.captures.path)) ?? []
        return files.filter { $0.hasSuffix(".pcap") }.map { String($0.dropLast(5)) }.sorted()
    }()

    @Test func capturesArePresent() {
        #expect(CaptureTests.names.count >= 15)
    }

    /// Golden regression. SSHRST_RECORD=1 rewrites the goldens and fails on purpose:
    /// a re-recorded golden must be reviewed (git diff) before it is committed.
    @Test(arguments: CaptureTests.names)
    func golden(_ name: String) throws {
        let pcap = Paths.captures.appendingPathComponent(name + ".pcap").path
        let goldenURL = Paths.captures.appendingPathComponent(name + ".expected.jsonl")
        let (records, error) = analyze(pcap)
        #expect(error == nil)
        if ProcessInfo.processInfo.environment["SSHRST_RECORD"] == "1" {
            let text = records.map { $0.serialized() + "\n" }.joined()
            try text.write(to: goldenURL, atomically: true, encoding: .utf8)
            Issue.record(Comment(rawValue: "recorded \(goldenURL.lastPathComponent): review the diff, then run again without SSHRST_RECORD"))
            return
        }
        let golden = try String(contentsOf: goldenURL, encoding: .utf8)
        let expected = golden.split(separator: "\n").compactMap { JSONParser.parse(String($0)) }
            .filter { $0["type"]?.stringValue == "flow" }
        let actual = records.filter { $0["type"]?.stringValue == "flow" }
        let differences = GoldenComparison.compare(expected: expected, actual: actual)
        #expect(differences.isEmpty, Comment(rawValue: "\(name):\n" + differences.joined(separator: "\n")))
    }

    /// Truth from construction: outcome and phase must match; the attribution of
    /// the RST (or ICMP) that ended each flow must be the true sender or
    /// `undetermined` — never another party.
    @Test(arguments: CaptureTests.names)
    func truth(_ name: String) throws {
        let truthURL = Paths.captures.appendingPathComponent(name + ".truth.json")
        let truth = try #require(try loadJSONObject(truthURL) as? [String: Any])
        let flows = try #require(truth["flows"] as? [[String: Any]])
        let (records, _) = analyze(Paths.captures.appendingPathComponent(name + ".pcap").path)
        let reported = records.filter { $0["type"]?.stringValue == "flow" }
        for t in flows {
            let serverPort = try #require(t["server_port"] as? Int)
            let clientPort = t["client_port"] as? Int
            let candidates = reported.filter {
                $0.at("server.port")?.intValue == serverPort && (clientPort == nil || $0.at("client.port")?.intValue == clientPort)
            }
            let label = "\(name) client port \(clientPort.map(String.init) ?? "any") -> \(serverPort)"
            guard let flow = candidates.first else {
                Issue.record("\(label): flow not reported")
                continue
            }
            #expect(flow["outcome"]?.stringValue == t["outcome"] as? String, "\(label): outcome")
            if let phase = t["phase"] as? String {
                #expect(flow["phase"]?.stringValue == phase, "\(label): phase")
            }
            if let sender = t["reset_by"] as? String {
                let attribution = flow.at("reset.attribution")?.stringValue
                    ?? flow["icmp"]?.arrayValue?.first?["attribution"]?.stringValue
                #expect(attribution == sender || attribution == "undetermined", "\(label): attributed to \(attribution ?? "nothing"), truth \(sender)")
                if attribution == "undetermined" {
                    let reason = flow.at("reset.reason")?.stringValue ?? ""
                    #expect(reason.count > 0, "\(label): undetermined without a reason")
                }
            } else {
                #expect(flow["reset"]?.isNull ?? true, "\(label): no RST was sent, but one is reported")
            }
            // The diagnosis, where the construction fixes it (a forwarder with no backend, an idle expiry).
            if let cause = t["cause"] as? String {
                #expect(flow.at("diagnosis.cause")?.stringValue == cause, "\(label): diagnosis \(flow.at("diagnosis.cause")?.stringValue ?? "none"), truth \(cause)")
            }
        }
    }

    static let snapLengths = [54, 68, 96, 128]

    /// Truth at the snap lengths of header-only captures (issue 16): every capture cut in-process, frame by frame,
    /// to 54, 68, 96 and 128 bytes. Every flow kept (unless not one TCP byte is left: IPv6 over Ethernet below
    /// 58), the true outcome, the RST or ICMP error attributed to its true sender or `undetermined`, never more
    /// confidently than in the whole capture; the phase at most the truth's (`encrypted` for auth/session).
    @Test(arguments: CaptureTests.names, CaptureTests.snapLengths)
    func truthWhenCut(_ name: String, _ snap: Int) throws {
        let truthURL = Paths.captures.appendingPathComponent(name + ".truth.json")
        let truth = try #require(try loadJSONObject(truthURL) as? [String: Any])
        let flows = try #require(truth["flows"] as? [[String: Any]])
        // SSH on another port is known by its banner, which the cut may remove: name the truth's ports.
        let ports = Array(Set(flows.compactMap { $0["server_port"] as? Int }.map { UInt16($0) } + [22])).sorted()
        let path = Paths.captures.appendingPathComponent(name + ".pcap").path
        let whole = analyze(path, ports: ports).records.filter { $0["type"]?.stringValue == "flow" }
        let (records, failure) = analyze(path, ports: ports, snap: snap)
        #expect(failure == nil)
        let reported = records.filter { $0["type"]?.stringValue == "flow" }
        let tcpStart = 14 + ((truth["family"] as? Int) == 6 ? 40 : 20)
        let rank = ["tcp": 0, "version": 1, "kex": 2, "encrypted": 3, "auth": 3, "session": 3]
        for t in flows {
            let serverPort = try #require(t["server_port"] as? Int)
            let clientPort = t["client_port"] as? Int
            let label = "\(name) -s \(snap) client port \(clientPort.map(String.init) ?? "any") -> \(serverPort)"
            let pick = { (list: [JSON]) in
                list.first { $0.at("server.port")?.intValue == serverPort && (clientPort == nil || $0.at("client.port")?.intValue == clientPort) }
            }
            guard let flow = pick(reported) else {
                #expect(snap < tcpStart + 4, "\(label): flow not reported")
                continue
            }
            #expect(flow["outcome"]?.stringValue == t["outcome"] as? String, "\(label): outcome")
            if let phase = t["phase"] as? String, let got = flow["phase"]?.stringValue {
                let ok = (got == phase) || (got != "auth" && got != "session" && (rank[got] ?? 99) <= (rank[phase] ?? -1))
                #expect(ok, "\(label): phase \(got), truth \(phase)")
            }
            if let sender = t["reset_by"] as? String {
                let attribution = flow.at("reset.attribution")?.stringValue
                    ?? flow["icmp"]?.arrayValue?.first?["attribution"]?.stringValue
                #expect(attribution == sender || attribution == "undetermined", "\(label): attributed to \(attribution ?? "nothing"), truth \(sender)")
            } else {
                #expect(flow["reset"]?.isNull ?? true, "\(label): no RST was sent, but one is reported")
            }
            // Never more confident, never another party, than the whole capture.
            if let w = pick(whole) {
                let cutResets = flow["resets"]?.arrayValue ?? []
                let wholeResets = w["resets"]?.arrayValue ?? []
                for (c, r) in zip(cutResets, wholeResets) {
                    let a = c["attribution"]?.stringValue
                    #expect(a == r["attribution"]?.stringValue || a == "undetermined", "\(label): RST attribution changed")
                    let cc = Double(c["confidence"]?.serialized() ?? "") ?? 0
                    let rc = Double(r["confidence"]?.serialized() ?? "") ?? 0
                    #expect(cc <= rc, "\(label): confidence \(cc) above the whole capture's \(rc)")
                }
            }
        }
    }
}

@Suite struct SpillFileTests {
    /// Records of many sizes across several write blocks, read back in another order than written (first from
    /// the unflushed buffer, then from disk through the read window, then backwards), must be the bytes written.
    @Test func readsBackEveryRecordAcrossBlocks() throws {
        let file = SpillFile()
        #expect(file.isAvailable)
        var places: [(offset: Int, length: Int, seed: UInt8)] = []
        var total = 0
        var i = 0
        while total < 3 * (1 << 20) + 12345 {
            let length = (i * 7919) % 5000  // 0 ..< 5000, empty records included
            let seed = UInt8(truncatingIfNeeded: i)
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0) &+ seed }
            let place = try #require(file.append(bytes))
            #expect(place.length == length)
            places.append((place.offset, place.length, seed))
            total += length
            i += 1
        }
        func check(_ p: (offset: Int, length: Int, seed: UInt8)) {
            let expected = (0..<p.length).map { UInt8(truncatingIfNeeded: $0) &+ p.seed }
            #expect(file.read(offset: p.offset, length: p.length) == expected)
        }
        check(places[places.count - 1])  // still in the write buffer
        for p in places { check(p) }
        for p in places.reversed() where p.offset % 3 == 0 { check(p) }
        #expect(file.read(offset: total, length: 1) == nil)
        #expect(file.read(offset: -1, length: 1) == nil)
    }

    /// Records read back alternately from two places far apart in the file (a run of neighbours, and the
    /// flows that finished late among them) are served from two windows: one `pread` per window, not one per
    /// switch. With a single window this made 2 * 40 fills.
    @Test func alternatingReadsKeepTheirWindows() throws {
        let file = SpillFile()
        var places: [(offset: Int, length: Int)] = []
        for i in 0..<3_200 {  // a write block holds 1,048 of them: the first three blocks are on disk
            places.append(try #require(file.append([UInt8](repeating: UInt8(truncatingIfNeeded: i), count: 1_000))))
        }
        for i in 0..<40 {
            let near = places[i], far = places[2_000 - i]
            #expect(file.read(offset: near.offset, length: near.length) == [UInt8](repeating: UInt8(truncatingIfNeeded: i), count: 1_000))
            #expect(file.read(offset: far.offset, length: far.length) == [UInt8](repeating: UInt8(truncatingIfNeeded: 2_000 - i), count: 1_000))
        }
        // 40 KB of records on each side: three 16 KB windows each, and one more where a record straddles the
        // end of a window (9 fills in all, against 80 with one window).
        #expect(file.fills <= 10)
        #expect(file.fills >= 6)
    }
}

/// ByteSink's inline copies and decimal digits against the standard library's.
@Suite struct ByteSinkTests {
    func text(_ fill: (inout ByteSink) -> Void) -> String {
        var sink = ByteSink(capacity: 64)
        fill(&sink)
        return sink.withBytes { String(decoding: $0, as: UTF8.self) }
    }

    /// Addresses written straight into a record's bytes (after other text, which may end in a colon) read
    /// as their `description`: random addresses with runs of zero groups, IPv4 and IPv4-mapped ones.
    @Test func addressesWrittenInPlaceReadAsTheirDescription() {
        var generator = SystemRandomNumberGenerator()
        func word() -> UInt64 {
            var w: UInt64 = 0
            for i in 0..<4 where Bool.random(using: &generator) { w |= UInt64(UInt16.random(in: 0...0xffff, using: &generator)) << (16 * i) }
            return w
        }
        var addresses = [IPAddress(v4: 0), IPAddress(v4: 0xffff_ffff), IPAddress(v6High: 0, v6Low: 0),
                         IPAddress(v6High: 0, v6Low: 1), IPAddress(v6High: 1 << 48, v6Low: 0), IPAddress(v6High: 0, v6Low: 0xffff_c000_0201)]
        for _ in 0..<2_000 {
            addresses.append(IPAddress(v6High: word(), v6Low: word()))
            addresses.append(IPAddress(v4: UInt32.random(in: 0...UInt32.max, using: &generator)))
        }
        // Every octet value, as all four octets and beside octets of each length (texts of 7 to 15 bytes).
        for o in UInt32(0)...255 {
            addresses += [IPAddress(v4: o &* 0x0101_0101), IPAddress(v4: o << 24 | 5), IPAddress(v4: 0x0a00_0000 | o << 8 | 99)]
        }
        for a in addresses {
            #expect(text { sink in sink.append(UInt8(ascii: ":")); a.write(to: &sink) } == ":" + a.description)
            var w = JSONWriter(capacity: 64)
            w.run("[")
            w.runPlain(a)
            w.run("]")
            #expect(String(decoding: w.bytes, as: UTF8.self) == "[\"\(a.description)\"]")
        }
    }

    /// The word-at-a-time test against the byte-by-byte rule, on every length up to 72 and every position of a
    /// byte that needs escaping, among bytes next to the word tests' edges (0x1f/0x20, 0x21/0x23, 0x5b/0x5d,
    /// 0x7f/0x80, 0xff).
    @Test func escapingTestMatchesTheByteRule() {
        let plain: [UInt8] = [0x20, 0x21, 0x23, 0x41, 0x5b, 0x5d, 0x7f, 0x80, 0xc3, 0xff]
        let special: [UInt8] = [0x00, 0x0a, 0x1f, 0x22, 0x5c]
        var generator = SystemRandomNumberGenerator()
        func slow(_ b: [UInt8]) -> Bool { b.contains { $0 < 0x20 || $0 == 0x22 || $0 == 0x5c } }
        for n in 0...72 {
            for trial in 0..<(n + 20) {
                var bytes = (0..<n).map { _ in plain.randomElement(using: &generator)! }
                if trial < n { bytes[trial] = special.randomElement(using: &generator)! }
                let fast = bytes.withUnsafeBufferPointer { ByteSink.needsJSONEscaping($0) }
                #expect(fast == slow(bytes), "\(bytes)")
            }
        }
    }

    /// Decimal digits in the byte sink and in stack text against the standard library: every power of ten and
    /// its neighbours, random values, zero padding.
    @Test func decimalsMatchTheStandardLibrary() {
        var values: [UInt64] = [0, 1, 9, 10, 11, 99, 100, 101, 999, 1_000, UInt64.max, UInt64.max - 1, 1 << 63]
        var p: UInt64 = 1
        for _ in 0..<19 {
            p *= 10
            values += [p - 1, p, p + 1]
        }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 { values.append(generator.next() >> UInt64.random(in: 0..<64, using: &generator)) }
        for v in values {
            #expect(text { $0.appendDecimal(v) } == String(v))
            for minimum in [0, 1, 2, 3, 6, 9, 20, 25] {
                let plain = String(v)
                let padded = String(repeating: "0", count: max(0, min(minimum, 20) - plain.count)) + plain
                #expect(text { $0.appendDecimal(v, minimumDigits: minimum) } == padded)
                // The same digits as stack text (prose), after other text and cut at its 48 bytes when they
                // do not fit (the leading digits kept).
                for lead in [0, 5, 28, 30, 40, 47, 48] {
                    var t = ASCIIText()
                    for _ in 0..<lead { t.append(UInt8(ascii: "x")) }
                    t.appendDecimal(v, minimumDigits: minimum)
                    #expect(t.string == String((String(repeating: "x", count: lead) + padded).prefix(48)))
                }
            }
        }
    }

    @Test func secondsMatchTheFormatter() {
        for ns: Int64 in [0, 1, 999, 1_000, 123_456_789, 1_000_000_000, 1_717_243_200_000_035_000, -1, -1_500_000_000, Int64.max, Int64.min + 1] {
            for decimals in 0...9 {
                // Reference: the standard library's integer text, cut by hand.
                let m = ns.magnitude
                var fraction = String(m % 1_000_000_000)
                fraction = String(repeating: "0", count: 9 - fraction.count) + fraction
                let expected = (ns < 0 ? "-" : "") + String(m / 1_000_000_000) + (decimals > 0 ? "." + fraction.prefix(decimals) : "")
                #expect(text { appendSeconds(ns, decimals: decimals, to: &$0) } == expected)
            }
        }
    }

    @Test func constantsOfEveryShortLengthAreCopiedExactly() {
        let source = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        for length in 0...source.utf8.count {
            let piece = String(source.prefix(length))
            let written = text { sink in
                sink.append(UInt8(ascii: "<"))
                var copy = piece
                copy.withUTF8 { unsafe sink.appendConstant($0.baseAddress ?? UnsafePointer(bitPattern: 1)!, count: $0.count) }
                sink.append(UInt8(ascii: ">"))
            }
            #expect(written == "<" + piece + ">")
        }
    }
}
