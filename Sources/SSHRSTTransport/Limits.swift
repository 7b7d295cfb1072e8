// Every attacker-sized quantity the transport decoder handles has a named cap here.
// Hitting a cap raises a named `TransportAnomaly`; it never traps and never grows memory.

/// Caps on peer-controlled sizes, with the RFC text or rationale behind each.
public enum TransportLimits {
    // RFC 4253 §4.2:
    // > The maximum length of the string is 255 characters, including the
    // > Carriage Return and Line Feed.
    /// Longest identification (version) line, CR LF included. Longer lines are kept but raise `banner_too_long`.
    public static let maxIdentificationLineLength = 255

    // RFC 4253 §4.2:
    // > The server MAY send other lines of data before sending the version
    // > string.  Each line SHOULD be terminated by a Carriage Return and Line Feed.
    // The RFC sets no bound; swift-nio-ssh (SSHPacketParser.swift) caps each line at 8192 bytes and the
    // preamble at 1024 lines. We use the same numbers.
    /// Longest line (pre-banner or version) accepted before giving up with `line_too_long` / `banner_too_long`.
    public static let maxPreambleLineLength = 8192
    /// Most lines accepted before the version line (`preamble_too_long` beyond).
    public static let maxPreambleLines = 1024
    /// Pre-banner lines kept for the report (the rest are counted only).
    public static let maxStoredPreambleLines = 16
    /// Pre-banner bytes kept for the report, over all stored lines (a longer line is cut).
    public static let maxStoredPreambleBytes = 4096
    /// Before deciding that an originator's first line is not SSH without seeing its LF, look at this many bytes.
    public static let notSSHDecisionBytes = 255

    // RFC 4253 §6.1:
    // > All implementations MUST be able to process packets with an
    // > uncompressed payload length of 32768 bytes or less and a total packet
    // > size of 35000 bytes or less (including 'packet_length',
    // > 'padding_length', 'payload', 'padding', and 'MAC').
    // Implementations accept more (OpenSSH PACKET_MAX_SIZE and swift-nio-ssh use 256 KiB).
    /// Largest `packet_length` (SSH-2) or `length` (SSH-1) accepted; beyond it: `packet_too_large`, direction stops.
    public static let maxPacketLength = 256 * 1024

    /// Most bytes held per direction while waiting for a complete line or packet.
    /// A packet longer than this is skipped (not buffered); if it is a message we decode: `message_too_large`.
    /// Large enough for any real KEXINIT (Zeek's kex-quadratic-1000 trace: ~40 KB) and PQ hybrid replies.
    public static let maxBufferedBytesPerDirection = 64 * 1024
    /// Capacity reserved for a direction's buffer on its first byte (it grows geometrically up to the cap).
    public static let initialBufferCapacity = 2048

    /// Out-of-order TCP data held per direction, as a window after the next expected sequence number.
    /// Must be a power of two (bytes are stored in a ring indexed by `seq & (window - 1)`).
    public static let reorderWindowBytes = 64 * 1024
    /// Most disjoint out-of-order ranges held per direction (more: `reassembly_overflow` then `stream_gap`).
    public static let maxHeldSegments = 8

    // RFC 4251 §5 (name-list) sets no count limit; a peer controls it (Zeek's kex-quadratic-1000 trace).
    /// Names kept per name-list; further names are dropped from the parsed list (`name_list_too_long`),
    /// the raw text is kept whole for hassh.
    public static let maxNamesPerList = 4096
    // RFC 4251 §6:
    // > Algorithm and method names MUST be printable US-ASCII strings, [...] The maximum length is 64 characters.
    /// Longest algorithm name considered well formed (longer: `name_list_malformed`, kept).
    public static let maxAlgorithmNameLength = 64

    /// Largest host-key blob accepted from a KEX reply (RSA-16384 certificates are well under this).
    public static let maxHostKeyBlobLength = 16 * 1024
    /// Bytes of an SSH_MSG_DISCONNECT description kept.
    public static let maxDisconnectDescriptionLength = 1024
}
