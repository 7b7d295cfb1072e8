import SSHRSTWire

/// Opens a capture file with the fastest reader that understands it: the
/// windowed classic-pcap reader, else libpcap (pcapng, standard input,
/// and whenever a BPF filter is given).
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
        if path != "-" && filter == nil {
            if let classic = try ClassicPcapReader.open(path: path) {
                try classic.forEach(body)
                return
            }
        }
        let reader = try PcapOfflineReader(path: path)
        if let filter { try reader.setFilter(filter) }
        try reader.forEach(body)
    }
}
