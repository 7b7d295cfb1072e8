// RFC 4253 §4.2 Protocol Version Exchange:
//
//   SSH-protoversion-softwareversion SP comments CR LF
//
// > The server MAY send other lines of data before sending the version
// > string.  Each line SHOULD be terminated by a Carriage Return and Line
// > Feed.  Such lines MUST NOT begin with "SSH-" [...]
//
// RFC 4253 §5.1 (compatibility): a server that supports both protocols identifies as "1.99";
// an SSH-1 implementation sends "SSH-1.x" (x < 99).

/// The protocol version named by one identification line.
public enum SSHProtocolVersion: Sendable, Equatable {
    /// `SSH-2.0-…`
    case v2
    /// `SSH-1.99-…`: either protocol, decided by the peer.
    case v1or2
    /// `SSH-1.x-…` other than 1.99.
    case v1
    /// Something else after `SSH-`.
    case unknown

    /// Parses the protoversion field of a version line (the bytes after `SSH-` up to the next `-`).
    static func parse(_ s: Span<UInt8>, line: Range<Int>) -> SSHProtocolVersion {
        let start = line.lowerBound &+ ASCII.sshDash.count
        guard start <= line.upperBound else { return .unknown }
        let dash = s.firstIndex(of: UInt8(ascii: "-"), in: start..<line.upperBound)
        let space = s.firstIndex(of: UInt8(ascii: " "), in: start..<line.upperBound)
        var end = dash ?? line.upperBound
        if let sp = space, sp < end { end = sp }
        // Compare against the known versions byte by byte.
        func equals(_ text: [UInt8]) -> Bool {
            end &- start == text.count && s.matches(text, at: start)
        }
        if equals(Self.two) { return .v2 }
        if equals(Self.oneNinetyNine) { return .v1or2 }
        if end &- start >= 3, s.matches(Self.onePrefix, at: start) {
            for i in (start &+ 2)..<end {
                guard let b = s.u8(at: i), b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") else { return .unknown }
            }
            return .v1
        }
        return .unknown
    }

    private static let two: [UInt8] = Array("2.0".utf8)
    private static let oneNinetyNine: [UInt8] = Array("1.99".utf8)
    private static let onePrefix: [UInt8] = Array("1.".utf8)

    var supportsV2: Bool { self == .v2 || self == .v1or2 }
    var supportsV1: Bool { self == .v1 || self == .v1or2 }
}

/// Decides the connection's protocol version from the two banners (either may be missing).
///
/// SSH-1.99 pairs with either; both sides SSH-1.x (not 1.99) give 1; SSH-2.0 against SSH-1.x (nothing in
/// common) gives 1 (the lower) and the anomaly `version_mismatch`; a lone banner gives its own highest version;
/// no banner gives nil.
func agreedVersion(_ a: SSHProtocolVersion?, _ b: SSHProtocolVersion?) -> (version: Int?, mismatch: Bool) {
    func highest(_ v: SSHProtocolVersion) -> Int? {
        switch v {
        case .v2, .v1or2: return 2
        case .v1: return 1
        case .unknown: return nil
        }
    }
    switch (a, b) {
    case (nil, nil): return (nil, false)
    case (let x?, nil), (nil, let x?): return (highest(x), false)
    case (let x?, let y?):
        if x == .unknown || y == .unknown { return (highest(x == .unknown ? y : x), false) }
        if x.supportsV2 && y.supportsV2 { return (2, false) }
        if x.supportsV1 && y.supportsV1 { return (1, false) }
        return (1, true)
    }
}
