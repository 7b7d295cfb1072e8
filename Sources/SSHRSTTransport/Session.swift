// SSHRSTTransport: a passive, incremental decoder of the cleartext part of SSH (RFC 4253; SSH-1 public key).
//
// Contract: no input can make it trap or grow memory without bound. Per segment it allocates nothing beyond
// the per-direction buffer (reserved on first use, capped by `TransportLimits.maxBufferedBytesPerDirection`,
// released after NEWKEYS) and, at most once per message of interest, a copy of a KEXINIT, host key or
// DISCONNECT text. Everything else (strings, name arrays) is built by `summary()`.

/// The TCP side that sent the bytes (originator = sender of the SYN).
public enum SSHSide: UInt8, Sendable {
    case originator = 0
    case responder = 1

    /// The other side.
    public var peer: SSHSide { self == .originator ? .responder : .originator }

    @inline(__always) var index: Int { Int(rawValue) }
}

/// What happened while ingesting one segment.
public struct TransportSignal: OptionSet, Sendable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// An identification (version) line completed.
    public static let identification = TransportSignal(rawValue: 1 << 0)
    /// An SSH_MSG_KEXINIT was decoded.
    public static let kexInit = TransportSignal(rawValue: 1 << 1)
    /// SSH_MSG_NEWKEYS (SSH-1: the key message after which this side encrypts).
    public static let newKeys = TransportSignal(rawValue: 1 << 2)
    /// A KEX message carrying a host key (or SSH-1 SSH_SMSG_PUBLIC_KEY) was seen.
    public static let kexReply = TransportSignal(rawValue: 1 << 3)
    /// A cleartext SSH_MSG_DISCONNECT.
    public static let disconnect = TransportSignal(rawValue: 1 << 4)
    /// A new anomaly was recorded.
    public static let violation = TransportSignal(rawValue: 1 << 5)
    /// The side was found not to speak SSH.
    public static let notSSH = TransportSignal(rawValue: 1 << 6)
}

/// The furthest SSH phase reached.
public enum SSHPhaseCode: UInt8, Sendable, Comparable {
    /// No SSH bytes.
    case tcp
    /// Identification lines (a banner, or server pre-banner text).
    case version
    /// A KEXINIT (SSH-1: SSH_SMSG_PUBLIC_KEY) seen; key exchange not finished.
    case kex
    /// Both sides sent NEWKEYS; or one side sent NEWKEYS and then more bytes (it only does so once the
    /// exchange completed, e.g. when the other direction is missing from the capture). SSH-1: both sides
    /// sent their key message (server public key, client session key).
    case encrypted

    public static func < (a: SSHPhaseCode, b: SSHPhaseCode) -> Bool { a.rawValue < b.rawValue }
}

/// Passive decoder of one TCP flow, both directions.
public struct SSHTransportSession: Sendable {
    var dirs: [DirectionDecoder] = [DirectionDecoder(), DirectionDecoder()]
    var streams: [StreamReassembler] = [StreamReassembler(), StreamReassembler()]
    var log = AnomalyLog()
    /// Per side, once it only counts (after its NEWKEYS): the stream's next sequence number and what was counted
    /// since, held inline so that an encrypted segment touches neither per-direction array (two heap blocks,
    /// and a uniqueness check each, per packet). Read back through `afterNewKeys(_:)`.
    var counting: (EncryptedCount?, EncryptedCount?) = (nil, nil)

    struct EncryptedCount: Sendable {
        var next: UInt32?
        var bytes = 0
        var segments = 0

        mutating func add(sequence: UInt32, length: Int) {
            let added = StreamReassembler.countOnly(next: &next, sequence: sequence, length: length)
            if added > 0 {
                bytes &+= added
                segments &+= 1
            }
        }
    }

    private func counter(_ side: SSHSide) -> EncryptedCount? { side == .originator ? counting.0 : counting.1 }

