// From a flow's outcome, SSH phase and terminating verdict to a cause with next steps.

import SSHRSTWire

/// How the connection ended (flow-record.md `outcome`).
public enum Outcome: String, Sendable, CaseIterable { case refused, reset, timeout, closed, open }

/// Furthest SSH phase reached (flow-record.md `phase`).
///
/// Ordering: tcp < version < kex < auth < encrypted < session. `encrypted` means "past NEWKEYS, auth or session
/// could not be told apart", so it sorts between the two: it is at least auth, and not known to be a session.
public enum Phase: String, Sendable, Comparable, CaseIterable {
    case tcp, version, kex, auth, session, encrypted

    var rank: Int {
        switch self {
        case .tcp: return 0
        case .version: return 1
        case .kex: return 2
        case .auth: return 3
        case .encrypted: return 4
        case .session: return 5
        }
    }

    public static func < (a: Phase, b: Phase) -> Bool { a.rank < b.rank }
}

/// Everything the diagnosis looks at, for one flow.
public struct DiagnosisContext: Sendable {
    public var outcome: Outcome
    public var phase: Phase
    public var terminatingVerdict: Verdict?
    public var terminatingReset: ResetPacket?
    public var icmp: [ICMPReport]
    /// Non-`SSH-` lines the server sent before (or instead of) its banner, e.g. "Not allowed at this time".
    public var serverPreBannerLines: [String]
    public var serverBannerSeen: Bool, clientBannerSeen: Bool
    /// Category with no common algorithm.
    public var negotiationFailure: String?
    public var disconnectReason: UInt32?, disconnectText: String?, disconnectFromServer: Bool?
    public var firstFINFrom: Side?
    /// Client SYNs sent (retransmissions included).
    public var synCount: Int
    /// Read only as `Fmt.seconds` prints it (see `readsHandshakeTimes`).
    public var durationNs: Int64
    /// Longest idle gap right before the end (the trigger).
    public var idleBeforeEndNs: Int64?
    /// From SYN-ACK to the terminating packet.
    public var handshakeToEndNs: Int64?
    public var clientDataAfterReset: Bool
    /// Added: auth-phase failures from the same client address to the same server:port earlier in the capture (cross-flow,
    /// filled by the engine from `findPatterns` or its own count). ≥ 3 makes a ban the leading explanation. Default 0.
    public var priorAuthFailures: Int
    /// Added: the client address, for commands such as `fail2ban-client set sshd unbanip ADDR`. Optional.
    public var clientAddress: IPAddress?
    /// Added: the negotiated algorithms as text (e.g. "kex curve25519-sha256, cipher chacha20-poly1305@openssh.com"), if known.
    public var negotiatedSummary: String?
    /// The client sent bytes that are not SSH (an HTTP request, TLS, a port scanner's probe).
    public var clientSpokeNonSSH: Bool = false
    /// At the end of the capture one side was retransmitting to a peer gone quiet:
    /// that side, its retransmissions, and how long the peer had been silent.
    public var stalledSide: Side? = nil
    public var stalledRetransmissions: Int = 0
    /// Read only as `Fmt.seconds` prints it.
    public var stalledQuietNs: Int64 = 0
    /// The snap length cut payload bytes of this flow: the SSH exchange was not (all) captured, so the
    /// phase is a lower bound and no SSH message's absence is known.
    public var payloadNotCaptured: Bool = false
    /// One round trip as the handshake showed it at the capture point (SYN to the handshake's ACK, else SYN to SYN-ACK).
    /// Sub-millisecond: the two ends are on one host or next to each other (a local port forwarder).
    public var handshakeRTTNs: Int64? = nil

    /// Whether `diagnose` reads `handshakeToEndNs` and `handshakeRTTNs` for a flow that ended this way: only
    /// for resets and closes (login grace, the accept-to-drop text, idle triggers), never for a flow still
    /// open or unanswered. The other times (`durationNs`, `stalledQuietNs`) it reads only as `Fmt.seconds`
    /// prints them. Records of quiet flows key their stored text on what is read (`QuietTailKey`, checked
    /// in debug builds against a full rendering): a change here is a change there.
    public static func readsHandshakeTimes(_ outcome: Outcome) -> Bool {
        outcome != .open && outcome != .timeout
    }

