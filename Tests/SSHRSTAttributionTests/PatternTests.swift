import SSHRSTAttribution
import SSHRSTWire
import Testing

@Suite struct PatternTests {
    static let s: Int64 = 1_000_000_000

    /// A dotted quad's address ("10.0.0.5").
    static func v4(_ text: String) -> IPAddress {
        IPAddress(v4: text.split(separator: ".").reduce(UInt32(0)) { $0 << 8 | UInt32($1)! })
    }

    static func flow(_ uid: String, client: String = "10.0.0.5", start: Int64, end: Int64, outcome: Outcome, phase: Phase,
                     cause: CauseID? = nil, attribution: Party? = nil, idle: Int64? = nil, authFailed: Bool = false) -> FlowDigest {
        FlowDigest(uid: FlowUID(uid), client: Self.v4(client), server: Self.v4("10.0.1.1"), serverPort: 22, start: start * s, end: end * s, outcome: outcome,
                   phase: phase, cause: cause, attribution: attribution, idleBeforeEndNs: idle, authFailedLikely: authFailed)
    }

    @Test func banAfterFailures() {
        let flows = [
            Self.flow("f1", start: 0, end: 5, outcome: .closed, phase: .auth, authFailed: true),
            Self.flow("f2", start: 10, end: 15, outcome: .closed, phase: .auth, authFailed: true),
            Self.flow("f3", start: 20, end: 25, outcome: .closed, phase: .auth, authFailed: true),
            Self.flow("f4", start: 30, end: 31, outcome: .refused, phase: .tcp),
            Self.flow("f5", start: 40, end: 61, outcome: .timeout, phase: .tcp),
            Self.flow("other", client: "10.0.0.9", start: 35, end: 36, outcome: .refused, phase: .tcp),
        ]
        let p = findPatterns(flows.reversed())  // input order must not matter
        #expect(p.count == 1)
        #expect(p.first?.kind == "ban_after_failures")
        #expect(p.first?.flows == ["f1", "f2", "f3", "f4", "f5"])
        #expect(p.first?.extra.contains(PatternField("failures", .int(3))) == true)
        #expect(p.first?.extra.contains(PatternField("block_outcomes", .string("refused,timeout"))) == true)
        #expect(p.first?.summary.contains("5.000 s") == true)
    }

    @Test func noBanWhenALaterAttemptSucceedsOrTooFewFailures() {
        var flows = [
            Self.flow("f1", start: 0, end: 5, outcome: .closed, phase: .auth, authFailed: true),
            Self.flow("f2", start: 10, end: 15, outcome: .closed, phase: .auth, authFailed: true),
            Self.flow("f3", start: 20, end: 25, outcome: .closed, phase: .auth, authFailed: true),
            Self.flow("f4", start: 30, end: 31, outcome: .refused, phase: .tcp),
            Self.flow("f5", start: 40, end: 100, outcome: .closed, phase: .session),
        ]
        #expect(findPatterns(flows).isEmpty)
        flows.remove(at: 4)
        flows.remove(at: 0)
        #expect(findPatterns(flows).isEmpty)  // only 2 failures
    }

    @Test func concurrencyThreshold() {
        // Four long unauthenticated connections open from t=0..100; two drops while they are open; one accepted earlier.
        var flows = (0..<4).map { Self.flow("u\($0)", client: "10.0.0.\($0 + 10)", start: Int64($0), end: 100, outcome: .closed, phase: .auth) }
        flows.append(Self.flow("d1", start: 10, end: 10, outcome: .reset, phase: .version, cause: .droppedBeforeBanner, attribution: .server))
        flows.append(Self.flow("d2", start: 20, end: 20, outcome: .reset, phase: .version, attribution: .server))
        let p = findPatterns(flows)
        #expect(p.map(\.kind) == ["concurrency_threshold"])
        #expect(p.first?.flows == ["d1", "d2"])
        #expect(p.first?.extra.contains(PatternField("threshold", .int(4))) == true)
        #expect(p.first?.extra.contains(PatternField("max_concurrency_accepted", .int(3))) == true)
    }

    @Test func noConcurrencyPatternWhenDropsHappenAlone() {
        let flows = [
            Self.flow("d1", start: 10, end: 10, outcome: .reset, phase: .version, attribution: .server),
            Self.flow("d2", start: 20, end: 20, outcome: .reset, phase: .version, attribution: .server),
        ]
        #expect(findPatterns(flows).isEmpty)
    }

