// Runs the decoder over the public Zeek conformance traces and compares the facts it can produce on its own
// (banners, version, SSH client, KEXINIT lists, negotiation, hassh strings, host-key type).
// Test-only: a minimal classic-pcap reader (Ethernet / raw IPv4 / BSD null; IPv4 / IPv6; TCP). Fingerprints
// (MD5/SHA256) are the engine's job and are not checked here. The traces live in Tests/Conformance/zeek; a
// missing trace or expected.json fails the test.
import Foundation
import Testing
@testable import SSHRSTTransport

private let traceDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Conformance/zeek").path

private struct Endpoint: Hashable { var ip: String; var port: Int }
private struct TCPSeg { var src: Endpoint; var dst: Endpoint; var seq: UInt32; var syn: Bool; var ack: Bool; var payload: [UInt8] }

private func readTrace(_ path: String) -> [TCPSeg] {
    guard let data = FileManager.default.contents(atPath: path) else { return [] }
    let b = [UInt8](data)
    guard b.count >= 24 else { return [] }
    func le32(_ i: Int) -> Int { Int(b[i]) | Int(b[i + 1]) << 8 | Int(b[i + 2]) << 16 | Int(b[i + 3]) << 24 }
    let link = le32(20)
    var out: [TCPSeg] = []
    var i = 24
    while i + 16 <= b.count {
        let caplen = le32(i + 8)
        let start = i + 16
        i = start + caplen
        guard i <= b.count else { break }
        var p = Array(b[start..<i])
        switch link {
        case 1:
            guard p.count >= 14 else { continue }
            var et = Int(p[12]) << 8 | Int(p[13]); var off = 14
            while et == 0x8100, p.count >= off + 4 { et = Int(p[off + 2]) << 8 | Int(p[off + 3]); off += 4 }
            guard et == 0x0800 || et == 0x86DD else { continue }
            p = Array(p[off...])
        case 0: guard p.count >= 4 else { continue }; p = Array(p[4...])
        default: break
        }
        guard let first = p.first else { continue }
        var src = "", dst = "", proto = 0, l4 = 0, end = p.count
        if first >> 4 == 4, p.count >= 20 {
            let ihl = Int(first & 0xF) * 4
            proto = Int(p[9]); l4 = ihl
            end = min(p.count, Int(p[2]) << 8 | Int(p[3]))
            src = p[12..<16].map(String.init).joined(separator: "."); dst = p[16..<20].map(String.init).joined(separator: ".")
        } else if first >> 4 == 6, p.count >= 40 {
            proto = Int(p[6]); l4 = 40
            end = min(p.count, 40 + (Int(p[4]) << 8 | Int(p[5])))
            func v6(_ o: Int) -> String { stride(from: o, to: o + 16, by: 2).map { String(Int(p[$0]) << 8 | Int(p[$0 + 1]), radix: 16) }.joined(separator: ":") }
            src = v6(8); dst = v6(24)
        } else { continue }
        guard proto == 6, p.count >= l4 + 20, end >= l4 + 20 else { continue }
        let t = l4
        let sp = Int(p[t]) << 8 | Int(p[t + 1]), dp = Int(p[t + 2]) << 8 | Int(p[t + 3])
        let seq = UInt32(p[t + 4]) << 24 | UInt32(p[t + 5]) << 16 | UInt32(p[t + 6]) << 8 | UInt32(p[t + 7])
        let hl = Int(p[t + 12] >> 4) * 4
        let flags = p[t + 13]
        let payload = t + hl <= end ? Array(p[(t + hl)..<end]) : []
        out.append(TCPSeg(src: Endpoint(ip: src, port: sp), dst: Endpoint(ip: dst, port: dp), seq: seq,
                          syn: flags & 0x02 != 0, ack: flags & 0x10 != 0, payload: payload))
    }
    return out
}

private func normalise(_ ip: String) -> String { ip.contains(":") ? ip.split(separator: ":").map { String(Int($0, radix: 16) ?? 0, radix: 16) }.joined(separator: ":") : ip }

@Suite struct ConformanceTraceTests {
    /// Trace names from expected.json (empty when it is missing, which `expectationsArePresent` reports).
    static let traces: [String] = {
        guard let json = FileManager.default.contents(atPath: traceDir + "/expected.json"),
              let root = try? JSONSerialization.jsonObject(with: json) as? [String: Any],
              let traces = root["traces"] as? [String: Any] else { return [] }
        return traces.keys.sorted()
    }()

    @Test func expectationsArePresent() {
        #expect(ConformanceTraceTests.traces.count >= 17, "expected.json not found or incomplete under \(traceDir)")
    }

