import SSHRSTAttribution
import SSHRSTBytes
import SSHRSTCapture
import SSHRSTReport
import SSHRSTTransport
import SSHRSTWire

/// What records repeat from flow to flow, made once: decoded KEXINITs and their negotiation (through the
/// transport's interner); per pair of interned KEXINITs, the `ssh` object's runs that depend only on them
/// (a KEXINIT the interner did not keep is rendered every time); host-key objects, vantage members, `ttl`
/// objects and `next_steps` arrays. Every table is bounded. Output is byte-identical with or without the memo.
final class RecordMemo {
    let interner: KexInitInterner

    private var negotiatedText: [Int: String?] = [:]
    /// Per pair of KEXINITs (`kexPairKey`): the `ssh` object's runs that depend only on them.
    private var kexRuns = DirectMappedCache<KexRuns>(maximumSlots: 1024)
    /// Host keys by a hash of their blob (the blob compared on a hit): the `host_key` object and the SHA256 text.
    private var hostKeys = DirectMappedCache<(blob: [UInt8], algorithm: String, json: [UInt8], sha256: String)>(maximumSlots: 1024)
    private var vantages = DirectMappedCache<(vantage: Vantage, members: [UInt8])>(maximumSlots: 4096)
    /// A side's `ttl` object by its first, lowest and highest TTL.
    private var ttlObjects = DirectMappedCache<[UInt8]>(maximumSlots: 4096)
    /// The writer every record is written with, emptied before each: its memory is kept (a record's
    /// text is then copied out at its own size).
    var recordWriter = JSONWriter(capacity: 16384)
    /// Each reset object's JSON is written here first (it is kept, and may be written twice: in `resets`
    /// and as `reset`).
    var resetWriter = JSONWriter(capacity: 2048)
    /// Quiet flows' records after their endpoints, by their inputs (`QuietTailKey`).
    var quietTails = QuietTailCache()
    var quietTailHits = 0

    /// The `ssh` object's members from "client_kexinit" to "hassh_server_string", and its "strict_kex" and
    /// "ext_info" members, each without braces.
    struct KexRuns {
        var members: [UInt8]
        var flagMembers: [UInt8]
    }

    /// The diagnosis context's one-line negotiation summary for a client/server pair.
    func negotiationText(clientID: Int?, serverID: Int?, build: () -> String?) -> String? {
        guard let c = clientID, let s = serverID else { return build() }
        let pair = c &* interner.capacity &+ s
        if let t = negotiatedText[pair] { return t }
        let t = build()
        if negotiatedText.count < interner.capacity { negotiatedText[pair] = t }
        return t
    }

    /// `inferVantage`, remembered by its input (the two sides' TTL shapes), with the record's
    /// `"vantage":…,"vantage_reason":…` members rendered once.
    func vantage(_ input: VantageInput) -> (vantage: Vantage, members: [UInt8]) {
        let key = input.key
        if let v = vantages[key] { return v }
        let (vantage, reason) = inferVantageProse(input)
        let v = (vantage, RecordMemo.vantageMembers(vantage, reason))
        vantages[key] = v
        return v
    }

    /// The `ttl` member's object for a side seen with these TTLs (`{"first":…,"min":…,"max":…,"initial":…,"hops":…}`).
    func ttlObject(first: UInt8, min: UInt8, max: UInt8) -> [UInt8] {
        let key = UInt64(first) | UInt64(min) << 8 | UInt64(max) << 16
        if let t = ttlObjects[key] { return t }
        let t = RecordMemo.renderTTL(first: first, min: min, max: max)
        ttlObjects[key] = t
        return t
    }

    static func renderTTL(first: UInt8, min: UInt8, max: UInt8) -> [UInt8] {
        var w = JSONWriter(capacity: 96)
        w.beginObject()
        w.key("first"); w.int(Int(first))
        w.key("min"); w.int(Int(min))
        w.key("max"); w.int(Int(max))
        w.key("initial"); w.int(Int(initialTTL(for: first)))
        w.key("hops"); w.int(hopDistance(for: first))
        w.endObject()
        return w.bytes
    }

    static func vantageMembers(_ vantage: Vantage, _ reason: Prose) -> [UInt8] {
        var w = JSONWriter(capacity: 256)
        w.run("\"vantage\":"); w.runString(vantage.rawValue)
        w.run(",\"vantage_reason\":"); w.runString(utf8: reason.utf8)
        return w.bytes
    }

    init(capacity: Int = 1024) {
        interner = KexInitInterner(capacity: capacity)
    }

    /// hassh (client) or hasshServer (server) source string and MD5, as JSON strings.
    static func hassh(_ k: KexInit, client: Bool) -> (string: JSON, md5: JSON) {
        let s = client ? hasshString(client: k) : hasshServerString(server: k)
        return (.string(s), .string(Fingerprint.md5Hex(s)))
    }

    /// Per cause: the last `next_steps` list rendered as a JSON array. Most causes' steps are fixed text;
    /// the few that cite the client address or an idle time change from flow to flow, so the stored list is
    /// compared with the one asked for (equal literals compare by length and bytes: far cheaper than
    /// checking every byte for JSON escapes again) and rendered anew when it differs.
    /// A short list searched in order, not a dictionary: `CauseID` hashes its raw-value text (a
    /// `RawRepresentable` enum's default), which cost more than finding one of a few dozen causes by case.
    private var steps: [(cause: CauseID, list: [String], json: [UInt8])] = []

