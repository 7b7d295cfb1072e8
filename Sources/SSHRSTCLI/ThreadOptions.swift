import ArgumentParser
import SSHRST
import SSHRSTCapture
import SSHRSTReport

/// `--threads`: how many workers `analyze` runs the per-flow work on.
struct ThreadOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Threads for the per-flow work, the one that reads and merges included (default: one per processor online, at most 8). Output is the same for any number, except near a full flow table (--max-flows is shared out among the threads). Standard input is read on one thread.", valueName: "n"))
    var threads: Int? = nil

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    /// The workers to use: the option, or one per processor. The reading thread is worker 0 (a fifth of
    /// the flows with 2 threads) besides reading, dissecting and dispatching every frame and merging and
    /// writing every record. On 2 processors, 2 threads against one, same run, medians of 5 (2 for the
    /// flood), wall seconds: the 1.5 GB capture 0.88 against 1.18, short connections 0.23 against 0.33,
    /// bulk transfers 0.22 against 0.23, the SYN flood 8.6 against 9.1; peak memory 58 against 46 MiB,
    /// 51 against 32, 31 against 21, and 206 against 169 MiB on the flood (within the 64 and 256 MiB
    /// budgets since workers wait for the merger at the end of input, `ShardState.finishQueueLimit`).
    /// At most 8 by default: the reading thread's share (reading and dissecting every frame, merging and
    /// writing every record) bounds what more threads can gain, and each costs about 2.6 MiB (its ring,
    /// its engine's caches): 125 MiB with 32 threads on the short-connection file against 48 with 2.
    static let defaultLimit = 8
    var count: Int { threads ?? min(WorkerThread.processorCount, ThreadOptions.defaultLimit) }
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
