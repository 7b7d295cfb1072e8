import ArgumentParser
import SSHRST
import SSHRSTCapture
import SSHRSTReport

#if canImport(Glibc)
import Glibc
#endif

/// Compares a capture's analysis with a saved JSON Lines result on the
/// fields that matter; exits 1 with a readable diff when they differ.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Compare a capture's analysis with saved JSON Lines (from analyze --format jsonl).",
        discussion: """
            Compared per flow (matched by client and server endpoints, in order): outcome, phase, \
            conn_state, history, the terminating reset's claimed sender and attribution, the diagnosis \
            cause, banners, hassh and hasshServer, negotiation failure; plus the flow count. \
            Exit status 0 when they agree, 1 when they differ (a diff is printed), 64 on usage errors.
            """)

    @Argument(help: ArgumentHelp("The capture to analyse.", valueName: "capture"), completion: .file())
    var capture: String

    @Argument(help: ArgumentHelp("Saved JSON Lines to compare with.", valueName: "expected.jsonl"), completion: .file())
    var expected: String

    @OptionGroup var analysis: AnalysisOptions

    func run() throws {
        guard let file = fopen(expected, "r") else {
            printError("\(expected): cannot open: \(String(cString: strerror(errno)))")
            throw ExitCode(1)
        }
        var expectedFlows: [JSON] = []
        var line: UnsafeMutablePointer<CChar>? = nil
        var capacity = 0
        var lineNumber = 0
        while getline(&line, &capacity, file) > 0 {
            lineNumber += 1
            guard let l = line else { break }
            let text = String(cString: l).trimmingSuffixNewlines()
            if text.isEmpty { continue }
            guard let value = JSONParser.parse(text) else {
                printError("\(expected):\(lineNumber): not valid JSON")
                free(line)
                fclose(file)
                throw ExitCode(1)
            }
            if value["type"]?.stringValue == "flow" { expectedFlows.append(value) }
        }
        free(line)
        fclose(file)

        var actualFlows: [JSON] = []
        try analyzeFile(capture, analysis.configuration()) { record in
            if record["type"]?.stringValue == "flow" { actualFlows.append(record) }
        }
        let differences = GoldenComparison.compare(expected: expectedFlows, actual: actualFlows)
        if differences.isEmpty {
            print("ok: \(actualFlows.count) flows match \(expected)")
            return
        }
        print("\(differences.count) difference(s) between \(capture) and \(expected):")
        for d in differences { print("  " + d) }
        throw ExitCode(1)
    }
}

extension String {
    func trimmingSuffixNewlines() -> String {
        var s = self
        while s.hasSuffix("\n") || s.hasSuffix("\r") { s.removeLast() }
        return s
    }
}
