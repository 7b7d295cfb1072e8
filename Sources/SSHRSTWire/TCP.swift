import SSHRSTBytes

// RFC 9293 §3.1 TCP header:
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// |          Source Port          |       Destination Port        |
// |                        Sequence Number                        |
// |                    Acknowledgment Number                      |
// |  Data |       |C|E|U|A|P|R|S|F|                               |
// | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
// |           Checksum            |         Urgent Pointer        |
// |                    Options                    |    Padding    |

/// TCP control bits (RFC 9293 §3.1).
public struct TCPFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
    // Computed and inlinable, not stored `static let`s: a global's lazy-initialisation check on every
    // flag test was ~1% of the per-packet instructions.
    @inlinable public static var fin: TCPFlags { TCPFlags(rawValue: 0x01) }
    @inlinable public static var syn: TCPFlags { TCPFlags(rawValue: 0x02) }
    @inlinable public static var rst: TCPFlags { TCPFlags(rawValue: 0x04) }
    @inlinable public static var psh: TCPFlags { TCPFlags(rawValue: 0x08) }
    @inlinable public static var ack: TCPFlags { TCPFlags(rawValue: 0x10) }
    @inlinable public static var urg: TCPFlags { TCPFlags(rawValue: 0x20) }
    @inlinable public static var ece: TCPFlags { TCPFlags(rawValue: 0x40) }
    @inlinable public static var cwr: TCPFlags { TCPFlags(rawValue: 0x80) }

    /// tcpdump's notation: S, F, R, P, U, E, W, and "." for ACK.
    public var tcpdumpText: String {
        var s = ""
        if contains(.syn) { s += "S" }
        if contains(.fin) { s += "F" }
        if contains(.rst) { s += "R" }
        if contains(.psh) { s += "P" }
        if contains(.urg) { s += "U" }
        if contains(.ece) { s += "E" }
        if contains(.cwr) { s += "W" }
        if contains(.ack) { s += "." }
        return s.isEmpty ? "none" : s
    }
}

/// The fixed TCP header fields sshrst uses, copied out of the frame.
public struct TCPHeader: Sendable, Equatable {
    enum Offset {
        static let sourcePort = 0
        static let destinationPort = 2
        static let seq = 4
        static let ack = 8
        static let dataOffset = 12
        static let flags = 13
        static let window = 14
    }
    public static let minimumLength = 20

    public var sourcePort: UInt16
    public var destinationPort: UInt16
    public var seq: UInt32
    public var ack: UInt32
    public var flags: TCPFlags
    public var window: UInt16
    /// Header length in bytes, options included (20...60).
    public var headerLength: Int
    /// Window scale shift from a SYN's option (RFC 7323 §2.2), if present.
    public var windowScale: UInt8?
    /// The option list ran past the header or had an impossible length.
    public var optionsMalformed: Bool
    /// The four bits between the data offset and CWR (RFC 9293 §3.1 "Rsrvd"; the lowest one is
    /// AccECN's AE bit). Zero from every endpoint stack sshrst knows; some injectors set them.
    public var reservedBits: UInt8 = 0
    /// TSval of a well-formed RFC 7323 timestamps option (kind 8, length 10), if the segment carries one.
    public var timestampValue: UInt32? = nil

    /// Header bytes the snap length cut away (0 when the whole header was captured). A cut header still
    /// gives ports, seq, ack, data offset and flags (`minimumCapturedLength`); the window needs 16 bytes,
    /// and options past the cut are unknown (a SYN's window scale among them).
    public var uncapturedLength: Int = 0

    /// Ports, seq, ack, data offset and flags: the least of a header that is decoded (RFC 9293 §3.1's first
    /// 14 bytes). IPv6 over Ethernet at `tcpdump -s 68` leaves exactly this.
    public static let minimumCapturedLength = 14

    /// The whole header, options included, was captured.
    @inlinable public var isComplete: Bool { uncapturedLength == 0 }
    /// The window field was captured (bytes 14 and 15).
    @inlinable public var hasWindow: Bool { headerLength &- uncapturedLength >= 16 }  // window: bytes 14 and 15

