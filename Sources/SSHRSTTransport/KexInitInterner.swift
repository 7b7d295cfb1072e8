import SSHRSTBytes
import Synchronization

// Many flows send byte-identical KEXINITs (the same client or server software): decode each
// distinct one once, and compute each client/server negotiation once.

/// Remembers decoded KEXINITs by their name-list bytes (the cookie is per message and is not part of the key)
/// and RFC 4253 §7.1 outcomes by pair. Bounded: past `capacity` distinct KEXINITs (or pairs) new ones are
/// decoded every time and not remembered, and KEXINITs with more than `maximumListBytes` of name-lists (real
/// ones have 1–2 KiB; hostile ones up to the 64 KiB buffer) are never remembered, so the interner holds at most
/// capacity × 4 KiB of lists and hostile input costs time as without it, never memory. KEXINITs with bytes that
/// are not printable US-ASCII are never remembered either.
/// Not thread-safe: one per analyzer. Output is the same with or without it.
public final class KexInitInterner {
    public let capacity: Int
    public static let maximumListBytes = 4096
    private var entries: [KexListsKey: Int] = [:]
    private var decodedByID: [SharedKexInit] = []
    private var negotiations: [Int: Negotiation] = [:]
    public private(set) var hits = 0
    public private(set) var misses = 0

    public init(capacity: Int = 1024) {
        self.capacity = max(0, capacity)
    }

    /// Distinct KEXINITs remembered.
    public var count: Int { decodedByID.count }

    /// The decoded KEXINIT (shared by every flow that sent the same name-lists; the cookie is the first such
    /// message's) and its id, nil id when not remembered.
    func decode(_ stored: StoredKexInit) -> (SharedKexInit, id: Int?) {
        // Only printable US-ASCII lists: their text is exactly their bytes (see `KexListsKey`).
        guard stored.listBytes.count <= KexInitInterner.maximumListBytes, stored.printableASCII else {
            misses &+= 1
            return (SharedKexInit(stored.decoded()), nil)
        }
        // The key made when the KEXINIT was parsed, if the check cache kept one (equal keys then share their
        // text and compare by identity).
        let key = stored.listsKey ?? KexListsKey(stored)
        if let id = entries[key] {
            hits &+= 1
            return (decodedByID[id], id)
        }
        misses &+= 1
        let k = SharedKexInit(stored.decoded())
        guard decodedByID.count < capacity else { return (k, nil) }
        let id = decodedByID.count
        entries[key] = id
        decodedByID.append(k)
        return (k, id)
    }

    /// `negotiate(client:server:)`, remembered when both KEXINITs have ids.
    func negotiation(client: KexInit, clientID: Int?, server: KexInit, serverID: Int?) -> Negotiation {
        guard let c = clientID, let s = serverID else { return negotiate(client: client, server: server) }
        let pair = c &* capacity &+ s
        if let n = negotiations[pair] { return n }
        let n = negotiate(client: client, server: server)
        if negotiations.count < capacity { negotiations[pair] = n }
        return n
    }
}

/// A decoded KEXINIT held once and shared by reference: a `KexInit` copy retains and releases a dozen arrays.
public final class SharedKexInit: Sendable {
    public let value: KexInit
    public init(_ value: KexInit) { self.value = value }
}

/// KEXINIT name-lists as a dictionary key: their text, compared with one `memcmp` (String equality) instead of a
/// loop over bytes, and the list boundaries; hashed by a sample of the bytes (`SampledDigest`) and the
/// boundaries (equal keys still compare every byte).
///
/// The text is the bytes decoded as UTF-8, so two different byte strings can share a text only when both hold
/// bytes that are not valid UTF-8. Users therefore only keep keys of printable US-ASCII lists: a text made
/// only of such characters comes from exactly those bytes.
struct KexListsKey: Hashable {
    let digest: UInt64
    let text: String
    let ends: [Int]
    let follows: Bool

    init(_ k: StoredKexInit) {
        text = String(decoding: k.listBytes, as: UTF8.self)
        var h = SampledDigest.of(k.listBytes.span)
        for e in k.ends { h = (h ^ UInt64(truncatingIfNeeded: e)) &* 0x0000_0100_0000_01b3 }
        digest = k.firstKexPacketFollows ? ~h : h
        ends = k.ends
        follows = k.firstKexPacketFollows
    }

    func hash(into hasher: inout Hasher) { hasher.combine(digest) }

    static func == (a: KexListsKey, b: KexListsKey) -> Bool {
        a.digest == b.digest && a.follows == b.follows && a.ends == b.ends && a.text == b.text
    }
}

/// KEXINITs seen before (many flows send byte-identical name-lists), so a repeated one costs one hash over a
/// sample of its bytes, one `memcmp` and no copy: it shares the first one's list bytes and key, and its checks'
/// results. Keyed by `SampledDigest` of the lists as on the wire (from the first list's length through the
/// `first_kex_packet_follows` byte: equal wire bytes, equal lists); a digest shared by different bytes is
/// told apart by the compare and the newcomer is checked in full. Shared by an analyzer's flows; bounded like
/// the interner (`capacity` entries of at most `KexInitInterner.maximumListBytes` of lists), only printable
/// US-ASCII lists kept. Locked, so the sessions that hold it stay `Sendable`; used by one thread, the lock is
/// never contended.
public final class KexInitCheckCache: Sendable {
    struct Entry: Sendable {
        /// The lists as on the wire (see above): what a newcomer is compared with.
        var wire: [UInt8]
        var tooLong: Bool
        var malformed: Bool
        /// Shared with every KEXINIT that matches (not copied).
        var listBytes: [UInt8]
        var ends: [Int]
        var key: KexListsKey
    }

    public let capacity: Int
    /// Ten 4-byte lengths, the lists, the boolean.
    static let maximumWireBytes = KexInitInterner.maximumListBytes + 4 * StoredKexInit.nameListCount + 1
    private let table: Mutex<[UInt64: Entry]>

    public init(capacity: Int = 1024) {
        self.capacity = max(0, capacity)
        table = Mutex([:])
    }

    /// Entries kept.
    public var count: Int { table.withLock { $0.count } }

    /// The entry whose wire bytes are exactly `wire`, if one is kept.
    func entry(matching wire: Span<UInt8>) -> Entry? {
        guard capacity > 0, wire.count <= Self.maximumWireBytes else { return nil }
        let digest = SampledDigest.of(wire)
        return table.withLock { t in
            guard let e = t[digest], ByteCopy.equal(e.wire.span, wire) else { return nil }
            return e
        }
    }

    /// Keeps `entry` while there is room and its digest is free; true when kept.
    func remember(_ entry: Entry) -> Bool {
        guard entry.wire.count <= Self.maximumWireBytes else { return false }
        let digest = SampledDigest.of(entry.wire.span)
        return table.withLock { t in
            guard t.count < capacity, t[digest] == nil else { return false }
            t[digest] = entry
            return true
        }
    }
}
