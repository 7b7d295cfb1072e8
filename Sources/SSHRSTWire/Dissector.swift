// Dissector: (link type, frame bytes) -> one decoded value. Nothing is
// allocated; payloads travel as ranges into the frame.

/// A TCP segment with its IP facts.
public struct TCPSegment: Sendable, Equatable {
    public var ip: IPInfo
    public var tcp: TCPHeader
    /// Captured payload bytes within the frame.
    public var payload: Range<Int>
    /// Payload length by the IP length fields (may exceed the captured part).
    public var payloadWireLength: Int
    /// The snap length cut the payload short.
    public var truncatedBySnaplen: Bool
    /// How many GRE layers were unwrapped to reach this segment.
    public var tunnelDepth: Int
}

/// An ICMP or ICMPv6 error that quotes a TCP header (RFC 792, RFC 4443 §3).
public struct ICMPError: Sendable, Equatable {
    public var ip: IPInfo
    public var type: UInt8
    public var code: UInt8
    /// The quoted datagram's addresses and ports: the packet that drew the error.
    public var quotedSource: IPAddress
    public var quotedDestination: IPAddress
    public var quotedSourcePort: UInt16
    public var quotedDestinationPort: UInt16
    public var quotedSeq: UInt32?
    /// The quoted datagram's TTL / hop limit as the error's sender saw it (tracebox: what the path changed on the
    /// way, e.g. a TTL rewritten, or 1 for a packet that expired there); 0 when the quote was cut. The IPv4 ID is
    /// `quotedIPID` below.
    public var quotedTTL: UInt8 = 0
    /// The quoted TCP window and MSS option, when the error quotes that much (RFC 1812 §4.3.2.3 routers quote up to
    /// 576 bytes; RFC 792 only guarantees 8 bytes of TCP).
    public var quotedWindow: UInt16? = nil
    public var quotedMSS: UInt16? = nil
    /// Whether the quote held the whole quoted IP header and the two ports. When the snap length cut the
    /// quote (IPv4 at `-s 54`, IPv6 at `-s 68` or `-s 96`) it is false, the fields not captured are zero,
    /// and what was captured of the quoted IP header is below: the engine ties such an error to a flow
    /// only when exactly one unanswered SYN fits all of it.
    public var quoteComplete: Bool = true
    /// Quoted fields present in a cut quote (all of them when `quoteComplete`).
    public var quotedSourceKnown: Bool = true
    public var quotedDestinationKnown: Bool = true
    /// IPv4 Identification of the quoted datagram (nil for IPv6 or when not captured).
    public var quotedIPID: UInt16? = nil
    /// IPv6 flow label of the quoted datagram (nil for IPv4 or when not captured).
    public var quotedFlowLabel: UInt32? = nil
    /// TCP length of the quoted datagram by its IP length field (header and payload), when captured.
    public var quotedTCPLength: Int? = nil

    /// Stable snake_case name of the error, as in the flow record's `icmp[].name`.
    public var name: String { ICMPName.of(type: type, code: code, isIPv6: ip.isIPv6) }

    /// Destination unreachable (any code) or administratively prohibited: the
    /// kind of error that refuses a connection attempt.
    public var isUnreachable: Bool {
        ip.isIPv6 ? type == 1 : type == 3
    }
}

/// The one table of ICMP/ICMPv6 type/code names (RFC 792, RFC 4443 §3) used in
/// records and in diagnoses.
public enum ICMPName {
    public static func of(type: UInt8, code: UInt8, isIPv6: Bool) -> String {
        if isIPv6 {
            switch (type, code) {
            case (1, 0): return "no_route"
            case (1, 1): return "admin_prohibited"
            case (1, 3): return "address_unreachable"
            case (1, 4): return "port_unreachable"
            case (1, 5), (1, 6): return "policy_rejected"
            case (1, _): return "destination_unreachable"
            case (2, _): return "packet_too_big"
            case (3, _): return "time_exceeded"
            case (4, _): return "parameter_problem"
            default: return "icmpv6_\(type)_\(code)"
            }
        }
        switch (type, code) {
        case (3, 0): return "net_unreachable"
        case (3, 1): return "host_unreachable"
        case (3, 2): return "protocol_unreachable"
        case (3, 3): return "port_unreachable"
        case (3, 4): return "fragmentation_needed"
        case (3, 9), (3, 10), (3, 13): return "admin_prohibited"
        case (3, _): return "destination_unreachable"
        case (11, _): return "time_exceeded"
        case (12, _): return "parameter_problem"
        default: return "icmp_\(type)_\(code)"
        }
    }
}

