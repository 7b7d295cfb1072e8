// Findings across flows: bans, MaxStartups thresholds, idle-timeout clusters. O(n log n), deterministic.

import SSHRSTWire

/// The per-flow facts the pattern finder needs.
public struct FlowDigest: Sendable, Equatable {
    /// Compared as its text is (patterns order flows by start, then uid).
    public var uid: FlowUID
    /// The addresses; their text is made only for the flows a pattern names.
    public var client: IPAddress
    public var server: IPAddress
    public var serverPort: Int
    public var start: Int64
    public var end: Int64
    public var outcome: Outcome
    public var phase: Phase
    public var cause: CauseID?
    public var attribution: Party?
    public var idleBeforeEndNs: Int64?
    /// Closed in the auth phase without a session.
    public var authFailedLikely: Bool

    public init(
        uid: FlowUID, client: IPAddress, server: IPAddress, serverPort: Int = 22, start: Int64, end: Int64,
        outcome: Outcome, phase: Phase, cause: CauseID? = nil, attribution: Party? = nil, idleBeforeEndNs: Int64? = nil,
        authFailedLikely: Bool = false
    ) {
        self.uid = uid
        self.client = client
        self.server = server
        self.serverPort = serverPort
        self.start = start
        self.end = end
        self.outcome = outcome
        self.phase = phase
        self.cause = cause
        self.attribution = attribution
        self.idleBeforeEndNs = idleBeforeEndNs
        self.authFailedLikely = authFailedLikely
    }

    public var clientIP: String { client.description }
    public var serverIP: String { server.description }
}

/// A typed value of a pattern's extra field: integers stay numbers in JSON, everything else is text.
public enum PatternValue: Sendable, Equatable {
    case int(Int64)
    case string(String)
}

/// One extra key/value of a pattern (keys are stable snake_case, rendered as extra JSON members in this order).
public struct PatternField: Sendable, Equatable {
    public var key: String
    public var value: PatternValue
    public init(_ key: String, _ value: PatternValue) {
        self.key = key
        self.value = value
    }
}

public struct Pattern: Sendable, Equatable {
    /// Stable: ban_after_failures, concurrency_threshold, idle_timeout_cluster (host_key_change is the engine's).
    public var kind: String
    public var summary: String
    /// Flow uids involved, in flow start order.
    public var flows: [String]
    /// Extra members, in order. ban_after_failures: client_ip, server, failures, blocked, first_block_after_ns, block_outcomes.
    /// concurrency_threshold: server, threshold, drops, max_concurrency_accepted.
    /// idle_timeout_cluster: idle_median_ns, idle_min_ns, idle_max_ns, count, matches (known timeout name or "none").
    public var extra: [PatternField]

    public init(kind: String, summary: String, flows: [String], extra: [PatternField] = []) {
        self.kind = kind
        self.summary = summary
        self.flows = flows
        self.extra = extra
    }
}

/// Tunables of `findPatterns`.
public enum PatternThresholds {
    /// Auth failures before a ban is considered (Fail2Ban's default maxretry is 5; sshd-level bans start earlier; 3 is the floor).
    public static let banFailures = 3
    /// Minimum concurrent unauthenticated flows at every drop for a MaxStartups finding.
    public static let minConcurrency = 2
    /// Minimum drops for a MaxStartups finding.
    public static let minDrops = 2
    /// Idle cluster width: max ≤ min × (1 + 5 %).
    public static let idleClusterPercent: Int64 = 5
    /// Minimum idle for a cluster member (30 s): shorter gaps are ordinary.
    public static let idleMinimumNs: Int64 = 30_000_000_000
}

/// Finds cross-flow patterns. Output order: ban_after_failures, concurrency_threshold, idle_timeout_cluster; within a
/// kind by the first flow's start, then key. Flows are sorted by (start, uid) first, so input order does not matter.
public func findPatterns(_ flows: [FlowDigest]) -> [Pattern] {
    // The positions are sorted, then the digests put in that order once: a merge sort moving whole
    // digests cost more than the comparisons.
    let order = flows.indices.sorted { a, b in
        flows[a].start != flows[b].start ? flows[a].start < flows[b].start : flows[a].uid < flows[b].uid
    }
    let sorted = order.map { flows[$0] }
    return banPatterns(sorted) + concurrencyPatterns(sorted) + idlePatterns(sorted)
}

