import Foundation
import Prometheus
import SSHRSTReport

#if canImport(Glibc)
import Glibc
#endif

/// Prometheus metrics for live capture (`--metrics ADDR:PORT`), built with
/// swift-prometheus and served as text on GET /metrics by a small blocking
/// HTTP responder on its own thread (never on the packet path).
final class Metrics: @unchecked Sendable {
    let registry = PrometheusCollectorRegistry()
    let packets: Gauge
    let kernelReceived: Gauge
    let kernelDropped: Gauge
    let decodeErrors: Gauge
    let openFlows: Gauge
    let captureGaps: Counter
    let captureGapSeconds: Gauge
    let lock = NSLock()
    var flowCounters: [String: Counter] = [:]
    var resetCounters: [String: Counter] = [:]
    let listener: Int32

    init(address: String) throws {
        packets = registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "sshrst", metricName: "read", unitName: "packets", helpText: "Packets read from the interface."))
        kernelReceived = registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "sshrst", metricName: "kernel_received", unitName: "packets", helpText: "Packets the kernel received (pcap_stats ps_recv)."))
        kernelDropped = registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "sshrst", metricName: "kernel_dropped", unitName: "packets", helpText: "Packets the kernel dropped for lack of buffer (pcap_stats ps_drop)."))
        decodeErrors = registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "sshrst", metricName: "decode", unitName: "errors", helpText: "Frames that could not be decoded."))
        openFlows = registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "sshrst", metricName: "open", unitName: "flows", helpText: "Flows currently tracked."))
        captureGaps = registry.makeCounter(descriptor: MetricNameDescriptor(namespace: "sshrst", metricName: "capture_gaps", unitName: "total", helpText: "Times the interface went down or away and the capture was reopened (--reopen)."))
        captureGapSeconds = registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "sshrst", metricName: "capture_gap", unitName: "seconds", helpText: "Total time without a capture handle between losing the interface and reopening it."))
        for outcome in ["refused", "reset", "timeout", "closed", "open"] {
            flowCounters[outcome] = registry.makeCounter(descriptor: MetricNameDescriptor(namespace: "sshrst", metricName: "flows", unitName: "total", helpText: "SSH flows reported, by outcome."), labels: [("outcome", outcome)])
        }
        listener = try Metrics.listen(address)
        let thread = Thread { [self] in self.serve() }
        thread.start()
    }

    static func listen(_ address: String) throws -> Int32 {
        let parts = address.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let port = UInt16(parts[1]) else { throw RuntimeError("--metrics wants ADDR:PORT, got \(address)") }
        let host = parts[0].isEmpty ? "0.0.0.0" : String(parts[0])
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw RuntimeError("metrics socket: \(String(cString: strerror(errno)))") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host, &addr.sin_addr) == 1 else { throw RuntimeError("--metrics: bad IPv4 address \(host)") }
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, Glibc.listen(fd, 16) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw RuntimeError("--metrics \(address): cannot listen: \(reason)")
        }
        return fd
    }

    func serve() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 { if errno == EINTR { continue } else { return } }
            var request = [UInt8](repeating: 0, count: 4096)
            _ = request.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
            let body = registry.emitToBuffer()
            let head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
            let response = Array(head.utf8) + body
            _ = response.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            close(client)
        }
    }

    /// Counts a finished flow record: its outcome and every reset by attribution and cause.
    func count(_ record: JSON) {
        guard record["type"]?.stringValue == "flow" else { return }
        flowCounters[record["outcome"]?.stringValue ?? "open"]?.increment()
        let cause = record["diagnosis"]?["cause"]?.stringValue ?? "none"
        for reset in record["resets"]?.arrayValue ?? [] {
            let attribution = reset["attribution"]?.stringValue ?? "undetermined"
            let key = attribution + "|" + cause
            lock.lock()
            let counter = resetCounters[key] ?? registry.makeCounter(
                descriptor: MetricNameDescriptor(namespace: "sshrst", metricName: "resets", unitName: "total", helpText: "RSTs seen, by who sent them and the flow's diagnosed cause."),
                labels: [("attribution", attribution), ("cause", cause)])
            resetCounters[key] = counter
            lock.unlock()
            counter.increment()
        }
    }
}
