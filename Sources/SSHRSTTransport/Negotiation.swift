// RFC 4253 §7.1 negotiation as a passive observer can replay it, and the hassh source strings.

/// The algorithms both sides would pick, per RFC 4253 §7.1.
public struct Negotiation: Sendable, Equatable {
    public var kex: String?
    public var hostKey: String?
    public var cipherClientToServer: String?
    public var cipherServerToClient: String?
    public var macClientToServer: String?
    public var macServerToClient: String?
    public var compressionClientToServer: String?
    public var compressionServerToClient: String?
    /// The first category without a common algorithm, in the order `kex`, `host_key`, `cipher_client_to_server`,
    /// `cipher_server_to_client`, `mac_client_to_server`, `mac_server_to_client`, `compression_client_to_server`,
    /// `compression_server_to_client`; nil when every category has one.
    public var failure: String?

    public init(
        kex: String? = nil, hostKey: String? = nil,
        cipherClientToServer: String? = nil, cipherServerToClient: String? = nil,
        macClientToServer: String? = nil, macServerToClient: String? = nil,
        compressionClientToServer: String? = nil, compressionServerToClient: String? = nil,
        failure: String? = nil
    ) {
        self.kex = kex
        self.hostKey = hostKey
        self.cipherClientToServer = cipherClientToServer
        self.cipherServerToClient = cipherServerToClient
        self.macClientToServer = macClientToServer
        self.macServerToClient = macServerToClient
        self.compressionClientToServer = compressionClientToServer
        self.compressionServerToClient = compressionServerToClient
        self.failure = failure
    }
}

/// RFC 4253 §7.1: for each category, the first algorithm on the client's list that the server also supports.
///
/// // RFC 4253 §7.1:
/// // > The chosen encryption algorithm to each direction MUST be the first
/// // > algorithm on the client's name-list that is also on the server's name-list.
///
/// For `kex` the RFC adds conditions on host-key capability (encryption- or signature-capable). Every key
/// exchange in use today needs a signature-capable host key and every host-key algorithm in use is one, so,
/// like OpenSSH's `kex_choose_conf`, the kex is plain first-match; a missing common host-key algorithm shows
/// up as `failure == "host_key"`. The guess rule (`first_kex_packet_follows`) does not change the outcome.
/// MAC is reported even when the cipher is an AEAD (plain first-match). Empty names never match.
///
/// Linear: each server list is hashed once into a set (O(n + m) per category), so peer-sized lists
/// (Zeek's kex-quadratic-1000 trace) cost nothing quadratic.
public func negotiate(client: KexInit, server: KexInit) -> Negotiation {
    var n = Negotiation()
    n.kex = firstCommon(client.kexAlgorithms, server.kexAlgorithms)
    n.hostKey = firstCommon(client.serverHostKeyAlgorithms, server.serverHostKeyAlgorithms)
    n.cipherClientToServer = firstCommon(client.encryptionClientToServer, server.encryptionClientToServer)
    n.cipherServerToClient = firstCommon(client.encryptionServerToClient, server.encryptionServerToClient)
    n.macClientToServer = firstCommon(client.macClientToServer, server.macClientToServer)
    n.macServerToClient = firstCommon(client.macServerToClient, server.macServerToClient)
    n.compressionClientToServer = firstCommon(client.compressionClientToServer, server.compressionClientToServer)
    n.compressionServerToClient = firstCommon(client.compressionServerToClient, server.compressionServerToClient)
    let order: [(String, String?)] = [
        ("kex", n.kex), ("host_key", n.hostKey),
        ("cipher_client_to_server", n.cipherClientToServer), ("cipher_server_to_client", n.cipherServerToClient),
        ("mac_client_to_server", n.macClientToServer), ("mac_server_to_client", n.macServerToClient),
        ("compression_client_to_server", n.compressionClientToServer),
        ("compression_server_to_client", n.compressionServerToClient),
    ]
    n.failure = order.first(where: { $0.1 == nil })?.0
    return n
}

/// First name of `client` that is also in `server` (O(n + m)).
func firstCommon(_ client: [String], _ server: [String]) -> String? {
    guard !client.isEmpty, !server.isEmpty else { return nil }
    let offered = Set(server)
    return client.first { !$0.isEmpty && offered.contains($0) }
}

/// hassh source string of the client's KEXINIT: `kex;enc_c2s;mac_c2s;cmp_c2s`, each the comma-joined
/// name-list exactly as on the wire (pseudo-algorithms such as `ext-info-c` included).
public func hasshString(client: KexInit) -> String {
    hasshJoin(client, [0, 2, 4, 6])
}

/// hasshServer source string of the server's KEXINIT: `kex;enc_s2c;mac_s2c;cmp_s2c`.
public func hasshServerString(server: KexInit) -> String {
    hasshJoin(server, [0, 3, 5, 7])
}

private func hasshJoin(_ k: KexInit, _ lists: [Int]) -> String {
    lists.map { $0 < k.rawNameLists.count ? k.rawNameLists[$0] : "" }.joined(separator: ";")
}

/// Key-exchange method families whose message numbers 30...34 mean different things.
enum KexFamily {
    /// diffie-hellman-group-exchange-*: 30 old request, 31 GEX_GROUP (server), 32 GEX_INIT, 33 GEX_REPLY (host key), 34 request.
    case groupExchange
    /// RFC 4432 rsa1024-sha1 / rsa2048-sha256: 30 KEXRSA_PUBKEY (server, host key), 31 SECRET (client), 32 DONE (server).
    case rsa
    /// DH groups, ECDH, curve25519, sntrup761/mlkem hybrids: 30 INIT (client), 31 REPLY (server, host key).
    case plain

    init(kexName: String) {
        if KexFamily.containsGroupExchange(kexName) {
            self = .groupExchange
        } else if kexName == "rsa1024-sha1" || kexName == "rsa2048-sha256" {
            self = .rsa
        } else {
            self = .plain
        }
    }

    private static let groupExchangeBytes: [UInt8] = Array("group-exchange".utf8)

    /// `kexName` contains "group-exchange" (covers `diffie-hellman-group-exchange-*` and vendor variants);
    /// a byte search over the UTF-8 view (String.contains costs more than the rest of a record).
    static func containsGroupExchange(_ kexName: String) -> Bool {
        let u = kexName.utf8.span
        let needle = groupExchangeBytes.span
        let n = needle.count
        guard u.count >= n else { return false }
        for start in 0...(u.count &- n) {
            var match = true
            for j in 0..<n where u[start &+ j] != needle[j] {
                match = false
                break
            }
            if match { return true }
        }
        return false
    }
}
