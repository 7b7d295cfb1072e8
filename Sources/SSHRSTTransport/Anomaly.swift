/// A named protocol anomaly. The raw value is a stable snake_case name (like Zeek's weirds): never rename one.
public enum TransportAnomaly: String, CaseIterable, Sendable {
    /// A side sent bytes that are not SSH (an originator line not starting with `SSH-`, binary bytes or an
    /// HTTP status line before the identification line). That side is not parsed further.
    case notSSH = "not_ssh"
    /// Identification line longer than 255 bytes including CR LF (RFC 4253 §4.2); kept, or dropped when over 8192.
    case bannerTooLong = "banner_too_long"
    /// The stream ended inside the identification line (no LF); the partial line is reported as the banner.
    case bannerUnterminated = "banner_unterminated"
    /// Identification line without a recognisable protocol version (`SSH-2.0`, `SSH-1.99`, `SSH-1.x`).
    case unknownProtocolVersion = "unknown_protocol_version"
    /// The two banners name protocol versions with nothing in common (SSH-2.0 against SSH-1.x).
    case versionMismatch = "version_mismatch"
    /// A text line where the first binary packet should be (e.g. sshd's "Invalid SSH identification string.");
    /// kept in the summary, parsing of that side stops.
    case textAfterBanner = "text_after_banner"
    /// A pre-banner line longer than 8192 bytes without LF.
    case lineTooLong = "line_too_long"
    /// More than 1024 lines before the identification line.
    case preambleTooLong = "preamble_too_long"
    /// `packet_length` above `TransportLimits.maxPacketLength`.
    case packetTooLarge = "packet_too_large"
    /// A packet too short to hold a message (SSH-2 packet_length < 2, SSH-1 length < 5).
    case packetTooSmall = "packet_too_small"
    /// SSH-2 padding_length leaves no payload.
    case paddingInvalid = "padding_invalid"
    /// A message we decode is larger than the per-direction buffer; it was skipped.
    case messageTooLarge = "message_too_large"
    /// SSH_MSG_KEXINIT whose fields do not fit its packet.
    case kexinitMalformed = "kexinit_malformed"
    /// A second cleartext SSH_MSG_KEXINIT from the same side before NEWKEYS (ignored).
    case duplicateKexinit = "duplicate_kexinit"
    /// A name-list with more than `TransportLimits.maxNamesPerList` names (the parsed list is cut).
    case nameListTooLong = "name_list_too_long"
    /// A name-list with an empty name, a name over 64 characters, or bytes that are not printable US-ASCII (RFC 4251 §5, §6).
    case nameListMalformed = "name_list_malformed"
    /// The KEX reply that should carry the server host key does not hold a well-formed key blob.
    case hostKeyMalformed = "host_key_malformed"
    /// SSH_MSG_DISCONNECT whose fields do not fit its packet.
    case disconnectMalformed = "disconnect_malformed"
    /// SSH-1 SSH_SMSG_PUBLIC_KEY whose fields do not fit its packet.
    case ssh1PublicKeyMalformed = "ssh1_public_key_malformed"
    /// More out-of-order TCP data than the reorder window holds; the direction is then desynchronized.
    case reassemblyOverflow = "reassembly_overflow"
    /// A hole in a direction's TCP stream that was never filled; nothing after it was parsed.
    case streamGap = "stream_gap"
    /// The flow finished in the middle of a cleartext line or packet.
    case truncatedMessage = "truncated_message"
    /// Key-exchange message directions contradict each other (both sides act as client or as server).
    case kexRoleConflict = "kex_role_conflict"

    /// The stable name.
    public var name: String { rawValue }
}

/// Anomalies of one flow: deduplicated, in first-occurrence order.
///
/// Appending allocates only the first time an anomaly is recorded (anomalies are rare, not steady state).
struct AnomalyLog: Sendable {
    private(set) var ordered: [TransportAnomaly] = []
    private var seen: UInt64 = 0

    /// Records `a`; returns true when it is new for this flow.
    @discardableResult
    mutating func add(_ a: TransportAnomaly) -> Bool {
        let bit = Self.bit(a)
        guard seen & bit == 0 else { return false }
        seen |= bit
        ordered.append(a)
        return true
    }

    func contains(_ a: TransportAnomaly) -> Bool { seen & Self.bit(a) != 0 }

    private static func bit(_ a: TransportAnomaly) -> UInt64 {
        var i: UInt64 = 0
        for c in TransportAnomaly.allCases {
            if c == a { break }
            i &+= 1
        }
        return 1 << (i & 63)
    }
}
