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
    /// besides reading, dissecting every frame, merging and writing. On 2 processors, 2 threads are
    /// still not faster than one overall (same run, wall seconds: bulk transfers 0.26 against 0.19, short
    /// connections 0.28 against 0.31, the 1.5 GB capture 1.1-1.3 against 1.2-1.3, the SYN flood 10.4
    /// against 10): the reading thread's own share (the kernel's copy of the file, every frame's
    /// dissection) leaves the other thread idle much of the time.
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
