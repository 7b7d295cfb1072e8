/// Zeek-style records (`--format zeek`): for every flow a `conn` record and,
/// when SSH was seen, an `ssh` record, with Zeek's field names, one JSON
/// object per line and a `_path` field naming the log (as Zeek's JSON
/// streaming logs do). sshrst's own fields ride along under a `sshrst.` prefix.
///
/// Mapping (flow record -> Zeek):
///   ts, uid, client/server -> id.orig_h/id.orig_p/id.resp_h/id.resp_p, duration,
///   packets -> orig_pkts/resp_pkts, bytes -> orig_bytes/resp_bytes, conn_state, history;
///   ssh.version, client_banner -> client, server_banner -> server, negotiated cipher/mac/
///   compression (Zeek's "To server: X, to client: Y" form when the directions differ),
///   kex_alg, host_key_alg, host_key (MD5 colon form, as Zeek logs it), hassh, hasshServer,
///   hasshAlgorithms, hasshServerAlgorithms, cshka/sshka (the hassh package's fields);
///   auth_success: true when the session phase was reached, false when the connection
///   closed in the auth phase, else null (a size heuristic, like Zeek's).
public enum ZeekRenderer {
    public static func render(_ record: JSON) -> [JSON] {
        switch record["type"]?.stringValue {
        case "flow": return flow(record)
        case "pattern": return [.object([("_path", .string("sshrst_pattern"))] + fields(of: record, dropping: ["type"]))]
        case "summary": return [.object([("_path", .string("sshrst_summary"))] + fields(of: record, dropping: ["type"]))]
        default: return [record]
        }
    }

    static func fields(of record: JSON, dropping: Set<String>) -> [(String, JSON)] {
        guard case .object(let f) = record.resolved else { return [] }
        return f.filter { !dropping.contains($0.0) }
    }

    static func id(_ r: JSON) -> [(String, JSON)] {
        [
            ("id.orig_h", r["client"]?["ip"] ?? .null), ("id.orig_p", r["client"]?["port"] ?? .null),
            ("id.resp_h", r["server"]?["ip"] ?? .null), ("id.resp_p", r["server"]?["port"] ?? .null),
        ]
    }

    static func sshrstFields(_ r: JSON) -> [(String, JSON)] {
        let reset = r["reset"] ?? .null
        return [
            ("sshrst.outcome", r["outcome"] ?? .null), ("sshrst.phase", r["phase"] ?? .null),
            ("sshrst.vantage", r["vantage"] ?? .null),
            ("sshrst.reset_claimed_sender", reset["claimed_sender"] ?? .null),
            ("sshrst.reset_attribution", reset["attribution"] ?? .null),
            ("sshrst.reset_confidence", reset["confidence"] ?? .null),
            ("sshrst.cause", r["diagnosis"]?["cause"] ?? .null),
            ("sshrst.summary", r["diagnosis"]?["summary"] ?? .null),
            ("sshrst.anomalies", r["anomalies"] ?? .array([])),
        ]
    }

    static func pair(_ n: JSON?, _ a: String, _ b: String) -> JSON {
        let x = n?[a]?.stringValue
        let y = n?[b]?.stringValue
        guard let x else { return y.map { .string($0) } ?? .null }
        guard let y, y != x else { return .string(x) }
        return .string("To server: \(x), to client: \(y)")
    }

    static func flow(_ r: JSON) -> [JSON] {
        var conn: [(String, JSON)] = [("_path", .string("conn")), ("ts", r["ts"] ?? .null), ("uid", r["uid"] ?? .null)]
        conn += id(r)
        let ssh = r["ssh"] ?? .null
        conn += [
            ("proto", .string("tcp")),
            ("service", ssh.isNull ? .null : .string("ssh")),
            ("duration", r["duration"] ?? .null),
            ("orig_bytes", r["bytes"]?["client"] ?? .null), ("resp_bytes", r["bytes"]?["server"] ?? .null),
            ("conn_state", r["conn_state"] ?? .null),
            ("history", r["history"] ?? .null),
            ("orig_pkts", r["packets"]?["client"] ?? .null), ("resp_pkts", r["packets"]?["server"] ?? .null),
        ]
        conn += sshrstFields(r)
        guard !ssh.isNull else { return [.object(conn)] }
        let negotiated = ssh["negotiated"]
        var auth: JSON = .null
        switch r["phase"]?.stringValue {
        case "session": auth = .bool(true)
        case "auth": if r["outcome"]?.stringValue == "closed" { auth = .bool(false) }
        default: break
        }
        func joined(_ list: JSON?) -> JSON {
            guard let items = list?.arrayValue else { return .null }
            return .string(items.compactMap { $0.stringValue }.joined(separator: ","))
        }
        var log: [(String, JSON)] = [("_path", .string("ssh")), ("ts", r["ts"] ?? .null), ("uid", r["uid"] ?? .null)]
        log += id(r)
        log += [
            ("version", ssh["version"] ?? .null),
            ("auth_success", auth),
            ("client", ssh["client_banner"] ?? .null),
            ("server", ssh["server_banner"] ?? .null),
            ("cipher_alg", pair(negotiated, "cipher_client_to_server", "cipher_server_to_client")),
            ("mac_alg", pair(negotiated, "mac_client_to_server", "mac_server_to_client")),
            ("compression_alg", pair(negotiated, "compression_client_to_server", "compression_server_to_client")),
            ("kex_alg", ssh["negotiation_failure"].map { $0.isNull ? (negotiated?["kex"] ?? .null) : .string("Algorithm negotiation failed") } ?? .null),
            ("host_key_alg", ssh["host_key"]?["algorithm"] ?? .null),
            ("host_key", ssh["host_key"]?["fingerprint_md5"] ?? .null),
            ("hasshVersion", .string("1.1")),
            ("hassh", ssh["hassh"] ?? .null),
            ("hasshAlgorithms", ssh["hassh_string"] ?? .null),
            ("hasshServer", ssh["hassh_server"] ?? .null),
            ("hasshServerAlgorithms", ssh["hassh_server_string"] ?? .null),
            ("cshka", joined(ssh["client_kexinit"]?["server_host_key_algorithms"])),
            ("sshka", joined(ssh["server_kexinit"]?["server_host_key_algorithms"])),
            ("sshrst.host_key_sha256", ssh["host_key"]?["fingerprint"] ?? .null),
        ]
        log += sshrstFields(r)
        return [.object(conn), .object(log)]
    }
}