    @inlinable
    public init(
        outcome: Outcome, phase: Phase, terminatingVerdict: Verdict? = nil, terminatingReset: ResetPacket? = nil,
        icmp: [ICMPReport] = [], serverPreBannerLines: [String] = [], serverBannerSeen: Bool = false,
        clientBannerSeen: Bool = false, negotiationFailure: String? = nil, disconnectReason: UInt32? = nil,
        disconnectText: String? = nil, disconnectFromServer: Bool? = nil, firstFINFrom: Side? = nil, synCount: Int = 1,
        durationNs: Int64 = 0, idleBeforeEndNs: Int64? = nil, handshakeToEndNs: Int64? = nil,
        clientDataAfterReset: Bool = false, priorAuthFailures: Int = 0, clientAddress: IPAddress? = nil,
        negotiatedSummary: String? = nil, clientSpokeNonSSH: Bool = false, stalledSide: Side? = nil,
        stalledRetransmissions: Int = 0, stalledQuietNs: Int64 = 0, payloadNotCaptured: Bool = false,
        handshakeRTTNs: Int64? = nil
    ) {
        self.outcome = outcome
        self.phase = phase
        self.terminatingVerdict = terminatingVerdict
        self.terminatingReset = terminatingReset
        self.icmp = icmp
        self.serverPreBannerLines = serverPreBannerLines
        self.serverBannerSeen = serverBannerSeen
        self.clientBannerSeen = clientBannerSeen
        self.negotiationFailure = negotiationFailure
        self.disconnectReason = disconnectReason
        self.disconnectText = disconnectText
        self.disconnectFromServer = disconnectFromServer
        self.firstFINFrom = firstFINFrom
        self.synCount = synCount
        self.durationNs = durationNs
        self.idleBeforeEndNs = idleBeforeEndNs
        self.handshakeToEndNs = handshakeToEndNs
        self.clientDataAfterReset = clientDataAfterReset
        self.priorAuthFailures = priorAuthFailures
        self.clientAddress = clientAddress
        self.negotiatedSummary = negotiatedSummary
        self.clientSpokeNonSSH = clientSpokeNonSSH
        self.stalledSide = stalledSide
        self.stalledRetransmissions = stalledRetransmissions
        self.stalledQuietNs = stalledQuietNs
        self.payloadNotCaptured = payloadNotCaptured
        self.handshakeRTTNs = handshakeRTTNs
    }
}

public struct Diagnosis: Sendable, Equatable {
    public var cause: CauseID
    /// One sentence citing the numbers (as bytes: written into records without a `String`).
    public var summaryText: Prose
    public var summary: String { summaryText.string }
    /// 2–4 concrete steps.
    public var nextSteps: [String]
    /// Whether the text names the client's address (read `DiagnosisContext.clientAddress`): a diagnosis that
    /// does not is the same for any client with the same context otherwise (records reuse its text).
    public var namesClientAddress = false

    public init(cause: CauseID, summary: String, nextSteps: [String]) {
        self.init(cause: cause, summaryText: Prose(summary), nextSteps: nextSteps)
    }

    public init(cause: CauseID, summaryText: Prose, nextSteps: [String]) {
        self.cause = cause
        self.summaryText = summaryText
        self.nextSteps = nextSteps
    }
}

/// Stable snake_case cause ids (printed by `sshrst causes`). Never renamed.
public enum CauseID: String, CaseIterable, Sendable {
    case portClosed = "port_closed"
    case hostFirewallReject = "host_firewall_reject"
    case refusedByICMP = "refused_by_icmp"
    case banAfterFailedAuth = "ban_after_failed_auth"
    case droppedBeforeBanner = "dropped_before_banner"
    case resetDuringKex = "reset_during_kex"
    case kexAlgorithmMismatch = "kex_algorithm_mismatch"
    case loginGraceTimeout = "login_grace_timeout"
    case middleboxIdleReset = "middlebox_idle_reset"
    case injectedReset = "injected_reset"
    case middleboxReset = "middlebox_reset"
    case serverAbort = "server_abort"
    case clientAbort = "client_abort"
    case noAnswerTimeout = "no_answer_timeout"
    case sshDisconnect = "ssh_disconnect"
    case cleanClose = "clean_close"
    case closedDuringKex = "closed_during_kex"
    case closedDuringAuth = "closed_during_auth"
    case stillOpen = "still_open"
    case unexplainedReset = "unexplained_reset"
    case protocolMismatch = "protocol_mismatch"
    case peerUnresponsive = "peer_unresponsive"
    case payloadNotCaptured = "payload_not_captured"
}

/// Strings sshd writes instead of its banner when it drops a connection (sshd.c drop_connection).
public let maxStartupsLines = ["Not allowed at this time", "Exceeded MaxStartups"]

/// When a middlebox RST counts as an idle reset: it answered the first packet after a gap of at least
/// `minimumGapNs`, and (RTT known) at least `minimumGapRTTs` round trips. Whatever the gap beyond that: a Linux
/// conntrack entry may expire after seconds, an appliance's session after hours (known cloud defaults are named
/// when they match, `IdleTimeouts.match`). Below it, a keystroke pause is not an idle period.
public enum IdleReset {
    public static let minimumGapNs: Int64 = 2_000_000_000
    public static let minimumGapRTTs: Int64 = 20

    public static func isIdleTrigger(gapNs: Int64?, rttNs: Int64?) -> Bool {
        guard let gap = gapNs, gap >= minimumGapNs else { return false }
        guard let rtt = rttNs, rtt > 0 else { return true }
        return gap / minimumGapRTTs >= rtt
    }
}

