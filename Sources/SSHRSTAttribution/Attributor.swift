// Combining evidence into a verdict. "A confident wrong answer is the worst output": below the thresholds,
// or with contradictory evidence, the verdict is `undetermined` with the reason stated.

import SSHRSTWire

/// Which TCP code path most likely generated the RST (independent of which box ran it).
public enum ResetPath: String, Sendable, CaseIterable {
    /// The connection's own socket aborted (close with unread data, SO_LINGER 0, crash): IP ID continues, R+ACK at SND.NXT.
    case socketAbort = "socket_abort"
    /// A kernel no-socket reply or a netfilter REJECT (IP ID 0 + DF, or the RFC 793 refusal shape).
    case noSocketOrReject = "no_socket_or_reject"
    /// Forged on behalf of an endpoint that stayed alive (data after reset, seq spraying, RSTs to both ends).
    case forged
    case unknown
}

/// The result for one RST.
public struct Verdict: Sendable {
    public var attribution: Party
    /// 0 for `undetermined`; otherwise 0.6...0.95 (medium < 0.75 ≤ high). See `Decision`.
    public var confidence: Double
    public var seqStatus: SeqStatus
    /// Every rule that fired, in `RuleID` order, including informational (weight 0) ones.
    public var evidence: [Evidence]
    /// One line; for `undetermined`, why (as bytes: written into records without a `String`).
    public var reasonText: Prose
    public var reason: String {
        get { reasonText.string }
        set { reasonText = Prose(newValue) }
    }
    /// How the RST was generated, when the evidence says so.
    public var path: ResetPath

    public init(attribution: Party, confidence: Double, seqStatus: SeqStatus, evidence: [Evidence], reason: String, path: ResetPath = .unknown) {
        self.init(attribution: attribution, confidence: confidence, seqStatus: seqStatus, evidence: evidence, reasonText: Prose(reason), path: path)
    }

    public init(attribution: Party, confidence: Double, seqStatus: SeqStatus, evidence: [Evidence], reasonText: Prose, path: ResetPath = .unknown) {
        self.attribution = attribution
        self.confidence = confidence
        self.seqStatus = seqStatus
        self.evidence = evidence
        self.reasonText = reasonText
        self.path = path
    }

    /// The rules that fired, for quick checks (`verdict.fired(.dataAfterReset)`).
    public func fired(_ rule: RuleID) -> Bool { evidence.contains { $0.rule == rule } }
}

/// Thresholds of the combination step.
///
/// score(p) = Σ weights pointing to p; conflict = Σ weights pointing to `undetermined`.
/// winner W = highest score, runner-up R = second highest; net = W − R − conflict.
/// - W < `minimumScore` → undetermined (too weak: no single weak rule can decide).
/// - net < `minimumMargin` → undetermined (contradictory).
/// - confidence = net / (net + `confidenceScale`), at most `maximumConfidence`; when all of the winner's support comes
///   from ONE evidence family and none of it is a strong rule, at most `singleFamilyCap` (one witness, however loud,
///   is medium confidence at best: e.g. a SYN refusal with no baseline).
public enum Decision {
    public static let minimumScore = 0.6
    public static let minimumMargin = 0.45
    public static let confidenceScale = 0.3
    public static let maximumConfidence = 0.95
    public static let singleFamilyCap = 0.6

