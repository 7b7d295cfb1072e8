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

    public static func read(path: String, filter: String?, _ body: (Frame, Span<UInt8>) -> ReadControl) throws(CaptureError) {
        let stream = try CaptureStream.open(path: path)
        if filter == nil, let classic = try ClassicPcapReader.open(stream: stream) {
            try classic.forEach(body)
            return
        }
        // libpcap: by name for a plain file (as it always was), else through the stream.
        let reader = try stream.isPlainFile ? PcapOfflineReader(path: path) : PcapOfflineReader(stream: stream)
        if let filter { try reader.setFilter(filter) }
        try reader.forEach(body)
    }
}