    @Test func idleTimeoutCluster() {
        let flows = [
            Self.flow("a", start: 0, end: 400, outcome: .reset, phase: .session, attribution: .middlebox, idle: 349 * Self.s),
            Self.flow("b", start: 10, end: 500, outcome: .reset, phase: .session, attribution: .undetermined, idle: 352 * Self.s),
            Self.flow("c", start: 20, end: 900, outcome: .reset, phase: .session, attribution: .middlebox, idle: 600 * Self.s),
            Self.flow("d", start: 30, end: 900, outcome: .reset, phase: .session, attribution: .server, idle: 350 * Self.s),  // genuine: excluded
        ]
        let p = findPatterns(flows)
        #expect(p.count == 1)
        #expect(p.first?.kind == "idle_timeout_cluster")
        #expect(p.first?.flows == ["a", "b"])
        #expect(p.first?.summary.contains("AWS NLB") == true)
        #expect(p.first?.extra.contains(PatternField("count", .int(2))) == true)
    }

    @Test func idleClusterWithUnknownTimeout() {
        let flows = [
            Self.flow("a", start: 0, end: 100, outcome: .reset, phase: .session, attribution: .middlebox, idle: 90 * Self.s),
            Self.flow("b", start: 5, end: 100, outcome: .reset, phase: .session, attribution: .middlebox, idle: 92 * Self.s),
            Self.flow("c", start: 6, end: 100, outcome: .reset, phase: .session, attribution: .middlebox, idle: 10 * Self.s),  // too short
        ]
        let p = findPatterns(flows)
        #expect(p.first?.flows == ["a", "b"])
        #expect(p.first?.extra.contains(PatternField("matches", .string("none"))) == true)
    }

    @Test func emptyAndDeterministic() {
        #expect(findPatterns([]).isEmpty)
        var flows: [FlowDigest] = []
        for i in 0..<50 {
            let start = Int64(i % 7)
            let idle: Int64 = Int64(300 + i % 4) * Self.s
            flows.append(Self.flow("x\(i)", client: "10.0.\(i % 3).1", start: start, end: start + 400, outcome: .reset, phase: .session, attribution: .middlebox, idle: idle))
        }
        let a = findPatterns(flows)
        let b = findPatterns(flows.reversed())
        #expect(a == b)
        #expect(!a.isEmpty)
    }

    /// The filter in front of the per-client dictionaries: never "no" for an address inserted, and "no" for
    /// nearly every other (100 inserted of 65,536 buckets: a few false "yes" at most among 10,000 others).
    @Test func addressFilterNeverMissesAnInsertedAddress() {
        var generator = SystemRandomNumberGenerator()
        func random() -> IPAddress {
            Bool.random(using: &generator)
                ? IPAddress(v4: UInt32.random(in: 0...UInt32.max, using: &generator))
                : IPAddress(v6High: UInt64.random(in: 0...UInt64.max, using: &generator), v6Low: UInt64.random(in: 0...UInt64.max, using: &generator))
        }
        var filter = AddressFilter()
        let inserted = (0..<100).map { _ in random() } + [IPAddress(v4: 0), IPAddress(v6High: 0, v6Low: 0), Self.v4("10.0.0.5")]
        for a in inserted { filter.insert(a) }
        #expect(inserted.allSatisfy { filter.mayContain($0) })
        let others = (0..<10_000).map { _ in random() }.filter { !inserted.contains($0) }
        #expect(others.filter { filter.mayContain($0) }.count < 100)
    }

    @Test func extremeTimesNeverTrap() {
        let flows = [
            FlowDigest(uid: "a", client: IPAddress(v4: 1), server: IPAddress(v4: 2), start: Int64.min, end: Int64.max, outcome: .reset, phase: .tcp, attribution: .middlebox, idleBeforeEndNs: Int64.max, authFailedLikely: true),
            FlowDigest(uid: "b", client: IPAddress(v4: 1), server: IPAddress(v4: 2), start: Int64.max, end: Int64.min, outcome: .refused, phase: .tcp, idleBeforeEndNs: Int64.max),
            FlowDigest(uid: "c", client: IPAddress(v4: 1), server: IPAddress(v4: 2), start: 0, end: 0, outcome: .reset, phase: .version, attribution: .middlebox, idleBeforeEndNs: Int64.max - 1),
        ]
        _ = findPatterns(flows)
    }
}
