import Testing
@testable import SSHRSTAttribution

/// `sshrst trace`'s placement rules, on the probe results the lab's topologies give (c - r1 - r2 - r3 - s,
/// every box with initial TTL 64; hop h's ICMP arrives with 65 - h, the server's SYN-ACK with 61).
struct TraceLocatorTests {
    static let server = "203.0.113.10"
    static let hops = ["192.0.2.1", "198.51.100.6", "198.51.100.10"]

    static func te(_ hop: Int) -> TraceReply {
        TraceReply(kind: .timeExceeded, from: hops[hop - 1], ttl: UInt8(65 - hop), icmpName: "time_exceeded")
    }
    static func rst(ttl: UInt8, ipID: UInt16 = 0, df: Bool = true) -> TraceReply {
        TraceReply(kind: .reset, from: server, ttl: ttl, ipID: ipID, dontFragment: df)
    }
    static let synAck = TraceReply(kind: .synAck, from: server, ttl: 61)

    /// The full path answering, silent hops as nil.
    static func path(silent: Set<Int> = []) -> [TracePathProbe] {
        (1...3).map { TracePathProbe(ttl: $0, reply: silent.contains($0) ? nil : te($0)) } + [TracePathProbe(ttl: 4, reply: synAck)]
    }

    /// Triggers 1...4: no reset below `first`, `reset` from `first` on.
    static func triggers(first: Int?, reset: TraceReply, silent: Set<Int> = []) -> [TraceTriggerProbe] {
        (1...4).map { k in
            let drew = first.map { k >= $0 } ?? false
            return TraceTriggerProbe(ttl: k, connected: true, reset: drew ? reset : nil,
                                     expiredAt: !drew && k <= 3 && !silent.contains(k) ? hops[k - 1] : nil)
        }
    }

    @Test func forwardFilterOnHop2FirstAnswersTTL3() {
        // iptables FORWARD REJECT on r2: the trigger with TTL 2 expires at r2 before the filter; TTL 3 draws the
        // RST, which r2 sends with TTL 64 (arrives 63, hop 2's ICMP TTL).
        let v = TraceLocator.locate(path: Self.path(), triggers: Self.triggers(first: 3, reset: Self.rst(ttl: 63)), destination: Self.server)
        #expect(v.resetSeen)
        #expect(v.attribution == .middlebox)
        #expect(v.hop == 2)
        #expect(v.address == "198.51.100.6")
        #expect(v.stage == "trigger")
        #expect(v.firstTTL == 3)
        #expect(v.signature == "IP ID 0 + DF")
        #expect(v.confidence >= 0.75)
        #expect(v.evidence.map(\.rule) == [.ttlLimitedTrigger, .resetTTLHop, .ipIDZeroDF])
    }

    @Test func injectorOnHop2FirstAnswersTTL2() {
        // An on-path injector sees the trigger as it arrives at r2, TTL 1 left: TTL 2 draws it.
        let v = TraceLocator.locate(path: Self.path(), triggers: Self.triggers(first: 2, reset: Self.rst(ttl: 63, ipID: 4242, df: false)), destination: Self.server)
        #expect(v.attribution == .middlebox)
        #expect(v.hop == 2)
        #expect(v.address == "198.51.100.6")
        #expect(v.signature == nil)
    }

    @Test func lastRouterFilteringItsForwardPath() {
        // REJECT on r3: first at TTL 4, the server's hop, but the RST carries hop 3's TTL, not the server's.
        let v = TraceLocator.locate(path: Self.path(), triggers: Self.triggers(first: 4, reset: Self.rst(ttl: 62)), destination: Self.server)
        #expect(v.attribution == .middlebox)
        #expect(v.hop == 3)
        #expect(v.address == "198.51.100.10")
    }

    @Test func serverResetOnlyWhenTheTriggerArrives() {
        let v = TraceLocator.locate(path: Self.path(), triggers: Self.triggers(first: 4, reset: Self.rst(ttl: 61)), destination: Self.server)
        #expect(v.attribution == .server)
        #expect(v.hop == 4)
        #expect(v.address == Self.server)
        #expect(v.reason.contains("exact TTL"))
    }

