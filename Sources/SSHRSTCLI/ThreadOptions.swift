import ArgumentParser
import SSHRST
import SSHRSTCapture
import SSHRSTReport

/// `--threads`: how many workers `analyze` runs the per-flow work on.
struct ThreadOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Threads for the per-flow work, the one that reads and merges included (default: one fewer than the processors online, so 1 on 2 processors). Output is the same for any number, except near a full flow table (--max-flows is shared out among the threads). Standard input is read on one thread.", valueName: "n"))
    var threads: Int? = nil

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    /// The workers to use: the option, or one fewer than the processors. The reading thread is worker 0
    /// (a fifth of the flows with 2 threads) besides reading, dissecting and dispatching every frame and
    /// merging and writing every record. On 2 processors, 2 threads against one, same run, medians of 5
    /// (2 for the flood), wall seconds: the 1.5 GB capture 0.88 against 1.18, short connections 0.23
    /// against 0.33, bulk transfers 0.22 against 0.23, the SYN flood 8.6 against 9.1; but peak memory
    /// 60 against 46 MiB, 50 against 32, 31 against 21 and 296 against 169 MiB (over the flood's 256 MiB
    /// budget). So one thread stays the default there, and more cores get one thread fewer than they have.
    var count: Int { threads ?? max(1, WorkerThread.processorCount - 1) }
}

/// Either engine, as the read loop and the progress line use it.
protocol EngineProgress: AnyObject {
    var liveFlows: Int { get }
    var resetsSoFar: Int { get }
    func ingest(_ frame: Frame, _ bytes: Span<UInt8>)
    @discardableResult func finish(extra: [(String, JSON)]) -> JSON
}

extension EngineProgress {
    /// Who may keep frames past the read callback (the sharded engine's rings), else nil.
    var borrower: (any FrameBorrower)? { self as? any FrameBorrower }
}

extension Analyzer: EngineProgress {}
extension ShardedAnalyzer: EngineProgress {}
