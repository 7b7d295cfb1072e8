import ArgumentParser
import SSHRST
import SSHRSTCapture
import SSHRSTReport

#if canImport(Glibc)
import Glibc
#endif

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, jsonl, zeek
}

struct OutputOptions: ParsableArguments {
    @Option(name: .long, help: "Output format: text (default on a terminal), jsonl (JSON Lines, the default otherwise), or zeek (conn/ssh records with Zeek field names).")
    var format: OutputFormat?

    @Option(name: [.short, .long], help: ArgumentHelp("Write records to this file instead of standard output.", valueName: "file"))
    var output: String?

    @Flag(name: .long, help: "Never colour text output (NO_COLOR in the environment does the same).")
    var noColor = false

    @Flag(name: .short, help: "Text output: -v adds each distinct RST or ICMP error with its explanation, and the next steps; -vv adds every evidence line.")
    var verbose: Int

    func resolvedFormat() -> OutputFormat {
        if let format { return format }
        return output == nil && isatty(STDOUT_FILENO) == 1 ? .text : .jsonl
    }

    func useColor() -> Bool {
        !noColor && output == nil && getenv("NO_COLOR") == nil && isatty(STDOUT_FILENO) == 1
    }
}

struct AnalysisOptions: ParsableArguments {
    @Option(name: [.short, .long], help: ArgumentHelp("TCP port carrying SSH; repeatable (default 22). SSH seen by its banner on other ports is analysed too.", valueName: "port"))
    var port: [UInt16] = []

    @Option(name: .long, help: "Most flows tracked at once; the least recently active is reported and evicted beyond it.")
    var maxFlows: Int = 100_000

    @Option(name: .long, help: ArgumentHelp("Seconds without packets after which a flow is reported as it stands.", valueName: "seconds"))
    var idleTimeout: Int = 3600

    func validate() throws {
        guard maxFlows >= 1 else { throw ValidationError("--max-flows must be at least 1") }
        guard idleTimeout >= 1 else { throw ValidationError("--idle-timeout must be at least 1 second") }
        if port.contains(0) { throw ValidationError("--port must be 1...65535") }
    }

    func configuration() -> AnalyzerConfiguration {
        var c = AnalyzerConfiguration()
        if !port.isEmpty { c.sshPorts = port }
        c.maxFlows = maxFlows
        c.idleTimeout = Int64(idleTimeout) * 1_000_000_000
        return c
    }
}

/// Writes records as JSON Lines or text, flushing after each record.
final class RecordWriter {
    let format: OutputFormat
    var renderer: TextRenderer
    private(set) var file: UnsafeMutablePointer<FILE>
    let ownsFile: Bool
    /// The -o path (nil: standard output), for `reopen()`.
    let path: String?
    /// Flush after every record: live capture (records must show as flows end) and terminals. Reading a
    /// file into a pipe or file, stdio's buffer decides (a write per record cost more than parsing some).
    let flushEachRecord: Bool
    /// One buffer reused for every record's JSON.
    private var sink = ByteSink(capacity: 16384)

    /// `append`: add to an existing -o file instead of replacing it (a service restarting).
    init(options: OutputOptions, live: Bool = false, explainFile: String? = nil, append: Bool = false) throws {
        format = options.resolvedFormat()
        renderer = TextRenderer(color: options.useColor(), verbosity: options.verbose, explainFile: explainFile)
        path = options.output
        if let path = options.output {
            guard let f = fopen(path, append ? "a" : "w") else {
                throw RuntimeError("cannot write \(path): \(String(cString: strerror(errno)))")
            }
            file = f
            ownsFile = true
        } else {
            guard let f = fdopen(STDOUT_FILENO, "w") else { throw RuntimeError("cannot write standard output") }
            file = f
            ownsFile = false
        }
        flushEachRecord = live || isatty(fileno(file)) != 0
        // Batch writes (stdio's default is one write(2) per 4 KiB): a record is ~5 KiB of JSON. glibc ignores
        // the size without a buffer, so one is given; it lives as long as the process (one writer per command).
        if !flushEachRecord { setvbuf(file, RecordWriter.outputBuffer, _IOFBF, RecordWriter.outputBufferSize) }
        goodLength = ownsFile ? RecordWriter.endOffset(of: file) : 0
    }

    /// The length of an -o file just opened (0 when replaced; what it held when appending), so that a failed
    /// write cuts the file back no further than the last whole record.
    private static func endOffset(of file: UnsafeMutablePointer<FILE>) -> off_t {
        fseeko(file, 0, SEEK_END)
        return max(0, ftello(file))
    }

