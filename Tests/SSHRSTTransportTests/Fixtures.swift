// Hand-built SSH byte fixtures (RFC 4251 §5 encodings, RFC 4253 §6 packets).
@testable import SSHRSTTransport

enum Wire {
    static func u32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }
    static func string(_ b: [UInt8]) -> [UInt8] { u32(UInt32(b.count)) + b }
    static func string(_ s: String) -> [UInt8] { string(Array(s.utf8)) }
    static func nameList(_ names: [String]) -> [UInt8] { string(names.joined(separator: ",")) }

    /// An SSH-2 binary packet (no MAC) with `padding` bytes of padding (default: to a multiple of 8, at least 4).
    static func packet(_ payload: [UInt8], padding: Int? = nil) -> [UInt8] {
        var pad = padding ?? (8 - ((5 + payload.count) % 8))
        if padding == nil && pad < 4 { pad += 8 }
        let length = 1 + payload.count + pad
        return u32(UInt32(length)) + [UInt8(pad)] + payload + [UInt8](repeating: 0xA5, count: pad)
    }

    /// An SSH-1 packet: length, 8 - length%8 padding, type, data, CRC (zeros: not checked).
    static func ssh1Packet(type: UInt8, _ data: [UInt8]) -> [UInt8] {
        let length = 1 + data.count + 4
        let pad = 8 - (length % 8)
        return u32(UInt32(length)) + [UInt8](repeating: 0, count: pad) + [type] + data + [0, 0, 0, 0]
    }

    static func kexInit(_ lists: [[String]], cookie: [UInt8] = Array(0..<16), follows: Bool = false) -> [UInt8] {
        var p: [UInt8] = [20] + cookie
        for l in lists { p += nameList(l) }
        p += [follows ? 1 : 0] + u32(0)
        return p
    }

    static func ed25519Blob(_ seed: UInt8 = 7) -> [UInt8] {
        string("ssh-ed25519") + string([UInt8](repeating: seed, count: 32))
    }
}

enum Fixture {
    static let clientBanner = "SSH-2.0-OpenSSH_9.6"
    static let serverBanner = "SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13.5"

    static let clientLists: [[String]] = [
        ["sntrup761x25519-sha512@openssh.com", "curve25519-sha256", "curve25519-sha256@libssh.org",
         "ecdh-sha2-nistp256", "diffie-hellman-group-exchange-sha256", "diffie-hellman-group14-sha256",
         "ext-info-c", "kex-strict-c-v00@openssh.com"],
        ["ssh-ed25519-cert-v01@openssh.com", "ssh-ed25519", "ecdsa-sha2-nistp256", "rsa-sha2-512", "rsa-sha2-256"],
        ["chacha20-poly1305@openssh.com", "aes128-ctr", "aes256-gcm@openssh.com"],
        ["chacha20-poly1305@openssh.com", "aes128-ctr", "aes256-gcm@openssh.com"],
        ["umac-64-etm@openssh.com", "hmac-sha2-256-etm@openssh.com", "hmac-sha2-256"],
        ["umac-64-etm@openssh.com", "hmac-sha2-256-etm@openssh.com", "hmac-sha2-256"],
        ["none", "zlib@openssh.com"],
        ["none", "zlib@openssh.com"],
        [], [],
    ]
    static let serverLists: [[String]] = [
        ["curve25519-sha256", "curve25519-sha256@libssh.org", "ecdh-sha2-nistp256",
         "diffie-hellman-group-exchange-sha256", "diffie-hellman-group14-sha256", "ext-info-s",
         "kex-strict-s-v00@openssh.com"],
        ["rsa-sha2-512", "rsa-sha2-256", "ecdsa-sha2-nistp256", "ssh-ed25519"],
        ["aes128-ctr", "chacha20-poly1305@openssh.com"],
        ["aes256-gcm@openssh.com", "aes128-ctr"],
        ["hmac-sha2-256", "umac-64-etm@openssh.com"],
        ["hmac-sha2-256-etm@openssh.com"],
        ["none", "zlib@openssh.com"],
        ["zlib@openssh.com", "none"],
        [], [],
    ]

    static var clientKexInitPacket: [UInt8] { Wire.packet(Wire.kexInit(clientLists)) }
    static var serverKexInitPacket: [UInt8] { Wire.packet(Wire.kexInit(serverLists, cookie: Array(16..<32))) }

    /// Client: banner, KEXINIT, ECDH_INIT (30, Q_C), NEWKEYS, then 48 "encrypted" bytes.
    static var clientStream: [UInt8] {
        Array((clientBanner + "\r\n").utf8) + clientKexInitPacket
            + Wire.packet([30] + Wire.string([UInt8](repeating: 0x11, count: 32)))
            + Wire.packet([21]) + [UInt8](repeating: 0xEE, count: 48)
    }

    /// Server: banner, KEXINIT, ECDH_REPLY (31: K_S ed25519 blob, Q_S, signature), NEWKEYS, then 64 encrypted bytes.
    static var serverStream: [UInt8] {
        Array((serverBanner + "\r\n").utf8) + serverKexInitPacket
            + Wire.packet([31] + Wire.string(Wire.ed25519Blob()) + Wire.string([UInt8](repeating: 0x22, count: 32))
                          + Wire.string(Wire.string("ssh-ed25519") + Wire.string([UInt8](repeating: 0x33, count: 64))))
            + Wire.packet([21]) + [UInt8](repeating: 0xDD, count: 64)
    }