/// Why a frame was not decoded into a TCP segment or ICMP error. Counted.
public enum SkipReason: UInt8, Sendable, CaseIterable {
    case notIP, fragment, udp, otherTransport, icmpOther, greUnsupported, tunnelTooDeep

    public var name: String {
        switch self {
        case .notIP: "not_ip"
        case .fragment: "ip_fragment"
        case .udp: "udp"
        case .otherTransport: "other_transport"
        case .icmpOther: "icmp_not_error"
        case .greUnsupported: "gre_unsupported"
        case .tunnelTooDeep: "tunnel_too_deep"
        }
    }
}

extension TCPSegment {
    /// All zero: something to dissect into.
    public static var empty: TCPSegment {
        TCPSegment(
            ip: IPInfo(
                source: IPAddress(v4: 0), destination: IPAddress(v4: 0), ttl: 0, ipID: 0, dontFragment: false,
                isIPv6: false, proto: 0, payloadOffset: 0, datagramEnd: 0, isFragment: false),
            tcp: TCPHeader(
                sourcePort: 0, destinationPort: 0, seq: 0, ack: 0, flags: [], window: 0, headerLength: 0,
                windowScale: nil, optionsMalformed: false),
            payload: 0..<0, payloadWireLength: 0, truncatedBySnaplen: false, tunnelDepth: 0)
    }
}

public enum Dissection: Sendable, Equatable {
    case tcp(TCPSegment)
    case icmpError(ICMPError)
    case skipped(SkipReason)
}

public enum Dissector {
    /// 802.1Q/802.1ad tags walked before giving up (QinQ is 2).
    static let maximumVLANTags = 4
    /// GRE layers unwrapped (RFC 2784); more is a tunnel loop or an attack.
    static let maximumTunnelDepth = 3

    /// Decodes one frame. Throws when a header is truncated or invalid.
    public static func dissect(_ linkType: LinkType, _ bytes: Span<UInt8>) throws(WireError) -> Dissection {
        var segment = TCPSegment.empty
        if let other = try dissectAny(linkType, bytes, tcp: &segment) { return other }
        return .tcp(segment)
    }

    /// `dissect` for the per-packet loop: true when the frame is a TCP segment, written into `segment`
    /// (every field); otherwise the result is written into `other`. No ~140-byte value is copied through an
    /// enum or an optional on the way.
    @inline(__always)
    public static func dissect(_ linkType: LinkType, _ bytes: Span<UInt8>, tcp segment: inout TCPSegment, other: inout Dissection) throws(WireError) -> Bool {
        if let o = try dissectAny(linkType, bytes, tcp: &segment) {
            other = o
            return false
        }
        return true
    }

