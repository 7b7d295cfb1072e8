import ArgumentParser
import SSHRST
import SSHRSTCapture
import SSHRSTReport

/// `--threads`: how many workers `analyze` runs the per-flow work on.
struct ThreadOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Worker threads for the per-flow work (default: the processors online). Output is the same for any number, except near a full flow table (--max-flows is shared out among the threads). Standard input is read on one thread.", valueName: "n"))
    var threads: Int? = nil

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    /// The threads to use: the option, or the machine's processors.
    var count: Int { threads ?? WorkerThread.processorCount }
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