    @Test(arguments: traces)
    func trace(_ name: String) throws {
        let json = try #require(FileManager.default.contents(atPath: traceDir + "/expected.json"))
        let root = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        let trace = try #require((root["traces"] as? [String: Any])?[name] as? [String: Any])
        let conns = try #require(trace["connections"] as? [String: Any])
        #expect(FileManager.default.fileExists(atPath: traceDir + "/" + name), "\(name) is missing from \(traceDir)")
        let segs = readTrace(traceDir + "/" + name)
        for (key, value) in conns {
            guard let conn = value as? [String: Any], let facts = conn["facts"] as? [String: Any],
                  let o = conn["orig"] as? [String: Any], let r = conn["resp"] as? [String: Any],
                  let oip = o["ip"] as? String, let oport = o["port"] as? Int,
                  let rip = r["ip"] as? String, let rport = r["port"] as? Int else { continue }
            if let req = conn["requires"] as? [String], !req.isEmpty { continue }
            let orig = Endpoint(ip: normalise(oip), port: oport), resp = Endpoint(ip: normalise(rip), port: rport)
            var session = SSHTransportSession()
            for s in segs {
                let side: SSHSide
                if s.src == orig && s.dst == resp { side = .originator } else if s.src == resp && s.dst == orig { side = .responder } else { continue }
                if s.syn { session.setStart(side, sequence: s.seq &+ 1); continue }
                session.ingest(side, sequence: s.seq, payload: s.payload.span)
            }
            session.finish()
            let sum = session.summary()
            check(sum, facts, "\(name) \(key)")
        }
    }

    func check(_ s: SSHSummary, _ facts: [String: Any], _ where_: String) {
        func fact(_ k: String) -> Any?? {
            guard let f = facts[k] as? [String: Any] else { return .none }
            let v = f["value"]
            return .some(v is NSNull ? nil : v)
        }
        func expectString(_ k: String, _ got: String?) {
            guard case .some(let want) = fact(k) else { return }
            #expect(got == (want as? String), "\(where_) \(k)")
        }
        expectString("orig_banner", s.originatorBanner)
        expectString("resp_banner", s.responderBanner)
        if case .some(let v) = fact("ssh_version") { #expect(s.version == (v as? Int), "\(where_) ssh_version") }
        if case .some(let v) = fact("ssh_client") {
            let got: String? = s.sshClientSide.map { $0 == .originator ? "orig" : "resp" }
            #expect(got == (v as? String), "\(where_) ssh_client")
        }
        let listKeys = ["kex_algorithms", "server_host_key_algorithms", "encryption_algorithms_client_to_server",
                        "encryption_algorithms_server_to_client", "mac_algorithms_client_to_server", "mac_algorithms_server_to_client",
                        "compression_algorithms_client_to_server", "compression_algorithms_server_to_client",
                        "languages_client_to_server", "languages_server_to_client"]
        for (prefix, kex) in [("orig_kexinit", s.originatorKexInit), ("resp_kexinit", s.responderKexInit)] {
            for (i, k) in listKeys.enumerated() { expectString("\(prefix).\(k)", kex?.rawNameLists[i]) }
            if case .some(let v) = fact("\(prefix).first_kex_packet_follows") {
                #expect(kex?.firstKexPacketFollows == (v as? Bool), "\(where_) \(prefix).first_kex_packet_follows")
            }
        }
        // Without KEX messages after the KEXINITs the SSH client is undecidable by direction (nil); like the
        // engine, fall back to the TCP originator.
        let client = s.sshClientSide ?? .originator
        let n = s.negotiation(assumingClient: client)
        expectString("negotiated.kex", n?.kex)
        expectString("negotiated.host_key", n?.hostKey)
        expectString("negotiated.cipher_client_to_server", n?.cipherClientToServer)
        expectString("negotiated.cipher_server_to_client", n?.cipherServerToClient)
        expectString("negotiated.mac_client_to_server", n?.macClientToServer)
        expectString("negotiated.mac_server_to_client", n?.macServerToClient)
        expectString("negotiated.compression_client_to_server", n?.compressionClientToServer)
        expectString("negotiated.compression_server_to_client", n?.compressionServerToClient)
        expectString("negotiation_failure", n?.failure)
        expectString("hassh_string", s.kexInit(of: client).map { hasshString(client: $0) })
        expectString("hasshServer_string", s.kexInit(of: client.peer).map { hasshServerString(server: $0) })
        expectString("host_key_type", s.hostKey?.algorithm)
    }
}