/// A handshake faster than this puts both ends on one host or next to each other.
public let localRTTNs: Int64 = 1_000_000

/// LoginGraceTime default (120 s) and the window (±10 s) in which an end counts as its expiry.
public enum LoginGrace {
    public static let defaultNs: Int64 = 120_000_000_000
    public static let toleranceNs: Int64 = 10_000_000_000
}

/// Diagnoses one flow. Order of questions: still open → unanswered → refused → pre-banner drop/ban → reset
/// (by who sent it, then phase) → orderly close (by phase). Where packets cannot tell, the summary says so.
public func diagnose(_ c: DiagnosisContext) -> Diagnosis {
    let d = diagnoseCaptured(c)
    guard c.payloadNotCaptured else { return d }
    // Payload cut by the snap length: a cause that rests on SSH bytes (a banner, KEXINIT or NEWKEYS not
    // seen, the phase a FIN or RST came in) may rest on bytes that were sent but not captured. Those
    // causes abstain; the TCP-level ones (refused, timeout, who sent a RST, a stalled side) stand.
    switch d.cause {
    case .droppedBeforeBanner, .resetDuringKex, .kexAlgorithmMismatch, .loginGraceTimeout, .cleanClose,
        .closedDuringKex, .closedDuringAuth, .protocolMismatch, .sshDisconnect:
        let how: String
        switch c.outcome {
        case .reset:
            how = "was reset (\(c.terminatingVerdict.map { "sent by the \($0.attribution.rawValue), confidence \(Fmt.score($0.confidence))" } ?? "sender undetermined"))"
        case .closed: how = "was closed with FIN (first from the \(c.firstFINFrom?.rawValue ?? "unknown side"))"
        default: how = "ended \(c.outcome.rawValue)"
        }
        return make(.payloadNotCaptured, "The connection \(how), but the capture holds packet headers only (snap length): the SSH exchange that would say why was not captured; the phase shown (\(c.phase.rawValue)) is as far as the captured bytes go.", c)
    default:
        return d
    }
}

func diagnoseCaptured(_ c: DiagnosisContext) -> Diagnosis {
    if c.clientSpokeNonSSH && (c.outcome == .reset || c.outcome == .closed) {
        let how = c.outcome == .reset
            ? "the connection was reset (\(c.terminatingVerdict.map { "sent by the \($0.attribution.rawValue), confidence \(Fmt.score($0.confidence))" } ?? "sender undetermined"))"
            : "the connection was closed"
        return make(.protocolMismatch, "The client sent something that is not SSH (an HTTP request, TLS, a scanner's probe) to an SSH port; \(c.serverBannerSeen ? "sshd answered with its banner and " : "")\(how). Not an SSH failure: the wrong client or the wrong port.", c)
    }
    switch c.outcome {
    case .open:
        if let side = c.stalledSide {
            let peer = side.opposite.rawValue
            return make(.peerUnresponsive, "The \(side.rawValue) was still retransmitting at the end of the capture (\(c.stalledRetransmissions) retransmission(s)) while the \(peer) had sent nothing for \(Fmt.seconds(c.stalledQuietNs)): the \(peer), or the path to it, stopped answering. No RST reached this capture point; a reset or a drop between here and the \(peer) (a firewall, NAT or load balancer), or a dead \(peer), would look like this.", c)
        }
        return make(.stillOpen, "Still open at the end of the capture after \(Fmt.seconds(c.durationNs)) (furthest phase: \(c.phase.rawValue)); nothing went wrong in the captured part.", c)
    case .timeout:
        if c.priorAuthFailures >= 3 {
            return make(.banAfterFailedAuth, "\(c.synCount) SYN(s) went unanswered after \(c.priorAuthFailures) failed authentications from this client: consistent with a ban that DROPs (Fail2Ban with blocktype DROP).", c)
        }
        return make(.noAnswerTimeout, "\(c.synCount) SYN(s) over \(Fmt.seconds(c.durationNs)) got no answer at all: a firewall DROP, a host that is down, or a routing problem; packets cannot tell which.", c)
    case .refused:
        return diagnoseRefused(c)
    case .reset:
        return diagnoseReset(c)
    case .closed:
        return diagnoseClosed(c)
    }
}

private func make(_ cause: CauseID, _ summary: Prose, _ c: DiagnosisContext) -> Diagnosis {
    let (steps, namesClient) = nextSteps(cause, c)
    var d = Diagnosis(cause: cause, summaryText: summary, nextSteps: steps)
    d.namesClientAddress = namesClient
    return d
}

private func preBannerDropLine(_ c: DiagnosisContext) -> String? {
    c.serverPreBannerLines.first { line in maxStartupsLines.contains { line.contains($0) } }
}

private func unreachable(_ c: DiagnosisContext) -> ICMPReport? { c.icmp.first { $0.isUnreachable } }

