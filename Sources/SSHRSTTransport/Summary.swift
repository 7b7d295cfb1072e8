// The cold-path view of a session: built once per flow, allocation allowed.

/// The server's host key as seen in the key exchange.
public struct HostKey: Sendable, Equatable {
    /// The key-type string inside the blob (`ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`,
    /// `ssh-ed25519-cert-v01@openssh.com`, ...); `rsa1` for SSH-1.
    public var algorithm: String
    /// The public-key blob (SSH-2: RFC 4253 §6.6 encoding; SSH-1: host modulus bytes then exponent bytes).
    /// Fingerprints are hashes of exactly these bytes.
    public var blob: [UInt8]

    public init(algorithm: String, blob: [UInt8]) {
        self.algorithm = algorithm
        self.blob = blob
    }
}

/// A cleartext SSH_MSG_DISCONNECT (SSH-1 SSH_MSG_DISCONNECT has no code: 0).
public struct Disconnect: Sendable, Equatable {
    public var side: SSHSide
    public var reasonCode: UInt32
    /// Description text (at most `TransportLimits.maxDisconnectDescriptionLength` bytes), escaped as banners are.
    public var description: String

    public init(side: SSHSide, reasonCode: UInt32, description: String) {
        self.side = side
        self.reasonCode = reasonCode
        self.description = description
    }
}

/// Everything the decoder learnt about one flow.
public struct SSHSummary: Sendable {
    /// Identification line without CR LF, exactly as sent; bytes that are not printable US-ASCII as `\xNN`.
    public var originatorBanner: String?
    public var responderBanner: String?
    /// Other lines sent before the version line (first `TransportLimits.maxStoredPreambleLines`, escaped; for a
    /// non-SSH side, its first line or first bytes). The line terminator is removed.
    public var originatorPreBanner: [String]
    public var responderPreBanner: [String]
    /// A text line sent after the banner where a binary packet should be (e.g. sshd's
    /// "Invalid SSH identification string." or "Protocol major versions differ."), escaped, CR LF removed.
    public var originatorTextAfterBanner: String?
    public var responderTextAfterBanner: String?
    /// Lines before the version line, all counted.
    public var originatorPreBannerLineCount: Int
    public var responderPreBannerLineCount: Int
    /// 1 or 2, see `agreedVersion`: SSH-1.99 counts as 2 (or 1 against an SSH-1.x peer); nil without banners.
    public var version: Int?
    /// The SSH client, decided by message direction: the sender of KEX INIT (30), GEX request (34) or GEX INIT (32)
    /// is the client, the sender of a reply (31/33) the server (RFC 4432 RSA kex: reversed for 30/31/32);
    /// SSH-1: the sender of SSH_SMSG_PUBLIC_KEY is the server, of SSH_CMSG_SESSION_KEY the client. Nil if undecidable.
    public var sshClientSide: SSHSide?
    /// Each side's KEXINIT, decoded once per distinct set of name-lists and shared, with this message's cookie.
    var originatorKex: (shared: SharedKexInit, cookie: KexCookie)?
    var responderKex: (shared: SharedKexInit, cookie: KexCookie)?
    public var originatorKexInit: KexInit? { originatorKex.map { Self.withCookie($0) } }
    public var responderKexInit: KexInit? { responderKex.map { Self.withCookie($0) } }
    /// The KEXINIT without copying it (its cookie may be another flow's: records do not show cookies).
    public var originatorKexInitShared: SharedKexInit? { originatorKex?.shared }
    public var responderKexInitShared: SharedKexInit? { responderKex?.shared }

    private static func withCookie(_ k: (shared: SharedKexInit, cookie: KexCookie)) -> KexInit {
        var value = k.shared.value
        value.cookie = k.cookie.bytes
        return value
    }
    /// From the server's KEX reply (31 for DH/ECDH/curve25519/hybrids, 33 for group exchange); SSH-1 from the public key.
    public var hostKey: HostKey?
    /// The first cleartext SSH_MSG_DISCONNECT (the originator's if both sent one).
    public var disconnect: Disconnect?
    public var newKeys: (originator: Bool, responder: Bool)
    /// TCP payload bytes after that side's NEWKEYS (by sequence advance; lost bytes included).
    public var bytesAfterNewKeys: (originator: Int, responder: Int)
    /// Segments carrying bytes after that side's NEWKEYS (bytes after NEWKEYS already buffered count as one).
    public var segmentsAfterNewKeys: (originator: Int, responder: Int)
    /// Stable snake_case names (`TransportAnomaly`), deduplicated, in first-occurrence order.
    public var anomalies: [String]
    /// That side sent bytes that are not SSH.
    public var originatorNonSSH: Bool
    public var responderNonSSH: Bool
    /// The protocol version each banner names.
    public var originatorVersion: SSHProtocolVersion?
    public var responderVersion: SSHProtocolVersion?
    /// Furthest phase.
    public var phase: SSHPhaseCode
    /// RFC 4253 §7.1 outcome with the SSH client taken as `sshClientSide ?? .originator` (what records show),
    /// when both KEXINITs were seen; computed once by `summary(interner:)`.
    public var effectiveNegotiation: Negotiation?
    /// The interner's ids of the two KEXINITs (equal ids: byte-identical name-lists), when one was used.
    public var originatorKexInitID: Int?
    public var responderKexInitID: Int?

