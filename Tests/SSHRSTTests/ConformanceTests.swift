import Foundation
import SSHRSTReport
import Testing

/// Compares sshrst's records with every fact of Tests/Conformance/zeek/expected.json
/// (independent oracles: Zeek baselines, tshark). Values are read from the file at
/// run time, never copied into code.
@Suite struct ConformanceTests {
    static let traces: [String] = {
        guard let root = try? loadJSONObject(Paths.conformance.appendingPathComponent("expected.json")) as? [String: Any],
            let traces = root["traces"] as? [String: Any]
        else { return [] }
        return traces.keys.sorted()
    }()

    /// Our value for one conformance fact (orig = SSH client/TCP originator in this set).
    static func value(of fact: String, in flow: JSON) -> Any? {
        func string(_ j: JSON?) -> Any? {
            guard let j else { return nil }
            switch j {
            case .null: return NSNull()
            case .string(let s): return s
            case .int(let i): return i
            case .bool(let b): return b
            case .array(let items): return items.compactMap { $0.stringValue }.joined(separator: ",")
            default: return j.serialized()
            }
        }
        let ssh = flow["ssh"]
        switch fact {
        case "orig_banner": return string(ssh?["client_banner"] ?? .null)
        case "resp_banner": return string(ssh?["server_banner"] ?? .null)
        case "ssh_version": return string(ssh?["version"] ?? .null)
        case "ssh_client":
            switch ssh?["ssh_client"]?.stringValue {
            case "originator": return "orig"
            case "responder": return "resp"
            default: return NSNull()
            }
        case "conn_state": return string(flow["conn_state"])
        case "history": return string(flow["history"])
        case "negotiation_failure": return string(ssh?["negotiation_failure"] ?? .null)
        case "hassh": return string(ssh?["hassh"] ?? .null)
        case "hassh_string": return string(ssh?["hassh_string"] ?? .null)
        case "hasshServer": return string(ssh?["hassh_server"] ?? .null)
        case "hasshServer_string": return string(ssh?["hassh_server_string"] ?? .null)
        case "host_key_type": return string(ssh?.at("host_key.algorithm") ?? .null)
        case "host_key_fingerprint_sha256": return string(ssh?.at("host_key.fingerprint") ?? .null)
        case "host_key_fingerprint_md5": return string(ssh?.at("host_key.fingerprint_md5") ?? .null)
        default:
            let parts = fact.split(separator: ".", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { return "unknown fact \(fact)" }
            switch parts[0] {
            case "orig_kexinit": return string(ssh?["client_kexinit"]?[parts[1]] ?? .null)
            case "resp_kexinit": return string(ssh?["server_kexinit"]?[parts[1]] ?? .null)
            case "negotiated": return string(ssh?["negotiated"]?[parts[1]] ?? .null)
            default: return "unknown fact \(fact)"
            }
        }
    }

    static func same(_ a: Any?, _ b: Any?) -> Bool {
        switch (a, b) {
        case (nil, nil), (is NSNull, is NSNull), (nil, is NSNull), (is NSNull, nil): return true
        case (let x as String, let y as String): return x == y
        case (let x as Bool, let y as Bool): return x == y
        case (let x as Int, let y as Int): return x == y
        case (let x as NSNumber, let y as Int): return x.intValue == y
        case (let x as Int, let y as NSNumber): return x == y.intValue
        case (let x as NSNumber, let y as Bool): return x.boolValue == y
        default: return false
        }
    }

    @Test func expectationsArePresent() {
        #expect(ConformanceTests.traces.count >= 17, "expected.json not found under \(Paths.conformance.path)")
    }

    @Test(arguments: ConformanceTests.traces)
    func trace(_ name: String) throws {
        let root = try #require(try loadJSONObject(Paths.conformance.appendingPathComponent("expected.json")) as? [String: Any])
        let trace = try #require((root["traces"] as? [String: Any])?[name] as? [String: Any])
        let connections = try #require(trace["connections"] as? [String: Any])
        let (records, error) = analyze(Paths.conformance.appendingPathComponent(name).path)
        #expect(error == nil, "\(name): \(error?.description ?? "")")
        let flows = records.filter { $0["type"]?.stringValue == "flow" }
        var checked = 0
        for (key, value) in connections.sorted(by: { $0.key < $1.key }) {
            let connection = try #require(value as? [String: Any])
            let orig = try #require(connection["orig"] as? [String: Any])
            let resp = try #require(connection["resp"] as? [String: Any])
            let match = flows.first {
                $0.at("client.ip")?.stringValue == orig["ip"] as? String && $0.at("client.port")?.intValue == orig["port"] as? Int
                    && $0.at("server.ip")?.stringValue == resp["ip"] as? String && $0.at("server.port")?.intValue == resp["port"] as? Int
            }
            guard let flow = match else {
                if connection["record"] as? String == "required" { Issue.record("\(name) \(key): flow not reported") }
                continue
            }
            let facts = try #require(connection["facts"] as? [String: Any])
            for (fact, entry) in facts.sorted(by: { $0.key < $1.key }) {
                let expected = (entry as? [String: Any])?["value"]
                let actual = ConformanceTests.value(of: fact, in: flow)
                #expect(ConformanceTests.same(expected, actual), "\(name) \(key) \(fact): expected \(String(describing: expected)), got \(String(describing: actual))")
                checked += 1
            }
        }
        let required = connections.values.contains { ($0 as? [String: Any])?["record"] as? String == "required" }
        #expect(checked > 0 || !required, "\(name): no fact checked")
        if name == "ssh-over-udp.pcap" {
            #expect(flows.isEmpty, "SSH banners in UDP are not a TCP flow")
        }
    }
}
