#if canImport(Glibc)
import Glibc
#endif

/// An anonymous temporary file for bytes that must wait (finished flow
/// records held back to keep first-packet order): memory stays bounded
/// whatever the capture. Calls `tmpfile`, `fwrite`, `fseeko`, `fread`.
public final class SpillFile {
    let file: UnsafeMutablePointer<FILE>?
    var end: Int = 0

    public init() {
        file = tmpfile()
    }

    deinit { if let file { fclose(file) } }

    public var isAvailable: Bool { file != nil }

    /// Appends `bytes`; returns where they are, or nil when the file is unusable.
    public func append(_ bytes: [UInt8]) -> (offset: Int, length: Int)? {
        guard let file, fseeko(file, off_t(end), SEEK_SET) == 0 else { return nil }
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        guard written == bytes.count else { return nil }
        let offset = end
        end += bytes.count
        return (offset, bytes.count)
    }

    public func read(offset: Int, length: Int) -> [UInt8]? {
        guard let file, length >= 0, fseeko(file, off_t(offset), SEEK_SET) == 0 else { return nil }
        var bytes = [UInt8](repeating: 0, count: length)
        let got = bytes.withUnsafeMutableBytes { fread($0.baseAddress, 1, length, file) }
        return got == length ? bytes : nil
    }
}