    /// The client's and server's KEXINIT, once `sshClientSide` is known.
    public var clientKexInit: KexInit? { sshClientSide.flatMap { $0 == .originator ? originatorKexInit : responderKexInit } }
    public var serverKexInit: KexInit? { sshClientSide.flatMap { $0 == .originator ? responderKexInit : originatorKexInit } }

    /// RFC 4253 §7.1 outcome, when the SSH client is known and both KEXINITs were seen.
    public var negotiation: Negotiation? {
        sshClientSide.flatMap { negotiation(assumingClient: $0) }
    }

    /// The KEXINIT sent by `side`.
    public func kexInit(of side: SSHSide) -> KexInit? {
        side == .originator ? originatorKexInit : responderKexInit
    }

    /// RFC 4253 §7.1 outcome with `client` taken as the SSH client (for when `sshClientSide` is nil because no
    /// KEX message after the KEXINITs was seen: the caller falls back to e.g. the SYN sender and says so).
    public func negotiation(assumingClient client: SSHSide) -> Negotiation? {
        guard let c = kexInit(of: client), let s = kexInit(of: client.peer) else { return nil }
        return negotiate(client: c, server: s)
    }
}

extension SSHTransportSession {
    /// Builds the flow's summary (cold path: allocates strings and arrays). With an `interner`, KEXINITs
    /// already seen on other flows and their negotiation are not decoded again.
    public func summary(interner: KexInitInterner? = nil) -> SSHSummary {
        Self.summary(dirs, log: log, interner: interner,
                     afterNewKeys: (afterNewKeys(.originator), afterNewKeys(.responder)), phase: phaseCode)
    }

    /// The decoders are read in place, field by field (`dirs[o].banner`), here and in the helpers, which take
    /// the array and an index: a decoder passed on its own (`dirs[0]` as an argument, even to a `borrowing`
    /// parameter) is copied, retaining and releasing every array it holds (~600 instructions a decoder).
    private static func summary(
        _ dirs: borrowing [DirectionDecoder], log: AnomalyLog, interner: KexInitInterner?,
        afterNewKeys: ((bytes: Int, segments: Int), (bytes: Int, segments: Int)), phase: SSHPhaseCode
    ) -> SSHSummary {
        let (o, r) = (0, 1)
        var anomalies = log
        func decode(_ k: StoredKexInit?) -> (SharedKexInit, id: Int?)? {
            guard let k else { return nil }
            return interner?.decode(k) ?? (SharedKexInit(k.decoded()), nil)
        }
        let decodedO = decode(dirs[o].kexInit)
        let decodedR = decode(dirs[r].kexInit)
        func negotiation(client: SSHSide) -> Negotiation? {
            let c = client == .originator ? decodedO : decodedR
            let s = client == .originator ? decodedR : decodedO
            guard let c, let s else { return nil }
            return interner?.negotiation(client: c.0.value, clientID: c.id, server: s.0.value, serverID: s.id)
                ?? negotiate(client: c.0.value, server: s.0.value)
        }

        let v = agreedVersion(dirs[o].version, dirs[r].version)
        if v.mismatch { anomalies.add(.versionMismatch) }

        // Negotiated kex family, needed to read 30/31 and to know which reply carries the host key.
        let clientByMessages = Self.clientSide(dirs, family: nil)
        var family: KexFamily?
        var effective: Negotiation?
        if let c = clientByMessages.side, let n = negotiation(client: c) {
            if let kex = n.kex { family = KexFamily(kexName: kex) }
            effective = n
        }
        var client = clientByMessages
        if family == .rsa { client = Self.clientSide(dirs, family: .rsa) }
        if client.conflict { anomalies.add(.kexRoleConflict) }
        if client.side != clientByMessages.side || effective == nil {
            effective = negotiation(client: client.side ?? .originator)
        }

        // Host key.
        var hostKey: HostKey?
        if dirs[o].framing == .ssh1 || dirs[r].framing == .ssh1 {
            if let blob = dirs[o].ssh1HostKey ?? dirs[r].ssh1HostKey { hostKey = HostKey(algorithm: "rsa1", blob: blob) }
        }
        if hostKey == nil {
            // The server's decoder first; both when the client is unknown.
            switch client.side {
            case .originator?:
                hostKey = Self.hostKey(dirs, r, family: family, anomalies: &anomalies)
            case .responder?:
                hostKey = Self.hostKey(dirs, o, family: family, anomalies: &anomalies)
            case nil:
                hostKey = Self.hostKey(dirs, r, family: family, anomalies: &anomalies)
                if hostKey == nil { hostKey = Self.hostKey(dirs, o, family: family, anomalies: &anomalies) }
            }
        }

        var disconnect: Disconnect?
        if let d = dirs[o].disconnect {
            disconnect = Disconnect(side: .originator, reasonCode: d.code, description: escapedText(d.description))
        } else if let d = dirs[r].disconnect {
            disconnect = Disconnect(side: .responder, reasonCode: d.code, description: escapedText(d.description))
        }

        return SSHSummary(
            originatorBanner: dirs[o].banner.map { escapedText($0) },
            responderBanner: dirs[r].banner.map { escapedText($0) },
            originatorPreBanner: Self.lines(dirs, o),
            responderPreBanner: Self.lines(dirs, r),
            originatorTextAfterBanner: dirs[o].textAfterBanner.map { escapedText($0) },
            responderTextAfterBanner: dirs[r].textAfterBanner.map { escapedText($0) },
            originatorPreBannerLineCount: dirs[o].preambleLineCount,
            responderPreBannerLineCount: dirs[r].preambleLineCount,
            version: v.version,
            sshClientSide: client.side,
            originatorKex: decodedO.map { ($0.0, dirs[o].kexInit?.cookie ?? KexCookie(high: 0, low: 0)) },
            responderKex: decodedR.map { ($0.0, dirs[r].kexInit?.cookie ?? KexCookie(high: 0, low: 0)) },
            hostKey: hostKey,
            disconnect: disconnect,
            newKeys: (dirs[o].newKeys, dirs[r].newKeys),
            bytesAfterNewKeys: (afterNewKeys.0.bytes, afterNewKeys.1.bytes),
            segmentsAfterNewKeys: (afterNewKeys.0.segments, afterNewKeys.1.segments),
            anomalies: anomalies.ordered.map(\.name),
            originatorNonSSH: dirs[o].nonSSH,
            responderNonSSH: dirs[r].nonSSH,
            originatorVersion: dirs[o].version,
            responderVersion: dirs[r].version,
            phase: phase,
            effectiveNegotiation: effective,
            originatorKexInitID: decodedO?.id,
            responderKexInitID: decodedR?.id)
    }

