/// Link-layer header types, as libpcap's DLT_ values and the pcap file
/// format's LINKTYPE_ values (both are accepted where they differ).
public enum LinkType: Sendable, Equatable {
    /// DLT_NULL (0) and DLT_LOOP (108): 4-byte address family, host or network order.
    case null
    /// DLT_EN10MB (1): Ethernet II with optional 802.1Q / 802.1ad tags.
    case ethernet
    /// DLT_RAW (12, 14; LINKTYPE_RAW 101), LINKTYPE_IPV4 (228), LINKTYPE_IPV6 (229).
    case raw
    /// DLT_LINUX_SLL (113): Linux cooked capture v1, 16-byte header.
    case linuxSLL
    /// DLT_LINUX_SLL2 (276): Linux cooked capture v2, 20-byte header.
    case linuxSLL2
    case unsupported(Int32)

    public init(dlt: Int32) {
        switch dlt {
        case 0, 108: self = .null
        case 1: self = .ethernet
        case 12, 14, 101, 228, 229: self = .raw
        case 113: self = .linuxSLL
        case 276: self = .linuxSLL2
        default: self = .unsupported(dlt)
        }
    }

    public var isSupported: Bool {
        if case .unsupported = self { return false }
        return true
    }
}
