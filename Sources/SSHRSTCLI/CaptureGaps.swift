import SSHRST
import SSHRSTCapture
import SSHRSTReport

#if canImport(Glibc)
import Glibc
#endif

/// `capture --reopen`: what happens when the interface goes down or away while
/// capturing. The open flows are reported as they stand (what follows the gap
/// cannot be joined to them), the device is opened again with backoff (100 ms
/// doubling to 5 s) until it is back or a stop signal comes, and each gap is
/// counted for the summary (`capture_gaps`, `capture_gap_seconds`) and the
/// metrics.
struct CaptureGaps {
    enum Result { case reopened, stopped, failed }

    private(set) var count = 0
    private(set) var nanoseconds: Int64 = 0

    static let firstDelay: Int64 = 100_000_000
    static let longestDelay: Int64 = 5_000_000_000

    var summaryFields: [(String, JSON)] {
        [("capture_gaps", .int(count)), ("capture_gap_seconds", .seconds(nanoseconds))]
    }

    mutating func reopen(_ capture: LiveCapture, after error: CaptureError, analyzer: Analyzer, metrics: Metrics?) -> Result {
        let lost = CaptureGaps.monotonic()
        let flows = analyzer.reportOpenFlows()
        printError("\(capture.device): capture lost: \(error.message); \(flows) open flow(s) reported as they stand; reopening (--reopen)")
        var delay = CaptureGaps.firstDelay
        var lastReason = ""
        while true {
            if LiveCapture.stopRequested { return .stopped }
            do {
                try capture.reopen()
                break
            } catch let failure {
                if failure.kind == .permission {
                    printError("\(failure.description); cannot reopen")
                    return .failed
                }
                if failure.message != lastReason {
                    printError("\(capture.device): not back yet: \(failure.message); retrying")
                    lastReason = failure.message
                }
            }
            // Sleep in short slices so a stop signal is seen at once.
            let until = CaptureGaps.monotonic() &+ delay
            while CaptureGaps.monotonic() < until && !LiveCapture.stopRequested {
                var slice = timespec(tv_sec: 0, tv_nsec: 50_000_000)
                nanosleep(&slice, nil)
            }
            delay = min(delay &* 2, CaptureGaps.longestDelay)
        }
        let gap = CaptureGaps.monotonic() &- lost
        count += 1
        nanoseconds &+= gap
        metrics?.captureGaps.increment()
        metrics?.captureGapSeconds.set(Double(nanoseconds) / 1e9)
        for warning in capture.warnings { printError("\(capture.device): warning: \(warning)") }
        printError("\(capture.device): capture reopened after \(Double(gap / 1_000_000) / 1000) s (gap \(count))")
        return .reopened
    }

    static func monotonic() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) &* 1_000_000_000 &+ Int64(now.tv_nsec)
    }
}
