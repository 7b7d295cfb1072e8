// RFC 4253 §7.1 Algorithm Negotiation:
//
//   byte         SSH_MSG_KEXINIT (20)
//   byte[16]     cookie (random bytes)
//   name-list    kex_algorithms
//   name-list    server_host_key_algorithms
//   name-list    encryption_algorithms_client_to_server
//   name-list    encryption_algorithms_server_to_client
//   name-list    mac_algorithms_client_to_server
//   name-list    mac_algorithms_server_to_client
//   name-list    compression_algorithms_client_to_server
//   name-list    compression_algorithms_server_to_client
//   name-list    languages_client_to_server
//   name-list    languages_server_to_client
//   boolean      first_kex_packet_follows
//   uint32       0 (reserved for future extension)

import SSHRSTBytes

/// A decoded SSH_MSG_KEXINIT.
///
/// Name arrays keep the wire order and keep empty entries (`"a,,b"` gives `["a", "", "b"]`, and raises
/// `name_list_malformed`); an empty name-list is `[]`. Bytes that are not printable US-ASCII are shown as `\xNN`.
/// At most `TransportLimits.maxNamesPerList` names are kept per list; `rawNameLists` is always whole.
public struct KexInit: Sendable, Equatable {
    public var cookie: [UInt8]
    public var kexAlgorithms: [String]
    public var serverHostKeyAlgorithms: [String]
    public var encryptionClientToServer: [String]
    public var encryptionServerToClient: [String]
    public var macClientToServer: [String]
    public var macServerToClient: [String]
    public var compressionClientToServer: [String]
    public var compressionServerToClient: [String]
    public var languagesClientToServer: [String]
    public var languagesServerToClient: [String]
    public var firstKexPacketFollows: Bool
    /// The 10 name-lists as comma-joined text exactly as on the wire (hassh needs the original text).
    public var rawNameLists: [String]

    public init(
        cookie: [UInt8] = [UInt8](repeating: 0, count: 16),
        kexAlgorithms: [String], serverHostKeyAlgorithms: [String],
        encryptionClientToServer: [String], encryptionServerToClient: [String],
        macClientToServer: [String], macServerToClient: [String],
        compressionClientToServer: [String], compressionServerToClient: [String],
        languagesClientToServer: [String] = [], languagesServerToClient: [String] = [],
        firstKexPacketFollows: Bool = false
    ) {
        self.cookie = cookie
        self.kexAlgorithms = kexAlgorithms
        self.serverHostKeyAlgorithms = serverHostKeyAlgorithms
        self.encryptionClientToServer = encryptionClientToServer
        self.encryptionServerToClient = encryptionServerToClient
        self.macClientToServer = macClientToServer
        self.macServerToClient = macServerToClient
        self.compressionClientToServer = compressionClientToServer
        self.compressionServerToClient = compressionServerToClient
        self.languagesClientToServer = languagesClientToServer
        self.languagesServerToClient = languagesServerToClient
        self.firstKexPacketFollows = firstKexPacketFollows
        self.rawNameLists = [
            kexAlgorithms, serverHostKeyAlgorithms, encryptionClientToServer, encryptionServerToClient,
            macClientToServer, macServerToClient, compressionClientToServer, compressionServerToClient,
            languagesClientToServer, languagesServerToClient,
        ].map { $0.joined(separator: ",") }
    }

    /// `kex-strict-c-v00@openssh.com` offered (OpenSSH strict KEX, client side; CVE-2023-48795 countermeasure).
    public var offersStrictKexClient: Bool { kexAlgorithms.contains("kex-strict-c-v00@openssh.com") }
    /// `kex-strict-s-v00@openssh.com` offered (server side).
    public var offersStrictKexServer: Bool { kexAlgorithms.contains("kex-strict-s-v00@openssh.com") }
    /// `ext-info-c` offered (RFC 8308 §2.1, client side).
    public var offersExtInfoClient: Bool { kexAlgorithms.contains("ext-info-c") }
    /// `ext-info-s` offered (RFC 8308 §2.1, server side).
    public var offersExtInfoServer: Bool { kexAlgorithms.contains("ext-info-s") }
}

