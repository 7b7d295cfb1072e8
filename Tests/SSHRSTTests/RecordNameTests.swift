@testable import SSHRST
import SSHRSTAttribution
import SSHRSTFlow
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
