import SSHRSTAttribution
import Testing

@Suite struct VantageTests {
    @Test func clientServerMiddle() {
        #expect(inferVantage(client: .steady(packets: 5, ttl: 64), server: .steady(packets: 5, ttl: 62)).vantage == .client)
        #expect(inferVantage(client: .steady(packets: 5, ttl: 61), server: .steady(packets: 5, ttl: 64)).vantage == .server)
        #expect(inferVantage(client: .steady(packets: 5, ttl: 127), server: .steady(packets: 5, ttl: 255)).vantage == .server)
        #expect(inferVantage(client: .steady(packets: 5, ttl: 63), server: .steady(packets: 5, ttl: 62)).vantage == .middle)
    }

    @Test func bothUntouchedIsUnknown() {
        let r = inferVantage(client: .steady(packets: 5, ttl: 64), server: .steady(packets: 5, ttl: 64))
        #expect(r.vantage == .unknown)
        #expect(r.reason.contains("same host or loopback"))
    }

    @Test func noData() {
        #expect(inferVantage(client: SideProfile(), server: SideProfile()).vantage == .unknown)
        // Client untouched, server silent (refused SYN): capture on the client.
        #expect(inferVantage(client: .steady(packets: 1, ttl: 64), server: SideProfile()).vantage == .client)
        // One decremented side, other silent: server side or middle, can't tell.
        #expect(inferVantage(client: .steady(packets: 3, ttl: 62), server: SideProfile()).vantage == .unknown)
    }

    @Test func varyingTTLs() {
        // Decremented and varying (ECMP) on both sides is still a middle capture.
        let c = SideProfile(packets: 9, ttlFirst: 61, ttlMin: 60, ttlMax: 61, ttlLast: 60)
        let s = SideProfile(packets: 9, ttlFirst: 58, ttlMin: 57, ttlMax: 59, ttlLast: 58)
        #expect(inferVantage(client: c, server: s).vantage == .middle)
        // A side mixing an initial value with lower ones is ambiguous.
        let mixed = SideProfile(packets: 9, ttlFirst: 64, ttlMin: 63, ttlMax: 64, ttlLast: 64)
        let r = inferVantage(client: mixed, server: .steady(packets: 4, ttl: 60))
        #expect(r.vantage == .unknown)
        #expect(r.reason.contains("varies"))
    }

    @Test func ttl60IsNotUntouched() {
        // 60 would be a 64-host 4 hops away as often as a 60-initial stack: treated as decremented.
        #expect(inferVantage(client: .steady(packets: 4, ttl: 60), server: .steady(packets: 4, ttl: 57)).vantage == .middle)
    }

    @Test func partialProfiles() {
        // Only ttlFirst filled in.
        let c = SideProfile(packets: 2, ttlFirst: 64)
        let s = SideProfile(packets: 2, ttlLast: 50)
        #expect(inferVantage(client: c, server: s).vantage == .client)
    }
}

@Suite struct FormatTests {
    @Test func fixedAndSeconds() {
        #expect(Fmt.fixed(1_234_567, unit: 1_000_000, decimals: 2).string == "1.23")
        #expect(Fmt.fixed(1_995_000, unit: 1_000_000, decimals: 2).string == "2.00")
        #expect(Fmt.fixed(-1_500_000, unit: 1_000_000, decimals: 1).string == "-1.5")
        #expect(Fmt.fixed(0, unit: 1_000_000, decimals: 2).string == "0.00")
        #expect(Fmt.seconds(350_000_000_000).string == "350.0 s")
        #expect(Fmt.seconds(1_234_000_000).string == "1.234 s")
        #expect(Fmt.millis(300_000).string == "0.30 ms")
        #expect(!Fmt.seconds(Int64.min).string.isEmpty)
        #expect(!Fmt.seconds(Int64.max).string.isEmpty)
        #expect(Fmt.fixed(5, unit: 0, decimals: 2).string == "5")
    }

    @Test func scoreAndEscape() {
        #expect(Fmt.score(0.755).string == "0.76" || Fmt.score(0.755).string == "0.75")
        #expect(Fmt.score(1.05).string == "1.05")
        #expect(Fmt.score(Double.nan).string == "nan")
        #expect(Fmt.escaped([0x41, 0x00, 0x5C, 0xFF]) == "A\\x00\\\\\\xff")
    }

    @Test func phaseOrdering() {
        #expect(Phase.tcp < .version && Phase.version < .kex && Phase.kex < .auth)
        #expect(Phase.auth < .encrypted && Phase.encrypted < .session)
        #expect(!(Phase.session < .session))
    }
}

/// The verdict's reason text, in each of `Decision.combine`'s four forms, exactly: it is written into every
/// reset record (`reason`) and built piece by piece, so a piece left out or doubled shows here.
@Suite struct ReasonTextTests {
    func evidence(_ rule: RuleID, _ party: Party, _ weight: Double) -> Evidence {
        Evidence(rule: rule, pointsTo: party, weight: weight, detail: "test")
    }

    @Test func everyForm() {
        let none = Decision.combine([], seqStatus: .exact)
        #expect(none.reason == "undetermined: no rule produced evidence for any party")
        let conflictOnly = Decision.combine([evidence(.conflictingResetTTL, .undetermined, 0.3)], seqStatus: .exact)
        #expect(conflictOnly.reason == "undetermined: only conflicting evidence (conflicting_reset_ttl)")
        let weak = Decision.combine([evidence(.ttlMatchesBaseline, .server, 0.35)], seqStatus: .exact)
        #expect(weak.reason == "undetermined: evidence too weak, best is server with 0.35 points (ttl_matches_baseline), below 0.60")
        let contradictory = Decision.combine(
            [evidence(.ttlMatchesBaseline, .server, 0.35), evidence(.ipIDContinues, .server, 0.6),
             evidence(.timestampsUnlikeSender, .middlebox, 0.6)], seqStatus: .exact)
        #expect(contradictory.reason == "undetermined: contradictory evidence, server 0.95 (ttl_matches_baseline + ip_id_continues) vs middlebox 0.60 (timestamps_unlike_sender), margin 0.35 below 0.45")
        let decided = Decision.combine(
            [evidence(.capturedAtSender, .client, 1.0), evidence(.ttlMatchesBaseline, .client, 0.35),
             evidence(.seqInWindow, .middlebox, 0.2), evidence(.conflictingResetTTL, .undetermined, 0.2)], seqStatus: .exact)
        #expect(decided.attribution == .client)
        #expect(decided.reason == "client: captured_at_sender + ttl_matches_baseline, 1.35 points vs 0.20 for middlebox, conflict 0.20")
    }
}
