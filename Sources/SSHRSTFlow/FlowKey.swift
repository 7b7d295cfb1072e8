import SSHRSTWire

/// A TCP connection's endpoints in canonical order (lower address/port
/// first), so both directions of a connection hash to the same key.
public struct FlowKey: Hashable, Sendable, Comparable {
    public var lowAddress: IPAddress
    public var highAddress: IPAddress
    public var lowPort: UInt16
    public var highPort: UInt16

    @inlinable
    public init(lowAddress: IPAddress, highAddress: IPAddress, lowPort: UInt16, highPort: UInt16) {
        self.lowAddress = lowAddress
        self.highAddress = highAddress
        self.lowPort = lowPort
        self.highPort = highPort
    }

    /// The key of a packet from (`source`, `sourcePort`) to (`destination`, `destinationPort`),
    /// and whether the source is the key's low side.
    @inlinable
    public static func make(
        source: IPAddress, sourcePort: UInt16, destination: IPAddress, destinationPort: UInt16
    ) -> (key: FlowKey, sourceIsLow: Bool) {
        if source < destination || (source == destination && sourcePort <= destinationPort) {
            return (FlowKey(lowAddress: source, highAddress: destination, lowPort: sourcePort, highPort: destinationPort), true)
        }
        return (FlowKey(lowAddress: destination, highAddress: source, lowPort: destinationPort, highPort: sourcePort), false)
    }

    /// Written out (and inlinable) rather than synthesized: compared on every packet's lookup.
    @inlinable
    public static func == (a: FlowKey, b: FlowKey) -> Bool {
        a.lowAddress == b.lowAddress && a.highAddress == b.highAddress && a.lowPort == b.lowPort
            && a.highPort == b.highPort
    }

    @inlinable
    public static func < (a: FlowKey, b: FlowKey) -> Bool {
        if a.lowAddress != b.lowAddress { return a.lowAddress < b.lowAddress }
        if a.lowPort != b.lowPort { return a.lowPort < b.lowPort }
        if a.highAddress != b.highAddress { return a.highAddress < b.highAddress }
        return a.highPort < b.highPort
    }

    @inlinable
    public func hash(into hasher: inout Hasher) {
        // One mixed word instead of seven: the table's hashing cost is most of
        // the per-packet budget (see issue 9). Collisions only cost a compare.
        var h = lowAddress.low &* 0x9E37_79B9_7F4A_7C15
        h ^= highAddress.low &* 0xC2B2_AE3D_27D4_EB4F
        h ^= (lowAddress.high ^ highAddress.high.rotateLeft(17)) &* 0x1656_67B1_9E37_79F9
        h ^= UInt64(lowPort) &<< 16 | UInt64(highPort)
        hasher.combine(h)
    }
}

extension UInt64 {
    @inlinable
    func rotateLeft(_ n: UInt64) -> UInt64 { (self &<< n) | (self &>> (64 &- n)) }
}
