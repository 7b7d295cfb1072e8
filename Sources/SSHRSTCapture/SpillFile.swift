#if canImport(Glibc)
import Glibc
#endif
import SSHRSTBytes

/// An anonymous temporary file for bytes that must wait (finished flow
/// records held back to keep first-packet order): memory stays bounded
/// whatever the capture.
///
/// Records are small (about a kilobyte) and a flood spills millions of them, so the file is written and
/// read in blocks, never a system call per record: appends gather in a write buffer flushed with one
/// `pwrite` per `blockSize`; a read is served from the write buffer when it has not been flushed yet, else
/// from one of `readWindows` aligned read windows of `readBlockSize` bytes, the least recently used one
/// refilled with one `pread` on a miss. Records come back in first-packet order, near the order they were
/// spilled in, so a window serves many reads; but a flow that finished late sits in a later block than its
/// neighbours in that order, and with one window each such record cost two refills (a flood read back every
/// block 2.7 times: 9.6 GB of `pread` for 2.4 GB spilled). Memory: a write block and the read windows.
public final class SpillFile {
    let descriptor: Int32
    /// Bytes on disk (everything before the write buffer).
    var flushed = 0
    var writeBuffer: [UInt8] = []
    /// A copy of the file's bytes `[start, start + length)` in `bytes`' first bytes (the array only grows:
    /// refilling it never allocates or zeroes it again), last used at `use`.
    struct ReadWindow {
        var bytes: [UInt8] = []
        var start = 0
        var length = 0
        var use = 0
    }
    var windows = [ReadWindow](repeating: ReadWindow(), count: SpillFile.readWindows)
    /// Reads served from the windows so far: the clock of `ReadWindow.use`.
    var uses = 0
    /// Window fills (`pread` batches) so far.
    public private(set) var fills = 0
    /// A write failed (full disk): nothing more is appended.
    var failed = false
    static let blockSize = 1 << 20
    static let readBlockSize = 1 << 14
    static let readWindows = 8

    public init() {
        var descriptor: Int32 = -1
        if let file = tmpfile() {
            // The FILE is only the way to an unlinked temporary file: keep a duplicate of its descriptor.
            descriptor = dup(fileno(file))
            fclose(file)
        }
        self.descriptor = descriptor
        writeBuffer.reserveCapacity(SpillFile.blockSize)
    }

    deinit { if descriptor >= 0 { close(descriptor) } }

    public var isAvailable: Bool { descriptor >= 0 && !failed }

    /// Bytes appended so far (on disk and in the write buffer): the file's length once flushed.
    public var size: Int { flushed + writeBuffer.count }

    /// Appends `bytes`; returns where they are, or nil when the file is unusable.
    public func append(_ bytes: Span<UInt8>) -> (offset: Int, length: Int)? {
        guard isAvailable else { return nil }
        if writeBuffer.count + bytes.count > SpillFile.blockSize && !writeBuffer.isEmpty {
            guard flush() else { return nil }
        }
        let offset = flushed + writeBuffer.count
        ByteCopy.append(bytes, to: &writeBuffer)
        return (offset, bytes.count)
    }

    public func append(_ bytes: [UInt8]) -> (offset: Int, length: Int)? { append(bytes.span) }

    /// Writes the write buffer out; false (and the file unusable from then on) when that fails.
    func flush() -> Bool {
        var done = 0
        let total = writeBuffer.count
        while done < total {
            let n = writeBuffer.withUnsafeBytes { raw in
                unsafe pwrite(descriptor, raw.baseAddress! + done, total - done, off_t(flushed + done))
            }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                failed = true
                return false
            }
            done += n
        }
        flushed += total
        writeBuffer.removeAll(keepingCapacity: true)
        return true
    }

    /// Lends the `length` bytes at `offset` to `body`, from the write buffer or a read window (no copy), and
    /// returns true; false, without calling `body`, when they are not in the file or cannot be read.
    public func read(offset: Int, length: Int, _ body: (Span<UInt8>) -> Void) -> Bool {
        guard descriptor >= 0, offset >= 0, length >= 0, offset + length <= flushed + writeBuffer.count else { return false }
        if offset >= flushed {
            let start = offset - flushed
            let buffer = writeBuffer  // a class's stored array is lent through a local (one retain)
            body(buffer.span.extracting(start..<(start + length)))
            return true
        }
        guard offset + length <= flushed else { return false }  // never: records are appended whole
        let chosen: Int
        if let hit = windows.firstIndex(where: { offset >= $0.start && offset + length <= $0.start + $0.length }) {
            chosen = hit
        } else {
            var oldest = 0
            for i in windows.indices where windows[i].use < windows[oldest].use { oldest = i }
            guard fill(oldest, from: offset, atLeast: length) else { return false }
            chosen = oldest
        }
        uses &+= 1
        windows[chosen].use = uses
        let start = offset - windows[chosen].start
        let window = windows[chosen].bytes
        body(window.span.extracting(start..<(start + length)))
        return true
    }

    /// The `length` bytes at `offset`, copied (nil when they are not in the file or cannot be read).
    public func read(offset: Int, length: Int) -> [UInt8]? {
        var copy: [UInt8]? = nil
        _ = read(offset: offset, length: length) { copy = ByteCopy.array($0) }
        return copy
    }

    /// Reads into window `index` the aligned block of `readBlockSize` bytes holding `[offset, offset + length)`
    /// (longer when the record crosses its end), clipped to what is on disk. Aligned, not starting at the
    /// record: a batch of spilled records is written newest first, so it is read back from its end towards
    /// its start.
    func fill(_ index: Int, from requested: Int, atLeast length: Int) -> Bool {
        let offset = requested - requested % SpillFile.readBlockSize
        let size = min(max(SpillFile.readBlockSize, requested + length - offset), flushed - offset)
        fills &+= 1
        if windows[index].bytes.count < size { windows[index].bytes = [UInt8](repeating: 0, count: size) }
        windows[index].length = 0
        var done = 0
        while done < size {
            let n = windows[index].bytes.withUnsafeMutableBytes { raw in
                unsafe pread(descriptor, raw.baseAddress! + done, size - done, off_t(offset + done))
            }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            done += n
        }
        windows[index].start = offset
        windows[index].length = size
        return true
    }
}
