/// Renders flow, pattern and summary records (the same JSON values the
/// JSON Lines output writes) for people: one line per flow, a detail block
/// for every flow that was refused, reset or timed out, and a summary table.
public struct TextRenderer {
    public var color: Bool

    public init(color: Bool) { self.color = color }

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

    public func render(_ record: JSON) -> String {
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

    func flow(_ r: JSON) -> String {
        let outcome = r["outcome"]?.stringValue ?? "?"
        let phase = r["phase"]?.stringValue ?? "?"
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
        line += "  " + (r["uid"]?.stringValue ?? "")
        var out = line + "\n"
        guard outcome == "reset" || outcome == "refused" || outcome == "timeout" else { return out }
        let indent = "      "
        if let banner = r["ssh"]?["server_banner"]?.stringValue {
            out += indent + "server  " + banner + "\n"
        }
        if let failure = r["ssh"]?["negotiation_failure"]?.stringValue {
            out += indent + "kex     no common algorithm for " + failure + "\n"
        }
        for reset in r["resets"]?.arrayValue ?? [] {
            let claimed = reset["claimed_sender"]?.stringValue ?? "?"
            let who = reset["attribution"]?.stringValue ?? "?"
            var head = "RST " + TextRenderer.clock(reset["ts"]) + " claims " + claimed
            head += ", ttl " + (reset["ttl"].map { $0.serialized() } ?? "?")
            if let id = reset["ip_id"], !id.isNull { head += ", ip id " + id.serialized() }
            head += ", seq " + (reset["seq_status"]?.stringValue ?? "?")
            head += " -> " + paint(who, "1") + " (" + (reset["confidence"]?.serialized() ?? "?") + ")"
            out += indent + head + "\n"
            if let explanation = reset["explanation"]?.stringValue, !explanation.isEmpty {
                out += indent + "  " + explanation + "\n"
            } else if let reason = reset["reason"]?.stringValue, !reason.isEmpty {
                out += indent + "  " + reason + "\n"
            }
            for e in reset["evidence"]?.arrayValue ?? [] {
                let rule = e["rule"]?.stringValue ?? "?"
                let points = e["points_to"]?.stringValue ?? "?"
                out += indent + "  - " + rule + " [" + points + "] " + (e["detail"]?.stringValue ?? "") + "\n"
            }
        }
        for icmp in r["icmp"]?.arrayValue ?? [] {
            out += indent + "ICMP " + (icmp["name"]?.stringValue ?? "?") + " from " + (icmp["sender_ip"]?.stringValue ?? "?")
                + " (ttl " + (icmp["ttl"]?.serialized() ?? "?") + ") -> " + (icmp["attribution"]?.stringValue ?? "?") + "\n"
        }
        if let d = r["diagnosis"], !d.isNull {
            out += indent + paint("cause", "1") + "   " + (d["cause"]?.stringValue ?? "?") + ": " + (d["summary"]?.stringValue ?? "") + "\n"
            for step in d["next_steps"]?.arrayValue ?? [] {
                out += indent + "  next: " + (step.stringValue ?? "") + "\n"
            }
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

    func summary(_ r: JSON) -> String {
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
        return out
    }
}
