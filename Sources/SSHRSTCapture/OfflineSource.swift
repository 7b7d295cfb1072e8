import SSHRSTWire

/// Opens a capture file with the fastest reader that understands it: the
/// windowed classic-pcap reader, else libpcap (pcapng, and whenever a BPF
/// filter is given). Files and standard input compressed with gzip, zstd
/// or xz (told by their first bytes) are decompressed as they are read.
public enum OfflineSource {
    /// The first record's timestamp, to read rotated files in time order; nil when unreadable or empty.
    public static func firstTimestamp(path: String) -> Int64? {
        guard path != "-" else { return nil }
        var first: Int64? = nil
        try? read(path: path, filter: nil) { frame, _ in
            first = frame.time
            return .stop
        }
        return first
    }

    /// Calls `body` for every frame. With a `borrower`, frames of classic pcap are lent to it (it may keep
    /// their bytes until it releases them, `FrameBorrower`); libpcap's are valid only during the call.
    public static func read(path: String, filter: String?, borrower: (any FrameBorrower)? = nil,
                            _ body: (Frame, Span<UInt8>) -> ReadControl) throws(CaptureError) {
        let stream = try CaptureStream.open(path: path)
        if filter == nil, let classic = try ClassicPcapReader.open(stream: stream) {
            if let borrower { classic.lend(to: borrower) }
            try classic.forEach(body)
            return
        }
        // libpcap: by name for a plain file (as it always was), else through the stream.
        let reader = try stream.isPlainFile ? PcapOfflineReader(path: path) : PcapOfflineReader(stream: stream)
        if let filter { try reader.setFilter(filter) }
        try reader.forEach(body)
    }
}

/// A consumer that keeps frames' bytes after the read callback returned: the sharded engine's rings hold
/// them until a worker has read them, instead of copying them (a copy per frame on the reading thread cost
/// about as much as the analysis of a long flow's frame).
public protocol FrameBorrower: AnyObject {
    /// Set by the reader: the use number of the window the next frames' bytes lie in (nondecreasing);
    /// nil while frames are valid only during the call (the consumer copies them then).
    var windowUse: UInt64? { get set }
    /// Returns once no frame from windows of use number `use` or lower is held (`.max`: none at all).
    func waitForRelease(throughWindowUse use: UInt64)
}