/// A KEXINIT's 16-byte cookie, held in two words (no array per message).
struct KexCookie: Sendable, Equatable {
    var high: UInt64
    var low: UInt64

    /// The 16 bytes in wire order.
    var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(16)
        for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: high >> UInt64(shift))) }
        for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: low >> UInt64(shift))) }
        return out
    }
}

/// A KEXINIT as captured: its name-list bytes (one copy, or shared with an earlier identical KEXINIT), decoded
/// lazily by `summary()`.
struct StoredKexInit: Sendable {
    static let nameListCount = 10
    static let cookieLength = 16

    var cookie: KexCookie
    /// The name-lists' bytes, concatenated.
    var listBytes: [UInt8]
    /// End offset of each of the 10 lists in `listBytes` (list k spans ends[k-1] ..< ends[k]).
    var ends: [Int]
    var firstKexPacketFollows: Bool
    /// Every name-list byte is printable US-ASCII or a comma (the text of `listBytes` is exactly its bytes).
    var printableASCII = false
    /// The lists' key held by the analyzer's check cache (shared, not a copy), when it holds one.
    var listsKey: KexListsKey? = nil

    enum ParseResult {
        case ok(StoredKexInit, tooLong: Bool, malformed: Bool)
        case malformed
    }

    /// Parses the KEXINIT whose payload (starting at the message number byte) is `s[payload]`.
    /// Allocates (one copy of the name-lists) unless `cache` holds the same lists: called once per KEXINIT.
    static func parse(_ s: Span<UInt8>, payload: Range<Int>, cache: KexInitCheckCache? = nil) -> ParseResult {
        guard s.contains(range: payload) else { return .malformed }
        let end = payload.upperBound
        // Message number byte, then the cookie.
        let cookieStart = payload.lowerBound &+ 1
        guard cookieStart <= end, cookieLength <= end &- cookieStart,
              let cookie = FixedHeader.read(s, at: cookieStart, length: cookieLength, { r in KexCookie(high: r.be64(0), low: r.be64(8)) })
        else { return .malformed }
        var cursor = cookieStart &+ cookieLength
        // First pass: find the 10 ranges without allocating.
        var total = 0
        var probe = cursor
        for _ in 0..<nameListCount {
            guard let r = s.sshString(at: probe, end: end) else { return .malformed }
            total &+= r.count
            probe = r.upperBound
        }
        // boolean first_kex_packet_follows, uint32 reserved.
        guard let follows = s.u8(at: probe), probe < end, s.be32(at: probe &+ 1) != nil,
              probe &+ 5 <= end
        else { return .malformed }

        // The lists as on the wire, from the first one's length through the boolean: when the cache holds
        // these bytes, the KEXINIT shares that entry's lists and checks (no copy, no walk).
        let wire = cursor..<(probe &+ 1)
        if let cache, s.contains(range: wire), let e = cache.entry(matching: s.extracting(wire)) {
            var stored = StoredKexInit(cookie: cookie, listBytes: e.listBytes, ends: e.ends, firstKexPacketFollows: follows != 0)
            stored.printableASCII = true
            stored.listsKey = e.key
            return .ok(stored, tooLong: e.tooLong, malformed: e.malformed)
        }

        // Second pass: copy the lists (a vector copy), then check each on the copy: too many names, empty
        // names, over-long names, bytes that are not printable US-ASCII or are spaces.
        var listBytes: [UInt8] = []
        listBytes.reserveCapacity(total)
        var ends: [Int] = []
        ends.reserveCapacity(nameListCount)
        for _ in 0..<nameListCount {
            guard let r = s.sshString(at: cursor, end: end) else { return .malformed }
            s.append(r, to: &listBytes)
            ends.append(listBytes.count)
            cursor = r.upperBound
        }
        var stored = StoredKexInit(cookie: cookie, listBytes: listBytes, ends: ends, firstKexPacketFollows: follows != 0)
        var tooLong = false
        var malformed = false
        var printable = true
        do {
            let copy = stored.listBytes.span
            for k in 0..<nameListCount {
                let check = checkNameList(copy.extracting(stored.listRange(k)))
                tooLong = tooLong || check.tooLong
                malformed = malformed || check.malformed
                printable = printable && check.printable
            }
        }
        stored.printableASCII = printable
        // Only printable US-ASCII lists are kept (their key's text is exactly their bytes).
        if printable, let cache, cache.capacity > 0, listBytes.count <= KexInitInterner.maximumListBytes,
            let wireBytes = s.copyBytes(wire)
        {
            let key = KexListsKey(stored)
            let entry = KexInitCheckCache.Entry(
                wire: wireBytes, tooLong: tooLong, malformed: malformed, listBytes: listBytes, ends: ends, key: key)
            if cache.remember(entry) { stored.listsKey = key }
        }
        return .ok(stored, tooLong: tooLong, malformed: malformed)
    }

