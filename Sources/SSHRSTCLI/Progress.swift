import SSHRST

#if canImport(Glibc)
import Glibc
#endif

/// A progress line on standard error for offline runs longer than about a
/// second: bytes done of total, packets/s, flows, resets. Only on a TTY; it
/// erases itself at the end.
struct Progress {
    let enabled: Bool
    let totalBytes: Int
    var doneBytes = 0
    var packets = 0
    var start: Int64 = 0
    var lastDraw: Int64 = 0
    var drawn = false
    /// Shown after this long (SSHRST_PROGRESS_AFTER_MS, default 1000; the CLI tests set 0 so that the check
    /// does not depend on how fast the machine is).
    let delay: Int64

    init(totalBytes: Int) {
        self.totalBytes = totalBytes
        enabled = isatty(STDERR_FILENO) == 1 && getenv("SSHRST_NO_PROGRESS") == nil
        start = Progress.now()
        let after = getenv("SSHRST_PROGRESS_AFTER_MS").flatMap { Int64(String(cString: $0)) } ?? 1_000
        delay = max(0, after) &* 1_000_000
    }

    static func now() -> Int64 {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Int64(t.tv_sec) * 1_000_000_000 + Int64(t.tv_nsec)
    }

    static func fileSize(_ path: String) -> Int {
        var st = stat()
        return stat(path, &st) == 0 ? Int(st.st_size) : 0
    }

    @inline(__always)
    mutating func advance(recordBytes: Int, analyzer: some EngineProgress) {
        guard enabled else { return }
        doneBytes &+= recordBytes
        packets &+= 1
        guard packets & 0x3fff == 0 else { return }
        let t = Progress.now()
        guard t - start >= delay, t - lastDraw > 250_000_000 else { return }
        lastDraw = t
        let seconds = Double(t - start) / 1e9
        let rate = Int(Double(packets) / seconds)
        let mb = { (b: Int) in String(b / 1_000_000) }
        let total = totalBytes > 0 ? "/\(mb(totalBytes)) MB (\(min(100, doneBytes * 100 / max(totalBytes, 1)))%)" : " MB"
        let line = "\r\u{1b}[K\(mb(doneBytes))\(total)  \(rate) pkt/s  \(analyzer.liveFlows) flows open  \(analyzer.resetsSoFar) resets"
        Progress.write(line)
        drawn = true
    }

    static func write(_ text: String) {
        let bytes = Array(text.utf8)
        bytes.withUnsafeBytes { raw in _ = Glibc.write(STDERR_FILENO, raw.baseAddress, raw.count) }
    }

    mutating func clear() {
        if drawn { Progress.write("\r\u{1b}[K") }
        drawn = false
    }
}