private func serverKey(_ f: FlowDigest) -> String { "\(f.serverIP):\(f.serverPort)" }

/// Addresses in 65,536 buckets, one bit each: whether an address may have been inserted (a false "yes"
/// only when its bucket is shared). Set in front of a dictionary keyed by client: the flows of a flood or
/// a scan, from clients never inserted, skip the hash of the whole key.
public struct AddressFilter: Sendable {
    var words = [UInt64](repeating: 0, count: 1024)

    public init() {}

    @inline(__always)
    static func bucket(_ a: IPAddress) -> (word: Int, bit: UInt64) {
        let mixed = (a.high ^ a.low ^ (a.isIPv6 ? 1 : 0)) &* 0x9E37_79B9_7F4A_7C15
        let bucket = Int(truncatingIfNeeded: mixed >> 48)
        return (bucket >> 6, 1 &<< UInt64(bucket & 63))
    }

    public mutating func insert(_ a: IPAddress) {
        let b = AddressFilter.bucket(a)
        words[b.word] |= b.bit
    }

    public func mayContain(_ a: IPAddress) -> Bool {
        let b = AddressFilter.bucket(a)
        return words[b.word] & b.bit != 0
    }
}

/// What flows are grouped by: a server (address and port), and for bans also the client. Compared and
/// hashed as fields (no text made per flow: a flood has millions of flows and few groups worth reporting).
private struct GroupKey: Hashable {
    var client: IPAddress?
    var server: IPAddress
    var port: Int
    init(server f: FlowDigest) { client = nil; server = f.server; port = f.serverPort }
    init(clientServer f: FlowDigest) { client = f.client; server = f.server; port = f.serverPort }

    /// The addresses' words and the port, not each field's own hash (the optional's and the family flag's
    /// included): equal keys hash alike, and equality still compares every field.
    func hash(into hasher: inout Hasher) {
        hasher.combine(client?.high ?? 0)
        hasher.combine(client?.low ?? 0)
        hasher.combine(server.high)
        hasher.combine(server.low)
        hasher.combine(port)
    }
}

/// Groups sorted flows by a key, keeping first-appearance order of keys (deterministic, no hash-order output).
/// Flows that `include` rejects are left out (a group of them could never make a pattern), and so are groups
/// that can never make one: fewer than `minimum` members.
private func groups(
    _ flows: [FlowDigest], by key: (FlowDigest) -> GroupKey, minimum: Int = 1, include: (FlowDigest) -> Bool = { _ in true }
) -> [[FlowDigest]] {
    var index: [GroupKey: Int] = [:]
    var out: [[FlowDigest]] = []
    for f in flows where include(f) {
        let k = key(f)
        if let i = index[k] {
            out[i].append(f)
        } else {
            index[k] = out.count
            out.append([f])
        }
    }
    return minimum > 1 ? out.filter { $0.count >= minimum } : out
}

private func isBlocked(_ f: FlowDigest) -> Bool {
    switch f.outcome {
    case .refused, .timeout: return true
    case .reset: return f.phase <= .version
    case .closed, .open: return false
    }
}