    /// One linear pass over a name-list: too many names, empty names, over-long names, bytes that are not
    /// printable US-ASCII or are spaces.
    private static func checkNameList(_ list: Span<UInt8>) -> (tooLong: Bool, malformed: Bool, printable: Bool) {
        let n = list.count
        guard n > 0 else { return (false, false, true) }
        var names = 1
        var nameStart = 0
        var longest = 0
        var emptyName = false
        // Printable US-ASCII without the space is 0x21 ... 0x7E (the comma included): any other byte sets `bad`.
        var bad = false
        var i = 0
        while i < n {
            let b = list[i]
            if b == UInt8(ascii: ",") {
                let length = i &- nameStart
                emptyName = emptyName || length == 0
                longest = Swift.max(longest, length)
                names &+= 1
                nameStart = i &+ 1
            } else if (b &- 0x21) > (0x7E - 0x21) {
                bad = true
            }
            i &+= 1
        }
        let last = n &- nameStart
        longest = Swift.max(longest, last)
        let malformed = bad || emptyName || last == 0 || longest > TransportLimits.maxAlgorithmNameLength
        return (names > TransportLimits.maxNamesPerList, malformed, !bad)
    }

    /// The bytes of list `k` (0 ..< 10).
    func listRange(_ k: Int) -> Range<Int> {
        guard k >= 0, k < ends.count else { return 0..<0 }
        let start = k == 0 ? 0 : ends[k &- 1]
        return start..<ends[k]
    }

    /// Decodes into the public value (cold path).
    func decoded() -> KexInit {
        var raw: [String] = []
        var lists: [[String]] = []
        raw.reserveCapacity(Self.nameListCount)
        lists.reserveCapacity(Self.nameListCount)
        for k in 0..<Self.nameListCount {
            let r = listRange(k)
            let bytes = listBytes[r.clamped(to: listBytes.indices)]
            raw.append(escapedText(bytes))
            lists.append(Self.splitNames(bytes))
        }
        var k = KexInit(
            cookie: cookie.bytes,
            kexAlgorithms: lists[0], serverHostKeyAlgorithms: lists[1],
            encryptionClientToServer: lists[2], encryptionServerToClient: lists[3],
            macClientToServer: lists[4], macServerToClient: lists[5],
            compressionClientToServer: lists[6], compressionServerToClient: lists[7],
            languagesClientToServer: lists[8], languagesServerToClient: lists[9],
            firstKexPacketFollows: firstKexPacketFollows)
        k.rawNameLists = raw
        return k
    }

    /// Splits a name-list on commas, keeping empty names, keeping at most `maxNamesPerList` names.
    static func splitNames(_ bytes: ArraySlice<UInt8>) -> [String] {
        guard !bytes.isEmpty else { return [] }
        var names: [String] = []
        var start = bytes.startIndex
        var i = bytes.startIndex
        while i <= bytes.endIndex {
            if i == bytes.endIndex || bytes[i] == UInt8(ascii: ",") {
                guard names.count < TransportLimits.maxNamesPerList else { break }
                names.append(escapedText(bytes[start..<i]))
                start = i &+ 1
            }
            i &+= 1
        }
        return names
    }
}