    private mutating func setCounter(_ side: SSHSide, _ c: EncryptedCount) {
        if side == .originator { counting.0 = c } else { counting.1 = c }
    }

    /// Bytes and segments `side` sent after its NEWKEYS.
    func afterNewKeys(_ side: SSHSide) -> (bytes: Int, segments: Int) {
        // Read in place: a `let` copy of the decoder retained and released every array it holds.
        let c = counter(side)
        return (dirs[side.index].bytesAfterNewKeys &+ (c?.bytes ?? 0), dirs[side.index].segmentsAfterNewKeys &+ (c?.segments ?? 0))
    }

    /// Moves a side that has just started counting to the inline counter (its stream's next sequence number
    /// goes with it; the stream is not used again).
    private mutating func armCounting(_ side: SSHSide) {
        let i = side.index
        guard counter(side) == nil, dirs[i].isEncrypted, !streams[i].hasHeldData else { return }
        setCounter(side, EncryptedCount(next: streams[i].nextSequence))
    }

    public init() {}

    /// A session whose KEXINIT name-list checks are shared through `kexCheckCache` (same results).
    public init(kexCheckCache: KexInitCheckCache?) {
        dirs[0].kexCheckCache = kexCheckCache
        dirs[1].kexCheckCache = kexCheckCache
    }

    /// Next expected TCP sequence number of the first payload byte for `side` (ISN+1), when the SYN was seen.
    /// If never called, the first payload segment seen from that side defines the start. Ignored once data was seen.
    public mutating func setStart(_ side: SSHSide, sequence: UInt32) {
        streams[side.index].setStart(sequence)
    }

    /// The TCP sequence number at which `side`'s next SSH-2 binary packet starts, when its decoder stands
    /// between packets with nothing buffered or held; nil otherwise. Where a reader of packet headers
    /// alone (a capture cut by the snap length) can take over from the decoder.
    public func packetBoundary(_ side: SSHSide) -> UInt32? {
        let i = side.index
        guard dirs[i].isAtPacketBoundary, !streams[i].hasHeldData else { return nil }
        return streams[i].nextSequence
    }

    /// One TCP segment's payload from `side`; `sequence` = TCP sequence number of its first payload byte.
    ///
    /// Bytes are delivered in order: retransmitted and overlapping bytes are dropped, out-of-order segments
    /// are held in a window of `TransportLimits.reorderWindowBytes` / `maxHeldSegments` ranges. Data that
    /// does not fit marks the direction desynchronized (`reassembly_overflow`, `stream_gap`); nothing after the
    /// hole is parsed. After that side's NEWKEYS nothing is buffered: new bytes (by sequence advance) are counted.
    @discardableResult
    public mutating func ingest(_ side: SSHSide, sequence: UInt32, payload: Span<UInt8>) -> TransportSignal {
        let i = side.index
        guard payload.count > 0 else { return [] }
        if var c = counter(side) {
            c.add(sequence: sequence, length: payload.count)
            setCounter(side, c)
            return []
        }
        if dirs[i].isEncrypted {
            let added = streams[i].countOnly(sequence: sequence, length: payload.count)
            if added > 0 { dirs[i].countEncrypted(bytes: added, segments: 1) }
            return []
        }
        if dirs[i].isStopped { return [] }
        switch streams[i].accept(sequence: sequence, payload: payload) {
        case .drop, .held:
            break
        case .overflow:
            log.add(.reassemblyOverflow)
            log.add(.streamGap)
            dirs[i].signals.insert(.violation)
            dirs[i].stop()
        case .deliver(let skip):
            let wasEncrypted = dirs[i].isEncrypted
            deliver(side, payload, skip..<payload.count)
            if !wasEncrypted, dirs[i].isEncrypted {
                // NEWKEYS inside this segment: `enter(.encrypted)` counted its trailing bytes.
            }
            streams[i].advance(by: payload.count &- skip)
            drainHeld(side)
        }
        // A side that NEWKEYS put into counting (this one, or the peer released by this side's banner).
        armCounting(.originator)
        armCounting(.responder)
        return collectSignals(side)
    }