    /// Parses the header at the start of `bytes`.
    ///
    /// The snap length may cut the header: with at least `minimumCapturedLength` bytes present the
    /// header is returned with `uncapturedLength` saying how much is missing (window 0 when not
    /// captured; options walked only as far as captured). Fails with `.truncated` when fewer bytes are
    /// present and `.invalid` when the data offset is below 5.
    public static func parse(_ bytes: Span<UInt8>, at base: Int = 0) throws(WireError) -> TCPHeader {
        // One length check for the 14 bytes every decoded header has, then unchecked loads (SSHRSTBytes).
        guard let fixed = FixedHeader.read(bytes, at: base, length: minimumCapturedLength, { h in
            (h.be16(Offset.sourcePort), h.be16(Offset.destinationPort), h.be32(Offset.seq), h.be32(Offset.ack),
             h.u8(Offset.dataOffset), h.u8(Offset.flags))
        }) else { throw WireError(.tcp, .truncated) }
        let (sourcePort, destinationPort, seq, ack, offsetByte, flagByte) = fixed
        let headerLength = Int(offsetByte >> 4) &* 4
        guard headerLength >= minimumLength else { throw WireError(.tcp, .invalid) }
        // bytes.count - base >= 14: the flags byte at base + 13 was read.
        let available = bytes.count &- base
        var header = TCPHeader(
            sourcePort: sourcePort, destinationPort: destinationPort, seq: seq, ack: ack,
            flags: TCPFlags(rawValue: flagByte), window: bytes.be16(at: base &+ Offset.window) ?? 0,
            headerLength: headerLength, windowScale: nil, optionsMalformed: false, reservedBits: offsetByte & 0x0F)
        if headerLength > available {
            header.uncapturedLength = headerLength &- available
            header.parseOptions(bytes, base: base, end: headerLength, captured: available)
            return header
        }
        // The usual option block of a non-SYN segment, NOP NOP Timestamps (RFC 7323 Appendix A): nothing to
        // note and well formed, so the walk is skipped.
        if headerLength == 32, bytes.be32(at: base &+ minimumLength) == 0x0101_080a {
            header.timestampValue = bytes.be32(at: base &+ minimumLength &+ 4)
            return header
        }
        header.parseOptions(bytes, base: base, end: headerLength, captured: headerLength)
        return header
    }

    /// The MSS option (RFC 9293 §3.2, kind 2, length 4) of the TCP header at `base`, when the header and its options
    /// are all within `bytes`; nil otherwise (absent, cut short by the capture or by an ICMP quote, or malformed).
    /// Not used per packet: for quoted headers and the trace's own probes.
    public static func mss(_ bytes: Span<UInt8>, at base: Int) -> UInt16? {
        guard base >= 0, let offsetByte = bytes.u8(at: base &+ Offset.dataOffset) else { return nil }
        let end = Int(offsetByte >> 4) &* 4
        guard end > minimumLength, end <= bytes.count &- base else { return nil }
        var i = minimumLength
        while i < end {
            guard let kind = bytes.u8(at: base &+ i) else { return nil }
            if kind == 0 { return nil }
            if kind == 1 { i &+= 1; continue }
            guard let length = bytes.u8(at: base &+ i &+ 1), length >= 2, Int(length) <= end &- i else { return nil }
            if kind == 2, length == 4 { return bytes.be16(at: base &+ i &+ 2) }
            i &+= Int(length)
        }
        return nil
    }

    /// RFC 9293 §3.1 options: kind 0 ends the list, kind 1 is a one-byte
    /// NOP, every other kind carries a length byte that counts itself.
    /// Only the first `captured` bytes of the header are present: the walk stops at the cut, and an
    /// option that the cut splits is neither read nor called malformed.
    mutating func parseOptions(_ bytes: Span<UInt8>, base: Int, end: Int, captured: Int) {
        var i = TCPHeader.minimumLength
        while i < end {
            guard i < captured else { return }
            guard let kind = bytes.u8(at: base &+ i) else { optionsMalformed = true; return }
            if kind == 0 { return }
            if kind == 1 { i &+= 1; continue }
            // i < captured <= end: `i &+ 1` and `end &- i` cannot overflow or go negative.
            guard i &+ 1 < captured else { return }
            guard let length = bytes.u8(at: base &+ i &+ 1), length >= 2, Int(length) <= end &- i else {
                optionsMalformed = true
                return
            }
            guard Int(length) <= captured &- i else { return }
            if kind == 3, length == 3, let shift = bytes.u8(at: base &+ i &+ 2) {
                windowScale = min(shift, 14)  // RFC 7323 §2.3: values above 14 are treated as 14
            }
            if kind == 8, length == 10, let tsval = bytes.be32(at: base &+ i &+ 2) { timestampValue = tsval }
            i &+= Int(length)
        }
    }
}