/// ban_after_failures: ≥ N auth failures from one client to one server:port, then every later attempt blocked (≥ 1).
private func banPatterns(_ flows: [FlowDigest]) -> [Pattern] {
    var out: [Pattern] = []
    // Only client/server pairs with a failed authentication can show a ban (a scan or flood has millions of
    // pairs and none of them).
    var failing = Set<GroupKey>()
    var failingClients = AddressFilter()
    for f in flows where f.authFailedLikely {
        failing.insert(GroupKey(clientServer: f))
        failingClients.insert(f.client)
    }
    guard !failing.isEmpty else { return [] }
    let candidates = groups(
        flows, by: GroupKey.init(clientServer:), minimum: PatternThresholds.banFailures + 1,
        include: { failingClients.mayContain($0.client) && failing.contains(GroupKey(clientServer: $0)) })
    for g in candidates {
        var failures = 0
        var banStart: Int?
        for (i, f) in g.enumerated() where f.authFailedLikely {
            failures += 1
            if failures == PatternThresholds.banFailures { banStart = i }
        }
        guard var i = banStart else { continue }
        // Count further failures up to the first blocked attempt after the N-th failure.
        var lastFailure = i
        i += 1
        while i < g.count && g[i].authFailedLikely {
            lastFailure = i
            i += 1
        }
        let later = g[(lastFailure + 1)...]
        guard !later.isEmpty, later.allSatisfy(isBlocked) else { continue }
        let failed = g[...lastFailure].filter { $0.authFailedLikely }
        guard let first = later.first, let lastFail = failed.last else { continue }
        let delay = Sat.sub(first.start, lastFail.end)
        var outcomes: [String] = []
        for f in later where !outcomes.contains(f.outcome.rawValue) { outcomes.append(f.outcome.rawValue) }
        out.append(
            Pattern(
                kind: "ban_after_failures",
                summary: "\(first.clientIP) failed authentication \(failed.count) times to \(serverKey(first)), then all \(later.count) later attempt(s) were \(outcomes.joined(separator: "/")) starting \(Fmt.seconds(delay)) after the last failure: a ban (Fail2Ban, sshguard or PerSourcePenalties)",
                flows: failed.map(\.uid.description) + later.map(\.uid.description),
                extra: [
                    PatternField("client_ip", .string(first.clientIP)),
                    PatternField("server", .string(serverKey(first))),
                    PatternField("failures", .int(Int64(failed.count))),
                    PatternField("blocked", .int(Int64(later.count))),
                    PatternField("first_block_after_ns", .int(delay)),
                    PatternField("block_outcomes", .string(outcomes.joined(separator: ","))),
                ]))
    }
    return out
}

/// A flow that never got past authentication occupies a MaxStartups slot for its whole life (approximation: the
/// capture cannot see when an encrypted flow authenticated, so `session` and `encrypted` flows are not counted).
private func isUnauthenticated(_ f: FlowDigest) -> Bool { f.phase <= .auth || (f.phase == .encrypted && f.authFailedLikely) }

private func isPreBannerDrop(_ f: FlowDigest) -> Bool {
    if f.cause == .droppedBeforeBanner { return true }
    // A server RST before the banner is a drop; a connection merely closed
    // while still in the version phase (a stalled client) is not.
    return f.outcome == .reset && f.phase <= .version && f.attribution == .server
}

/// Number of values in a sorted array that are ≤ x (binary search).
private func countAtMost(_ a: [Int64], _ x: Int64) -> Int {
    var lo = 0
    var hi = a.count
    while lo < hi {
        let mid = lo + (hi - lo) / 2
        if a[mid] <= x { lo = mid + 1 } else { hi = mid }
    }
    return lo
}