    @inline(__always)
    static func dissectAny(_ linkType: LinkType, _ bytes: Span<UInt8>, tcp segment: inout TCPSegment) throws(WireError) -> Dissection? {
        let etherType: UInt16
        let offset: Int
        switch linkType {
        case .ethernet:
            guard var type = bytes.be16(at: 12) else { throw WireError(.link, .truncated) }
            var at = 14
            var tags = 0
            // IEEE 802.1Q (0x8100), 802.1ad (0x88a8), and the old QinQ 0x9100.
            while type == 0x8100 || type == 0x88a8 || type == 0x9100 {
                guard tags < maximumVLANTags else { throw WireError(.vlan, .unsupported) }
                guard let inner = bytes.be16(at: at &+ 2) else { throw WireError(.vlan, .truncated) }
                type = inner
                at &+= 4
                tags &+= 1
            }
            etherType = type
            offset = at
        case .linuxSLL:
            guard let type = bytes.be16(at: 14) else { throw WireError(.link, .truncated) }
            etherType = type
            offset = 16
        case .linuxSLL2:
            guard let type = bytes.be16(at: 0), bytes.count >= 20 else { throw WireError(.link, .truncated) }
            etherType = type
            offset = 20
        case .null:
            guard let family = bytes.le32(at: 0), let familyBE = bytes.be32(at: 0) else {
                throw WireError(.link, .truncated)
            }
            // AF_INET is 2 everywhere; AF_INET6 is 10 (Linux), 24 (NetBSD/OpenBSD), 28 (FreeBSD), 30 (macOS).
            let value = family < 0x10000 ? family : familyBE
            switch value {
            case 2: etherType = 0x0800
            case 10, 24, 28, 30: etherType = 0x86dd
            default: return .skipped(.notIP)
            }
            offset = 4
        case .raw:
            guard let first = bytes.u8(at: 0) else { throw WireError(.link, .truncated) }
            switch first >> 4 {
            case 4: etherType = 0x0800
            case 6: etherType = 0x86dd
            default: throw WireError(.link, .invalid)
            }
            offset = 0
        case .unsupported:
            throw WireError(.link, .unsupported)
        }
        switch etherType {
        case 0x0800: return try dissectIP(bytes, at: offset, v6: false, depth: 0, into: &segment)
        case 0x86dd: return try dissectIP(bytes, at: offset, v6: true, depth: 0, into: &segment)
        default: return .skipped(.notIP)
        }
    }

    /// Tunnels (IP-in-IP, GRE) re-enter here: the outlined copy keeps `dissectIP` inlinable into `dissect`,
    /// so a plain segment is built in place instead of being copied out of each call.
    @inline(never)
    static func dissectInner(_ bytes: Span<UInt8>, at offset: Int, v6: Bool, depth: Int, into segment: inout TCPSegment) throws(WireError) -> Dissection? {
        try dissectIP(bytes, at: offset, v6: v6, depth: depth, into: &segment)
    }

    @inline(__always)
    static func dissectIP(_ bytes: Span<UInt8>, at offset: Int, v6: Bool, depth: Int, into segment: inout TCPSegment) throws(WireError) -> Dissection? {
        let ip = v6 ? try IPv6.parse(bytes, at: offset) : try IPv4.parse(bytes, at: offset)
        if ip.isFragment { return .skipped(.fragment) }
        switch ip.proto {
        case 6:
            try tcpSegment(bytes, ip: ip, depth: depth, into: &segment)
            return nil
        case 1 where !v6, 58 where v6:
            return try icmp(bytes, ip: ip)
        case 17:
            return .skipped(.udp)
        case 47:
            return try gre(bytes, ip: ip, depth: depth, into: &segment)
        case 4 where depth < maximumTunnelDepth:  // IPv4-in-IP (RFC 2003)
            return try dissectInner(bytes, at: ip.payloadOffset, v6: false, depth: depth &+ 1, into: &segment)
        case 41 where depth < maximumTunnelDepth:  // IPv6-in-IP (RFC 4213)
            return try dissectInner(bytes, at: ip.payloadOffset, v6: true, depth: depth &+ 1, into: &segment)
        default:
            return .skipped(.otherTransport)
        }
    }