    static let outputBufferSize = 1 << 18
    nonisolated(unsafe) static let outputBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: outputBufferSize)

    deinit { if ownsFile { fclose(file) } else { fflush(file) } }

    /// Reopens the -o file by its path, appending (log rotation: the old file was renamed, then
    /// SIGHUP). Every record written before this call went whole to the old file (each is
    /// flushed as it is written when live, and the old file is flushed here before it is closed);
    /// every record after it goes to the file now at the path, created if missing. When the path
    /// cannot be opened, records keep going to the old file and the error is returned.
    func reopen() throws {
        guard let path, ownsFile else { return }
        fflush(file)
        guard let f = fopen(path, "a") else {
            throw RuntimeError("cannot reopen \(path): \(String(cString: strerror(errno))); records keep going to the file open before")
        }
        fclose(file)
        file = f
        if !flushEachRecord { setvbuf(file, RecordWriter.outputBuffer, _IOFBF, RecordWriter.outputBufferSize) }
        goodLength = RecordWriter.endOffset(of: file)
    }

    /// Set when a write failed (a full file system, say): one line saying so.
    /// Later records are dropped; the file keeps only whole records.
    private(set) var failure: String? = nil
    /// The file's length after the last record fully written (kept when each record is flushed).
    private var goodLength: off_t = 0

    private func failed() {
        let reason = String(cString: strerror(errno))
        let fd = fileno(file)
        // Cut a half-written record off, and send what stdio still holds to /dev/null.
        var cut = ""
        // goodLength is known only when every record is flushed as written (live capture, terminals); a
        // buffered file is left as it is rather than cut back past records that did reach it.
        if ownsFile && flushEachRecord && ftruncate(fd, goodLength) == 0 {
            cut = "; the file ends with the last whole record (\(goodLength) bytes)"
        }
        let null = open("/dev/null", O_WRONLY)
        if null >= 0 { dup2(null, fd); close(null) }
        failure = "cannot write \(path ?? "standard output"): \(reason)\(cut)"
    }

    /// Whether records may be handed over as JSON text (`write(text:)`): JSON Lines output.
    var takesText: Bool { format == .jsonl }

    func write(_ record: JSON) {
        guard failure == nil else { return }
        clearerr_unlocked(file)
        switch format {
        case .jsonl:
            if case .shared(let stored) = record {
                // Already serialized (a record that waited in the reorder buffer): written as it is.
                stored.bytes.withUnsafeBytes { put(text: $0) }
            } else {
                sink.removeAll()
                record.write(into: &sink)
                sink.withBytes { put(text: $0) }
            }
        case .text: fputs(renderer.render(record), file)
        case .zeek: for r in ZeekRenderer.render(record) { fputs(r.serialized() + "\n", file) }
        }
        recordWritten()
    }

    /// A record's JSON text, as built (JSON Lines only: `takesText`), and its newline.
    func write(text: Span<UInt8>) {
        guard failure == nil else { return }
        clearerr_unlocked(file)
        text.withUnsafeBytes { put(text: $0) }
        recordWritten()
    }

    /// A record's text and its newline, through stdio's unlocked calls (as the error checks around them):
    /// records are written by one thread only (the one that merges them), and the stream's lock, taken three
    /// times a record, cost more than copying the record.
    private func put(text: UnsafeRawBufferPointer) {
        _ = fwrite_unlocked(text.baseAddress, 1, text.count, file)
        _ = fputc_unlocked(0x0a, file)
    }

    /// After each record: flushed when live (and the file's good length kept), failures noticed.
    private func recordWritten() {
        if flushEachRecord {
            // ferror too: a write stdio made on its own (a record longer than its buffer) may have failed.
            if fflush_unlocked(file) != 0 || ferror_unlocked(file) != 0 { failed() } else if ownsFile { goodLength = ftello(file) }
        } else if ferror_unlocked(file) != 0 {
            failed()
        }
    }
}

/// Analyses one capture file with the library engine and hands every record
/// to `sink`; a capture error is printed (one line) and exits 1.
func analyzeFile(_ path: String, _ configuration: AnalyzerConfiguration, sink: @escaping (JSON) -> Void) throws {
    let analyzer = Analyzer(configuration: configuration, sink: sink)
    do {
        try OfflineSource.read(path: path, filter: nil) { frame, bytes in
            analyzer.ingest(frame, bytes)
            return .proceed
        }
    } catch let error {
        printError(error.description)
        throw ExitCode(1)
    }
    analyzer.finish()
}

extension JSON {
    /// Integer nanoseconds from a seconds value written by `JSON.seconds`.
    var nanoseconds: Int64? {
        guard case .number(let text) = self else { return nil }
        let parts = text.split(separator: ".", maxSplits: 1)
        guard let whole = Int64(parts.first ?? "") else { return nil }
        var fraction = parts.count > 1 ? String(parts[1]) : ""
        while fraction.count < 9 { fraction += "0" }
        return whole * 1_000_000_000 + (Int64(fraction.prefix(9)) ?? 0)
    }
}

/// A runtime failure: one line on standard error, exit status 1.
struct RuntimeError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// One line on standard error (written directly, unbuffered).
func printError(_ message: String) {
    let line = Array("sshrst: \(message)\n".utf8)
    line.withUnsafeBytes { raw in _ = Glibc.write(STDERR_FILENO, raw.baseAddress, raw.count) }
}
