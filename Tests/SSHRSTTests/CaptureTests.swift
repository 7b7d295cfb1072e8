import Foundation
import SSHRSTReport
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
}
