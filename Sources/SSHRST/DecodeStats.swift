import SSHRSTWire

/// Counters for everything the engine read, skipped or could not decode.
/// Fixed-size arrays indexed by enum raw values: nothing allocated per packet.
public struct DecodeStats: Sendable {
    public var frames = 0
    public var bytes = 0
    public var tcpSegments = 0
    public var icmpErrors = 0
    public var icmpErrorsMatched = 0
    public var truncatedBySnaplen = 0
    public var skipped = [Int](repeating: 0, count: SkipReason.allCases.count)
    public var errors = [Int](repeating: 0, count: WireLayer.allCases.count * WireErrorKind.allCases.count)
    public var flowsCreated = 0
    public var flowsEvicted = 0
    public var flowsIdleExpired = 0
    public var nonSSHFlows = 0
    public var reorderForced = 0
    public var firstTime: Int64? = nil
    public var lastTime: Int64 = 0

    public init() {}

    @inlinable
    public mutating func count(_ error: WireError) {
        let i = Int(error.layer.rawValue) &* WireErrorKind.allCases.count &+ Int(error.kind.rawValue)
        if i >= 0 && i < errors.count { errors[i] &+= 1 }
    }

    @inlinable
    public mutating func count(_ reason: SkipReason) {
        let i = Int(reason.rawValue)
        if i >= 0 && i < skipped.count { skipped[i] &+= 1 }
    }

    public var totalErrors: Int { errors.reduce(0, +) }
}
