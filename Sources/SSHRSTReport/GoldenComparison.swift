/// The fields of a flow record that a golden check compares, and the comparison.
public enum GoldenComparison {
    /// Dotted paths into a flow record.
    public static let fields: [String] = [
        "outcome", "phase", "conn_state", "history",
        "reset.claimed_sender", "reset.attribution",
        "diagnosis.cause",
        "ssh.client_banner", "ssh.server_banner", "ssh.hassh", "ssh.hassh_server", "ssh.negotiation_failure",
        "ssh.host_key.fingerprint",
    ]

    static func value(_ record: JSON, _ path: String) -> JSON {
        var current: JSON = record
        for part in path.split(separator: ".") {
            guard let next = current[String(part)] else { return .null }
            current = next
        }
        return current
    }

    static func label(_ record: JSON) -> String {
        func ep(_ j: JSON?) -> String {
            guard let j, let ip = j["ip"]?.stringValue, let port = j["port"]?.intValue else { return "?" }
            return "\(ip):\(port)"
        }
        return ep(record["client"]) + " > " + ep(record["server"])
    }

    /// Readable differences; empty when the analyses agree.
    public static func compare(expected: [JSON], actual: [JSON]) -> [String] {
        var out: [String] = []
        if expected.count != actual.count {
            out.append("flow count: expected \(expected.count), got \(actual.count)")
        }
        var unmatched = actual
        for e in expected {
            let name = label(e)
            guard let index = unmatched.firstIndex(where: { label($0) == name }) else {
                out.append("\(name): flow missing")
                continue
            }
            let a = unmatched.remove(at: index)
            for path in fields {
                let ev = value(e, path)
                let av = value(a, path)
                if ev.serialized() != av.serialized() {
                    out.append("\(name) \(path): expected \(ev.serialized()), got \(av.serialized())")
                }
            }
        }
        for a in unmatched { out.append("\(label(a)): unexpected flow") }
        return out
    }
}
