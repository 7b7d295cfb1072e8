// The sockets `sshrst trace` sends its probes through: the kernel's own TCP stack, with only the IP TTL / IPv6
// unicast hop limit changed per probe (IP_TTL, IPV6_UNICAST_HOPS). No raw sockets, no spoofed sources: every
// packet sent is one the kernel's TCP would send for an ordinary connect() and write() from this host.
// This is the only file of sshrst that opens a socket that transmits; `analyze` and `capture` never use it.
#if canImport(Glibc)
import Glibc
#endif

/// A socket-level failure, with the C function that failed and strerror's text.
public struct ProbeError: Error, Sendable, CustomStringConvertible {
    public var function: String
    public var code: Int32
    public var text: String
    public var description: String { "\(function): \(text)" }

    init(_ function: String, code: Int32 = errno) {
        self.function = function
        self.code = code
        self.text = String(cString: strerror(code))
    }

    init(_ function: String, text: String) {
        self.function = function
        self.code = 0
        self.text = text
    }
}

/// An IPv4 or IPv6 address as its network-order bytes (4 or 16).
public struct ProbeAddress: Sendable, Equatable {
    public var bytes: [UInt8]
    public var isIPv6: Bool { bytes.count == 16 }

    public init?(bytes: [UInt8]) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// Resolves a host name or address literal. `family` is 4, 6 or nil (either; the first answer wins).
    /// Calls `getaddrinfo`.
    public static func resolve(_ host: String, family: Int?) throws(ProbeError) -> ProbeAddress {
        var hints = addrinfo()
        hints.ai_family = family == 4 ? AF_INET : family == 6 ? AF_INET6 : AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>? = nil
        let rc = getaddrinfo(host, nil, &hints, &result)
        guard rc == 0, let first = result else {
            throw ProbeError("getaddrinfo", text: String(cString: gai_strerror(rc)))
        }
        defer { freeaddrinfo(first) }
        var node: UnsafeMutablePointer<addrinfo>? = first
        while let n = node {
            if let sa = n.pointee.ai_addr, let address = ProbeAddress(sockaddr: sa) { return address }
            node = n.pointee.ai_next
        }
        throw ProbeError("getaddrinfo", text: "no IPv\(family ?? 4) address for \(host)")
    }

    init?(sockaddr sa: UnsafePointer<sockaddr>) {
        switch Int32(sa.pointee.sa_family) {
        case AF_INET:
            let sin = UnsafeRawPointer(sa).loadUnaligned(as: sockaddr_in.self)
            let value = sin.sin_addr.s_addr  // network order in memory
            self.bytes = withUnsafeBytes(of: value) { Array($0) }
        case AF_INET6:
            let sin6 = UnsafeRawPointer(sa).loadUnaligned(as: sockaddr_in6.self)
            self.bytes = withUnsafeBytes(of: sin6.sin6_addr) { Array($0) }
        default:
            return nil
        }
    }

    /// Calls `body` with this address and `port` as a sockaddr_in / sockaddr_in6.
    func withSockaddr<R>(port: UInt16, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        if isIPv6 {
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = port.bigEndian
            copyBytes(into: &sin6.sin6_addr)
            return ProbeAddress.asSockaddr(&sin6, body)
        }
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_port = port.bigEndian
        copyBytes(into: &sin.sin_addr)
        return ProbeAddress.asSockaddr(&sin, body)
    }

    /// The address bytes (network order) into an in_addr / in6_addr.
    private func copyBytes<Address>(into address: inout Address) {
        withUnsafeMutableBytes(of: &address) { raw in
            for (i, b) in bytes.enumerated() where i < raw.count { raw[i] = b }
        }
    }

    /// A sockaddr_in / sockaddr_in6 passed on as the generic sockaddr with its length.
    private static func asSockaddr<Socket, R>(_ socket: inout Socket, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        withUnsafePointer(to: &socket) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<Socket>.size)) }
        }
    }

    /// The source address and interface the kernel would use to reach this address: a UDP socket is connected
    /// (which sends nothing) and asked for its local name, then the interface holding that address is looked up.
    /// Calls `socket`, `connect`, `getsockname`, `getifaddrs`.
    public func route(port: UInt16) throws(ProbeError) -> (source: ProbeAddress, interface: String) {
        let fd = socket(isIPv6 ? AF_INET6 : AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw ProbeError("socket") }
        defer { close(fd) }
        let rc = withSockaddr(port: port) { connect(fd, $0, $1) }
        guard rc == 0 else { throw ProbeError("connect") }
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw ProbeError("getsockname") }
        let source = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { ProbeAddress(sockaddr: $0) }
        }
        guard let source else { throw ProbeError("getsockname", text: "no IP source address") }
        var list: UnsafeMutablePointer<ifaddrs>? = nil
        guard getifaddrs(&list) == 0, let head = list else { throw ProbeError("getifaddrs") }
        defer { freeifaddrs(head) }
        var node: UnsafeMutablePointer<ifaddrs>? = head
        while let n = node {
            if let sa = n.pointee.ifa_addr, let a = ProbeAddress(sockaddr: sa), a == source,
                let name = n.pointee.ifa_name
            {
                return (source, String(cString: name))
            }
            node = n.pointee.ifa_next
        }
        throw ProbeError("getifaddrs", text: "no interface holds the source address")
    }
}

