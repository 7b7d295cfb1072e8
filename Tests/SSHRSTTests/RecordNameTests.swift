@testable import SSHRST
import SSHRSTAttribution
import SSHRSTFlow
import SSHRSTReport
import Testing

/// The names written into records as constant text are their raw values, quoted.
@Suite struct RecordNameTests {
    func quoted(_ s: String) -> String { "\"" + s + "\"" }

    @Test func everyNameIsItsRawValueQuoted() {
        for c in Outcome.allCases { #expect(c.jsonName.description == quoted(c.rawValue)) }
        for c in Phase.allCases { #expect(c.jsonName.description == quoted(c.rawValue)) }
        for c in Side.allCases { #expect(c.jsonName.description == quoted(c.rawValue)) }
        for c in Party.allCases { #expect(c.jsonName.description == quoted(c.rawValue)) }
        for c in CauseID.allCases { #expect(c.jsonName.description == quoted(c.rawValue)) }
        for c in SeqStatus.allCases { #expect(c.jsonName.description == quoted(c.rawValue)) }
    }
}

/// The vantage members a record copies: valid JSON whose reason is `inferVantage`'s, whatever the TTL shapes
/// (ranges are written with an en dash, the one non-ASCII character of a reason).
@Suite struct VantageMemberTests {
    @Test func membersReadBackAsTheReason() {
        let ttls: [(UInt8?, UInt8?)] = [(nil, nil), (64, 64), (61, 61), (50, 60), (60, 64), (128, 128), (117, 255), (1, 1)]
        for (packets, c) in [(0, 0), (3, 1), (1, 6)].flatMap({ p in ttls.map { (p, $0) } }) {
            for s in ttls {
                let input = VantageInput(clientPackets: packets.0, clientTTL: (c.0, c.1), serverPackets: packets.1, serverTTL: (s.0, s.1))
                let expected = inferVantage(input)
                let members = RecordMemo.vantageMembers(expected.vantage, inferVantageProse(input).reason)
                let parsed = JSONParser.parse(bytes: [UInt8(ascii: "{")] + members + [UInt8(ascii: "}")])
                #expect(parsed?["vantage"] == .string(expected.vantage.rawValue))
                #expect(parsed?["vantage_reason"] == .string(expected.reason))
            }
        }
    }
}
