#if canImport(Glibc)
import Glibc
#endif

/// An anonymous temporary file for bytes that must wait (finished flow
/// records held back to keep first-packet order): memory stays bounded
/// whatever the capture.
///
/// Records are small (about a kilobyte) and a flood spills millions of them, so the file is written and
/// read in blocks, never a system call per record: appends gather in a write buffer flushed with one
/// `pwrite` per `blockSize`; a read is served from the write buffer when it has not been flushed yet, else
/// from an aligned read window of `readBlockSize` bytes filled with one `pread` (records come back in
/// first-packet order, near the order they were spilled in, so one window serves many reads). Memory: a
/// write block and a read window.
public final class SpillFile {
    let descriptor: Int32
    /// Bytes on disk (everything before the write buffer).
    var flushed = 0
    var writeBuffer: [UInt8] = []
    /// A copy of the file's bytes `[windowStart, windowStart + windowLength)` in `window`'s first bytes (the
    /// array only grows: refilling it never allocates or zeroes it again).
    var window: [UInt8] = []
    var windowStart = 0
    var windowLength = 0
    /// A write failed (full disk): nothing more is appended.
    var failed = false
    static let blockSize = 1 << 20
    static let readBlockSize = 1 << 14

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
    public func append(_ bytes: [UInt8]) -> (offset: Int, length: Int)? {
        guard isAvailable else { return nil }
        if writeBuffer.count + bytes.count > SpillFile.blockSize && !writeBuffer.isEmpty {
            guard flush() else { return nil }
        }
        let offset = flushed + writeBuffer.count
        writeBuffer.append(contentsOf: bytes)
        return (offset, bytes.count)
    }

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

    public func read(offset: Int, length: Int) -> [UInt8]? {
        guard descriptor >= 0, offset >= 0, length >= 0, offset + length <= flushed + writeBuffer.count else { return nil }
        if offset >= flushed {
            let start = offset - flushed
            return Array(writeBuffer[start..<(start + length)])
        }
        guard offset + length <= flushed else { return nil }  // never: records are appended whole
        if offset < windowStart || offset + length > windowStart + windowLength {
            guard fill(from: offset, atLeast: length) else { return nil }
        }
        let start = offset - windowStart
        return Array(window[start..<(start + length)])
    }

    /// Reads the aligned window of `readBlockSize` bytes holding `[offset, offset + length)` (longer when the
    /// record crosses its end), clipped to what is on disk. Aligned, not starting at the record: a batch of
    /// spilled records is written newest first, so it is read back from its end towards its start.
    func fill(from requested: Int, atLeast length: Int) -> Bool {
        let offset = requested - requested % SpillFile.readBlockSize
        let size = min(max(SpillFile.readBlockSize, requested + length - offset), flushed - offset)
        if window.count < size { window = [UInt8](repeating: 0, count: size) }
        windowLength = 0
        var done = 0
        while done < size {
            let n = window.withUnsafeMutableBytes { raw in
                unsafe pread(descriptor, raw.baseAddress! + done, size - done, off_t(offset + done))
            }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            done += n
        }
        windowStart = offset
        windowLength = size
        return true
    }
}
