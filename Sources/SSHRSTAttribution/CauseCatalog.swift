// The documented cause table printed by `sshrst causes`: one entry per CauseID (exhaustive switch, no drift).

public struct CauseInfo: Sendable {
    public var id: CauseID
    public var title: String
    /// What it looks like on the wire.
    public var signature: String
    /// What packets can and cannot tell.
    public var detectable: String

    public init(id: CauseID, title: String, signature: String, detectable: String) {
        self.id = id
        self.title = title
        self.signature = signature
        self.detectable = detectable
    }
}

public enum CauseCatalog {
    public static let all: [CauseInfo] = CauseID.allCases.map(info)

    public static func info(_ id: CauseID) -> CauseInfo {
        switch id {
        case .portClosed:
            return CauseInfo(
                id: id, title: "Port closed / sshd not listening",
                signature: "SYN answered by RST+ACK from the server's address, ack = ISN+1, usually IP ID 0 + DF (Linux tcp_v4_send_reset); no SYN-ACK (Zeek REJ).",
                detectable: "A RST to a SYN cannot tell a closed port from a host firewall REJECT --reject-with tcp-reset, nor from an upstream firewall spoofing the server unless hop distances differ. Check ss -tlnp on the server.")
        case .hostFirewallReject:
            return CauseInfo(
                id: id, title: "Host firewall reject after establishment",
                signature: "Established connection ended by a RST from the server host with IP ID 0 + DF and the server's TTL, while sshd's packets carried a counter IP ID.",
                detectable: "Tells 'server host kernel/firewall' from 'sshd socket'; cannot tell a REJECT rule from late packets after sshd's socket died. IPv6 has no IP ID: weaker.")
        case .refusedByICMP:
            return CauseInfo(
                id: id, title: "Refused by ICMP",
                signature: "SYN answered by ICMP destination unreachable: port-unreachable (Fail2Ban default, ufw/firewalld reject) or administratively-prohibited (filter rule), from the server's or a middlebox's address.",
                detectable: "The ICMP source address names the device. Clients report it as 'Connection refused' too.")
        case .banAfterFailedAuth:
            return CauseInfo(
                id: id, title: "Ban after failed authentications",
                signature: "Several auth-phase failures from one client address, then every later attempt refused (ICMP/RST), reset or unanswered.",
                detectable: "Needs several flows in one capture (pattern ban_after_failures); the ban tool itself is inferred (Fail2Ban, sshguard, PerSourcePenalties).")
        case .droppedBeforeBanner:
            return CauseInfo(
                id: id, title: "Accepted, then dropped before the server's banner (sshd, or a forwarder whose backend is down)",
                signature: "Server line \"Not allowed at this time\" / \"Exceeded MaxStartups\" instead of SSH-2.0, or a server FIN/RST right after the accept or the client banner with no server banner (ssh: kex_exchange_identification: read: Connection reset by peer / Connection closed by remote host).",
                detectable: "The drop line names sshd (MaxStartups, PerSourcePenalties). Without it: a port forwarder whose backend is down (VM host port forward, kubectl port-forward, ssh -L, socat), TCP wrappers, RefuseConnection or an old sshd look alike; a sub-millisecond handshake puts the listener next to the client, as local forwarders are; every connection failing points to a dead backend, only some in bursts to MaxStartups (concurrency_threshold pattern). What listens on the port (ss -tlnp) tells.")
        case .resetDuringKex:
            return CauseInfo(
                id: id, title: "Reset during key exchange",
                signature: "Server RST after banners/KEXINIT, before NEWKEYS, with a common algorithm set.",
                detectable: "Shows when and who; the reason (crash, host key, resource limit) is only in the server log.")
        case .kexAlgorithmMismatch:
            return CauseInfo(
                id: id, title: "No common key-exchange/host-key/cipher/MAC algorithm",
                signature: "Both KEXINITs, an empty intersection in one category, then FIN (RST if data was pending); OpenSSH sends no DISCONNECT.",
                detectable: "Fully visible in cleartext KEXINITs: the category and both offers.")
        case .loginGraceTimeout:
            return CauseInfo(
                id: id, title: "LoginGraceTime expired",
                signature: "Server FIN/RST about 120 s (default) after the handshake, authentication not completed.",
                detectable: "Timing only; a custom LoginGraceTime moves it, and encrypted auth cannot be read.")
        case .middleboxIdleReset:
            return CauseInfo(
                id: id, title: "Middlebox reset after idle",
                signature: "After an idle gap (at least 2 s and 20 round trips), the first packet is answered by a RST with the peer's address but not its TTL/IP ID: a stateful firewall or NAT whose connection-tracking entry expired (Linux conntrack: seconds to days as configured), or a proxy/load balancer at its idle timeout (≈ 240 s Azure LB, 350 s AWS NLB/NAT, 600 s GCP firewall, 1200 s GCP Cloud NAT).",
                detectable: "Idle time and hop distance are visible; the box's timeout is at most the gap; the device is named only when the gap matches a known default.")
        case .injectedReset:
            return CauseInfo(
                id: id, title: "Injected / forged reset",
                signature: "RST with the endpoint's address while that endpoint keeps sending (data after reset), RSTs with rising seq, RSTs to both ends at once, or conflicting TTLs.",
                detectable: "Visible from one capture point when the race is lost by the injector; a perfect in-path injector that also drops the real packets is indistinguishable.")
        case .middleboxReset:
            return CauseInfo(
                id: id, title: "Middlebox reset (other)",
                signature: "RST whose TTL/IP ID/timing do not fit the claimed endpoint, without idle or injection signs: firewall REJECT, NAT table full, load balancer.",
                detectable: "Which hop, roughly (hop distance); not why.")
        case .serverAbort:
            return CauseInfo(
                id: id, title: "Server aborted the connection",
                signature: "RST from the server's socket (IP ID continuing, TTL matching) after the banner: sshd crash/kill, close with unread data.",
                detectable: "Who and when; the reason is in the server log (journalctl -u ssh, dmesg).")
        case .clientAbort:
            return CauseInfo(
                id: id, title: "Client aborted the connection",
                signature: "RST from the client's socket (IP ID continuing, TTL matching).",
                detectable: "Who and when; the client-side reason is not on the wire.")
        case .noAnswerTimeout:
            return CauseInfo(
                id: id, title: "No answer (timeout)",
                signature: "SYN and retransmissions, nothing back (Zeek S0).",
                detectable: "Cannot tell a DROP rule from a down host or a routing problem.")
        case .sshDisconnect:
            return CauseInfo(
                id: id, title: "SSH DISCONNECT message",
                signature: "A cleartext SSH_MSG_DISCONNECT (before NEWKEYS) with an RFC 4253 §11.1 reason code and text.",
                detectable: "Reason code and text are visible; DISCONNECTs after NEWKEYS are encrypted.")
        case .cleanClose:
            return CauseInfo(
                id: id, title: "Clean close",
                signature: "FIN exchange after a session or a normal end.",
                detectable: "Nothing wrong on the wire.")
        case .closedDuringKex:
            return CauseInfo(
                id: id, title: "Closed during key exchange",
                signature: "FIN during KEX with a common algorithm set and no DISCONNECT: a fatal error on the closing side (strict-KEX violation, host-key verification).",
                detectable: "Which side closed; the reason is in that side's log.")
        case .closedDuringAuth:
            return CauseInfo(
                id: id, title: "Closed during authentication",
                signature: "FIN after NEWKEYS before a session: failed or abandoned authentication.",
                detectable: "Encrypted: wrong keys, AllowUsers, ~/.ssh permissions, SELinux/AppArmor all look the same; check the server log.")
        case .stillOpen:
            return CauseInfo(
                id: id, title: "Still open",
                signature: "No FIN/RST before the capture ended.",
                detectable: "Only the captured part.")
        case .peerUnresponsive:
            return CauseInfo(
                id: id, title: "One side retransmits into silence",
                signature: "No RST or FIN at this capture point; at the end one side keeps retransmitting while the other has gone quiet.",
                detectable: "That the peer or the path stopped answering, from any vantage; whether a RST or a DROP did it only from a capture nearer the peer.")
        case .protocolMismatch:
            return CauseInfo(
                id: id, title: "Not SSH: the client spoke another protocol",
                signature: "The client's first bytes on the SSH port are not an SSH identification line (HTTP, TLS, a probe); sshd sends its banner and closes or resets.",
                detectable: "Fully from packets (the client's first bytes); which program sent them is not.")
        case .payloadNotCaptured:
            return CauseInfo(
                id: id, title: "Payload not captured (headers only)",
                signature: "The snap length cut the TCP payload (tcpdump -s 68/96/128): the IP length counts bytes the capture does not hold, so the SSH exchange is unreadable.",
                detectable: "The TCP outcome, RST attribution and ICMP errors; not the SSH phase-based cause (banner, KEX, auth), which abstains.")
        case .unexplainedReset:
            return CauseInfo(
                id: id, title: "Reset, sender undetermined",
                signature: "A RST whose evidence is too weak or contradictory to attribute.",
                detectable: "The verdict's reason says what was missing; capture at the server too.")
        }
    }
}