    func nextStepsJSON(_ cause: CauseID, _ list: [String]) -> [UInt8] {
        let i = steps.firstIndex(where: { $0.cause == cause })
        if let i, steps[i].list == list { return steps[i].json }
        let json = JSON.array(list.map { .string($0) }).serializedBytes()
        if let i { steps[i] = (cause, list, json) } else { steps.append((cause, list, json)) }
        return json
    }

    /// The host key's `host_key` object and `SHA256:` fingerprint (a server's key is in every flow to it).
    func hostKey(_ key: HostKey) -> (json: [UInt8], sha256: String) {
        let h = SampledDigest.of(key.blob.span)
        if let k = hostKeys[h], ByteCopy.equal(k.blob.span, key.blob.span), k.algorithm == key.algorithm { return (k.json, k.sha256) }
        let made = RecordMemo.renderHostKey(key)
        hostKeys[h] = (key.blob, key.algorithm, made.json, made.sha256)
        return made
    }

    static func renderHostKey(_ key: HostKey) -> (json: [UInt8], sha256: String) {
        let sha256 = Fingerprint.sha256(key.blob)
        var w = JSONWriter(capacity: 256)
        w.beginObject()
        w.key("algorithm"); w.string(key.algorithm)
        w.key("fingerprint"); w.string(sha256)
        w.key("fingerprint_md5"); w.string(Fingerprint.md5Colons(key.blob))
        w.endObject()
        return (w.bytes, sha256)
    }

    /// A key for a client/server pair of KEXINITs: each side absent (0) or its interner id + 1. Nil when a
    /// KEXINIT that is present has no id (not interned: rendered every time).
    func kexPairKey(client: Int??, server: Int??) -> UInt64? {
        func code(_ k: Int??) -> UInt64? {
            switch k {
            case .none: return 0
            case .some(.none): return nil
            case .some(.some(let id)): return UInt64(id) &+ 1
            }
        }
        guard let c = code(client), let s = code(server) else { return nil }
        return c << 32 | s
    }

    /// The pair's runs, rendered when not remembered (always when `key` is nil).
    func kexRuns(_ key: UInt64?, render: () -> KexRuns) -> KexRuns {
        guard let key else { return render() }
        if let runs = kexRuns[key] { return runs }
        let runs = render()
        kexRuns[key] = runs
        return runs
    }

    /// An object's members without its braces (`{"a":1}` → `"a":1`), copied into a run after a comma (`JSONWriter.runRaw`).
    static func members(_ object: [UInt8]) -> [UInt8] { Array(object.dropFirst().dropLast()) }
}

/// Slots each holding the value of one exact 64-bit key: a key maps to one slot (a multiplicative hash),
/// and a new key evicts whatever held its slot. Lookups compare the whole key, so a hit is always the value
/// stored for that key; crafted keys that share a slot only cost re-rendering. Starts small (an analyzer
/// that sees a few flows, as each fuzzer execution does, allocates little) and doubles instead of evicting,
/// or once a quarter of its slots are taken, up to `maximumSlots`: memory stays bounded, and no hashing
/// beyond one multiply.
struct DirectMappedCache<Value> {
    private var keys: [UInt64]
    private var values: [Value?]
    private var shift: UInt64
    private var taken = 0
    private let maximumSlots: Int

    /// `maximumSlots` is rounded up to a power of two.
    init(maximumSlots: Int, initialSlots: Int = 64) {
        var maximum = 1
        while maximum < maximumSlots { maximum &<<= 1 }
        self.maximumSlots = maximum
        (keys, values, shift) = DirectMappedCache.storage(Swift.min(maximum, Swift.max(2, initialSlots)))
    }

    private static func storage(_ slots: Int) -> ([UInt64], [Value?], UInt64) {
        var n = 1
        var bits: UInt64 = 0
        while n < slots { n &<<= 1; bits &+= 1 }
        return ([UInt64](repeating: 0, count: n), [Value?](repeating: nil, count: n), 64 &- Swift.max(bits, 1))
    }

    @inline(__always)
    private func slot(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) &>> shift) & (keys.count &- 1)
    }

    subscript(key: UInt64) -> Value? {
        get {
            let i = slot(key)
            guard keys[i] == key, values[i] != nil else { return nil }
            return values[i]
        }
        set {
            guard let newValue else { return }
            var i = slot(key)
            // Grow before evicting another key, or once a quarter is taken (a direct-mapped table thrashes
            // long before it is full), while below the maximum.
            while keys.count < maximumSlots && ((values[i] != nil && keys[i] != key) || taken &* 4 >= keys.count) {
                grow()
                i = slot(key)
            }
            if values[i] == nil { taken &+= 1 }
            keys[i] = key
            values[i] = newValue
        }
    }

    private mutating func grow() {
        let oldKeys = keys
        let oldValues = values
        (keys, values, shift) = DirectMappedCache.storage(keys.count &* 2)
        taken = 0
        for (i, value) in oldValues.enumerated() {
            guard let value else { continue }
            let j = slot(oldKeys[i])
            if values[j] == nil { taken &+= 1 }
            keys[j] = oldKeys[i]
            values[j] = value
        }
    }
}
