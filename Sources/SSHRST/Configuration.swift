/// What the engine needs to know beyond the packets.
public struct AnalyzerConfiguration: Sendable {
    /// TCP ports treated as SSH (`--port`, default 22). SSH seen by its banner
    /// on any other port counts too.
    public var sshPorts: [UInt16] = [22]
    /// Hard cap on tracked flows; the least recently active flow is evicted
    /// (and reported as it stands) when a new one needs room.
    public var maxFlows: Int = 100_000
    /// A flow with no packet for this long is finished and reported as it stands.
    public var idleTimeout: Int64 = 3_600 * 1_000_000_000
    /// A connection attempt (SYNs only) unanswered for this long is a timeout.
    public var synTimeout: Int64 = 75 * 1_000_000_000
    /// How long a reset or closed flow stays open to catch what follows
    /// (data after a RST, challenge ACKs, the peer's FIN) before it is reported.
    /// Zeek's tcp_reset_delay and tcp_close_delay are 5 s.
    public var closeDelay: Int64 = 5 * 1_000_000_000
    /// Finished records held in memory (serialized, at most 4 MiB) to keep
    /// first-packet order; beyond this they wait in a temporary file
    /// (bounded memory, exact order).
    public var reorderLimit: Int = 2048
    /// Records in first-packet order (files). Off for streams (standard input,
    /// live capture semantics): each flow is written as soon as it ends.
    public var ordered = true
    /// Flow summaries kept for cross-flow patterns.
    public var patternMemory: Int = 100_000

    public init() {}

    @inlinable
    public func isSSHPort(_ port: UInt16) -> Bool {
        for p in sshPorts where p == port { return true }
        return false
    }
}
