/// Renders flow, pattern and summary records (the same JSON values the
/// JSON Lines output writes) for people, at three levels, as tcpdump and
/// Zeek users expect: by default one line per flow, plus one line (verdict,
/// confidence, diagnosis) for a flow that did not close cleanly; `-v` adds
/// each distinct RST or ICMP error with its explanation, and the next steps;
/// `-vv` adds every evidence line. RSTs with the same sender, attribution and
/// evidence are one entry with a count. The summary table ends with the top
/// causes and the uids to give `sshrst explain`.
public struct TextRenderer {
    public var color: Bool
    /// 0 default, 1 `-v`, 2 `-vv` (and more).
    public var verbosity: Int
    /// Named in the summary's `sshrst explain` hint when the run read one file.
    public var explainFile: String?
    /// Flows seen per diagnosis cause (uids in order), for the summary's top causes.
    var causeFlows: [String: [String]] = [:]
    var causeOrder: [String] = []

    public init(color: Bool, verbosity: Int = 0, explainFile: String? = nil) {
        self.color = color
        self.verbosity = verbosity
        self.explainFile = explainFile
    }

    /// How many causes, and uids per cause, the summary lists.
    static let topCauses = 5
    static let uidsPerCause = 3

    func paint(_ s: String, _ code: String) -> String { color ? "\u{1b}[\(code)m\(s)\u{1b}[0m" : s }