    /// Combines evidence (order preserved in the verdict). Runs once per RST: the scores are three numbers and
    /// the names are written straight into the reason, no array, set or sort between.
    public static func combine(_ evidence: [Evidence], seqStatus: SeqStatus, context: ResetContext? = nil) -> Verdict {
        // Scores in the fixed order server, client, middlebox.
        var scores: InlineArray<3, Double> = [0, 0, 0]
        var conflict = 0.0
        for e in evidence where e.weight > 0 && e.weight.isFinite {
            if let i = slot(e.pointsTo) { scores[i] += e.weight } else { conflict += e.weight }
        }
        // Deterministic order: by score, ties in the fixed order server, client, middlebox.
        var first = 0
        for i in 1..<3 where scores[i] > scores[first] { first = i }
        var second = first == 0 ? 1 : 0
        for i in 0..<3 where i != first && scores[i] > scores[second] { second = i }
        let winner = parties[first]
        let w = scores[first]
        let runnerUp = parties[second]
        let r = scores[second]
        let net = w - r - conflict

        if w <= 0 {
            var why = Prose(capacity: Decision.reasonCapacity)
            why.append("undetermined: ")
            if conflict > 0 {
                why.append("only conflicting evidence (")
                appendNames(evidence, pointingTo: .undetermined, to: &why)
                why.append(")")
            } else {
                why.append("no rule produced evidence for any party")
            }
            return Verdict(attribution: .undetermined, confidence: 0, seqStatus: seqStatus, evidence: evidence, reasonText: why)
        }
        if w < minimumScore {
            var why = Prose(capacity: Decision.reasonCapacity)
            why.append("undetermined: evidence too weak, best is ")
            why.append(string: winner.rawValue)
            why.append(" with ")
            why.append(Fmt.score(w))
            why.append(" points (")
            appendNames(evidence, pointingTo: winner, to: &why)
            why.append("), below ")
            why.append(Fmt.score(minimumScore))
            return Verdict(attribution: .undetermined, confidence: 0, seqStatus: seqStatus, evidence: evidence, reasonText: why)
        }
        if net < minimumMargin {
            var why = Prose(capacity: Decision.reasonCapacity)
            why.append("undetermined: contradictory evidence, ")
            appendScore(winner.rawValue, w, evidence, pointingTo: winner, to: &why)
            if r > 0 {
                why.append(" vs ")
                appendScore(runnerUp.rawValue, r, evidence, pointingTo: runnerUp, to: &why)
            }
            if conflict > 0 {
                why.append(" vs ")
                appendScore("conflict", conflict, evidence, pointingTo: .undetermined, to: &why)
            }
            why.append(", margin ")
            why.append(Fmt.score(net))
            why.append(" below ")
            why.append(Fmt.score(minimumMargin))
            return Verdict(attribution: .undetermined, confidence: 0, seqStatus: seqStatus, evidence: evidence, reasonText: why)
        }
        var confidence = min(maximumConfidence, net / (net + confidenceScale))
        // Capped: all of the winner's support comes from one family and none of it is a strong rule.
        var family: RuleFamily? = nil
        var families = 0
        var strong = false
        for e in evidence where e.pointsTo == winner && e.weight > 0 {
            if e.rule.isStrong { strong = true }
            if family != e.rule.family {
                family = e.rule.family
                families = families == 0 ? 1 : 2
            }
        }
        let capped = families == 1 && !strong
        if capped { confidence = min(confidence, singleFamilyCap) }
        confidence = (confidence * 100).rounded() / 100

        let path = resetPath(evidence, winner: winner, context: context)
        // "server via socket_abort: rule_a + rule_b, 1.20 points vs 0.35 for middlebox", appended piece by
        // piece into one allocation (an interpolation passed to `append` is a text of its own first).
        var reason = Prose(capacity: Decision.reasonCapacity)
        reason.append(string: winner.rawValue)
        if path != .unknown {
            reason.append(" via ")
            reason.append(string: path.rawValue)
        }
        reason.append(": ")
        appendNames(evidence, pointingTo: winner, to: &reason)
        reason.append(", ")
        reason.append(Fmt.score(w))
        reason.append(" points")
        if r > 0 {
            reason.append(" vs ")
            reason.append(Fmt.score(r))
            reason.append(" for ")
            reason.append(string: runnerUp.rawValue)
        }
        if conflict > 0 {
            reason.append(", conflict ")
            reason.append(Fmt.score(conflict))
        }
        if capped { reason.append("; one kind of evidence only, so medium confidence at most") }
        return Verdict(attribution: winner, confidence: confidence, seqStatus: seqStatus, evidence: evidence, reasonText: reason, path: path)
    }

    /// Room for a reason with its rule names (grown once, not doubled three times from its first words).
    static let reasonCapacity = 256

    /// The parties that score, in the fixed order of ties.
    static let parties: InlineArray<3, Party> = [.server, .client, .middlebox]

    static func slot(_ p: Party) -> Int? {
        switch p {
        case .server: 0
        case .client: 1
        case .middlebox: 2
        case .undetermined: nil
        }
    }

    /// "server 0.95 (rule_a + rule_b)": a name, its score and the rules behind it.
    static func appendScore(_ name: String, _ score: Double, _ evidence: [Evidence], pointingTo party: Party, to out: inout Prose) {
        out.append(string: name)
        out.append(" ")
        out.append(Fmt.score(score))
        out.append(" (")
        appendNames(evidence, pointingTo: party, to: &out)
        out.append(")")
    }

    /// "rule_a + rule_b": the rules with weight pointing to `party`.
    static func appendNames(_ evidence: [Evidence], pointingTo party: Party, to out: inout Prose) {
        var first = true
        for e in evidence where e.pointsTo == party && e.weight > 0 {
            if !first { out.append(" + ") }
            out.append(string: e.rule.rawValue)
            first = false
        }
    }

    static func resetPath(_ evidence: [Evidence], winner: Party, context: ResetContext?) -> ResetPath {
        func has(_ id: RuleID, _ p: Party? = nil) -> Bool {
            evidence.contains { $0.rule == id && (p == nil || $0.pointsTo == p) && ($0.weight > 0 || p == nil) }
        }
        if winner == .middlebox && (has(.rstSeqChange) || has(.resetsBothDirections) || has(.conflictingResetTTL, .middlebox)) {
            return .forged
        }
        // Linux netfilter REJECT on a box in the path (IP ID 0 + DF, TTL not the endpoint's) is a
        // reject, even though the far endpoint keeps sending: only one side was told.
        if winner == .middlebox && (has(.ipIDZeroDF, .middlebox) || has(.flowLabelZero, .middlebox)) { return .noSocketOrReject }
        if winner == .middlebox && has(.dataAfterReset) { return .forged }
        if has(.ipIDZeroDF, winner) || has(.flowLabelZero, winner) || has(.synRefusalShape, winner) { return .noSocketOrReject }
        if has(.ipIDContinues, winner) || has(.flowLabelContinues, winner), context?.reset.hasACK ?? true { return .socketAbort }
        return .unknown
    }
}

/// Attributes one RST: runs every rule, computes the sequence status, combines.
public func attribute(_ context: ResetContext) -> Verdict {
    let evidence = Rules.evaluateAll(context)
    let status = sequenceStatusOnly(context)
    return Decision.combine(evidence, seqStatus: status, context: context)
}
