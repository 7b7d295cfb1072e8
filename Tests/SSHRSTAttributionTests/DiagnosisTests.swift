import SSHRSTAttribution
import SSHRSTWire
import Testing

@Suite struct DiagnosisTests {
    static func verdict(_ party: Party, path: ResetPath = .unknown, rules: [RuleID] = []) -> Verdict {
        Verdict(
            attribution: party, confidence: party == .undetermined ? 0 : 0.8, seqStatus: .exact,
            evidence: rules.map { Evidence(rule: $0, pointsTo: party == .undetermined ? .middlebox : party, weight: 0.5, detail: "x") },
            reason: party == .undetermined ? "undetermined: contradictory evidence" : "\(party.rawValue): test", path: path)
    }

    static let serverRST = ResetPacket(time: 0, claimedSender: .server, ttl: 62, ipID: 0, dontFragment: true, seq: 0, ack: 1001, hasACK: true)

    /// One context per cause; the test below checks every CauseID is produced and documented.
    static let cases: [(CauseID, DiagnosisContext)] = [
        (.portClosed, DiagnosisContext(outcome: .refused, phase: .tcp, terminatingVerdict: verdict(.server, path: .noSocketOrReject), terminatingReset: serverRST)),
        (.hostFirewallReject, DiagnosisContext(outcome: .reset, phase: .session, terminatingVerdict: verdict(.server, path: .noSocketOrReject, rules: [.ipIDZeroDF]), serverBannerSeen: true, clientBannerSeen: true, durationNs: 30_000_000_000)),
        (.refusedByICMP, DiagnosisContext(outcome: .refused, phase: .tcp, icmp: [ICMPReport(time: 0, senderRole: .server, type: 3, code: 3)])),
        (.banAfterFailedAuth, DiagnosisContext(outcome: .refused, phase: .tcp, icmp: [ICMPReport(time: 0, senderRole: .server, type: 3, code: 3)], priorAuthFailures: 5, clientAddress: IPAddress(v4: 0xcb00_7105))),
        (.droppedBeforeBanner, DiagnosisContext(outcome: .reset, phase: .version, terminatingVerdict: verdict(.server, path: .socketAbort), serverPreBannerLines: ["Not allowed at this time"], clientBannerSeen: true)),
        (.resetDuringKex, DiagnosisContext(outcome: .reset, phase: .kex, terminatingVerdict: verdict(.server, path: .socketAbort), serverBannerSeen: true, clientBannerSeen: true, negotiatedSummary: "kex curve25519-sha256")),
        (.kexAlgorithmMismatch, DiagnosisContext(outcome: .closed, phase: .kex, serverBannerSeen: true, clientBannerSeen: true, negotiationFailure: "kex_algorithms", firstFINFrom: .server)),
        (.loginGraceTimeout, DiagnosisContext(outcome: .closed, phase: .auth, serverBannerSeen: true, clientBannerSeen: true, firstFINFrom: .server, durationNs: 121_000_000_000, handshakeToEndNs: 120_400_000_000)),
        (.middleboxIdleReset, DiagnosisContext(outcome: .reset, phase: .session, terminatingVerdict: verdict(.middlebox, rules: [.ttlDiffers, .idleTimeoutMatch]), serverBannerSeen: true, clientBannerSeen: true, idleBeforeEndNs: 351_000_000_000)),
        (.injectedReset, DiagnosisContext(outcome: .reset, phase: .session, terminatingVerdict: verdict(.middlebox, path: .forged, rules: [.dataAfterReset]), serverBannerSeen: true, clientBannerSeen: true)),
        (.middleboxReset, DiagnosisContext(outcome: .reset, phase: .session, terminatingVerdict: verdict(.middlebox, rules: [.ttlDiffers, .ipIDZeroDF]), serverBannerSeen: true, clientBannerSeen: true, idleBeforeEndNs: 20_000_000)),
        (.serverAbort, DiagnosisContext(outcome: .reset, phase: .session, terminatingVerdict: verdict(.server, path: .socketAbort, rules: [.ipIDContinues]), serverBannerSeen: true, clientBannerSeen: true, durationNs: 60_000_000_000)),
        (.clientAbort, DiagnosisContext(outcome: .reset, phase: .session, terminatingVerdict: verdict(.client, path: .socketAbort), serverBannerSeen: true, clientBannerSeen: true)),
        (.noAnswerTimeout, DiagnosisContext(outcome: .timeout, phase: .tcp, synCount: 6, durationNs: 63_000_000_000)),
        (.sshDisconnect, DiagnosisContext(outcome: .closed, phase: .kex, serverBannerSeen: true, clientBannerSeen: true, disconnectReason: 2, disconnectText: "Too many authentication failures", disconnectFromServer: true)),
        (.cleanClose, DiagnosisContext(outcome: .closed, phase: .session, serverBannerSeen: true, clientBannerSeen: true, firstFINFrom: .client, durationNs: 600_000_000_000)),
        (.closedDuringKex, DiagnosisContext(outcome: .closed, phase: .kex, serverBannerSeen: true, clientBannerSeen: true, firstFINFrom: .client)),
        (.closedDuringAuth, DiagnosisContext(outcome: .closed, phase: .auth, serverBannerSeen: true, clientBannerSeen: true, firstFINFrom: .server, durationNs: 3_000_000_000, handshakeToEndNs: 3_000_000_000)),
        (.stillOpen, DiagnosisContext(outcome: .open, phase: .session, durationNs: 10_000_000_000)),
        (.unexplainedReset, DiagnosisContext(outcome: .reset, phase: .session, terminatingVerdict: verdict(.undetermined), serverBannerSeen: true, clientBannerSeen: true)),
        (.peerUnresponsive, {
            var c = DiagnosisContext(outcome: .open, phase: .session, serverBannerSeen: true, clientBannerSeen: true)
            c.stalledSide = .server
            c.stalledRetransmissions = 3
            c.stalledQuietNs = 1_000_000_000
            return c
        }()),
        (.protocolMismatch, {
            var c = DiagnosisContext(outcome: .reset, phase: .version, terminatingVerdict: verdict(.server, path: .socketAbort), serverBannerSeen: true)
            c.clientSpokeNonSSH = true
            return c
        }()),
        (.payloadNotCaptured, {
            // tcpdump -s 96: the server's banner was cut, so "closed before the banner" is not known.
            var c = DiagnosisContext(outcome: .closed, phase: .tcp, firstFINFrom: .client, durationNs: 500_000_000)
            c.payloadNotCaptured = true
            return c
        }()),
    ]

