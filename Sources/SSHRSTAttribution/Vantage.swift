// Where was the capture taken? Inferred from the TTLs of each side's packets.

import SSHRSTWire

/// The initial TTL a packet most likely left its sender with: the smallest of 32, 64, 128, 255 that is ≥ `ttl`
/// (p0f v3 `guess_dist` in fp_tcp.c). Breaks for stacks with other initial values (e.g. 60) and for TTL-copying
/// injectors; callers treat hop distances as weak evidence for that reason.
public func initialTTL(for ttl: UInt8) -> UInt8 {
    if ttl <= 32 { return 32 }
    if ttl <= 64 { return 64 }
    if ttl <= 128 { return 128 }
    return 255
}

/// Hops between the sender and the capture point: `initialTTL(ttl) - ttl` (0...127; never negative).
public func hopDistance(for ttl: UInt8) -> Int { Int(initialTTL(for: ttl)) - Int(ttl) }

/// The standard initial TTLs that count as "untouched". 60 is deliberately NOT included: no current stack uses it,
/// and a 64-TTL host four hops away also arrives with 60, so accepting it would place the capture on the wrong host.
public let untouchedTTLs: [UInt8] = [32, 64, 128, 255]

/// How a side's TTLs look at the capture point.
enum TTLShape: Hashable, Sendable {
    case untouched(UInt8)  // every packet carried the same standard initial value
    case decremented(min: UInt8, max: UInt8)  // no packet carried a standard initial value
    case mixed(min: UInt8, max: UInt8)  // the highest value is a standard initial value but others were lower
    case none

    init(_ p: SideProfile) {
        self.init(packets: p.packets, lowest: p.ttlMin ?? p.ttlFirst ?? p.ttlLast, highest: p.ttlMax ?? p.ttlFirst ?? p.ttlLast)
    }

    init(packets: Int, lowest: UInt8?, highest: UInt8?) {
        guard packets > 0, let lo = lowest, let hi = highest else {
            self = .none
            return
        }
        let low = min(lo, hi)
        let high = max(lo, hi)
        if untouchedTTLs.contains(high) {
            self = low == high ? .untouched(high) : .mixed(min: low, max: high)
        } else {
            self = .decremented(min: low, max: high)
        }
    }

    /// Built as `Prose` (as `String` interpolations, a reason cost ~8,000 instructions: a record's vantage
    /// is remembered by its TTL shapes, but a flood of distinct TTLs misses that memory one flow in twenty).
    var text: Prose {
        switch self {
        case .untouched(let t): return "untouched TTL \(t)"
        case .decremented(let lo, let hi): return lo == hi ? "TTL \(lo) (decremented, \(hopDistance(for: lo)) hops)" : "TTL \(lo)–\(hi) (decremented)"
        case .mixed(let lo, let hi): return "TTL varying \(lo)–\(hi)"
        case .none: return "no packets"
        }
    }
}

/// Infers the capture point from each side's TTLs.
///
/// - A side whose packets all carry an untouched initial TTL (exactly 32/64/128/255) was captured on its own host.
/// - client untouched, server decremented (or no server packets yet) → `.client`; the mirror image → `.server`.
/// - both decremented → `.middle`.
/// - both untouched (same host, loopback, or a capture on one L2 segment) → `.unknown`.
/// - a side whose highest TTL is an initial value but whose TTL varied is ambiguous (route change, or an app
///   setting IP_TTL): → `.unknown`, because a wrong vantage would turn `captured_at_sender` into a confident error.
public func inferVantage(client: SideProfile, server: SideProfile) -> (vantage: Vantage, reason: String) {
    inferVantage(VantageInput(client: client, server: server))
}

/// `inferVantage` with the reason as a `String`.
public func inferVantage(_ input: VantageInput) -> (vantage: Vantage, reason: String) {
    let (vantage, reason) = inferVantageProse(input)
    return (vantage, reason.string)
}

/// What `inferVantage` depends on: the shape of each side's TTLs (few distinct values in a capture, so a
/// caller can remember the answers).
public struct VantageInput: Hashable, Sendable {
    let client: TTLShape
    let server: TTLShape

    public init(client: SideProfile, server: SideProfile) {
        self.client = TTLShape(client)
        self.server = TTLShape(server)
    }

    /// From each side's packet count and lowest and highest TTL (as `SideProfile` gives them), without
    /// building the profiles.
    public init(clientPackets: Int, clientTTL: (lowest: UInt8?, highest: UInt8?),
                serverPackets: Int, serverTTL: (lowest: UInt8?, highest: UInt8?)) {
        client = TTLShape(packets: clientPackets, lowest: clientTTL.lowest, highest: clientTTL.highest)
        server = TTLShape(packets: serverPackets, lowest: serverTTL.lowest, highest: serverTTL.highest)
    }

    /// The two shapes in one word, distinct for distinct inputs (a cache key).
    public var key: UInt64 {
        func code(_ t: TTLShape) -> UInt64 {
            switch t {
            case .untouched(let v): return 1 << 16 | UInt64(v)
            case .decremented(let lo, let hi): return 2 << 16 | UInt64(lo) << 8 | UInt64(hi)
            case .mixed(let lo, let hi): return 3 << 16 | UInt64(lo) << 8 | UInt64(hi)
            case .none: return 0
            }
        }
        return code(client) << 18 | code(server)
    }
}

public func inferVantageProse(_ input: VantageInput) -> (vantage: Vantage, reason: Prose) {
    let c = input.client
    let s = input.server
    let summary: Prose = "client \(c.text), server \(s.text)"
    switch (c, s) {
    case (.untouched, .untouched):
        return (.unknown, "\(summary): both untouched, same host or loopback")
    case (.untouched, .decremented), (.untouched, .none):
        return (.client, "\(summary): client packets leave this point with their initial TTL")
    case (.decremented, .untouched), (.none, .untouched):
        return (.server, "\(summary): server packets leave this point with their initial TTL")
    case (.decremented, .decremented):
        return (.middle, "\(summary): both sides' TTLs were decremented before the capture point")
    case (.mixed, _), (_, .mixed):
        return (.unknown, "\(summary): a TTL varies between an initial value and lower ones")
    case (.none, .none):
        return (.unknown, "no packets with a TTL from either side")
    case (.decremented, .none), (.none, .decremented):
        return (.unknown, "\(summary): one side decremented and the other unseen, server side or middle")
    }
}
