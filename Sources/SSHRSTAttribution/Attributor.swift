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

    /// Combines evidence (order preserved in the verdict).
    public static func combine(_ evidence: [Evidence], seqStatus: SeqStatus, context: ResetContext? = nil) -> Verdict {
        let parties: [Party] = [.server, .client, .middlebox]
        var scores: [Double] = [0, 0, 0]
        var conflict = 0.0
        for e in evidence where e.weight > 0 && e.weight.isFinite {
            if let i = parties.firstIndex(of: e.pointsTo) { scores[i] += e.weight } else { conflict += e.weight }
        }
        // Deterministic order: by score, ties in the fixed order server, client, middlebox.
        let order = [0, 1, 2].sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
        let winner = parties[order[0]]
        let w = scores[order[0]]
        let runnerUp = parties[order[1]]
        let r = scores[order[1]]
        let net = w - r - conflict
        let support = evidence.filter { $0.pointsTo == winner && $0.weight > 0 }
        let supportNames = ruleNames(support)

        if w <= 0 {
            let why: Prose = conflict > 0 ? "only conflicting evidence (\(conflictNames(evidence)))" : "no rule produced evidence for any party"
            return Verdict(attribution: .undetermined, confidence: 0, seqStatus: seqStatus, evidence: evidence, reasonText: "undetermined: \(why)")
        }
        if w < minimumScore {
            return Verdict(
                attribution: .undetermined, confidence: 0, seqStatus: seqStatus, evidence: evidence,
                reasonText: "undetermined: evidence too weak, best is \(winner.rawValue) with \(Fmt.score(w)) points (\(supportNames)), below \(Fmt.score(minimumScore))")
        }
        if net < minimumMargin {
            var parts: [Prose] = ["\(winner.rawValue) \(Fmt.score(w)) (\(supportNames))"]
            if r > 0 {
                let against = ruleNames(evidence.filter { $0.pointsTo == runnerUp && $0.weight > 0 })
                parts.append("\(runnerUp.rawValue) \(Fmt.score(r)) (\(against))")
            }
            if conflict > 0 { parts.append("conflict \(Fmt.score(conflict)) (\(conflictNames(evidence)))") }
            return Verdict(
                attribution: .undetermined, confidence: 0, seqStatus: seqStatus, evidence: evidence,
                reasonText: "undetermined: contradictory evidence, " + Prose.joined(parts, separator: " vs ") + ", margin \(Fmt.score(net)) below \(Fmt.score(minimumMargin))")
        }
        var confidence = min(maximumConfidence, net / (net + confidenceScale))
        let families = Set(support.map { $0.rule.family })
        let capped = families.count == 1 && !support.contains { $0.rule.isStrong }
        if capped { confidence = min(confidence, singleFamilyCap) }
        confidence = (confidence * 100).rounded() / 100

        let path = resetPath(evidence, winner: winner, context: context)
        let pathText = path == .unknown ? "" : " via \(path.rawValue)"
        var reason: Prose = "\(winner.rawValue)\(pathText): \(supportNames), \(Fmt.score(w)) points"
        if r > 0 { reason += " vs \(Fmt.score(r)) for \(runnerUp.rawValue)" }
        if conflict > 0 { reason += ", conflict \(Fmt.score(conflict))" }
        if capped { reason += "; one kind of evidence only, so medium confidence at most" }
        return Verdict(attribution: winner, confidence: confidence, seqStatus: seqStatus, evidence: evidence, reasonText: reason, path: path)
    }

    static func conflictNames(_ evidence: [Evidence]) -> Prose {
        ruleNames(evidence.filter { $0.pointsTo == .undetermined && $0.weight > 0 })
    }

    /// "rule_a + rule_b".
    static func ruleNames(_ evidence: [Evidence]) -> Prose {
        var out = Prose()
        for (i, e) in evidence.enumerated() {
            if i > 0 { out.append(" + ") }
            out.append(e.rule.rawValue)
        }
        return out
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