    /// A modulus-like mpint (leading 0x00 because the top bit is set), as in a GEX group message.
    static func mpint(_ n: Int) -> [UInt8] { Wire.string([0x00] + [UInt8](repeating: 0xFF, count: n)) }

    /// Group exchange: client sends 34 then 32; server sends 31 (p, g) then 33 (host key, f, sig).
    static let gexLists: [[String]] = [
        ["diffie-hellman-group-exchange-sha256"], ["ssh-rsa"], ["aes128-ctr"], ["aes128-ctr"],
        ["hmac-sha1"], ["hmac-sha1"], ["none"], ["none"], [], [],
    ]
    static var rsaBlob: [UInt8] { Wire.string("ssh-rsa") + Wire.string([1, 0, 1]) + Wire.string([0] + [UInt8](repeating: 0xC3, count: 256)) }

    static var gexClient: [UInt8] {
        Array("SSH-2.0-PuTTY_Release_0.78\r\n".utf8) + Wire.packet(Wire.kexInit(gexLists))
            + Wire.packet([34] + Wire.u32(2048) + Wire.u32(4096) + Wire.u32(8192))
            + Wire.packet([32] + mpint(256))
            + Wire.packet([21])
    }
    static var gexServer: [UInt8] {
        Array("SSH-2.0-OpenSSH_7.4\r\n".utf8) + Wire.packet(Wire.kexInit(gexLists))
            + Wire.packet([31] + mpint(256) + Wire.string([2]))
            + Wire.packet([33] + Wire.string(rsaBlob) + mpint(256) + Wire.string(Wire.string("rsa-sha2-256") + [UInt8](repeating: 9, count: 20)))
            + Wire.packet([21])
    }
}

/// Feeds whole per-side streams into a session, cut into chunks.
struct Feeder {
    var session = SSHTransportSession()
    var next: [UInt32] = [1000, 5000]

    init(startKnown: Bool = true, originatorStart: UInt32 = 1000, responderStart: UInt32 = 5000,
         kexCheckCache: KexInitCheckCache? = nil) {
        if let kexCheckCache { session = SSHTransportSession(kexCheckCache: kexCheckCache) }
        next = [originatorStart, responderStart]
        if startKnown {
            session.setStart(.originator, sequence: originatorStart)
            session.setStart(.responder, sequence: responderStart)
        }
    }

    @discardableResult
    mutating func send(_ side: SSHSide, _ bytes: [UInt8]) -> TransportSignal {
        let seq = next[Int(side.rawValue)]
        next[Int(side.rawValue)] = seq &+ UInt32(bytes.count)
        return session.ingest(side, sequence: seq, payload: bytes.span)
    }

    mutating func send(_ side: SSHSide, _ bytes: [UInt8], cuts: [Int]) {
        var start = 0
        for c in cuts + [bytes.count] where c > start && c <= bytes.count {
            send(side, Array(bytes[start..<c]))
            start = c
        }
    }

    mutating func send(_ side: SSHSide, _ bytes: [UInt8], chunk: Int) {
        var start = 0
        while start < bytes.count {
            let end = min(start + chunk, bytes.count)
            send(side, Array(bytes[start..<end]))
            start = end
        }
    }

    /// Sends a segment at an explicit sequence number (does not move `next`).
    @discardableResult
    mutating func send(_ side: SSHSide, at seq: UInt32, _ bytes: [UInt8]) -> TransportSignal {
        session.ingest(side, sequence: seq, payload: bytes.span)
    }
}

/// Comparable digest of a summary (tuples are not Equatable).
struct Digest: Equatable, CustomStringConvertible {
    var banners: [String?]
    var pre: [[String]]
    var version: Int?
    var client: SSHSide?
    var kex: [KexInit?]
    var hostKey: HostKey?
    var disconnect: Disconnect?
    var newKeys: [Bool]
    var after: [Int]
    var anomalies: [String]
    var nonSSH: [Bool]
    var phase: SSHPhaseCode

    init(_ s: SSHSummary) {
        banners = [s.originatorBanner, s.responderBanner]
        pre = [s.originatorPreBanner, s.responderPreBanner]
        version = s.version
        client = s.sshClientSide
        kex = [s.originatorKexInit, s.responderKexInit]
        hostKey = s.hostKey
        disconnect = s.disconnect
        newKeys = [s.newKeys.originator, s.newKeys.responder]
        after = [s.bytesAfterNewKeys.originator, s.bytesAfterNewKeys.responder]
        anomalies = s.anomalies
        nonSSH = [s.originatorNonSSH, s.responderNonSSH]
        phase = s.phase
    }

    var description: String {
        "banners=\(banners) version=\(String(describing: version)) client=\(String(describing: client)) kex=\(kex.map { $0 != nil }) host=\(String(describing: hostKey?.algorithm)) newKeys=\(newKeys) after=\(after) anomalies=\(anomalies) nonSSH=\(nonSSH) phase=\(phase)"
    }
}
