#if canImport(Glibc)
import Glibc
#endif

/// One window of a capture file mapped read-only (`mmap(2)`): the classic-pcap reader's records are read
/// where the page cache holds them, without the kernel's copy into a buffer (`read(2)` cost as much as the
/// whole analysis of a bulk transfer's packets).
///
/// A mapped file that shrinks while it is read (truncated by another process) would kill the process with
/// SIGBUS on the next access past its new end. `MappingGuard` turns that into an error: its handler maps a
/// zero page over the faulting page of a registered window and raises the flag its reader registered with
/// it, which that reader checks after every record, so the read ends with `truncatedRecord` instead of a
/// crash. Each reader has its own flag: with one flag for the process, a reader whose file shrank failed
/// every other reader of the process that was reading at the time (the tests read files in parallel).
struct MappedWindow {
    let base: UnsafeMutableRawPointer
    let length: Int

    /// Maps `length` bytes of `descriptor` from `offset` (page-aligned), or nil when mmap fails. A fault past
    /// the file's end in this window sets `truncated` to 1 (nil: the zero page only).
    static func map(descriptor: Int32, offset: Int, length: Int, truncated: UnsafeMutablePointer<UInt>?) -> MappedWindow? {
        guard length > 0 else { return nil }
        let pointer = unsafe mmap(nil, length, PROT_READ, MAP_PRIVATE | MAP_POPULATE, descriptor, off_t(offset))
        guard let pointer, pointer != MAP_FAILED else { return nil }
        let window = unsafe MappedWindow(base: pointer, length: length)
        unsafe MappingGuard.register(window, truncated: truncated)
        return window
    }

    func unmap() {
        MappingGuard.unregister(self)
        _ = unsafe munmap(base, length)
    }

    /// The window as the reader's buffer type (the reader never writes into a mapped window).
    var buffer: UnsafeMutableBufferPointer<UInt8> {
        unsafe UnsafeMutableBufferPointer(start: base.assumingMemoryBound(to: UInt8.self), count: length)
    }

    static let pageSize: Int = Int(sysconf(Int32(_SC_PAGESIZE)))
}

/// The SIGBUS guard of mapped windows (see `MappedWindow`). The table is plain memory allocated once,
/// before the handler is installed, so the handler reads no lazily initialised global.
enum MappingGuard {
    static let slots = 16

    /// `slots` triples of live windows: start and end addresses (0 when free), and the address of the flag
    /// their reader registered (0: none).
    nonisolated(unsafe) static let table: UnsafeMutablePointer<UInt> = {
        let table = UnsafeMutablePointer<UInt>.allocate(capacity: 3 * slots)
        unsafe table.initialize(repeating: 0, count: 3 * slots)
        return unsafe table
    }()
    nonisolated(unsafe) static var installed = false
    nonisolated(unsafe) static let lock: UnsafeMutablePointer<pthread_mutex_t> = {
        let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        unsafe pthread_mutex_init(lock, nil)
        return unsafe lock
    }()

    /// `truncated` must stay allocated until the window is unregistered (its reader owns both).
    static func register(_ window: MappedWindow, truncated: UnsafeMutablePointer<UInt>?) {
        unsafe pthread_mutex_lock(lock)
        defer { unsafe pthread_mutex_unlock(lock) }
        install()
        let start = unsafe UInt(bitPattern: window.base)
        for i in 0..<slots where unsafe table[3 * i] == 0 {
            unsafe table[3 * i + 1] = start &+ UInt(window.length)
            unsafe table[3 * i + 2] = UInt(bitPattern: truncated)
            unsafe table[3 * i] = start
            return
        }
        // More live windows than slots (never with one reader: at most `mappedLendingWindows`): a fault in
        // this one is not caught.
    }

    static func unregister(_ window: MappedWindow) {
        unsafe pthread_mutex_lock(lock)
        defer { unsafe pthread_mutex_unlock(lock) }
        let start = unsafe UInt(bitPattern: window.base)
        for i in 0..<slots where unsafe table[3 * i] == start {
            unsafe table[3 * i] = 0
            unsafe table[3 * i + 1] = 0
            unsafe table[3 * i + 2] = 0
            return
        }
    }

    /// Installs the handler once (called with `lock` held).
    static func install() {
        guard !installed else { return }
        installed = true
        // Both initialised before the handler can read them.
        _ = unsafe table
        _ = MappedWindow.pageSize
        var action = sigaction()
        action.__sigaction_handler.sa_sigaction = { _, info, _ in
            guard let info else { return }
            let address = unsafe UInt(bitPattern: info.pointee._sifields._sigfault.si_addr)
            let table = unsafe MappingGuard.table
            for i in 0..<MappingGuard.slots {
                let start = unsafe table[3 * i]
                let end = unsafe table[3 * i + 1]
                if start != 0 && address >= start && address < end {
                    // The file shrank under this window: zeros from here on, and its reader is told.
                    let page = address & ~UInt(MappedWindow.pageSize &- 1)
                    _ = unsafe mmap(
                        UnsafeMutableRawPointer(bitPattern: page), MappedWindow.pageSize, PROT_READ,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0)
                    if let flag = unsafe UnsafeMutablePointer<UInt>(bitPattern: table[3 * i + 2]) { unsafe flag.pointee = 1 }
                    return
                }
            }
            // Not a mapped capture: the default action (the access faults again and the process ends).
            signal(SIGBUS, SIG_DFL)
        }
        action.sa_flags = SA_SIGINFO
        sigemptyset(&action.sa_mask)
        _ = unsafe sigaction(SIGBUS, &action, nil)
    }
}
