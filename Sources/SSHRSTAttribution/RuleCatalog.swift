// The documented rule table printed by `sshrst rules`. One entry per RuleID, built by an exhaustive switch so the
// docs and the code cannot drift apart.

public enum RuleCatalog {
    /// Every rule, in `RuleID.allCases` order.
    public static let all: [RuleInfo] = RuleID.allCases.map(info)

    /// The documentation of one rule.
    public static func info(_ id: RuleID) -> RuleInfo {
        switch id {
        case .capturedAtSender:
            return RuleInfo(
                id: id,
                signal: "Capture taken on the claimed sender's host (vantage) and the RST carries that host's untouched initial TTL (32/64/128/255), like its earlier packets.",
                why: "A packet leaving the capture host with an undecremented TTL was emitted by that host (its socket, kernel or local firewall). Points to the claimed sender. Strong.",
                falsePositives: "A wrong vantage inference; a capture on a hub/bridge next to the host; a local injector process on that host (still that host).",
                reference: "p0f v3 fp_tcp.c guess_dist (initial TTL rounding); reset-evidence.md §4.3")
        case .ttlMatchesBaseline:
            return RuleInfo(
                id: id,
                signal: "RST TTL inside the claimed sender's TTL range (min…max) of earlier packets in the flow.",
                why: "Same hop distance and initial TTL as the claimed sender's packets. Points to the claimed sender. Weak (0.35, 0.25 if the baseline varied).",
                falsePositives: "A host firewall on the sender (same host, same TTL); a transparent bridge firewall (no TTL decrement); an injector at the same distance or one that copies the TTL (CenTrace).",
                reference: "reset-evidence.md §7 rule 4; Clayton/Murdoch/Watson PET 2006; CenTrace (CoNEXT 2022)")
        case .ttlDiffers:
            return RuleInfo(
                id: id,
                signal: "RST TTL outside the claimed sender's baseline: different hop distance, or a different initial TTL (p0f rounding).",
                why: "Another box at another distance emitted it. Points to middlebox. Weak alone (0.45 stable baseline, 0.25 varying, 0.5 different initial TTL); 0.9 when the capture is on the claimed sender's host (its packets can't arrive decremented).",
                falsePositives: "Route change or ECMP mid-flow; a host whose RST path uses another TTL (ip_default_ttl vs route hoplimit); initial TTLs outside {32,64,128,255}.",
                reference: "p0f fp_tcp.c; Weaver/Sommer/Paxson NDSS 2009 (TTL fingerprints); reset-evidence.md §7 rule 4")
        case .ipIDContinues:
            return RuleInfo(
                id: id,
                signal: "RST IPv4 ID = the claimed sender's last IP ID + 1…32 (wrap-aware).",
                why: "Linux connected sockets number packets with the socket's own counter (inet_id); tcp_send_active_reset goes through that socket. Points to the claimed sender's socket (abort). 0.6 with a counter-like history, 0.5 with few samples.",
                falsePositives: "A NAT that rewrites IP IDs sequentially; a middlebox copying the ID; a global-counter stack (Windows) with no other traffic.",
                reference: "Linux include/net/ip.h ip_select_ident_segs, net/ipv4/tcp_output.c tcp_send_active_reset; reset-evidence.md §2, §7 rule 6")
        case .ipIDZeroDF:
            return RuleInfo(
                id: id,
                signal: "RST with IP ID 0 and DF while the claimed sender's packets carried non-zero (counter) IDs.",
                why: "Linux tcp_v4_send_reset (no socket) and netfilter nf_send_reset both build IP ID 0 + DF: not a socket abort. TTL matching → the sender host's kernel or host firewall (points to the claimed sender, 0.45); TTL differing → a Linux box on the path (middlebox, 0.6); no TTL baseline → informational.",
                falsePositives: "A Linux host answering late packets after its socket died (same signature, same host); non-Linux stacks; IPv6 (no IP ID: rule silent).",
                reference: "net/ipv4/netfilter/nf_reject_ipv4.c (id=0, IP_DF); tcp_sk_init comment; reset-evidence.md §2, §7 rule 5")
        case .flowLabelZero:
            return RuleInfo(
                id: id,
                signal: "IPv6 RST with flow label 0 while the claimed sender's packets carried one constant non-zero label.",
                why: "Linux sockets label their packets (net.ipv6.auto_flowlabels); netfilter's REJECT builds its RST with label 0, so the RST did not leave the sender's socket. Hop limit matching -> the sender host (0.45); differing -> a box on the path (middlebox, 0.6).",
                falsePositives: "Hosts with auto_flowlabels off (all labels 0: rule silent); stacks that never label; a host's own no-socket reply.",
                reference: "RFC 6437; net/ipv6/netfilter/nf_reject_ipv6.c; observed in Captures/mb-reject-near-client-v6.pcap")
        case .flowLabelContinues:
            return RuleInfo(
                id: id,
                signal: "IPv6 RST carrying the same non-zero flow label as every earlier packet of the claimed sender.",
                why: "The label is per socket: the RST left the sender's own socket, a socket abort (points to the claimed sender, 0.6).",
                falsePositives: "An on-path device that copies the label from the flow it resets.",
                reference: "RFC 6437; Linux ip6_make_flowlabel")
        case .ipIDDiscontinuity:
            return RuleInfo(
                id: id,
                signal: "Non-zero RST IP ID that does not continue the claimed sender's counter-like sequence (gap > 32).",
                why: "The sender's socket would have used its next counter value. Points to middlebox. Weak (0.35).",
                falsePositives: "NATs normalising IP IDs; global-counter hosts with busy other traffic; a RST sent after many unseen packets (capture loss).",
                reference: "Linux ip_select_ident_segs; Weaver et al. NDSS 2009 (IP ID fingerprints); reset-evidence.md §7 rule 6")
        case .resetFasterThanRTT:
            return RuleInfo(
                id: id,
                signal: "RST arrives less than half a round trip (capture point ↔ claimed sender, from the handshake, ≥ 1 ms) after the receiver's packet, and the packet before that was more than 2 RTT earlier.",
                why: "The claimed sender could not have seen the trigger yet, and nothing else was recent enough to be answered: a box nearer than the sender answered. Points to middlebox (0.7; 0.4 for R+ACK forms that could be a coinciding spontaneous abort). R+ACK that does not acknowledge all receiver bytes is skipped.",
                falsePositives: "A spontaneous abort (crash, kill) that happens to coincide; RTT inflated by a slow SYN-ACK; route change; RTTs below 1 ms (not used).",
                reference: "Weaver/Sommer/Paxson NDSS 2009 (race conditions of injectors); reset-evidence.md §1.1")
        case .seqExact:
            return RuleInfo(
                id: id,
                signal: "RST seq = receiver's RCV.NXT (its last ACK) or the sender's SND.NXT.",
                why: "Acceptable to an RFC 5961 receiver. Consistent with the genuine peer, but an on-path box sees the same numbers: informational (weight 0).",
                falsePositives: "—",
                reference: "RFC 5961 §3.2; Linux commit 282f23c6; reset-evidence.md §7 rule 7")
        case .seqInWindow:
            return RuleInfo(
                id: id,
                signal: "RST seq inside the receiver's window but not exact.",
                why: "A stack aborting its own connection uses SND.NXT; an in-window guess is what a blind injector or a racing RST produces. Points to middlebox (0.2).",
                falsePositives: "Capture missed the latest ACK (middle vantage); reordering; a genuine RST racing in-flight data.",
                reference: "RFC 5961 §3.2; netfilter commit be0502a; reset-evidence.md §7 rule 7")
        case .seqOutOfWindow:
            return RuleInfo(
                id: id,
                signal: "RST seq outside the receiver's window (behind RCV.NXT or beyond the window).",
                why: "The receiver ignores it; stale or blind RSTs look like this (Weaver DATA_SEQ_RST: a RST 'in the past'). Points to middlebox (0.2).",
                falsePositives: "A genuine no-socket RST answering an old, delayed packet; capture loss; window scaling unknown.",
                reference: "RFC 9293 §3.10.7.4; Weaver et al. NDSS 2009 DATA_SEQ_RST; reset-evidence.md §7 rule 7")
        case .synRefusalShape:
            return RuleInfo(
                id: id,
                signal: "RST+ACK from the server's address answering the client's SYN, ack = client ISN + 1 (seq usually 0), no SYN-ACK seen.",
                why: "RFC 793/9293 CLOSED-state reply: the server host's kernel (closed port) or its REJECT rule. Points to the server host (0.8) but, with no server packets to compare, it is one witness: confidence is capped at 0.6 (medium) because a firewall spoofing the server for the SYN looks identical.",
                falsePositives: "An upstream firewall REJECT spoofing the server (only a hop-distance mismatch with ICMP or other flows would show it); a load balancer with no healthy backend.",
                reference: "RFC 9293 §3.10.7.1; Linux tcp_v4_send_reset; Zeek REJ; reset-evidence.md §7 rules 8, 9")
        case .synRefusalBadAck:
            return RuleInfo(
                id: id,
                signal: "RST from the server's address while the SYN is unanswered, without ACK or with ack ≠ client ISN + 1.",
                why: "A stack refusing the SYN acknowledges it; a RST that does not is not a reply to this SYN. Points to middlebox (0.3).",
                falsePositives: "A SYN retransmitted with a new ISN (port reuse); backscatter from an earlier connection.",
                reference: "RFC 9293 §3.10.7.3 (SYN-SENT); reset-evidence.md §1.4")
        case .resetShape:
            return RuleInfo(
                id: id,
                signal: "After establishment: R+ACK at the sender's SND.NXT (socket abort shape) or R without ACK (no-socket/REJECT reply).",
                why: "Says which TCP code path produced it, not which box: informational (weight 0); it explains the verdict's path, especially on IPv6 where there is no IP ID.",
                falsePositives: "Injectors can copy any shape.",
                reference: "RFC 9293 §3.10.7.1; Linux tcp_send_active_reset / tcp_v4_send_reset / nf_reject; reset-evidence.md §7 rule 8")
        case .dataAfterReset:
            return RuleInfo(
                id: id,
                signal: "After the RST, the claimed sender sends data or FIN with seq at/after the RST's seq.",
                why: "Its socket never reset: the RST was sent by someone else (the injector won the race). Points to middlebox: 1.5 (strong) when the data goes beyond the sender's pre-RST SND.NXT (new bytes), 0.8 when it may be a retransmission, 0.5 if more than 2 s later, at most 0.6 when the RST has the sender host's kernel signature (a host firewall leaves the socket alive too).",
                falsePositives: "Retransmissions already in flight; a firewall on the sender host (REJECT on INPUT, OUTPUT still open); port reuse.",
                reference: "Weaver/Sommer/Paxson NDSS 2009 RST_SEQ_DATA; Zeek weird data_after_reset; reset-evidence.md §7 rule 1")
        case .challengeACK:
            return RuleInfo(
                id: id,
                signal: "The receiver sends a pure ACK within ~2 RTT after an inexact RST (RFC 5961 §3.2 challenge ACK).",
                why: "The receiver rejected the RST. With no exact RST from the same sender afterwards → blind/off-path (middlebox, 0.4); followed by an exact RST → the genuine-peer pattern (claimed sender, 0.3).",
                falsePositives: "Challenge ACKs are rate-limited (absence proves nothing); an ordinary delayed ACK mistaken for one.",
                reference: "RFC 5961 §3.2; Linux commit 282f23c6 (tcp: implement RFC 5961 3.2)")
        case .conflictingResetTTL:
            return RuleInfo(
                id: id,
                signal: "Another RST claiming the same sender in this flow has a different hop distance or initial TTL.",
                why: "Two different boxes sent RSTs with one address: one is forged. This RST off-baseline → middlebox (0.6); on-baseline → the other is the forgery (claimed sender, 0.2); no baseline → conflict (0.3, lowers the margin).",
                falsePositives: "Route change between the RSTs; a host whose no-socket RSTs use another TTL than its socket.",
                reference: "Weaver et al. NDSS 2009 (multiple RSTs, TTL fingerprints); reset-evidence.md §7 rule 4")
        case .conflictingResetIPID:
            return RuleInfo(
                id: id,
                signal: "Another RST claiming the same sender carries an unrelated non-zero IP ID (gap > 32). IP ID 0 RSTs are exempt: a genuine abort followed by kernel no-socket RSTs is normal.",
                why: "One host would number both from related counters. This RST continues the counter → claimed sender (0.2); else with a counter history → middlebox (0.4); else conflict (0.3).",
                falsePositives: "Global-counter hosts with other traffic; NAT IP ID rewriting.",
                reference: "Weaver et al. NDSS 2009 (IP ID fingerprints)")
        case .rstSeqChange:
            return RuleInfo(
                id: id,
                signal: "Back-to-back RSTs from one claimed sender within 2 s, the later seq > earlier seq + 2, beyond the sender's SND.NXT and > receiver's last ACK + 2, no FIN before.",
                why: "A stack's RSTs are in sequence or answer the peer's ACK; a rising seq beyond anything sent is an injector spraying to hit the window (GFW style). Points to middlebox. Strong (1.0).",
                falsePositives: "A load balancer that RSTs twice after sending more data; sequence wrap-around (handled by wrap-aware comparison).",
                reference: "Weaver/Sommer/Paxson NDSS 2009 RST_SEQ_CHANGE, as quoted in Khattak gfc_rst_detector.py; reset-evidence.md §1.1, §7 rule 2")
        case .rstAckChange:
            return RuleInfo(
                id: id,
                signal: "Several RSTs from one claimed sender within 2 s with different non-zero ACK numbers.",
                why: "A stack aborts once; differing ACKs suggest guessing. Points to middlebox (0.35).",
                falsePositives: "Middle captures mixing directions (matched by direction here); kernel RSTs answering different late packets with ACK set. Definition in the paper unverified.",
                reference: "Weaver et al. NDSS 2009 RST_ACK_CHANGE (name verified, definition unverified)")
        case .resetsBothDirections:
            return RuleInfo(
                id: id,
                signal: "RSTs claiming both the client and the server within 5 ms, seen at a middle (or unknown) vantage.",
                why: "Endpoints do not answer a RST with a RST; a box tearing the connection down resets both ends (Azure LB TCP reset on idle, GFW, IPS). Points to middlebox: 1.0 at a middle vantage (strong), 0.5 when the vantage is unknown; never fires at an endpoint vantage.",
                falsePositives: "Both endpoints aborting at the same instant (unlikely).",
                reference: "Clayton/Murdoch/Watson PET 2006; Azure load-balancer-tcp-reset docs; reset-evidence.md §7 rule 15")
        case .rstPayload:
            return RuleInfo(
                id: id,
                signal: "The RST carries payload (RFC 1122 §4.2.2.12 diagnostic text), printed tcpdump-style.",
                why: "Linux and OpenSSH hosts never put data in a RST; some firewalls and appliances do. Points to middlebox, weak (0.25).",
                falsePositives: "Other stacks that add diagnostic text; crafted test traffic.",
                reference: "RFC 1122 §4.2.2.12; tcpdump print-tcp.c print_tcp_rst_data; Zeek RST_with_data (disabled)")
        case .icmpAboutFlow:
            return RuleInfo(
                id: id,
                signal: "An ICMP/ICMPv6 destination-unreachable quoting this flow, nearest in time to the RST.",
                why: "The ICMP source address is its real sender. From a middlebox address at the RST's hop distance (and the RST off-baseline) → likely the same device (0.6); any middlebox address → a filter on the path (0.3); from the claimed sender's address → that host is rejecting (0.3).",
                falsePositives: "ICMP and RST from different devices; ICMP rate limiting; ICMP about an earlier SYN retransmission.",
                reference: "RFC 792 / RFC 4443; fail2ban action.d/iptables.conf (icmp-port-unreachable); reset-evidence.md §5")
        case .idleTimeoutMatch:
            return RuleInfo(
                id: id,
                signal: "The idle time before the trigger packet (RST within 1 s of it), or before the RST itself, is within ±5 % of a known timeout: 240 s (Azure LB), 350 s (AWS NLB/NAT/Network Firewall), 600 s (GCP VPC firewall), 1200 s (GCP Cloud NAT), 3600 s (common firewall, unverified).",
                why: "Load balancers and NATs evict idle flows and RST the next packet (AWS) or both ends at the timeout (Azure with TCP reset). Points to middlebox (0.45); strongest when TTL/IP ID do not match the peer.",
                falsePositives: "A real peer timing out itself (ClientAliveInterval/CountMax sends FIN, and TTL/IP ID would match); coincidental idle times.",
                reference: "AWS NLB update-idle-timeout docs; Azure load-balancer-tcp-idle-timeout; GCP Cloud NAT docs; reset-evidence.md §6, §7 rule 14")
        case .longIdleBeforeTrigger:
            return RuleInfo(
                id: id,
                signal: "The RST answers the first receiver packet after ≥ 30 s idle that matches no known timeout.",
                why: "State in a firewall/NAT (e.g. a conntrack timeout) may have expired. Points to middlebox, weak (0.2).",
                falsePositives: "Interactive sessions idle for ordinary reasons; a genuine abort that happens after a pause.",
                reference: "Linux nf_conntrack_proto_tcp.c tcp_timeouts[]; reset-evidence.md §6")
        case .peerSocketGone:
            return RuleInfo(
                id: id,
                signal: "A no-socket kernel RST (IP ID 0 + DF, or IPv6 flow label 0) with the far host's TTL, mid-session, from a host that never sent a FIN or RST of its own; capture not on that host.",
                why: "The host's socket vanished silently: a RST this capture point did not see (from a middlebox, reaching that host only) or a restart tore it down. The packet is the host's; the reset that ended the session may not be. Counted as conflict (0.4), so the verdict needs other evidence.",
                falsePositives: "A host firewall on that host rejecting mid-session (then the host did reset it), or a REJECT in the router next to it behind a TTL normaliser (identical on the wire: Captures/ttl-normaliser.pcap): reported undetermined rather than guessed. The host's own earlier no-socket RSTs (IPv4 ID 0) do not count as the explanation.",
                reference: "Linux tcp_v4_send_reset / nf_reject (IP ID 0 + DF); observed when a router REJECT answers one side only (Captures/demo.pcap, flow 40002: the client's later kernel RSTs)")
        case .answersUnreceivedSegment:
            return RuleInfo(
                id: id,
                signal: "The segment the RST answers, chosen by its numbers (R+ACK: the receiver segment carrying the newest bytes it acknowledges; R without ACK: the receiver segment that first carried the ACK number its seq equals), passed the capture point less than half a round trip to the claimed sender before the RST, minus a jitter margin of max(0.5 ms, RTT/10). The round trip is the shorter of the handshake's and the sender's ACK timing (its first ACK of the peer's newest bytes). Skipped when reset_faster_than_rtt fires or the sender had already acknowledged those bytes.",
                why: "The claimed sender cannot have received that segment yet, so it cannot be answering it: a box between the capture point and the sender did. Works while data flows, at client, server and middle vantage, and against injectors that copy TTL and IP ID. Points to middlebox: 0.9 with a round trip of 5 ms or more; 0.3 below 5 ms, or for an R-only RST whose seq is also the sender's own SND.NXT (an abort without ACK would carry it), so timing alone never decides a short path.",
                falsePositives: "A spontaneous abort (crash, kill) cannot acknowledge bytes it never received, so it does not fire this rule by crossing a segment; an R-only abort at SND.NXT can (weak weight); an RTT overestimated by a slow SYN-ACK (the ACK timing lowers it); clock steps in the capture; a route change that shortened the path.",
                reference: "Weaver/Sommer/Paxson NDSS 2009 (injectors' race conditions); RFC 9293 §3.10.7.1 (which segment a RST answers); reset-evidence.md §8; Captures/copy-inject-upload.pcap")
        case .socketAliveAfterReset:
            return RuleInfo(
                id: id,
                signal: "After the RST, a non-RST packet of the claimed sender acknowledges (a) more than the RST's own ack, or (b) the receiver's newest bytes from before the RST when those passed the capture point less than half a round trip to the sender before the RST (same margin as answers_unreceived_segment) and the sender had not acknowledged them before.",
                why: "A socket that aborted, or a host with no socket, never acknowledges anything again; a REJECT in the sender host's own firewall keeps the socket but drops the segment it answers, so those bytes are never acknowledged. An ACK of bytes that reached the sender after its RST would have left it proves its socket was alive: someone else sent the RST. Points to middlebox, strong (1.2); 0.4 for (b) with a round trip under 5 ms.",
                falsePositives: "Reordering that delivers an ACK sent before the RST after it (rare on one path); port reuse within the flow (SYN/SYN-ACK are not counted); a stack that keeps acknowledging after it aborted (none known).",
                reference: "RFC 9293 §3.10.7 (a reset connection sends nothing further), §3.6 ABORT; Weaver et al. NDSS 2009 RST_SEQ_DATA's reasoning applied to ACKs; reset-evidence.md §8")
        case .ipIDCollision:
            return RuleInfo(
                id: id,
                signal: "A later non-RST IPv4 packet of the claimed sender carries the RST's own non-zero IP ID (0.7), or the sender's first packet after the RST carries an ID 1 to 32 behind the RST's while its IDs were counter-like (0.5).",
                why: "A Linux connected socket numbers each packet from one counter (inet_id), so two of its packets never share an ID and the counter never goes back; the flow continued with the genuine packet, so the RST is the copy. Points to middlebox.",
                falsePositives: "Stacks with per-packet random IDs (BSD's random IP ID: a repeat within a few packets has odds of about 1 in 65536); a NAT rewriting IDs; the later packet being the forged one (then the flow's data says so).",
                reference: "Linux include/net/ip.h ip_select_ident_segs (per-socket inet_id); reset-evidence.md §2, §8")
        case .ipIDFromTrigger:
            return RuleInfo(
                id: id,
                signal: "The RST's IPv4 ID equals, or is one more than, the ID of the receiver's last packet (the one it answers, within 1 s), and does not continue the claimed sender's own counter.",
                why: "An injector that builds its RST from the triggering packet keeps or increments that packet's ID; an endpoint numbers its packets from its own counter. Points to middlebox (0.5).",
                falsePositives: "Two independent counters one apart by chance (about 2 in 65536).",
                reference: "Censorship injector fingerprints (Weaver et al. NDSS 2009; CenTrace, CoNEXT 2022); reset-evidence.md §8")
        case .windowCopiedFromPeer:
            return RuleInfo(
                id: id,
                signal: "The RST's window field is non-zero, equals the receiver's last window field, and differs from the claimed sender's own last window field.",
                why: "Linux no-socket RSTs and netfilter REJECT carry window 0; a socket abort carries the socket's own window. A copy of the other side's window is a packet built from the trigger. Points to middlebox, weak (0.3).",
                falsePositives: "Both sides advertising the same window field (common for equal buffer sizes and scales, hence the low weight).",
                reference: "Linux net/ipv4/tcp_ipv4.c tcp_v4_send_reset, net/ipv4/netfilter/nf_reject_ipv4.c (window 0); reset-evidence.md §8")
        case .reservedBitsSet:
            return RuleInfo(
                id: id,
                signal: "The RST has reserved TCP header bits set (byte 12, bits 0x0E; the lowest bit, RFC 3540 NS and now AccECN's AE, is ignored).",
                why: "RFC 9293 says reserved bits must be zero in generated segments; no endpoint stack sets them, some injectors do. Points to middlebox (0.6).",
                falsePositives: "Future TCP extensions that assign these bits; capture corruption (checksums are not verified).",
                reference: "RFC 9293 §3.1 (Rsrvd); RFC 3540 (NS bit); tcpdump-workers thread 'Accurate ECN support in tcpdump/libpcap' (Nov 2025) on the AE bit")
        case .sameIPIDResets:
            return RuleInfo(
                id: id,
                signal: "Several RSTs claiming one sender within 2 s carry the same non-zero IPv4 ID and different sequence numbers.",
                why: "A stack gives each packet a new ID (or 0 on no-socket RSTs); a burst stamped from one template with seq offsets (the GFW's +0/+1460/+4380) is an injector's. Points to middlebox (0.8).",
                falsePositives: "A middle capture seeing one RST twice with rewritten seq (a NAT's sequence translation).",
                reference: "Weaver et al. NDSS 2009 (GFW type-2 RST bursts); reset-evidence.md §1.1, §8")
        case .noSocketShapeMatches:
            return RuleInfo(
                id: id,
                signal: "An IPv4 RST with ID 0 + DF at the claimed sender's TTL, when every earlier packet of that sender also carried ID 0 + DF (typically only its SYN-ACK); capture not on the sender host.",
                why: "Linux sends its SYN-ACK and its no-socket RSTs with ID 0 + DF from the same host: the RST has the plain no-socket shape of the sender host's kernel or host firewall. Points to the claimed sender (0.4); with ttl_matches_baseline (0.25 on a single SYN-ACK) it gives a medium-confidence verdict, never a high one.",
                falsePositives: "A Linux box with a REJECT rule at the same hop distance as the sender (a transparent bridge firewall, a TTL normaliser); an injector copying TTL and ID 0.",
                reference: "Linux net/ipv4/tcp_ipv4.c tcp_v4_send_reset, tcp_sk_init comment (IP_DF and IPID==0 for RST and ACK in SYN-RECV/TIME-WAIT), nf_reject_ipv4.c; reset-evidence.md §2")
        case .timestampsUnlikeSender:
            return RuleInfo(
                id: id,
                signal: "Every earlier packet of the claimed sender carried the RFC 7323 timestamps option, and the RST (a) carries a TSval behind the sender's last one, (b) carries none although it has the sender socket's abort shape (R+ACK continuing its IPv4 ID counter or IPv6 flow label), or (c) carries one although it has the no-socket shape (IPv4 ID 0 + DF). Silent when the capture is on the sender's host.",
                why: "A host's timestamp clock only moves forward. Linux sends a socket abort through tcp_transmit_skb, which adds the timestamps the connection negotiated (every socket abort in Captures/ carries them); FreeBSD's tcp_respond adds options when a connection block exists. Linux's no-socket reply (tcp_v4_send_reset) and netfilter REJECT (nf_send_reset) build a bare 20-byte header (TCP-MD5/AO aside). A RST that contradicts this was stamped by another box. Points to middlebox (0.6).",
                falsePositives: "Stacks whose aborts omit timestamps (Windows: unverified); a middlebox that strips or rewrites options (some firewalls and TCP normalisers); TCP-MD5/AO signed no-socket RSTs carry an option, but not kind 8.",
                reference: "RFC 7323 §3.2, §5.4 (timestamps on every segment, monotonic clock); RFC 9293 §3.1; Linux net/ipv4/tcp_output.c tcp_send_active_reset/tcp_transmit_skb, net/ipv4/tcp_ipv4.c tcp_v4_send_reset (memset header, doff 5), nf_reject_ipv4.c; FreeBSD sys/netinet/tcp_subr.c tcp_respond (incl_opts when tp != NULL)")
        case .loneReset:
            return RuleInfo(
                id: id,
                signal: "No other packet of the flow before the RST and no handshake.",
                why: "Backscatter or a capture that started mid-flow; nothing to compare with. Informational (weight 0).",
                falsePositives: "—",
                reference: "Zeek spontaneous_RST; Zeek issues #1119/#1164 (RSTOS0 misnaming)")
        case .ttlLimitedTrigger:
            return RuleInfo(
                id: id,
                signal: "sshrst trace: the reset (or ICMP error) first comes back when the trigger is sent with TTL k, not with k-1; k short of the server's hop.",
                why: "A trigger that expires before the server cannot draw the server's reset: a box at hop k-1 or k (a router filters in its forward path, so it sees triggers with TTL >= its hop + 1) answered it. Points to middlebox. Strong (1.0). When the reset needs the trigger to reach the server's hop it is informational.",
                falsePositives: "A path that changes between probes (load balancing per connection); a box that answers only some connections.",
                reference: "CenTrace (Sundara Raman et al., CoNEXT 2022); Xu/Mao/Halderman PAM 2011; tracebox (Detal et al., IMC 2013)")
        case .resetTTLHop:
            return RuleInfo(
                id: id,
                signal: "sshrst trace: the reset's TTL against the ICMP time-exceeded TTLs of the hops and the server's SYN-ACK TTL: the hop distance it was sent from.",
                why: "Routers and boxes usually share an initial TTL (64 or 255); a reset arriving with hop h's ICMP TTL left from hop h. Points to middlebox when that hop is short of the server (0.45; 0.8 on a SYN refusal, where the destination was never seen), to the server when it equals the server's TTL (0.45).",
                falsePositives: "A box that copies the probe's TTL or uses another initial TTL than the routers (CenTrace); a server one initial-TTL step away.",
                reference: "p0f v3 guess_dist; reset-evidence.md §4.3; CenTrace (CoNEXT 2022)")
        }
    }
}