/// concurrency_threshold: pre-banner drops that only happen while ≥ K other unauthenticated flows to that server are open.
private func concurrencyPatterns(_ flows: [FlowDigest]) -> [Pattern] {
    var out: [Pattern] = []
    // Only servers with pre-banner drops can show the pattern (a scan or flood may reach many servers).
    var dropping = Set<GroupKey>()
    for f in flows where isPreBannerDrop(f) { dropping.insert(GroupKey(server: f)) }
    guard !dropping.isEmpty else { return [] }
    let candidates = groups(
        flows, by: GroupKey.init(server:), minimum: PatternThresholds.minDrops,
        include: { dropping.contains(GroupKey(server: $0)) })
    for g in candidates {
        let unauth = g.filter(isUnauthenticated)
        let starts = unauth.map(\.start).sorted()
        let ends = unauth.map { max($0.start, $0.end) }.sorted()
        // Open at t: start ≤ t and end > t, i.e. #(start ≤ t) − #(end ≤ t); minus the flow itself.
        func concurrentOthers(_ f: FlowDigest) -> Int {
            let open = countAtMost(starts, f.start) - countAtMost(ends, f.start)
            let selfCounted = isUnauthenticated(f) && max(f.start, f.end) > f.start ? 1 : 0
            return max(0, open - selfCounted)
        }
        var drops: [(FlowDigest, Int)] = []
        var acceptedMax = -1
        var acceptedAtOrAbove: [Int] = []
        for f in g {
            let c = concurrentOthers(f)
            if isPreBannerDrop(f) {
                drops.append((f, c))
            } else if f.phase >= .kex {
                acceptedMax = max(acceptedMax, c)
                acceptedAtOrAbove.append(c)
            }
        }
        guard drops.count >= PatternThresholds.minDrops, let k = drops.map({ $0.1 }).min(), k >= PatternThresholds.minConcurrency,
            let first = drops.first?.0
        else { continue }
        let acceptedText = acceptedMax >= 0 ? "; accepted connections saw up to \(acceptedMax) (random early drop lets some through)" : ""
        out.append(
            Pattern(
                kind: "concurrency_threshold",
                summary: "\(drops.count) connection(s) to \(serverKey(first)) were dropped before the banner, each while ≥ \(k) other unauthenticated connections were open\(acceptedText): sshd MaxStartups (default 10:30:100) throttling; check sshd -T | grep -i maxstartups",
                flows: drops.map { $0.0.uid.description },
                extra: [
                    PatternField("server", .string(serverKey(first))),
                    PatternField("threshold", .int(Int64(k))),
                    PatternField("drops", .int(Int64(drops.count))),
                    PatternField("max_concurrency_accepted", .int(Int64(acceptedMax))),
                ]))
    }
    return out
}

/// idle_timeout_cluster: ≥ 2 middlebox/undetermined resets whose idle-before-end times are within 5 % of each other.
private func idlePatterns(_ flows: [FlowDigest]) -> [Pattern] {
    let candidates = flows.filter { f in
        guard f.outcome == .reset, let idle = f.idleBeforeEndNs, idle >= PatternThresholds.idleMinimumNs else { return false }
        return f.attribution == .middlebox || f.attribution == .undetermined || f.attribution == nil
    }
    .sorted { a, b in
        let ia = a.idleBeforeEndNs ?? 0
        let ib = b.idleBeforeEndNs ?? 0
        return ia != ib ? ia < ib : (a.start != b.start ? a.start < b.start : a.uid < b.uid)
    }
    var out: [(first: Int64, pattern: Pattern)] = []
    var i = 0
    while i < candidates.count {
        let lo = candidates[i].idleBeforeEndNs ?? 0
        let limit = Sat.add(lo, lo / 100 * PatternThresholds.idleClusterPercent)
        var j = i
        while j + 1 < candidates.count, (candidates[j + 1].idleBeforeEndNs ?? 0) <= limit { j += 1 }
        if j > i {
            let members = Array(candidates[i...j])
            let idles = members.map { $0.idleBeforeEndNs ?? 0 }
            let median = idles[idles.count / 2]
            let hi = idles[idles.count - 1]
            let known = IdleTimeouts.match(median)
            let ordered = members.sorted { $0.start != $1.start ? $0.start < $1.start : $0.uid < $1.uid }
            out.append((ordered.first?.start ?? 0,
                Pattern(
                    kind: "idle_timeout_cluster",
                    summary: "\(members.count) resets came after \(Fmt.seconds(lo))–\(Fmt.seconds(hi)) of idle (median \(Fmt.seconds(median)))\(known.map { ", matching the \($0.name)" } ?? ", matching no known default"): an idle timeout in the path; set ServerAliveInterval below it",
                    flows: ordered.map(\.uid.description),
                    extra: [
                        PatternField("idle_median_ns", .int(median)),
                        PatternField("idle_min_ns", .int(lo)),
                        PatternField("idle_max_ns", .int(hi)),
                        PatternField("count", .int(Int64(members.count))),
                        PatternField("matches", .string(known?.name ?? "none")),
                    ])))
            i = j + 1
        } else {
            i += 1
        }
    }
    return out.sorted { a, b in a.first != b.first ? a.first < b.first : a.pattern.summary < b.pattern.summary }.map(\.pattern)
}