    /// The host key the server-side decoder `dirs[i]` captured: from the reply the kex family names, else from
    /// whichever reply parses.
    private static func hostKey(_ dirs: borrowing [DirectionDecoder], _ i: Int, family: KexFamily?, anomalies: inout AnomalyLog) -> HostKey? {
        let slots: [Int]
        switch family {
        case .groupExchange?: slots = [2]
        case .rsa?: slots = [0]
        case .plain?: slots = [1]
        case nil: slots = dirs[i].sentTypes & (1 << 34) != 0 ? [2] : [1, 2]
        }
        for slot in slots {
            if slot < dirs[i].keyBlobs.count, let blob = dirs[i].keyBlobs[slot] {
                return HostKey(algorithm: Self.keyType(blob), blob: blob)
            } else if family != nil, dirs[i].malformedKeyMessages & (1 << UInt8(slot)) != 0 {
                anomalies.add(.hostKeyMalformed)
            }
        }
        return nil
    }

    private static func lines(_ dirs: borrowing [DirectionDecoder], _ i: Int) -> [String] {
        var out: [String] = []
        var start = 0
        for end in dirs[i].preambleEnds {
            guard start <= end, end <= dirs[i].preambleBytes.count else { break }
            out.append(escapedText(dirs[i].preambleBytes[start..<end]))
            start = end
        }
        return out
    }

    /// The key-type string at the start of a key blob (validated when the blob was captured).
    private static func keyType(_ blob: [UInt8]) -> String {
        guard let name = blob.span.sshString(at: 0, end: blob.count) else { return "" }
        return escapedText(blob[name.clamped(to: blob.indices)])
    }

    /// Client side from message directions. `family == .rsa` reverses 30/31/32 (RFC 4432).
    private static func clientSide(_ dirs: borrowing [DirectionDecoder], family: KexFamily?) -> (side: SSHSide?, conflict: Bool) {
        func role(_ i: Int) -> (client: Bool, server: Bool) {
            let t = dirs[i].sentTypes
            func sent(_ n: UInt8) -> Bool { t & (1 << UInt64(n)) != 0 }
            if dirs[i].framing == .ssh1 {
                return (sent(SSH1MessageType.cmsgSessionKey), sent(SSH1MessageType.smsgPublicKey))
            }
            if family == .rsa {
                return (sent(31), sent(30) || sent(32))
            }
            return (sent(30) || sent(32) || sent(34), sent(31) || sent(33))
        }
        let ro = role(0)
        let rr = role(1)
        let originatorIsClient = (ro.client && !ro.server) || (rr.server && !rr.client)
        let responderIsClient = (rr.client && !rr.server) || (ro.server && !ro.client)
        switch (originatorIsClient, responderIsClient) {
        case (true, false): return (.originator, false)
        case (false, true): return (.responder, false)
        case (true, true): return (nil, true)
        case (false, false): return (nil, (ro.client && ro.server) || (rr.client && rr.server))
        }
    }
}