    @Test func handshakeRefusedByHop1() {
        // REJECT of every SYN to 22 on r1: the SYN with TTL 2 draws a RST with r1's TTL.
        let path = [TracePathProbe(ttl: 1, reply: Self.te(1)), TracePathProbe(ttl: 2, reply: Self.rst(ttl: 64))]
        let v = TraceLocator.locate(path: path, triggers: [], destination: Self.server)
        #expect(v.attribution == .middlebox)
        #expect(v.hop == 1)
        #expect(v.address == "192.0.2.1")
        #expect(v.stage == "handshake")
        #expect(v.confidence >= 0.75)
    }

    @Test func closedPortOnTheServer() {
        // No listener: the SYN that reaches hop 4 draws the server kernel's RST, TTL 61 = a sender at hop 4.
        let path = (1...3).map { TracePathProbe(ttl: $0, reply: Self.te($0)) } + [TracePathProbe(ttl: 4, reply: Self.rst(ttl: 61))]
        let v = TraceLocator.locate(path: path, triggers: [], destination: Self.server)
        #expect(v.attribution == .server)
        #expect(v.hop == 4)
    }

    @Test func silentHopStillPlacedFromTheOthers() {
        // r2 is the box and never sends time exceeded: hops 1 and 3 calibrate the RST's TTL to hop 2.
        let v = TraceLocator.locate(path: Self.path(silent: [2]), triggers: Self.triggers(first: 3, reset: Self.rst(ttl: 63), silent: [2]), destination: Self.server)
        #expect(v.attribution == .middlebox)
        #expect(v.hop == 2)
        #expect(v.address == nil)
        #expect(v.reason.contains("silent"))
    }

    @Test func addressFromTheTriggerWhenThePathHopWasSilent() {
        var path = Self.path()
        path[1].reply = nil
        let v = TraceLocator.locate(path: path, triggers: Self.triggers(first: 3, reset: Self.rst(ttl: 63)), destination: Self.server)
        #expect(v.hop == 2)
        #expect(v.address == "198.51.100.6")
    }

    @Test func resetTTLOutsideTheWindowFallsBackToTheFirstTTL() {
        // A box that sets TTL 255 on its RST: the TTL says nothing; placed at the first TTL, the rule informational.
        let v = TraceLocator.locate(path: Self.path(), triggers: Self.triggers(first: 3, reset: Self.rst(ttl: 255)), destination: Self.server)
        #expect(v.attribution == .middlebox)
        #expect(v.hop == 3)
        #expect(v.evidence.first { $0.rule == .resetTTLHop }?.weight == 0)
    }

    @Test func icmpErrorNamesTheBox() {
        let prohibited = TraceReply(kind: .icmpError, from: "198.51.100.6", ttl: 63, icmpName: "admin_prohibited")
        let v = TraceLocator.locate(path: Self.path(), triggers: Self.triggers(first: 3, reset: prohibited), destination: Self.server)
        #expect(v.attribution == .middlebox)
        #expect(v.hop == 2)
        #expect(v.address == "198.51.100.6")
    }

    @Test func cleanPath() {
        let v = TraceLocator.locate(path: Self.path(), triggers: Self.triggers(first: nil, reset: Self.rst(ttl: 63)), destination: Self.server)
        #expect(!v.resetSeen)
        #expect(v.hop == nil)
        #expect(v.reason.contains("hop 4"))
    }

    @Test func hopOfIgnoresAnotherInitialTTLFamily() {
        // Routers answering with 255 - d and a reset with 63: no common initial TTL, so no placement by TTL.
        let path = (1...3).map { TracePathProbe(ttl: $0, reply: TraceReply(kind: .timeExceeded, from: Self.hops[$0 - 1], ttl: UInt8(256 - $0))) }
        #expect(TraceLocator.hopOf(ttl: 63, path: path) == nil)
        #expect(TraceLocator.hopOf(ttl: 254, path: path)?.hop == 2)
        #expect(TraceLocator.hopOf(ttl: 254, path: path)?.exact == true)
        #expect(TraceLocator.hopOf(ttl: 0, path: []) == nil)
    }

    @Test func extremeInputsNeverTrap() {
        for ttl: UInt8 in [0, 1, 63, 128, 255] {
            let path = [TracePathProbe(ttl: 1, reply: TraceReply(kind: .timeExceeded, from: "x", ttl: ttl)),
                        TracePathProbe(ttl: Int.max, reply: Self.rst(ttl: ttl))]
            let v = TraceLocator.locate(path: path, triggers: [TraceTriggerProbe(ttl: 0, connected: true, reset: Self.rst(ttl: ttl), expiredAt: nil)], destination: Self.server)
            #expect(v.confidence >= 0 && v.confidence <= 1)
        }
    }
}
