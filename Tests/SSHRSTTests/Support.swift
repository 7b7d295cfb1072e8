import Foundation
import SSHRST
import SSHRSTCapture
import SSHRSTReport

/// Paths relative to the package.
enum Paths {
    static let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let captures = package.appendingPathComponent("Captures")
    static let conformance = package.appendingPathComponent("Tests/Conformance/zeek")
}

/// Runs the library engine over a capture; returns all records and the capture error, if any.
/// `snap` > 0 cuts every frame to that many bytes first, as `tcpdump -s snap` would have recorded it.
func analyze(_ path: String, ports: [UInt16] = [22], maxFlows: Int = 100_000, snap: Int = 0) -> (records: [JSON], error: CaptureError?) {
    var records: [JSON] = []
    var configuration = AnalyzerConfiguration()
    configuration.sshPorts = ports
    configuration.maxFlows = maxFlows
    let analyzer = Analyzer(configuration: configuration) { records.append($0) }
    var failure: CaptureError? = nil
    do {
        try OfflineSource.read(path: path, filter: nil) { frame, bytes in
            if snap > 0 && bytes.count > snap {
                let cut = Frame(time: frame.time, capturedLength: snap, wireLength: frame.wireLength, linkType: frame.linkType)
                analyzer.ingest(cut, bytes.extracting(0..<snap))
            } else {
                analyzer.ingest(frame, bytes)
            }
            return .proceed
        }
    } catch {
        failure = error
    }
    analyzer.finish()
    return (records, failure)
}

extension JSON {
    /// Walks a dotted path ("ssh.host_key.fingerprint").
    func at(_ path: String) -> JSON? {
        var current: JSON? = self
        for part in path.split(separator: ".") { current = current?[String(part)] }
        return current
    }
}

/// Foundation JSON (expected.json, truth files) as plain Swift values.
func loadJSONObject(_ url: URL) throws -> Any {
    try JSONSerialization.jsonObject(with: Data(contentsOf: url))
}
