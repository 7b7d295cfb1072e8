import ArgumentParser
import SSHRST
import SSHRSTCapture
import SSHRSTReport

/// `--threads`: how many workers `analyze` runs the per-flow work on.
struct ThreadOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Worker threads for the per-flow work (default: one per processor online beyond the one that reads and merges, so 1 on 2 processors). Output is the same for any number, except near a full flow table (--max-flows is shared out among the threads). Standard input is read on one thread.", valueName: "n"))
    var threads: Int? = nil

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    /// The workers to use: the option, or one per processor beyond the reading thread's. The reading thread
    /// (read, dissect, copy, merge, write) keeps a processor busy: on 2 processors, 2 workers beside it were
    /// slower than one thread on every benchmark file (Scripts/bench: 0.198x against 0.323x of the libpcap
    /// floor on the 1.5 GB capture, 0.471x against 1.020x on bulk transfers) and held more memory.
    var count: Int { threads ?? max(1, WorkerThread.processorCount - 1) }
}

/// Either engine, as the read loop and the progress line use it.
protocol EngineProgress: AnyObject {
    var liveFlows: Int { get }
    var resetsSoFar: Int { get }
    func ingest(_ frame: Frame, _ bytes: Span<UInt8>)
    @discardableResult func finish(extra: [(String, JSON)]) -> JSON
}

extension Analyzer: EngineProgress {}
extension ShardedAnalyzer: EngineProgress {}
