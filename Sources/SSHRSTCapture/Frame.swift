import SSHRSTWire

/// Capture time in integer nanoseconds since the Unix epoch.
public typealias CaptureTime = Int64

/// One captured frame's record header. The bytes travel beside it as a
/// `Span<UInt8>` that is valid only during the callback.
public struct Frame: Sendable {
    public var time: CaptureTime
    public var capturedLength: Int
    public var wireLength: Int
    public var linkType: LinkType

    public init(time: CaptureTime, capturedLength: Int, wireLength: Int, linkType: LinkType) {
        self.time = time
        self.capturedLength = capturedLength
        self.wireLength = wireLength
        self.linkType = linkType
    }
}

/// A capture-level failure: the file or device cannot be used (further).
public struct CaptureError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case open, notACapture, truncatedHeader, truncatedRecord, corruptRecord, unsupportedLinkType
        case read, activate, filter, permission, noSuchDevice, write
    }
    public var kind: Kind
    public var source: String
    public var message: String

    public init(_ kind: Kind, source: String, _ message: String) {
        self.kind = kind
        self.source = source
        self.message = message
    }

    public var description: String { "\(source): \(message)" }
}

/// What a frame callback tells the reader.
public enum ReadControl: Sendable { case proceed, stop }
