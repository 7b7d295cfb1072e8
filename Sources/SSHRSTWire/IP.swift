import SSHRSTBytes

// RFC 791 §3.1 IPv4 header:
// |Version|  IHL  |Type of Service|          Total Length         |
// |         Identification        |Flags|      Fragment Offset    |
// |  Time to Live |    Protocol   |         Header Checksum       |
// |                       Source Address                          |
// |                    Destination Address                        |
//
// RFC 8200 §3 IPv6 header:
// |Version| Traffic Class |           Flow Label                  |
// |         Payload Length        |  Next Header  |   Hop Limit   |
// |                 Source Address (128 bits)                     |
// |              Destination Address (128 bits)                   |

/// The IP facts that attribution needs, copied out of the header.
public struct IPInfo: Sendable, Equatable {
    public var source: IPAddress
    public var destination: IPAddress
    /// IPv4 TTL or IPv6 hop limit.
    public var ttl: UInt8
    /// IPv4 Identification; 0 and meaningless for IPv6 (see `isIPv6`).
    public var ipID: UInt16
    /// IPv4 DF bit; false for IPv6.
    public var dontFragment: Bool
    public var isIPv6: Bool
    /// Transport protocol number after extension headers.
    public var proto: UInt8
    /// Offset of the transport header within the frame.
    public var payloadOffset: Int
    /// End of the IP datagram within the frame by its length field, which
    /// may lie beyond the captured bytes (snap length).
    public var datagramEnd: Int
    /// Non-first fragment or first fragment with more to come.
    public var isFragment: Bool
    /// IPv6 flow label (RFC 8200 §6); 0 for IPv4. Linux sockets carry a
    /// constant non-zero label (net.ipv6.auto_flowlabels); netfilter's REJECT
    /// builds its RST with label 0.
    public var flowLabel: UInt32 = 0
}

enum IPv4 {
    enum Offset {
        static let versionIHL = 0
        static let totalLength = 2
        static let identification = 4
        static let flagsFragment = 6
        static let ttl = 8
        static let proto = 9
        static let source = 12
        static let destination = 16
    }
    static let minimumLength = 20

    /// Parses the IPv4 header starting at `start`.
    ///
    /// A total length of 0 (TSO, seen in real captures, gopacket notes it)
    /// is taken as "to the end of the captured bytes".
    static func parse(_ bytes: Span<UInt8>, at start: Int) throws(WireError) -> IPInfo {
        // One length check for the fixed 20 bytes, then unchecked loads (SSHRSTBytes).
        guard let fixed = FixedHeader.read(bytes, at: start, length: minimumLength, { h in
            (h.u8(Offset.versionIHL), h.be16(Offset.totalLength), h.be16(Offset.identification),
             h.be16(Offset.flagsFragment), h.u8(Offset.ttl), h.u8(Offset.proto), h.be32(Offset.source),
             h.be32(Offset.destination))
        }) else { throw WireError(.ipv4, .truncated) }
        let (versionIHL, totalLength, identification, flagsFragment, ttl, proto, source, destination) = fixed
        guard versionIHL >> 4 == 4 else { throw WireError(.ipv4, .invalid) }
        let headerLength = Int(versionIHL & 0x0f) &* 4
        guard headerLength >= minimumLength else { throw WireError(.ipv4, .invalid) }
        guard start &+ headerLength <= bytes.count else { throw WireError(.ipv4, .truncated) }
        var end = start &+ Int(totalLength)
        if totalLength == 0 { end = bytes.count }
        guard Int(totalLength) >= headerLength || totalLength == 0 else { throw WireError(.ipv4, .invalid) }
        let moreFragments = flagsFragment & 0x2000 != 0
        let fragmentOffset = flagsFragment & 0x1fff
        return IPInfo(
            source: IPAddress(v4: source), destination: IPAddress(v4: destination),
            ttl: ttl, ipID: identification, dontFragment: flagsFragment & 0x4000 != 0,
            isIPv6: false, proto: proto, payloadOffset: start &+ headerLength, datagramEnd: end,
            isFragment: moreFragments || fragmentOffset != 0)
    }
}

enum IPv6 {
    static let headerLength = 40
    /// At most this many extension headers are walked (RFC 8200 §4.1 gives
    /// an order with at most one of each but for Destination Options; 8 is
    /// more than any legitimate chain).
    static let maximumExtensionHeaders = 8

    static func parse(_ bytes: Span<UInt8>, at start: Int) throws(WireError) -> IPInfo {
        // One length check for the fixed 40 bytes, then unchecked loads (SSHRSTBytes).
        guard let fixed = FixedHeader.read(bytes, at: start, length: headerLength, { h in
            (h.be32(0), h.be16(4), h.u8(6), h.u8(7), h.be64(8), h.be64(16), h.be64(24), h.be64(32))
        }) else { throw WireError(.ipv6, .truncated) }
        let (firstWord, payloadLength, nextHeader, hopLimit, sourceHigh, sourceLow, destinationHigh, destinationLow) = fixed
        guard firstWord >> 28 == 6 else { throw WireError(.ipv6, .invalid) }
        let flowLabel = firstWord & 0x000f_ffff
        var proto = nextHeader
        var offset = start &+ headerLength
        var end = offset &+ Int(payloadLength)
        if payloadLength == 0 { end = bytes.count }  // jumbogram or TSO: to the captured end
        var isFragment = false
        var walked = 0
        // RFC 8200 §4: Hop-by-Hop 0, Routing 43, Fragment 44, Destination Options 60,
        // AH 51 (RFC 4302: length in 4-octet units minus 2), Mobility 135.
        while walked < maximumExtensionHeaders {
            switch proto {
            case 0, 43, 60, 135:
                guard let next = bytes.u8(at: offset), let units = bytes.u8(at: offset &+ 1) else {
                    throw WireError(.ipv6, .truncated)
                }
                proto = next
                offset &+= (Int(units) &+ 1) &* 8
            case 44:
                guard let next = bytes.u8(at: offset), let fragment = bytes.be16(at: offset &+ 2) else {
                    throw WireError(.ipv6, .truncated)
                }
                proto = next
                offset &+= 8
                if fragment & 0xfff9 != 0 { isFragment = true }  // offset != 0 or M flag
            case 51:
                guard let next = bytes.u8(at: offset), let units = bytes.u8(at: offset &+ 1) else {
                    throw WireError(.ipv6, .truncated)
                }
                proto = next
                offset &+= (Int(units) &+ 2) &* 4
            default:
                walked = maximumExtensionHeaders
                continue
            }
            walked &+= 1
        }
        if offset > bytes.count && !isFragment { throw WireError(.ipv6, .truncated) }
        if end < offset { end = offset }
        return IPInfo(
            source: IPAddress(v6High: sourceHigh, v6Low: sourceLow),
            destination: IPAddress(v6High: destinationHigh, v6Low: destinationLow),
            ttl: hopLimit, ipID: 0, dontFragment: false, isIPv6: true, proto: proto,
            payloadOffset: offset, datagramEnd: end, isFragment: isFragment, flowLabel: flowLabel)
    }
}