private func verdictText(_ v: Verdict?) -> Prose {
    guard let v else { return "no verdict" }
    if v.attribution == .undetermined { return "sender undetermined" }
    return "sent by the \(v.attribution.rawValue) (confidence \(Fmt.score(v.confidence)))"
}

private func diagnoseRefused(_ c: DiagnosisContext) -> Diagnosis {
    let ban = c.priorAuthFailures >= 3
    if c.terminatingReset == nil, let m = unreachable(c) {
        let who: StaticString
        switch m.senderRole {
        case .server: who = "the server's own address (its host firewall: Fail2Ban's default iptables action, ufw or firewalld reject)"
        case .client: who = "the client's own address"
        default: who = "a middlebox address (a firewall on the path)"
        }
        if ban {
            return make(.banAfterFailedAuth, "The SYN was refused by ICMP \(m.name) from \(who) after \(c.priorAuthFailures) failed authentications from this client: a ban (Fail2Ban's default REJECT with icmp-port-unreachable).", c)
        }
        return make(.refusedByICMP, "The SYN was refused by ICMP \(m.name) (type \(m.type) code \(m.code)) from \(who)\(m.isAdminProhibited ? "; administratively prohibited means a filter rule, not a closed port" : "").", c)
    }
    let v = c.terminatingVerdict
    if ban {
        return make(.banAfterFailedAuth, "The SYN was answered by a RST (\(verdictText(v))) after \(c.priorAuthFailures) failed authentications from this client: a ban with REJECT --reject-with tcp-reset is the likeliest cause.", c)
    }
    if v?.attribution == .middlebox {
        return make(.middleboxReset, "The SYN was refused by a RST that a box on the path sent with the server's address (\(verdictText(v))): a network firewall rejects port 22 before the server.", c)
    }
    if v?.attribution == .server || v == nil {
        let kernel = c.terminatingReset.map { r in r.ipID == 0 && r.dontFragment } ?? false
        let shape: StaticString = kernel ? " (RST+ACK, IP ID 0 + DF: kernel shape)" : ""
        return make(.portClosed, "The SYN was refused by a RST from the server's address\(shape), \(verdictText(v)): nothing listens on the port, or a host firewall REJECTs with tcp-reset; a RST to a SYN alone cannot tell these apart.", c)
    }
    return make(.unexplainedReset, "The SYN was refused by a RST whose sender is undetermined (\(v?.reason ?? "no verdict")).", c)
}

private func idleText(_ c: DiagnosisContext) -> Prose {
    guard let idle = c.idleBeforeEndNs else { return "" }
    if let k = IdleTimeouts.match(idle) { return " after \(Fmt.seconds(idle)) idle, matching the \(k.name)" }
    return " after \(Fmt.seconds(idle)) idle"
}

/// The kernel no-socket / netfilter REJECT shape as the terminating RST shows it: IPv4 marks it with IP ID 0
/// and DF, IPv6 (no IP ID, no DF) with flow label 0.
private func kernelShape(_ c: DiagnosisContext) -> StaticString {
    c.terminatingReset?.isIPv6 == true ? "flow label 0" : "IP ID 0 + DF"
}

/// A middlebox RST on the first packet after an idle gap: what expired, and the cloud default when one matches.
private func idleResetText(_ c: DiagnosisContext, _ v: Verdict, netfilterReject: Bool) -> Prose {
    let gap = c.idleBeforeEndNs.map { " after \(Fmt.seconds($0)) idle" } ?? " after an idle period"
    var s: Prose = "A box on the path answered the first packet\(gap) with a RST carrying the endpoint's address (confidence \(Fmt.score(v.confidence))): an idle reset. "
    s += "Its state for this connection had expired: a stateful firewall or NAT whose connection-tracking entry timed out"
    s += netfilterReject ? " (the RST has Linux netfilter's REJECT signature, \(kernelShape(c)): conntrack's established timeout and a rule rejecting INVALID packets)" : " (seconds to hours, depending on the box)"
    s += ", or a TCP proxy or load balancer closing at its own idle timeout"
    if let idle = c.idleBeforeEndNs {
        s += "; its timeout is at most \(Fmt.seconds(idle))"
        if let k = IdleTimeouts.match(idle) { s += ", and the gap matches the \(k.name)" }
    }
    return s + "."
}

