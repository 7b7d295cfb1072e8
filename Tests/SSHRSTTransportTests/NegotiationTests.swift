import Testing
@testable import SSHRSTTransport

@Suite struct NegotiationTests {
    func kex(_ k: [String] = ["curve25519-sha256"], host: [String] = ["ssh-ed25519"], enc: [String] = ["aes128-ctr"],
             encS: [String]? = nil, mac: [String] = ["hmac-sha2-256"], macS: [String]? = nil,
             comp: [String] = ["none"], compS: [String]? = nil) -> KexInit {
        KexInit(kexAlgorithms: k, serverHostKeyAlgorithms: host, encryptionClientToServer: enc,
                encryptionServerToClient: encS ?? enc, macClientToServer: mac, macServerToClient: macS ?? mac,
                compressionClientToServer: comp, compressionServerToClient: compS ?? comp)
    }

    // RFC 4253 §7.1: "the first algorithm on the client's name-list that is also on the server's name-list".
    @Test func clientPreferenceWins() {
        let c = kex(["a", "b", "c"], host: ["h2", "h1"], enc: ["e1", "e2"], mac: ["m2", "m1"], comp: ["zlib", "none"])
        let s = kex(["c", "b"], host: ["h1", "h2"], enc: ["e2", "e1"], mac: ["m1", "m2"], comp: ["none", "zlib"])
        let n = negotiate(client: c, server: s)
        #expect(n == Negotiation(kex: "b", hostKey: "h2", cipherClientToServer: "e1", cipherServerToClient: "e1",
                                 macClientToServer: "m2", macServerToClient: "m2",
                                 compressionClientToServer: "zlib", compressionServerToClient: "zlib", failure: nil))
    }

    @Test func directionsAreIndependent() {
        let c = kex(enc: ["aes128-ctr"], encS: ["aes256-ctr", "aes128-ctr"], mac: ["a"], macS: ["b", "a"])
        let s = kex(enc: ["aes128-ctr", "aes256-ctr"], encS: ["aes128-ctr"], mac: ["a", "b"], macS: ["b"])
        let n = negotiate(client: c, server: s)
        #expect(n.cipherClientToServer == "aes128-ctr")
        #expect(n.cipherServerToClient == "aes128-ctr")
        #expect(n.macServerToClient == "b")
    }

    @Test func macReportedEvenForAEAD() {
        let c = kex(enc: ["chacha20-poly1305@openssh.com"], mac: ["umac-64-etm@openssh.com", "hmac-sha2-256"])
        let s = kex(enc: ["chacha20-poly1305@openssh.com"], mac: ["hmac-sha2-256"])
        #expect(negotiate(client: c, server: s).macClientToServer == "hmac-sha2-256")
    }

    @Test(arguments: [
        ("kex", 0), ("host_key", 1), ("cipher_client_to_server", 2), ("cipher_server_to_client", 3),
        ("mac_client_to_server", 4), ("mac_server_to_client", 5),
        ("compression_client_to_server", 6), ("compression_server_to_client", 7),
    ])
    func noCommonAlgorithmInEachCategory(_ name: String, _ k: Int) {
        var lists: [[String]] = Array(repeating: ["x"], count: 8)
        let c = kex(lists[0], host: lists[1], enc: lists[2], encS: lists[3], mac: lists[4], macS: lists[5], comp: lists[6], compS: lists[7])
        lists[k] = ["only-on-server"]
        let s = kex(lists[0], host: lists[1], enc: lists[2], encS: lists[3], mac: lists[4], macS: lists[5], comp: lists[6], compS: lists[7])
        let n = negotiate(client: c, server: s)
        #expect(n.failure == name)
        let values = [n.kex, n.hostKey, n.cipherClientToServer, n.cipherServerToClient, n.macClientToServer,
                      n.macServerToClient, n.compressionClientToServer, n.compressionServerToClient]
        for (i, v) in values.enumerated() { #expect((v == nil) == (i == k)) }
    }

    @Test func firstFailureIsReported() {
        let n = negotiate(client: kex(["a"], mac: ["m"]), server: kex(["b"], mac: ["n"]))
        #expect(n.failure == "kex")
        #expect(n.macClientToServer == nil)
    }

    @Test func emptyListsAndEmptyNames() {
        #expect(negotiate(client: kex([]), server: kex(["a"])).failure == "kex")
        #expect(negotiate(client: kex(["", "a"]), server: kex(["", "a"])).kex == "a")
    }

    @Test func pseudoAlgorithmsDoNotMatch() {
        let n = negotiate(client: kex(["ext-info-c", "kex-strict-c-v00@openssh.com", "curve25519-sha256"]),
                          server: kex(["curve25519-sha256", "ext-info-s", "kex-strict-s-v00@openssh.com"]))
        #expect(n.kex == "curve25519-sha256")
    }

    @Test func hasshStringsKeepWireText() {
        let c = kex(["curve25519-sha256", "ext-info-c"], enc: ["aes128-ctr"], encS: ["x"], mac: ["hmac-sha1"], macS: ["y"],
                    comp: ["none", "zlib@openssh.com"], compS: ["z"])
        #expect(hasshString(client: c) == "curve25519-sha256,ext-info-c;aes128-ctr;hmac-sha1;none,zlib@openssh.com")
        #expect(hasshServerString(server: c) == "curve25519-sha256,ext-info-c;x;y;z")
    }

    @Test func kexFamilies() {
        #expect(KexFamily(kexName: "diffie-hellman-group-exchange-sha256") == .groupExchange)
        #expect(KexFamily(kexName: "diffie-hellman-group-exchange-sha1") == .groupExchange)
        #expect(KexFamily(kexName: "sntrup761x25519-sha512@openssh.com") == .plain)
        #expect(KexFamily(kexName: "mlkem768x25519-sha256") == .plain)
        #expect(KexFamily(kexName: "rsa2048-sha256") == .rsa)
    }
}
