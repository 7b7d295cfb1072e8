import ArgumentParser
import SSHRST

@main
struct SSHRSTCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sshrst",
        abstract: "Who sent the reset? Passive SSH connection-reset analysis from packets.",
        discussion: """
            sshrst reads captures (or a live interface) and, for every TCP connection on an SSH port, \
            reports the TCP outcome, the SSH handshake phase reached, and for every RST who really sent \
            it (server, client or a middlebox) with the evidence, then a diagnosis with next steps. \
            Only `trace` sends packets (to find the box on the path that resets); every other subcommand \
            only reads.

            Exit status: 0 success, 1 runtime failure (unreadable capture, device error), 64 usage error.
            """,
        version: SSHRSTVersion.current,
        subcommands: [Analyze.self, Capture.self, Explain.self, Check.self, Rules.self, Causes.self, Trace.self],
        defaultSubcommand: nil
    )
}