/// A connection accepted, then reset or closed before any server banner, with no sshd drop line: the
/// look-alikes, and what the packets say about them.
private func acceptedThenDropped(_ c: DiagnosisContext, _ how: String) -> Prose {
    var s: Prose = "The server side accepted the connection and \(how) \(c.clientBannerSeen ? "right after the client banner" : "before any banner")"
    // The time to the end is the accept-to-drop time only when a RST ended the flow (a FIN close ends later).
    if c.outcome == .reset, let h = c.handshakeToEndNs {
        s += ", \(h < 10_000_000_000 ? Fmt.millis(h) : Fmt.seconds(h)) after the handshake,"
    }
    s += " without sending an SSH banner. Look-alikes: a port forwarder whose backend is down (a VM host's port forward, kubectl port-forward, ssh -L, socat) accepts, cannot reach its backend and drops the connection; "
    s += "sshd drops unread connections past MaxStartups or for PerSourcePenalties (current OpenSSH writes \"Exceeded MaxStartups\" or \"Not allowed at this time\" first; none here), for TCP wrappers (hosts.deny) or RefuseConnection, or when out of resources."
    if let rtt = c.handshakeRTTNs {
        if rtt < localRTTNs {
            s += " The handshake took \(Fmt.millis(rtt)): both ends are on one host or next to each other, where local forwarders (kubectl port-forward, ssh -L, a VM host's forward) run."
        } else {
            s += " The handshake took \(Fmt.millis(rtt)): the listener is not on the client's host (a forwarder there would answer in well under a millisecond)."
        }
    }
    s += " Every connection to this port ending like this points to a forwarder with its backend down (or sshd refusing everyone); only some, in bursts, to MaxStartups."
    return s
}

private func isLoginGrace(_ c: DiagnosisContext) -> Bool {
    guard c.phase < .session, c.phase != .encrypted, let h = c.handshakeToEndNs else { return false }
    return Sat.absDiff(h, LoginGrace.defaultNs) <= LoginGrace.toleranceNs
}

private func diagnoseReset(_ c: DiagnosisContext) -> Diagnosis {
    let v = c.terminatingVerdict
    if let line = preBannerDropLine(c) {
        return make(.droppedBeforeBanner, "The server sent \"\(line)\" instead of its banner and then reset (\(verdictText(v))): sshd dropped the connection (MaxStartups or PerSourcePenalties).", c)
    }
    if c.priorAuthFailures >= 3 && c.phase <= .version {
        return make(.banAfterFailedAuth, "Reset before the SSH banner exchange (\(verdictText(v))) after \(c.priorAuthFailures) failed authentications from this client: a ban is the likeliest cause.", c)
    }
    guard let v else {
        return make(.unexplainedReset, "The connection was reset in phase \(c.phase.rawValue) but no verdict is available for the RST.", c)
    }
    switch v.attribution {
    case .middlebox:
        let forged = [RuleID.dataAfterReset, .rstSeqChange, .resetsBothDirections, .conflictingResetTTL, .challengeACK]
            .contains { id in v.evidence.contains { $0.rule == id && $0.pointsTo == .middlebox && $0.weight > 0 } }
        // A RST with Linux netfilter's REJECT signature (IP ID 0 + DF) from a box on the path is a firewall
        // rejecting in-path; the far endpoint keeps sending because only one side was told. Not an injection.
        let netfilterReject = v.evidence.contains {
            ($0.rule == .ipIDZeroDF || $0.rule == .flowLabelZero) && $0.pointsTo == .middlebox && $0.weight > 0
        }
        // The first packet after an idle gap answered by a middlebox RST: an idle reset, whatever the gap.
        let idleFirst = v.fired(.idleTimeoutMatch) || v.fired(.longIdleBeforeTrigger)
            || (c.idleBeforeEndNs.map { $0 >= IdleTimeouts.longIdleNs } ?? false)
            || IdleReset.isIdleTrigger(gapNs: c.idleBeforeEndNs, rttNs: c.handshakeRTTNs)
        if idleFirst {
            return make(.middleboxIdleReset, idleResetText(c, v, netfilterReject: netfilterReject), c)
        }
        if netfilterReject {
            return make(.middleboxReset, "A firewall on the path rejected the connection in phase \(c.phase.rawValue) with a RST carrying the endpoint's address and the Linux netfilter REJECT signature, \(kernelShape(c)) (confidence \(Fmt.score(v.confidence))): \(v.reason).", c)
        }
        if forged && !netfilterReject || c.clientDataAfterReset && v.path == .forged && !netfilterReject {
            let rules = v.evidence.filter { $0.pointsTo == .middlebox && $0.weight > 0 }.map { $0.rule.rawValue }.joined(separator: ", ")
            return make(.injectedReset, "A forged RST ended the connection in phase \(c.phase.rawValue) while the real endpoint stayed alive (\(rules); confidence \(Fmt.score(v.confidence))).", c)
        }
        return make(.middleboxReset, "A box on the path (firewall, NAT, load balancer) reset the connection in phase \(c.phase.rawValue) with the endpoint's address (confidence \(Fmt.score(v.confidence))): \(v.reason).", c)
    case .server:
        if c.phase <= .version && !c.serverBannerSeen {
            return make(.droppedBeforeBanner, acceptedThenDropped(c, "reset it (\(verdictText(v)))"), c)
        }
        if v.path == .noSocketOrReject && c.phase > .tcp {
            return make(.hostFirewallReject, "The server host reset the established connection in phase \(c.phase.rawValue) with a kernel RST (\(kernelShape(c)), TTL of the host), not from sshd's socket: a host firewall REJECT, or late packets after sshd's socket was gone.", c)
        }
        if isLoginGrace(c), let h = c.handshakeToEndNs {
            return make(.loginGraceTimeout, "The server reset the connection \(Fmt.seconds(h)) after the handshake without completing authentication (phase \(c.phase.rawValue)): LoginGraceTime (default 120 s) expired.", c)
        }
        if c.phase == .kex || c.phase == .version {
            if let cat = c.negotiationFailure {
                return make(.kexAlgorithmMismatch, "Both KEXINITs were exchanged but no common \(cat) algorithm exists; the server then reset the connection (\(verdictText(v))).", c)
            }
            let neg = c.negotiatedSummary.map { "negotiated \($0)" } ?? "negotiation result unknown"
            return make(.resetDuringKex, "The server reset the connection during key exchange (\(neg); \(verdictText(v))): sshd aborted or crashed before NEWKEYS.", c)
        }
        return make(.serverAbort, "The server's socket reset the connection in phase \(c.phase.rawValue) after \(Fmt.seconds(c.durationNs)) (\(verdictText(v))): sshd or its session process crashed, was killed, or closed with unread data.", c)
    case .client:
        return make(.clientAbort, "The client reset the connection in phase \(c.phase.rawValue) (\(verdictText(v))): the ssh process exited, was killed, or closed with unread data.", c)
    case .undetermined:
        return make(.unexplainedReset, "The connection was reset in phase \(c.phase.rawValue)\(idleText(c)), but who sent the RST is undetermined: \(v.reason).", c)
    }
}

