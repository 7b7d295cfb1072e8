import SSHRSTCapture
import SSHRSTFlow
import SSHRSTReport
import SSHRSTWire

/// `--write-resets`: copies the packets of flows that ended badly (reset,
/// refused, timed out) from the capture spool into a pcap for Wireshark.
struct ResetExtractor {
    /// Flow key -> time windows of bad flows on it.
    var windows: [FlowKey: [(Int64, Int64)]] = [:]

    static func address(_ text: String) -> IPAddress? {
        if !text.contains(":") {
            let parts = text.split(separator: ".").compactMap { UInt32($0) }
            guard parts.count == 4, parts.allSatisfy({ $0 < 256 }) else { return nil }
            return IPAddress(v4: parts[0] << 24 | parts[1] << 16 | parts[2] << 8 | parts[3])
        }
        // RFC 5952 text back to 128 bits.
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ s: String) -> [UInt16]? {
            s.isEmpty ? [] : s.split(separator: ":").map { UInt16($0, radix: 16) }.reduce(into: [UInt16]?([])) { acc, g in
                guard let g, acc != nil else { acc = nil; return }
                acc?.append(g)
            }
        }
        guard let head = groups(halves[0]), let tail = halves.count == 2 ? groups(halves[1]) : [] else { return nil }
        let fill = 8 - head.count - tail.count
        guard fill >= 0, halves.count == 2 || fill == 0 else { return nil }
        let all = head + [UInt16](repeating: 0, count: fill) + tail
        var high: UInt64 = 0
        var low: UInt64 = 0
        for i in 0..<4 { high = high << 16 | UInt64(all[i]) }
        for i in 4..<8 { low = low << 16 | UInt64(all[i]) }
        return IPAddress(v6High: high, v6Low: low)
    }

    mutating func note(_ record: JSON) {
        guard record["type"]?.stringValue == "flow",
            let outcome = record["outcome"]?.stringValue, ["reset", "refused", "timeout"].contains(outcome),
            let c = record["client"]?["ip"]?.stringValue.flatMap(ResetExtractor.address),
            let cp = record["client"]?["port"]?.intValue,
            let s = record["server"]?["ip"]?.stringValue.flatMap(ResetExtractor.address),
            let sp = record["server"]?["port"]?.intValue,
            let start = record["ts"]?.nanoseconds,
            let duration = record["duration"]?.nanoseconds
        else { return }
        let key = FlowKey.make(source: c, sourcePort: UInt16(truncatingIfNeeded: cp), destination: s, destinationPort: UInt16(truncatingIfNeeded: sp)).key
        // A little slack on both sides: the close delay and late retransmissions.
        windows[key, default: []].append((start - 1_000_000_000, start + duration + 6_000_000_000))
    }

    func matches(_ key: FlowKey, _ time: Int64) -> Bool {
        windows[key]?.contains { time >= $0.0 && time <= $0.1 } ?? false
    }

    /// Copies the matching frames of `spool` into `writer`; returns how many.
    func extract(from spool: String, into writer: PcapWriter) throws(CaptureError) -> Int {
        var written = 0
        try OfflineSource.read(path: spool, filter: nil) { frame, bytes in
            guard let d = try? Dissector.dissect(frame.linkType, bytes) else { return .proceed }
            let key: FlowKey
            switch d {
            case .tcp(let s):
                key = FlowKey.make(source: s.ip.source, sourcePort: s.tcp.sourcePort, destination: s.ip.destination, destinationPort: s.tcp.destinationPort).key
            case .icmpError(let e):
                key = FlowKey.make(source: e.quotedSource, sourcePort: e.quotedSourcePort, destination: e.quotedDestination, destinationPort: e.quotedDestinationPort).key
            case .skipped:
                return .proceed
            }
            if matches(key, frame.time) {
                writer.write(frame, bytes)
                written += 1
            }
            return .proceed
        }
        return written
    }
}
