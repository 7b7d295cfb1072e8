/// Why a frame could not be decoded. Counted per (layer, kind) in the
/// engine's decode statistics; never logged per packet.
public enum WireLayer: UInt8, Sendable, CaseIterable {
    case link, vlan, ipv4, ipv6, gre, tcp, icmp, icmpv6

    public var name: String {
        switch self {
        case .link: "link"
        case .vlan: "vlan"
        case .ipv4: "ipv4"
        case .ipv6: "ipv6"
        case .gre: "gre"
        case .tcp: "tcp"
        case .icmp: "icmp"
        case .icmpv6: "icmpv6"
        }
    }
}

public enum WireErrorKind: UInt8, Sendable, CaseIterable {
    /// Fewer captured bytes than the header needs.
    case truncated
    /// A field holds an impossible value (bad version, header length, total length).
    case invalid
    /// A value this decoder does not handle (unknown link type, ESP, ...).
    case unsupported

    public var name: String {
        switch self {
        case .truncated: "truncated"
        case .invalid: "invalid"
        case .unsupported: "unsupported"
        }
    }
}

public struct WireError: Error, Sendable, Equatable {
    public var layer: WireLayer
    public var kind: WireErrorKind

    @inlinable
    public init(_ layer: WireLayer, _ kind: WireErrorKind) {
        self.layer = layer
        self.kind = kind
    }
}