private func diagnoseClosed(_ c: DiagnosisContext) -> Diagnosis {
    if let line = preBannerDropLine(c) {
        return make(.droppedBeforeBanner, "The server sent \"\(line)\" instead of its banner and closed: sshd dropped the connection (MaxStartups or PerSourcePenalties).", c)
    }
    if let cat = c.negotiationFailure {
        let who = c.firstFINFrom.map { " and the \($0.rawValue) closed first" } ?? ""
        return make(.kexAlgorithmMismatch, "Both KEXINITs were exchanged but no common \(cat) algorithm exists\(who), with\(c.disconnectReason == nil ? " no" : "") DISCONNECT (OpenSSH logs \"Unable to negotiate\").", c)
    }
    if let code = c.disconnectReason {
        let who = c.disconnectFromServer.map { $0 ? "server" : "client" } ?? "peer"
        let text = c.disconnectText.map { " \"\($0)\"" } ?? ""
        return make(.sshDisconnect, "The \(who) sent SSH_MSG_DISCONNECT reason \(code) (\(disconnectName(code)))\(text) in phase \(c.phase.rawValue).", c)
    }
    if c.phase <= .version && !c.serverBannerSeen && c.firstFINFrom == .server {
        return make(.droppedBeforeBanner, acceptedThenDropped(c, "closed it (FIN)"), c)
    }
    if isLoginGrace(c), c.firstFINFrom != .client, let h = c.handshakeToEndNs {
        return make(.loginGraceTimeout, "The server closed the connection \(Fmt.seconds(h)) after the handshake without completing authentication (phase \(c.phase.rawValue)): LoginGraceTime (default 120 s) expired.", c)
    }
    if c.phase == .kex || (c.phase == .version && c.serverBannerSeen) {
        let who = c.firstFINFrom.map { "the \($0.rawValue)" } ?? "one side"
        return make(.closedDuringKex, "Closed by \(who) during key exchange with no algorithm mismatch and no DISCONNECT: a fatal error on that side (strict-KEX violation, host key problem); check its log.", c)
    }
    if c.phase == .auth {
        let who = c.firstFINFrom.map { "the \($0.rawValue)" } ?? "one side"
        return make(.closedDuringAuth, "Closed by \(who) during authentication after \(Fmt.seconds(c.durationNs)) with no session reached: rejected keys or passwords, AllowUsers, key permissions or SELinux show up only like this; check the server log.", c)
    }
    return make(.cleanClose, "Closed normally with a FIN exchange\(c.firstFINFrom.map { " started by the \($0.rawValue)" } ?? "") after \(Fmt.seconds(c.durationNs)) (phase \(c.phase.rawValue)).", c)
}

/// RFC 4253 §11.1 reason code names.
public func disconnectName(_ code: UInt32) -> String {
    switch code {
    case 1: return "HOST_NOT_ALLOWED_TO_CONNECT"
    case 2: return "PROTOCOL_ERROR"
    case 3: return "KEY_EXCHANGE_FAILED"
    case 4: return "RESERVED"
    case 5: return "MAC_ERROR"
    case 6: return "COMPRESSION_ERROR"
    case 7: return "SERVICE_NOT_AVAILABLE"
    case 8: return "PROTOCOL_VERSION_NOT_SUPPORTED"
    case 9: return "HOST_KEY_NOT_VERIFIABLE"
    case 10: return "CONNECTION_LOST"
    case 11: return "BY_APPLICATION"
    case 12: return "TOO_MANY_CONNECTIONS"
    case 13: return "AUTH_CANCELLED_BY_USER"
    case 14: return "NO_MORE_AUTH_METHODS_AVAILABLE"
    case 15: return "ILLEGAL_USER_NAME"
    default: return "unknown"
    }
}