    /// The capture ended or the flow finished: a half-received line or packet becomes `truncated_message`,
    /// an unfilled hole `stream_gap`, a lone SSH-1.99 side is parsed as SSH-2.
    public mutating func finish() {
        for side in [SSHSide.originator, .responder] {
            let i = side.index
            if streams[i].hasHeldData, !dirs[i].isEncrypted, !dirs[i].isStopped {
                log.add(.streamGap)
                dirs[i].stop()
            }
            dirs[i].finish(side: side, log: &log)
            dirs[i].signals = []
        }
    }

    /// Current furthest phase (cheap).
    /// Each decoder's fields read in place: `let o = dirs[0]` copied the decoder (retaining every array it
    /// holds) to read a few of them.
    public var phaseCode: SSHPhaseCode {
        let (o, r) = (0, 1)
        if dirs[o].newKeys && dirs[r].newKeys { return .encrypted }
        if (dirs[o].newKeys && afterNewKeys(.originator).bytes > 0) || (dirs[r].newKeys && afterNewKeys(.responder).bytes > 0) {
            return .encrypted
        }
        if dirs[o].kexInit != nil || dirs[r].kexInit != nil || dirs[o].ssh1HostKey != nil || dirs[o].newKeys
            || dirs[r].newKeys || dirs[r].ssh1HostKey != nil { return .kex }
        if dirs[o].banner != nil || dirs[r].banner != nil { return .version }
        if (dirs[o].preambleLineCount > 0 && !dirs[o].nonSSH) || (dirs[r].preambleLineCount > 0 && !dirs[r].nonSSH) {
            return .version
        }
        return .tcp
    }

    // MARK: Internals

    private mutating func deliver(_ side: SSHSide, _ bytes: Span<UInt8>, _ range: Range<Int>) {
        let i = side.index
        let peerIndex = side.peer.index
        let peerVersion = dirs[peerIndex].version
        let hadBanner = dirs[i].banner != nil
        dirs[i].feed(bytes, range: range, side: side, peer: peerVersion, log: &log)
        if !hadBanner, dirs[i].banner != nil {
            let mine = dirs[i].version
            dirs[peerIndex].peerVersionKnown(mine, side: side.peer, log: &log)
        }
    }

    private mutating func drainHeld(_ side: SSHSide) {
        let i = side.index
        while let ready = streams[i].takeReady() {
            if dirs[i].isEncrypted {
                let n = ready.first.count &+ ready.second.count
                dirs[i].countEncrypted(bytes: n, segments: 1)
            } else if !dirs[i].isStopped {
                let peerIndex = side.peer.index
                let peerVersion = dirs[peerIndex].version
                let hadBanner = dirs[i].banner != nil
                let ring = streams[i].takeRing()
                dirs[i].feed(ring.span, range: ready.first, side: side, peer: peerVersion, log: &log)
                dirs[i].feed(ring.span, range: ready.second, side: side, peer: peerVersion, log: &log)
                streams[i].restoreRing(ring)
                if !hadBanner, dirs[i].banner != nil {
                    let mine = dirs[i].version
                    dirs[peerIndex].peerVersionKnown(mine, side: side.peer, log: &log)
                }
            }
            streams[i].advance(by: ready.first.count &+ ready.second.count)
        }
        if dirs[i].isEncrypted, streams[i].hasHeldData {
            let skipped = streams[i].dropHeld()
            if skipped > 0 { dirs[i].countEncrypted(bytes: skipped, segments: 1) }
        }
    }

    private mutating func collectSignals(_ side: SSHSide) -> TransportSignal {
        var s = dirs[side.index].signals
        dirs[side.index].signals = []
        // A banner may have released the peer's SSH-1.99 wait and produced its signals.
        s.formUnion(dirs[side.peer.index].signals)
        dirs[side.peer.index].signals = []
        return s
    }
}