    @inline(__always)
    static func tcpSegment(_ bytes: Span<UInt8>, ip: IPInfo, depth: Int, into segment: inout TCPSegment) throws(WireError) {
        guard ip.payloadOffset <= bytes.count else { throw WireError(.tcp, .truncated) }
        let header = try TCPHeader.parse(bytes, at: ip.payloadOffset)
        // A header cut short is the snap length's doing only when the datagram goes on past the captured
        // bytes; a datagram that ends inside its own TCP header is truncated as it stands.
        if !header.isComplete && ip.datagramEnd <= bytes.count { throw WireError(.tcp, .truncated) }
        let payloadStart = ip.payloadOffset &+ header.headerLength
        let capturedEnd = min(ip.datagramEnd, bytes.count)
        // A cut header leaves no payload captured: the range is empty, at the end of the captured bytes.
        let payloadEnd = max(min(payloadStart, bytes.count), capturedEnd)
        let wireLength = max(0, ip.datagramEnd &- payloadStart)
        segment.ip = ip
        segment.tcp = header
        segment.payload = min(payloadStart, payloadEnd)..<payloadEnd
        segment.payloadWireLength = wireLength
        segment.truncatedBySnaplen = ip.datagramEnd > bytes.count
        segment.tunnelDepth = depth
    }

    /// RFC 2784/2890 GRE: flags (C, K, S) add 4 bytes each; protocol type
    /// 0x0800/0x86dd carries IP, 0x6558 carries Ethernet (transparent bridging).
    static func gre(_ bytes: Span<UInt8>, ip: IPInfo, depth: Int, into segment: inout TCPSegment) throws(WireError) -> Dissection? {
        guard depth < maximumTunnelDepth else { return .skipped(.tunnelTooDeep) }
        let at = ip.payloadOffset
        guard let flags = bytes.be16(at: at), let proto = bytes.be16(at: at &+ 2) else {
            throw WireError(.gre, .truncated)
        }
        guard flags & 0x0007 == 0 else { return .skipped(.greUnsupported) }  // version 0 only
        var inner = at &+ 4
        if flags & 0x8000 != 0 { inner &+= 4 }
        if flags & 0x2000 != 0 { inner &+= 4 }
        if flags & 0x1000 != 0 { inner &+= 4 }
        switch proto {
        case 0x0800: return try dissectInner(bytes, at: inner, v6: false, depth: depth &+ 1, into: &segment)
        case 0x86dd: return try dissectInner(bytes, at: inner, v6: true, depth: depth &+ 1, into: &segment)
        case 0x6558:
            guard let type = bytes.be16(at: inner &+ 12) else { throw WireError(.gre, .truncated) }
            if type == 0x0800 { return try dissectInner(bytes, at: inner &+ 14, v6: false, depth: depth &+ 1, into: &segment) }
            if type == 0x86dd { return try dissectInner(bytes, at: inner &+ 14, v6: true, depth: depth &+ 1, into: &segment) }
            return .skipped(.notIP)
        default:
            return .skipped(.greUnsupported)
        }
    }

    /// RFC 792 / RFC 4443: destination unreachable and time exceeded quote
    /// the offending datagram's IP header and at least 8 bytes of TCP, which
    /// hold the ports and the sequence number.
    static func icmp(_ bytes: Span<UInt8>, ip: IPInfo) throws(WireError) -> Dissection {
        let layer: WireLayer = ip.isIPv6 ? .icmpv6 : .icmp
        let at = ip.payloadOffset
        guard let type = bytes.u8(at: at), let code = bytes.u8(at: at &+ 1) else {
            throw WireError(layer, .truncated)
        }
        let isError = ip.isIPv6 ? (type == 1 || type == 3) : (type == 3 || type == 11)
        guard isError else { return .skipped(.icmpOther) }
        let quotedAt = at &+ 8
        let quoted: IPInfo
        do {
            quoted = ip.isIPv6 ? try IPv6.parse(bytes, at: quotedAt) : try IPv4.parse(bytes, at: quotedAt)
        } catch {
            return try cutQuote(bytes, ip: ip, type: type, code: code, at: quotedAt, layer: layer)
        }
        guard quoted.proto == 6 else { return .skipped(.icmpOther) }
        guard let sourcePort = bytes.be16(at: quoted.payloadOffset),
            let destinationPort = bytes.be16(at: quoted.payloadOffset &+ 2)
        else {
            // The quoted IP header is whole but the ports were cut: the addresses still narrow it down.
            guard ip.datagramEnd > bytes.count else { throw WireError(layer, .truncated) }
            var error = ICMPError(
                ip: ip, type: type, code: code, quotedSource: quoted.source, quotedDestination: quoted.destination,
                quotedSourcePort: 0, quotedDestinationPort: 0, quotedSeq: nil)
            error.quoteComplete = false
            error.quotedIPID = quoted.isIPv6 ? nil : quoted.ipID
            error.quotedFlowLabel = quoted.isIPv6 ? quoted.flowLabel : nil
            error.quotedTCPLength = max(0, quoted.datagramEnd &- quoted.payloadOffset)
            return .icmpError(error)
        }
        var error = ICMPError(
            ip: ip, type: type, code: code, quotedSource: quoted.source,
            quotedDestination: quoted.destination, quotedSourcePort: sourcePort,
            quotedDestinationPort: destinationPort, quotedSeq: bytes.be32(at: quoted.payloadOffset &+ 4))
        error.quotedTTL = quoted.ttl
        error.quotedIPID = quoted.isIPv6 ? nil : quoted.ipID
        error.quotedFlowLabel = quoted.isIPv6 ? quoted.flowLabel : nil
        error.quotedTCPLength = max(0, quoted.datagramEnd &- quoted.payloadOffset)
        error.quotedWindow = bytes.be16(at: quoted.payloadOffset &+ 14)
        error.quotedMSS = TCPHeader.mss(bytes, at: quoted.payloadOffset)
        return .icmpError(error)
    }