/// The steps, and whether they name the client's address (the only use of `clientAddress`).
private func nextSteps(_ cause: CauseID, _ c: DiagnosisContext) -> ([String], Bool) {
    var named = false
    // Text made only for the causes whose steps name the address.
    func addr() -> String {
        named = true
        return c.clientAddress?.description ?? "<client-ip>"
    }
    let steps = stepList(cause, c, addr)
    return (steps, named)
}

private func stepList(_ cause: CauseID, _ c: DiagnosisContext, _ addr: () -> String) -> [String] {
    switch cause {
    case .portClosed:
        return [
            "On the server console: sudo ss -tlnp | grep ssh (is sshd listening on this address and port?)",
            "sudo systemctl status ssh; sudo journalctl -u ssh -n 50",
            "sudo grep -iE '^(Port|ListenAddress)' /etc/ssh/sshd_config",
            "If sshd is listening, look for a REJECT rule: sudo iptables -L -n -v | grep -E 'REJECT|22'",
        ]
    case .hostFirewallReject:
        return [
            "sudo iptables -L -n -v (or nft list ruleset): look for REJECT --reject-with tcp-reset on port 22 and its counters",
            "sudo ufw status; sudo firewall-cmd --list-all",
            "sudo journalctl -u ssh -n 50 to see whether sshd's process for this connection had already exited",
        ]
    case .refusedByICMP:
        return [
            "sudo fail2ban-client status sshd (is \(addr()) banned? unban: sudo fail2ban-client set sshd unbanip \(addr()))",
            "sudo iptables -L -n -v | grep -E 'REJECT|f2b' ; sudo ufw status ; sudo firewall-cmd --list-all",
            "If the ICMP came from a middlebox address, check that device's ACL for port 22",
        ]
    case .banAfterFailedAuth:
        return [
            "sudo fail2ban-client status sshd; unban with sudo fail2ban-client set sshd unbanip \(addr())",
            "sudo grep \(addr()) /var/log/auth.log | tail -20 (or journalctl -u ssh) to see the failed logins",
            "Fix the credentials or key (ssh -vvv shows which keys are offered) before retrying",
        ]
    case .droppedBeforeBanner where preBannerDropLine(c) == nil:
        return [
            "See what listens on the port, on the server host: sudo ss -tlnp 'sport = :22' (sshd, or socat/qemu/VBoxHeadless/kubectl/ssh: a forwarder)",
            "A forwarder: check its backend (is the VM running, the pod ready, the ssh -L target listening?): ss -tlnp on the target, kubectl get pods, virsh list",
            "sshd: sudo journalctl -u ssh | grep -iE 'MaxStartups|drop connection|penalty|refused connect'; sudo sshd -T | grep -iE 'maxstartups|persourcepenalties'",
            "TCP wrappers: grep -i sshd /etc/hosts.deny /etc/hosts.allow",
        ]
    case .droppedBeforeBanner:
        return [
            "sudo sshd -T | grep -iE 'maxstartups|persourcemaxstartups|persourcepenalties'",
            "sudo journalctl -u ssh | grep -iE 'MaxStartups|drop connection|penalty'",
            "Reduce parallel unauthenticated connections or raise MaxStartups (e.g. MaxStartups 10:30:100 → 30:30:200)",
            "Check server resources: ulimit -n, free -h, df -h /",
        ]
    case .resetDuringKex:
        return [
            "sudo journalctl -u ssh -n 50 on the server for fatal/crash messages during key exchange",
            "ssh -vvv user@host and note the last debug1 line before the reset; ssh -Q kex lists the client's algorithms",
            "Check the server's host keys: ls -la /etc/ssh/ssh_host_*key* (regenerate with sudo ssh-keygen -A)",
        ]
    case .kexAlgorithmMismatch:
        return [
            "ssh -vvv user@host shows 'Unable to negotiate … Their offer: …'",
            "ssh -Q kex / ssh -Q cipher / ssh -Q mac on the client; sudo sshd -T | grep -iE 'kexalgorithms|ciphers|macs|hostkeyalgorithms' on the server",
            "Enable a common algorithm on one side (e.g. -oKexAlgorithms=+… for an old server), or upgrade OpenSSH",
        ]
    case .loginGraceTimeout:
        return [
            "sudo sshd -T | grep -i logingracetime",
            "ssh -vvv user@host to see where authentication stalls (slow DNS with UseDNS, PAM, GSSAPI)",
            "sudo journalctl -u ssh | grep -i 'timeout before authentication'",
        ]
    case .middleboxIdleReset:
        // Keepalives well inside the gap the box did not tolerate (at most 60 s).
        let gapSeconds = (c.idleBeforeEndNs ?? 180_000_000_000) / 1_000_000_000
        let keep = max(1, min(60, gapSeconds / 3))
        var steps = [
            "Keep the session alive below the box's idle timeout: ServerAliveInterval \(keep) in ~/.ssh/config (or ClientAliveInterval \(keep) in sshd_config)",
            "Identify the device from the RST's hop distance (traceroute -T -p 22 <server>), then raise its idle timeout: a Linux router's sysctl net.netfilter.nf_conntrack_tcp_timeout_established (conntrack -L shows the entries), a firewall's TCP session timeout, a proxy's idle timeout (HAProxy timeout client/server, nginx proxy_timeout)",
        ]
        if c.idleBeforeEndNs.flatMap(IdleTimeouts.match) != nil {
            steps.append("Raise the load balancer/NAT idle timeout (AWS NLB tcp.idle_timeout.seconds, Azure LB idle timeout, GCP Cloud NAT tcpEstablishedIdleTimeoutSec)")
        }
        return steps
    case .injectedReset:
        return [
            "Capture at both ends at once: the real endpoint shows no RST leaving it",
            "traceroute -T -p 22 <server> and compare the RST's hop distance to find the injecting hop",
            "Check IPS/DPI policies on the path; try another path (VPN, different network) to confirm",
        ]
    case .middleboxReset:
        return [
            "Find the box from the RST's hop distance: traceroute -T -p 22 <server>",
            "Check firewall/NAT/load balancer logs and connection-table limits on that hop",
            "Capture on the server at the same time: if the server never sent the RST, the path did",
        ]
    case .serverAbort:
        return [
            "sudo journalctl -u ssh -n 50 (or /var/log/auth.log): look for 'fatal', 'Connection reset', segfaults, OOM kills",
            "dmesg | grep -iE 'oom|segfault|sshd'",
            "ulimit -a for the sshd user; free -h; df -h /",
        ]
    case .clientAbort:
        return [
            "Check the client side: was ssh killed, did the laptop sleep, did a script time out?",
            "ssh -vvv user@host to see the client's own reason",
            "If this repeats on idle sessions, add ServerAliveInterval 60 to ~/.ssh/config",
        ]
    case .noAnswerTimeout:
        return [
            "ping <server> and traceroute -T -p 22 <server> to see where packets stop",
            "On the server: sudo iptables -L -n -v | grep DROP; sudo fail2ban-client status sshd",
            "Check security groups / cloud firewall rules for port 22 from this client",
        ]
    case .sshDisconnect:
        return [
            "Read the DISCONNECT text; on the server: sudo journalctl -u ssh -n 50",
            "ssh -vvv user@host for the client's view",
        ]
    case .cleanClose:
        return ["Nothing to fix on the wire; if the user saw an error, run ssh -vvv user@host and check the server log"]
    case .closedDuringKex:
        return [
            "Check the closing side's log: sudo journalctl -u ssh -n 50 (server) or ssh -vvv (client)",
            "Compare algorithms: ssh -Q kex and sudo sshd -T | grep -i kexalgorithms",
        ]
    case .closedDuringAuth:
        return [
            "Check the server log: sudo journalctl -u ssh -n 50 / sudo tail -30 /var/log/auth.log",
            "ssh -vvv user@host to see which methods were tried",
            "On the server: ls -la ~/.ssh ~/.ssh/authorized_keys (700/600, owned by the user); getenforce / aa-status for SELinux/AppArmor",
        ]
    case .stillOpen:
        return ["Nothing to fix in the captured part; capture longer if the problem happens later"]
    case .peerUnresponsive:
        return [
            "Capture at the other end at the same time: a RST or DROP between the two capture points shows up there",
            "Look for a firewall/NAT/load balancer that REJECTs or drops mid-session (iptables -L -n -v, conntrack -L, LB idle timeout)",
            "If the peer host is down or hung: check it from its console (uptime, journalctl -u ssh)",
        ]
    case .protocolMismatch:
        return [
            "Check what connects to this port: the client address and its software (a web browser, a health check, a scanner)",
            "If a proxy or load balancer health check speaks HTTP/TCP to sshd, point it at a TCP check or another port",
        ]
    case .payloadNotCaptured:
        return [
            "Capture whole packets (tcpdump -s 0, sshrst capture without -s) to read the SSH exchange",
            "The TCP facts (outcome, who sent a RST, ICMP errors) in this record stand; only the SSH cause is unknown",
        ]
    case .unexplainedReset:
        return [
            "Capture at the server at the same time: if the server shows no outgoing RST, a box on the path sent it",
            "sudo journalctl -u ssh -n 50 on the server around the reset time",
            "If resets follow idle periods, try ServerAliveInterval 60",
        ]
    }
}