    public static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
    }

    public static func endpoint(_ j: JSON?) -> String {
        guard let j, let ip = j["ip"]?.stringValue, let port = j["port"]?.intValue else { return "?" }
        return ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }

    /// Wall-clock time of day (UTC) from epoch seconds text, e.g. "14:52:06.123456".
    static func clock(_ j: JSON?) -> String {
        guard case .number(let text)? = j else { return "?" }
        let parts = text.split(separator: ".", maxSplits: 1)
        guard let whole = Int(parts.first ?? "") else { return text }
        let day = whole % 86_400
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let fraction = parts.count > 1 ? "." + parts[1] : ""
        return "\(two(day / 3600)):\(two(day / 60 % 60)):\(two(day % 60))\(fraction)"
    }

    public mutating func render(_ record: JSON) -> String {
        switch record["type"]?.stringValue {
        case "flow": return flow(record)
        case "pattern": return pattern(record)
        case "summary": return summary(record)
        default: return record.serialized() + "\n"
        }
    }

    func outcomeText(_ outcome: String) -> String {
        let label = TextRenderer.pad(outcome.uppercased(), 8)
        switch outcome {
        case "reset", "refused": return paint(label, "1;31")
        case "timeout": return paint(label, "1;33")
        case "closed": return paint(label, "32")
        default: return paint(label, "36")
        }
    }

    /// Time of day at millisecond precision, e.g. "15:08:44.868".
    static func clockMillis(_ j: JSON?) -> String {
        let full = clock(j)
        guard let dot = full.firstIndex(of: ".") else { return full }
        let fraction = full[full.index(after: dot)...].prefix(3)
        return String(full[..<dot]) + "." + fraction + String(repeating: "0", count: 3 - fraction.count)
    }

    /// "15:08:44.868–45.329": the second time without the hours and minutes (or seconds) it shares.
    static func span(_ first: JSON?, _ last: JSON?) -> String {
        let a = clockMillis(first)
        let b = clockMillis(last)
        if a == b { return a }
        var shared = 0
        for (x, y) in zip(a.split(separator: ":", omittingEmptySubsequences: false), b.split(separator: ":", omittingEmptySubsequences: false)).dropLast() {
            guard x == y else { break }
            shared += x.count + 1
        }
        return a + "\u{2013}" + String(b.dropFirst(shared))
    }

    /// Who sent a RST, in words: "the client kernel", "the server (socket abort)", "a middlebox".
    static func sender(_ reset: JSON) -> String {
        let who = reset["attribution"]?.stringValue ?? "?"
        let reason = reset["reason"]?.stringValue ?? ""
        let path = reason.contains(" via no_socket_or_reject") ? "no_socket_or_reject"
            : reason.contains(" via socket_abort") ? "socket_abort" : reason.contains(" via forged") ? "forged" : ""
        switch (who, path) {
        case ("server", "no_socket_or_reject"), ("client", "no_socket_or_reject"): return "the \(who) kernel"
        case ("server", "socket_abort"), ("client", "socket_abort"): return "the \(who) (socket abort)"
        case ("server", _), ("client", _): return "the \(who)"
        case ("middlebox", "forged"): return "a middlebox (forged)"
        case ("middlebox", _): return "a middlebox"
        default: return "an undetermined sender"
        }
    }

    /// RSTs that say the same thing: one entry with a count. The key is the claimed sender, the
    /// attribution and confidence, and the evidence (rule, party) list; the first RST stands for the group.
    struct ResetGroup {
        var first: JSON
        var last: JSON
        var count: Int
    }

    static func groupKey(_ reset: JSON) -> String {
        var key = (reset["claimed_sender"]?.stringValue ?? "") + "|" + (reset["attribution"]?.stringValue ?? "")
        key += "|" + (reset["confidence"]?.serialized() ?? "") + "|" + (reset["flags"]?.stringValue ?? "")
        for e in reset["evidence"]?.arrayValue ?? [] {
            key += "|" + (e["rule"]?.stringValue ?? "") + ":" + (e["points_to"]?.stringValue ?? "")
        }
        return key
    }

    static func groups(_ resets: [JSON]) -> [ResetGroup] {
        var out: [ResetGroup] = []
        var index: [String: Int] = [:]
        for reset in resets {
            let key = groupKey(reset)
            if let i = index[key] {
                out[i].last = reset
                out[i].count += 1
            } else {
                index[key] = out.count
                out.append(ResetGroup(first: reset, last: reset, count: 1))
            }
        }
        return out
    }

    mutating func flow(_ r: JSON) -> String {
        let outcome = r["outcome"]?.stringValue ?? "?"
        let phase = r["phase"]?.stringValue ?? "?"
        let uid = r["uid"]?.stringValue ?? ""
        var line = TextRenderer.clock(r["ts"]) + "  "
        line += TextRenderer.pad(TextRenderer.endpoint(r["client"]) + " > " + TextRenderer.endpoint(r["server"]), 46) + " "
        line += outcomeText(outcome) + " " + TextRenderer.pad(phase, 9) + " "
        line += TextRenderer.pad((r["conn_state"]?.stringValue ?? "") + " " + (r["history"]?.stringValue ?? ""), 18)
        if let reset = r["reset"], !reset.isNull {
            let who = reset["attribution"]?.stringValue ?? "?"
            let confidence = reset["confidence"].map { $0.serialized() } ?? "?"
            line += " RST by " + paint(who, who == "undetermined" ? "33" : "1") + " (\(confidence))"
        } else if let icmp = r["icmp"]?.arrayValue?.first {
            line += " ICMP " + (icmp["name"]?.stringValue ?? "?") + " from " + (icmp["sender_ip"]?.stringValue ?? "?")
        }
        line += "  " + uid
        var out = line + "\n"
        let diagnosis = r["diagnosis"].flatMap { $0.isNull ? nil : $0 }
        let cause = diagnosis?["cause"]?.stringValue
        if let cause {
            if causeFlows[cause] == nil { causeOrder.append(cause) }
            causeFlows[cause, default: []].append(uid)
        }
        let clean = cause == nil || cause == "clean_close"
        let unfinished = outcome == "reset" || outcome == "refused" || outcome == "timeout"
        guard !clean || unfinished else { return out }
        let indent = "      "
        // The verdict line: who ended the flow, how sure, and the diagnosis in one sentence.
        var verdict = indent
        if let reset = r["reset"], !reset.isNull {
            verdict += "verdict " + paint(reset["attribution"]?.stringValue ?? "?", "1") + " (" + (reset["confidence"]?.serialized() ?? "?") + ")  "
        } else if let icmp = r["icmp"]?.arrayValue?.first {
            verdict += "verdict " + paint(icmp["attribution"]?.stringValue ?? "?", "1") + " (ICMP)  "
        }
        if let diagnosis {
            verdict += paint(cause ?? "?", "1") + ": " + (diagnosis["summary"]?.stringValue ?? "")
        }
        out += verdict + "\n"
        guard verbosity >= 1 else { return out }
        if let banner = r["ssh"]?["server_banner"]?.stringValue {
            out += indent + "server  " + banner + "\n"
        }
        if let failure = r["ssh"]?["negotiation_failure"]?.stringValue {
            out += indent + "kex     no common algorithm for " + failure + "\n"
        }
        for group in TextRenderer.groups(r["resets"]?.arrayValue ?? []) {
            let reset = group.first
            var head: String
            if group.count == 1 {
                head = "RST " + TextRenderer.clock(reset["ts"]) + " from " + paint(TextRenderer.sender(reset), "1")
            } else {
                head = "\(group.count) RSTs from " + paint(TextRenderer.sender(reset), "1") + ", " + TextRenderer.span(reset["ts"], group.last["ts"])
            }
            head += " (" + (reset["confidence"]?.serialized() ?? "?") + "), claim" + (group.count == 1 ? "s " : " ")
            head += reset["claimed_sender"]?.stringValue ?? "?"
            head += ", ttl " + (reset["ttl"].map { $0.serialized() } ?? "?")
            if let id = reset["ip_id"], !id.isNull { head += ", ip id " + id.serialized() }
            head += ", seq " + (reset["seq_status"]?.stringValue ?? "?")
            out += indent + head + "\n"
            if let explanation = reset["explanation"]?.stringValue, !explanation.isEmpty {
                out += indent + "  " + explanation + "\n"
            } else if let reason = reset["reason"]?.stringValue, !reason.isEmpty {
                out += indent + "  " + reason + "\n"
            }
            guard verbosity >= 2 else { continue }
            for e in reset["evidence"]?.arrayValue ?? [] {
                let rule = e["rule"]?.stringValue ?? "?"
                let points = e["points_to"]?.stringValue ?? "?"
                out += indent + "  - " + rule + " [" + points + "] " + (e["detail"]?.stringValue ?? "") + "\n"
            }
        }
        // ICMP errors that say the same (name, sender, TTL, attribution): one entry with a count.
        var icmpGroups: [(first: JSON, last: JSON, count: Int)] = []
        for icmp in r["icmp"]?.arrayValue ?? [] {
            let key = ["name", "sender_ip", "ttl", "attribution"].map { icmp[$0]?.serialized() ?? "" }
            if let i = icmpGroups.firstIndex(where: { g in ["name", "sender_ip", "ttl", "attribution"].map { g.first[$0]?.serialized() ?? "" } == key }) {
                icmpGroups[i].last = icmp
                icmpGroups[i].count += 1
            } else {
                icmpGroups.append((icmp, icmp, 1))
            }
        }
        for g in icmpGroups {
            let icmp = g.first
            let what = (icmp["name"]?.stringValue ?? "?") + " from " + (icmp["sender_ip"]?.stringValue ?? "?")
                + " (ttl " + (icmp["ttl"]?.serialized() ?? "?") + ") -> " + (icmp["attribution"]?.stringValue ?? "?")
            out += indent + (g.count == 1
                ? "ICMP " + TextRenderer.clock(icmp["ts"]) + " " + what
                : "\(g.count) ICMP " + what + ", " + TextRenderer.span(icmp["ts"], g.last["ts"])) + "\n"
        }
        for step in diagnosis?["next_steps"]?.arrayValue ?? [] {
            out += indent + "next: " + (step.stringValue ?? "") + "\n"
        }
        let anomalies = (r["anomalies"]?.arrayValue ?? []).compactMap { $0.stringValue }
        if !anomalies.isEmpty { out += indent + "anomalies: " + anomalies.joined(separator: ", ") + "\n" }
        if let cut = r["payload_not_captured"], !cut.isNull {
            out += indent + "payload not captured (snap length): " + (cut["client"]?.serialized() ?? "?") + " client bytes, "
                + (cut["server"]?.serialized() ?? "?") + " server bytes; the phase is as far as the captured bytes go\n"
        }
        return out
    }

    func pattern(_ r: JSON) -> String {
        let kind = r["kind"]?.stringValue ?? "?"
        let flows = (r["flows"]?.arrayValue ?? []).compactMap { $0.stringValue }
        return paint("pattern", "1;35") + " " + kind + ": " + (r["summary"]?.stringValue ?? "") + " (flows: " + flows.prefix(8).joined(separator: " ") + (flows.count > 8 ? " ..." : "") + ")\n"
    }

    mutating func summary(_ r: JSON) -> String {
        var out = "\n" + paint("summary", "1") + "\n"
        func row(_ label: String, _ value: String) { out += "  " + TextRenderer.pad(label, 24) + value + "\n" }
        row("packets", r["packets"]?.serialized() ?? "0")
        row("ssh flows", r["flows"]?.serialized() ?? "0")
        if case .object(let fields)? = r["outcomes"] {
            row("outcomes", fields.map { "\($0.0) \($0.1.serialized())" }.joined(separator: ", "))
        }
        if case .object(let fields)? = r["resets_by_attribution"] {
            row("resets (" + (r["resets"]?.serialized() ?? "0") + ") by", fields.map { "\($0.0) \($0.1.serialized())" }.joined(separator: ", "))
        }
        if case .object(let fields)? = r["causes"], !fields.isEmpty {
            row("causes", fields.map { "\($0.0) \($0.1.serialized())" }.joined(separator: ", "))
        }
        if case .object(let fields)? = r["decode_errors"], !fields.isEmpty {
            row("decode errors", fields.map { "\($0.0) \($0.1.serialized())" }.joined(separator: ", "))
        }
        if case .object(let fields)? = r["skipped"], !fields.isEmpty {
            row("skipped", fields.map { "\($0.0) \($0.1.serialized())" }.joined(separator: ", "))
        }
        for key in ["flows_evicted", "flows_expired", "truncated_by_snaplen"] {
            if let v = r[key]?.intValue, v > 0 { row(key.split(separator: "_").joined(separator: " "), String(v)) }
        }
        if let received = r["kernel_received"], !received.isNull {
            row("kernel received", received.serialized())
            row("kernel dropped", r["kernel_dropped"]?.serialized() ?? "?")
        }
        // The top causes other than a clean close, most flows first, with the uids to explain.
        let ranked = causeOrder.filter { $0 != "clean_close" }.enumerated()
            .sorted { a, b in
                let (x, y) = (causeFlows[a.element]?.count ?? 0, causeFlows[b.element]?.count ?? 0)
                return x != y ? x > y : a.offset < b.offset
            }.map(\.element)
        for (i, cause) in ranked.prefix(TextRenderer.topCauses).enumerated() {
            let uids = causeFlows[cause] ?? []
            var text = cause + " " + String(uids.count) + ": " + uids.prefix(TextRenderer.uidsPerCause).joined(separator: " ")
            if uids.count > TextRenderer.uidsPerCause { text += " (+\(uids.count - TextRenderer.uidsPerCause) more)" }
            row(i == 0 ? "top causes" : "", text)
        }
        if ranked.count > TextRenderer.topCauses { row("", "(+\(ranked.count - TextRenderer.topCauses) more causes)") }
        if let first = ranked.first, let uid = causeFlows[first]?.first {
            let file = explainFile.map { $0.contains(" ") ? "'\($0)'" : $0 } ?? "FILE"
            row("explain", "sshrst explain " + file + " " + uid)
        }
        causeFlows = [:]
        causeOrder = []
        return out
    }
}