/// One probe connection: an ordinary non-blocking TCP socket whose TTL / hop limit is set before it sends.
///
/// Calls `socket`, `setsockopt` (IP_TTL, IPV6_UNICAST_HOPS, SO_LINGER), `connect`, `getsockname`, `poll`,
/// `getsockopt` (SO_ERROR), `send`, `recv`, `close`.
public final class ProbeSocket {
    public let address: ProbeAddress
    public let port: UInt16
    let fd: Int32
    var isOpen = true
    public private(set) var localPort: UInt16 = 0

    public init(to address: ProbeAddress, port: UInt16) throws(ProbeError) {
        self.address = address
        self.port = port
        let fd = socket(address.isIPv6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw ProbeError("socket") }
        self.fd = fd
    }

    deinit { if isOpen { close(fd) } }

    /// Sets the TTL (IPv4) or unicast hop limit (IPv6) of every packet the socket sends from now on, retransmissions
    /// included; nil restores the route's default (-1).
    public func setHopLimit(_ hops: Int?) throws(ProbeError) {
        var value = Int32(hops ?? -1)
        let rc = address.isIPv6
            ? setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_UNICAST_HOPS, &value, socklen_t(MemoryLayout<Int32>.size))
            : setsockopt(fd, Int32(IPPROTO_IP), IP_TTL, &value, socklen_t(MemoryLayout<Int32>.size))
        guard rc == 0 else { throw ProbeError(address.isIPv6 ? "setsockopt(IPV6_UNICAST_HOPS)" : "setsockopt(IP_TTL)") }
    }

    /// Starts the connection (the kernel sends the SYN) and learns the local port the probe uses.
    public func startConnect() throws(ProbeError) {
        let rc = address.withSockaddr(port: port) { connect(fd, $0, $1) }
        if rc != 0 && errno != EINPROGRESS { throw ProbeError("connect") }
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw ProbeError("getsockname") }
        let raw = withUnsafeBytes(of: &storage) { Array($0.prefix(4)) }
        // sockaddr_in and sockaddr_in6 both keep the port, in network order, at bytes 2..<4.
        localPort = UInt16(raw[2]) << 8 | UInt16(raw[3])
    }

    public enum ConnectState: Sendable, Equatable {
        case pending
        case connected
        case failed(Int32)
    }

    /// Waits at most `milliseconds` for the connection to complete or fail.
    public func connectState(waiting milliseconds: Int32) -> ConnectState {
        var descriptor = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        let ready = poll(&descriptor, 1, milliseconds)
        if ready <= 0 { return .pending }
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 else { return .failed(errno) }
        return error == 0 ? .connected : .failed(error)
    }

    /// Queues `bytes` on the connection; returns how many the kernel took.
    @discardableResult
    public func send(_ bytes: [UInt8]) -> Int {
        let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        return max(0, n)
    }

    /// Reads and discards what has arrived (non-blocking), so closing does not count as unread data.
    public func drain() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        for _ in 0..<64 {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if n <= 0 { return }
        }
    }

    /// A trigger file's bytes: nil when it cannot be read, is empty, or holds more than `limit` bytes.
    /// Calls `fopen`, `fread`, `fclose`.
    public static func readTrigger(_ path: String, limit: Int) -> [UInt8]? {
        guard limit > 0, let f = fopen(path, "rb") else { return nil }
        defer { fclose(f) }
        var buffer = [UInt8](repeating: 0, count: limit + 1)
        let n = fread(&buffer, 1, buffer.count, f)
        guard n > 0, n <= limit else { return nil }
        return Array(buffer.prefix(n))
    }

    /// Ends the connection with a RST (SO_LINGER 0) at the route's default TTL, so the server frees its slot
    /// (sshd's MaxStartups) at once and nothing queued is delivered later.
    public func abort() {
        _ = try? setHopLimit(nil)
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        if isOpen { close(fd) }
        isOpen = false
    }
}
