import ArgumentParser
import SSHRST
import SSHRSTCapture
import SSHRSTReport

#if canImport(Glibc)
import Glibc
#endif

struct Analyze: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Analyse pcap/pcapng files (or - for standard input) offline.",
        discussion: """
            Files and standard input compressed with gzip, zstd or xz are read as they are (told by \
            their first bytes). Files are read in the order given, as one capture (rotated tcpdump -C/-G files: a flow that \
            spans two files stays one flow). Arguments after the files that are not files form a BPF \
            filter expression, compiled by libpcap, e.g.: sshrst analyze a.pcap 'host 10.0.0.5'
            """)

    @Argument(help: ArgumentHelp("Capture files (pcap or pcapng, plain or gzip/zstd/xz-compressed; - reads standard input), then an optional BPF expression.", valueName: "file"), completion: .file())
    var inputs: [String]

    @OptionGroup var output: OutputOptions
    @OptionGroup var analysis: AnalysisOptions
    @OptionGroup var threading: ThreadOptions

    /// Splits the arguments into files and a trailing filter expression.
    func split() -> (files: [String], filter: String?) {
        var files: [String] = []
        var rest: [String] = []
        for arg in inputs {
            if !rest.isEmpty { rest.append(arg); continue }
            if Analyze.looksLikeFile(arg) { files.append(arg) } else { rest.append(arg) }
        }
        return (files, rest.isEmpty ? nil : rest.joined(separator: " "))
    }

    static func looksLikeFile(_ arg: String) -> Bool {
        if arg == "-" || arg.contains("/") { return true }
        for suffix in [".pcap", ".pcapng", ".cap", ".dmp", ".gz", ".zst", ".xz"] where arg.hasSuffix(suffix) { return true }
        var st = stat()
        return stat(arg, &st) == 0
    }

    func validate() throws {
        let (files, _) = split()
        guard !files.isEmpty else { throw ValidationError("no capture file given (use - for standard input)") }
    }

    func run() throws {
        let (given, filter) = split()
        // Several files are one capture read in time order (rotated tcpdump -C/-G
        // files): ordered by their first packet, unreadable ones keep their place last.
        let files = given.count < 2 ? given : given.enumerated()
            .map { (index: $0.offset, path: $0.element, first: OfflineSource.firstTimestamp(path: $0.element)) }
            .sorted { a, b in
                switch (a.first, b.first) {
                case let (x?, y?): return x != y ? x < y : a.index < b.index
                case (.some, nil): return true
                case (nil, .some): return false
                default: return a.index < b.index
                }
            }.map(\.path)
        // A capture on standard input is a stream (ssh host 'tcpdump -U -w -' | sshrst analyze -):
        // each flow is written, and flushed, as soon as it ends, as in live capture.
        let isStream = files.contains("-")
        let writer = try RecordWriter(options: output, live: isStream, explainFile: given.count == 1 && !isStream ? given[0] : nil)
        var configuration = analysis.configuration()
        if isStream { configuration.ordered = false }
        // Files on several threads (same output); a stream on one (records as flows end).
        if !isStream, threading.count > 1,
            let sharded = ShardedAnalyzer(configuration: configuration, threads: threading.count, sink: { writer.write($0) })
        {
            if writer.takesText { sharded.textSink = { writer.write(text: $0) } }
            try read(files, filter: filter, into: sharded)
            return
        }
        let analyzer = Analyzer(configuration: configuration) { writer.write($0) }
        if writer.takesText { analyzer.textSink = { writer.write(text: $0) } }
        try read(files, filter: filter, into: analyzer)
    }

    /// The read loop: every file into the engine (one thread or sharded), then its end.
    func read(_ files: [String], filter: String?, into analyzer: some EngineProgress) throws {
        let compressed = files.contains { CaptureStream.compression(path: $0) != nil }
        var progress = Progress(totalBytes: compressed ? 0 : files.reduce(0) { $0 + Progress.fileSize($1) })
        var failure: CaptureError? = nil
        for path in files {
            do {
                if progress.enabled {
                    try OfflineSource.read(path: path, filter: filter, borrower: analyzer.borrower) { frame, bytes in
                        analyzer.ingest(frame, bytes)
                        progress.advance(recordBytes: frame.capturedLength + 16, analyzer: analyzer)
                        return .proceed
                    }
                } else {
                    // No progress line (not a terminal): the per-packet closure touches nothing else.
                    try OfflineSource.read(path: path, filter: filter, borrower: analyzer.borrower) { frame, bytes in
                        analyzer.ingest(frame, bytes)
                        return .proceed
                    }
                }
            } catch let error {
                if error.kind == .filter {
                    printError(error.message)
                    throw ExitCode(64)
                }
                failure = error
                printError(error.description)
                break
            }
        }
        progress.clear()
        analyzer.finish(extra: [])
        if failure != nil { throw ExitCode(1) }
    }
}