    /// An error whose quoted IP header the snap length cut: what was captured of it. IPv4 needs the first
    /// 10 bytes (length, ID, protocol), IPv6 the first 6 (flow label, payload length; the next header
    /// must be TCP when captured). A quote that ends where the capture ends is a cut; one that ends
    /// before is truncated as it stands.
    static func cutQuote(_ bytes: Span<UInt8>, ip: IPInfo, type: UInt8, code: UInt8, at quotedAt: Int, layer: WireLayer) throws(WireError) -> Dissection {
        guard ip.datagramEnd > bytes.count, let first = bytes.u8(at: quotedAt), let length = bytes.be16(at: quotedAt &+ (ip.isIPv6 ? 4 : 2))
        else { throw WireError(layer, .truncated) }
        var error = ICMPError(
            ip: ip, type: type, code: code, quotedSource: IPAddress(v4: 0), quotedDestination: IPAddress(v4: 0),
            quotedSourcePort: 0, quotedDestinationPort: 0, quotedSeq: nil)
        error.quoteComplete = false
        error.quotedSourceKnown = false
        error.quotedDestinationKnown = false
        if ip.isIPv6 {
            guard first >> 4 == 6, let word = bytes.be32(at: quotedAt) else { throw WireError(layer, .truncated) }
            if let next = bytes.u8(at: quotedAt &+ 6), next != 6 { return .skipped(.icmpOther) }
            error.quotedFlowLabel = word & 0x000f_ffff
            error.quotedTCPLength = Int(length)
            if let high = bytes.be64(at: quotedAt &+ 8), let low = bytes.be64(at: quotedAt &+ 16) {
                error.quotedSource = IPAddress(v6High: high, v6Low: low)
                error.quotedSourceKnown = true
            }
            return .icmpError(error)
        }
        guard first >> 4 == 4, let proto = bytes.u8(at: quotedAt &+ 9), let id = bytes.be16(at: quotedAt &+ 4)
        else { throw WireError(layer, .truncated) }
        guard proto == 6 else { return .skipped(.icmpOther) }
        let headerLength = Int(first & 0x0f) &* 4
        guard headerLength >= IPv4.minimumLength, Int(length) >= headerLength else { throw WireError(layer, .invalid) }
        error.quotedIPID = id
        error.quotedTCPLength = Int(length) &- headerLength
        if let source = bytes.be32(at: quotedAt &+ 12) {
            error.quotedSource = IPAddress(v4: source)
            error.quotedSourceKnown = true
        }
        return .icmpError(error)
    }
}