    /// With the payload cut, causes that rest on SSH bytes abstain; TCP-level ones stand.
    @Test func causesThatNeedPayloadAbstainWhenItWasCut() {
        for (expected, context) in Self.cases where expected != .payloadNotCaptured {
            var cut = context
            cut.payloadNotCaptured = true
            let d = diagnose(cut)
            switch expected {
            case .droppedBeforeBanner, .resetDuringKex, .kexAlgorithmMismatch, .loginGraceTimeout, .cleanClose,
                .closedDuringKex, .closedDuringAuth, .protocolMismatch, .sshDisconnect:
                #expect(d.cause == .payloadNotCaptured, "\(expected.rawValue) with payload cut: \(d.cause.rawValue)")
                #expect(d.summary.contains("headers only"))
            default:
                #expect(d.cause == expected, "\(expected.rawValue) is TCP-level, got \(d.cause.rawValue)")
            }
        }
    }

    @Test func everyCauseIsReachableAndHasSteps() {
        var seen: [CauseID] = []
        for (expected, context) in Self.cases {
            let d = diagnose(context)
            #expect(d.cause == expected, "expected \(expected.rawValue), got \(d.cause.rawValue): \(d.summary)")
            #expect(d.nextSteps.count >= 1 && d.nextSteps.count <= 4)
            #expect(!d.summary.isEmpty)
            seen.append(d.cause)
        }
        for id in CauseID.allCases { #expect(seen.contains(id), "cause \(id.rawValue) not produced") }
    }

    @Test func summariesCiteNumbers() {
        let byCause = Dictionary(uniqueKeysWithValues: Self.cases.map { ($0.0, diagnose($0.1)) })
        #expect(byCause[.noAnswerTimeout]?.summary.contains("6 SYN(s)") == true)
        #expect(byCause[.middleboxIdleReset]?.summary.contains("351.0 s") == true)
        #expect(byCause[.middleboxIdleReset]?.summary.contains("350 s") == true)
        #expect(byCause[.loginGraceTimeout]?.summary.contains("120.4 s") == true)
        #expect(byCause[.kexAlgorithmMismatch]?.summary.contains("kex_algorithms") == true)
        #expect(byCause[.resetDuringKex]?.summary.contains("curve25519-sha256") == true)
        #expect(byCause[.droppedBeforeBanner]?.summary.contains("Not allowed at this time") == true)
        #expect(byCause[.sshDisconnect]?.summary.contains("PROTOCOL_ERROR") == true)
        #expect(byCause[.portClosed]?.summary.contains("cannot tell") == true)
        #expect(byCause[.closedDuringAuth]?.summary.contains("check the server log") == true)
        #expect(byCause[.banAfterFailedAuth]?.nextSteps.contains { $0.contains("unbanip 203.0.113.5") } == true)
        #expect(byCause[.refusedByICMP]?.summary.contains("port_unreachable") == true)
        #expect(byCause[.portClosed]?.nextSteps.contains { $0.contains("ss -tlnp | grep ssh") } == true)
    }

    @Test func catalogMatchesCauses() {
        #expect(CauseCatalog.all.map(\.id) == CauseID.allCases)
        for c in CauseCatalog.all { #expect(!c.title.isEmpty && !c.signature.isEmpty && !c.detectable.isEmpty) }
    }

    @Test func serverRSTRightAfterClientBannerIsPreBannerDrop() {
        let d = diagnose(DiagnosisContext(outcome: .reset, phase: .version, terminatingVerdict: Self.verdict(.server, path: .socketAbort), serverBannerSeen: false, clientBannerSeen: true))
        #expect(d.cause == .droppedBeforeBanner)
        #expect(d.summary.contains("right after the client banner"))
    }

    /// A forwarder with its backend down looks like sshd dropping before its banner: the diagnosis names it
    /// beside MaxStartups, PerSourcePenalties and TCP wrappers, with what the packets tell (no drop line, the RTT).
    @Test func acceptedThenDroppedNamesTheLookAlikes() {
        var c = DiagnosisContext(outcome: .reset, phase: .version, terminatingVerdict: Self.verdict(.server, path: .socketAbort), clientBannerSeen: true, handshakeToEndNs: 1_200_000)
        c.handshakeRTTNs = 45_000
        let local = diagnose(c)
        #expect(local.cause == .droppedBeforeBanner)
        for phrase in ["port forwarder whose backend is down", "kubectl port-forward", "ssh -L", "MaxStartups", "PerSourcePenalties", "TCP wrappers", "none here", "The handshake took 0.05 ms", "1.20 ms after the handshake"] {
            #expect(local.summary.contains(phrase), "\(phrase) in: \(local.summary)")
        }
        #expect(local.nextSteps.contains { $0.contains("ss -tlnp") } && local.nextSteps.contains { $0.contains("hosts.deny") })
        c.handshakeRTTNs = 30_000_000
        #expect(diagnose(c).summary.contains("the listener is not on the client's host"))
        // A FIN close says the same; the time to the end of the flow is not the time to the drop.
        let closed = diagnose(DiagnosisContext(outcome: .closed, phase: .tcp, firstFINFrom: .server, handshakeToEndNs: 2_000_000_000))
        #expect(closed.cause == .droppedBeforeBanner && closed.summary.contains("port forwarder") && !closed.summary.contains("after the handshake"))
        // sshd's own drop line settles it: sshd, and its steps.
        let sshd = diagnose(DiagnosisContext(outcome: .reset, phase: .version, terminatingVerdict: Self.verdict(.server, path: .socketAbort), serverPreBannerLines: ["Exceeded MaxStartups"], clientBannerSeen: true))
        #expect(sshd.cause == .droppedBeforeBanner && !sshd.summary.contains("forwarder"))
        #expect(sshd.nextSteps.first?.contains("sshd -T") == true)
    }

    /// A middlebox RST on the first packet after an idle gap is an idle reset whatever the gap (an 8 s conntrack
    /// timeout, reset after 12 s); cloud defaults are named only when they match; a pause of a few RTTs is not idle.
    @Test func idleResetWhateverTheGap() {
        func ctx(_ gap: Int64, rtt: Int64? = nil) -> DiagnosisContext {
            var c = DiagnosisContext(outcome: .reset, phase: .session, terminatingVerdict: Self.verdict(.middlebox, rules: [.ttlDiffers, .ipIDZeroDF]), serverBannerSeen: true, clientBannerSeen: true, idleBeforeEndNs: gap)
            c.handshakeRTTNs = rtt
            return c
        }
        let short = diagnose(ctx(12_200_000_000, rtt: 50_000))
        #expect(short.cause == .middleboxIdleReset)
        #expect(short.summary.contains("after 12.2 s idle") && short.summary.contains("conntrack") && !short.summary.contains("AWS"))
        #expect(short.nextSteps.contains { $0.contains("ServerAliveInterval 4") })
        #expect(!short.nextSteps.contains { $0.contains("AWS NLB") })
        let aws = diagnose(ctx(351_000_000_000))
        #expect(aws.cause == .middleboxIdleReset && aws.summary.contains("AWS NLB"))
        #expect(aws.nextSteps.contains { $0.contains("AWS NLB") } && aws.nextSteps.contains { $0.contains("ServerAliveInterval 60") })
        #expect(diagnose(ctx(500_000_000)).cause == .middleboxReset, "half a second is a pause, not an idle period")
        #expect(diagnose(ctx(3_000_000_000, rtt: 200_000_000)).cause == .middleboxReset, "3 s is 15 round trips of 200 ms")
    }

    @Test func refusedByMiddleboxAndAdminProhibited() {
        let d = diagnose(DiagnosisContext(outcome: .refused, phase: .tcp, icmp: [ICMPReport(time: 0, senderRole: .middlebox, type: 3, code: 13)]))
        #expect(d.cause == .refusedByICMP)
        #expect(d.summary.contains("middlebox") && d.summary.contains("administratively prohibited"))
        let m = diagnose(DiagnosisContext(outcome: .refused, phase: .tcp, terminatingVerdict: Self.verdict(.middlebox), terminatingReset: Self.serverRST))
        #expect(m.cause == .middleboxReset)
    }

    @Test func kexMismatchEndingInRST() {
        let d = diagnose(DiagnosisContext(outcome: .reset, phase: .kex, terminatingVerdict: Self.verdict(.server, path: .socketAbort), serverBannerSeen: true, clientBannerSeen: true, negotiationFailure: "encryption_algorithms_client_to_server"))
        #expect(d.cause == .kexAlgorithmMismatch)
    }

    @Test func banTimeoutAndReset() {
        #expect(diagnose(DiagnosisContext(outcome: .timeout, phase: .tcp, priorAuthFailures: 3)).cause == .banAfterFailedAuth)
        #expect(diagnose(DiagnosisContext(outcome: .reset, phase: .tcp, terminatingVerdict: Self.verdict(.server), priorAuthFailures: 4)).cause == .banAfterFailedAuth)
        #expect(diagnose(DiagnosisContext(outcome: .timeout, phase: .tcp, priorAuthFailures: 2)).cause == .noAnswerTimeout)
    }

    @Test func resetWithoutVerdictIsUnexplained() {
        #expect(diagnose(DiagnosisContext(outcome: .reset, phase: .session)).cause == .unexplainedReset)
    }

    @Test func endToEndFromAttribution() {
        // Scenario (g) straight into the diagnosis.
        var c = Fx.clientVantageServerRST(ttl: 63, ipID: 0)
        c.gapBeforeTriggerNs = 601 * Fx.s
        let v = attribute(c)
        let d = diagnose(DiagnosisContext(outcome: .reset, phase: .session, terminatingVerdict: v, terminatingReset: c.reset, serverBannerSeen: true, clientBannerSeen: true, idleBeforeEndNs: 601 * Fx.s))
        #expect(d.cause == .middleboxIdleReset)
        #expect(d.summary.contains("GCP VPC firewall"))
        #expect(d.nextSteps.contains { $0.contains("ServerAliveInterval 60") })
    }
}
