import SSHRSTWire

/// Which endpoint sent a packet: the originator (Zeek's orig) or the responder.
public enum Direction: UInt8, Sendable {
    case originator = 0, responder = 1
    public var other: Direction { self == .originator ? .responder : .originator }
}

/// A TCP connection as Zeek sees it: two endpoints, the history string and
/// the state machine of zeek/src/packet_analysis/protocol/tcp/TCPSessionAdapter.cc,
/// from which `connState` derives Zeek's conn_state exactly as
/// scripts/base/protocols/conn/main.zeek does.
public struct TCPConnection: Sendable {
    public var originator = Endpoint()
    public var responder = Endpoint()
    /// Zeek history letters, held inline (no heap per flow); bounded
    /// (`maximumHistory`), extra letters dropped.
    public var history = HistoryLetters()
    /// Zeek's hist_seen bits: one per once-only letter, responder bits << 16.
    var historySeen: UInt32 = 0
    public var flipped = false
    public static let maximumHistory = HistoryLetters.capacity

    public init() {}

    /// Modified in place (`_modify`): an Endpoint is ~200 bytes, and get/set copies of it were a
    /// visible share of the per-packet instructions. (A plain `get` inlines to a field load where a
    /// `_read` coroutine copied.)
    public subscript(direction: Direction) -> Endpoint {
        get { direction == .originator ? originator : responder }
        _modify {
            if direction == .originator { yield &originator } else { yield &responder }
        }
    }

    /// Zeek's history mask bits (Conn.h HIST_*).
    enum HistoryBit {
        static let syn: UInt32 = 0x1
        static let fin: UInt32 = 0x2
        static let rst: UInt32 = 0x4
        static let finRst: UInt32 = 0x8
        static let ack: UInt32 = 0x10
        static let data: UInt32 = 0x20
        static let multiFlag: UInt32 = 0x40
    }

    mutating func addHistory(_ letter: UInt8, _ direction: Direction) {
        guard history.count < TCPConnection.maximumHistory else { return }
        history.append(direction == .originator ? letter : letter | 0x20)
    }

    /// Zeek's CheckHistory: adds the letter the first time, returns whether it had been seen.
    mutating func checkHistory(_ mask: UInt32, _ letter: UInt8, _ direction: Direction) -> Bool {
        let bit = direction == .originator ? mask : mask &<< 16
        if historySeen & bit == 0 {
            historySeen |= bit
            addHistory(letter, direction)
            return false
        }
        return true
    }

    /// Marks the connection as flipped (Zeek's '^').
    public mutating func markFlipped() {
        flipped = true
        history.prepend(UInt8(ascii: "^"))
    }

    /// Applies one segment from `direction`. `payloadLength` is the TCP
    /// payload length by the IP length fields.
    public mutating func apply(_ segment: TCPSegment, from direction: Direction, payloadLength: Int, at time: Int64) {
        let flags = segment.tcp.flags
        let seq = segment.tcp.seq
        self[direction].count(segment, payloadLength: payloadLength, at: time)

        updateHistory(flags: flags, seq: seq, length: payloadLength, direction: direction)
        let delta = updateLastSeq(direction, segment: segment, payloadLength: payloadLength, at: time)
        if flags.contains(.ack) && !flags.contains(.rst) { noteAckRTT(direction, at: time) }
        if segment.tcp.window == 0 && segment.tcp.hasWindow && !flags.contains(.syn) && !flags.contains(.fin)
            && !flags.contains(.rst)
        {
            if self[direction].countZeroWindow() { addHistory(UInt8(ascii: "W"), direction) }
        }
        updateState(direction, flags: flags, seq: seq, ack: segment.tcp.ack, length: payloadLength, delta: delta)
    }

    /// The common case, an ACK or data segment (no SYN, FIN or RST, window open) from an established endpoint
    /// whose history already shows that kind of segment: only counters, baselines and the sequence advance
    /// change, exactly as `apply` would change them. Returns false, having changed nothing, for anything else.
    public mutating func applySteady(_ segment: TCPSegment, from direction: Direction, payloadLength: Int, at time: Int64) -> Bool {
        let flags = segment.tcp.flags
        guard flags.rawValue & 0x17 == 0x10, segment.tcp.window != 0 else { return false }
        let mask = payloadLength > 0 ? HistoryBit.data : HistoryBit.ack
        let bit = direction == .originator ? mask : mask &<< 16
        guard historySeen & bit != 0 else { return false }
        // The two endpoints named directly: the `_modify` subscript is a coroutine call per use.
        let mark: Bool
        if direction == .originator {
            guard originator.state == .established, originator.hasSeq else { return false }
            mark = originator.countSteady(segment, payloadLength: payloadLength, at: time)
            if originator.ackAdvanceTime == time { originator.noteAckRTT(peer: responder, at: time) }
        } else {
            guard responder.state == .established, responder.hasSeq else { return false }
            mark = responder.countSteady(segment, payloadLength: payloadLength, at: time)
            if responder.ackAdvanceTime == time { responder.noteAckRTT(peer: originator, at: time) }
        }
        if mark { addHistory(UInt8(ascii: "T"), direction) }
        return true
    }

    /// A round-trip sample from `direction`'s ACK just taken (see `Endpoint.ackRTTMin`).
    mutating func noteAckRTT(_ direction: Direction, at time: Int64) {
        guard self[direction].ackAdvanceTime == time else { return }
        if direction == .originator {
            originator.noteAckRTT(peer: responder, at: time)
        } else {
            responder.noteAckRTT(peer: originator, at: time)
        }
    }

    /// Zeek's update_history (TCPSessionAdapter.cc).
    mutating func updateHistory(flags: TCPFlags, seq: UInt32, length: Int, direction: Direction) {
        let syn = flags.contains(.syn)
        let fin = flags.contains(.fin)
        let rst = flags.contains(.rst)
        let bits = (syn ? 1 : 0) + (fin ? 1 : 0) + (rst ? 1 : 0)
        if bits > 1 {
            if fin && rst {
                _ = checkHistory(HistoryBit.finRst, UInt8(ascii: "I"), direction)
            } else {
                _ = checkHistory(HistoryBit.multiFlag, UInt8(ascii: "Q"), direction)
            }
        } else if bits == 1 {
            if syn {
                let letter = flags.contains(.ack) ? UInt8(ascii: "H") : UInt8(ascii: "S")
                if checkHistory(HistoryBit.syn, letter, direction) && seq != self[direction].histLastSYN {
                    addHistory(letter, direction)
                }
                self[direction].histLastSYN = seq
            }
            if fin {
                let end = seq &+ UInt32(truncatingIfNeeded: length)
                if checkHistory(HistoryBit.fin, UInt8(ascii: "F"), direction) && end != self[direction].histLastFIN {
                    addHistory(UInt8(ascii: "F"), direction)
                }
                self[direction].histLastFIN = end
            }
            if rst {
                if checkHistory(HistoryBit.rst, UInt8(ascii: "R"), direction) && seq != self[direction].histLastRST {
                    addHistory(UInt8(ascii: "R"), direction)
                }
                self[direction].histLastRST = seq
            }
        } else if length > 0 {
            _ = checkHistory(HistoryBit.data, UInt8(ascii: "D"), direction)
        } else if flags.contains(.ack) {
            _ = checkHistory(HistoryBit.ack, UInt8(ascii: "A"), direction)
        }
    }

    /// Zeek's update_last_seq: advances SND.NXT, counts retransmissions ('T').
    mutating func updateLastSeq(_ direction: Direction, segment: TCPSegment, payloadLength: Int, at time: Int64) -> Int32 {
        let step = self[direction].advanceLastSeq(
            seq: segment.tcp.seq, flags: segment.tcp.flags, payloadLength: payloadLength, at: time)
        if step.retransmissionMark { addHistory(UInt8(ascii: "T"), direction) }
        return step.delta
    }

    mutating func setState(_ direction: Direction, _ state: EndpointState) {
        self[direction].previousState = self[direction].state
        self[direction].state = state
    }

    /// Zeek's UpdateStateMachine and its per-state helpers.
    mutating func updateState(_ direction: Direction, flags: TCPFlags, seq: UInt32, ack: UInt32, length: Int, delta: Int32) {
        let peer = direction.other
        switch self[direction].state {
        case .inactive:
            if flags.contains(.syn) {
                if direction == .originator {
                    setState(direction, flags.contains(.ack) ? .synAckSent : .synSent)
                } else {
                    if !flags.contains(.ack), self[peer].state == .synAckSent {
                        setState(peer, .established)
                    }
                    if self[peer].state == .synSent { setState(peer, .established) }
                    setState(direction, .established)
                }
            }
            if flags.contains(.fin) { setState(direction, .closed) }
            if flags.contains(.rst) { setState(direction, .reset) }
            if self[direction].state == .inactive {
                if direction == .responder && length == 0 && self[.originator].state == .synSent {
                    // An eccentric stack acking the SYN before its SYN-ACK: no state change.
                } else {
                    setState(direction, .partial)
                }
            }
        case .synSent, .synAckSent:
            if flags.contains(.fin) { setState(direction, .closed) }
            if flags.contains(.rst) { setState(direction, .reset) }
        case .established, .partial:
            if flags.contains(.syn), self[direction].state == .partial, self[peer].state == .inactive,
                !flags.contains(.ack)
            {
                setState(direction, .synSent)
            }
            if flags.contains(.fin) && !flags.contains(.rst) {
                setState(direction, .closed)
                if self[peer].state == .reset && self[peer].previousState == .closed {
                    setState(peer, .closed)
                }
            }
            if flags.contains(.rst) { setState(direction, .reset) }
        case .closed:
            if flags.contains(.rst) && self[peer].state != .closed { setState(direction, .reset) }
        case .reset:
            break
        }
    }

    /// Zeek's conn_state (scripts/base/protocols/conn/main.zeek).
    public var connState: String { connStateName.description }

    /// `connState` as constant text (written into records without making a String).
    public var connStateName: StaticString {
        let os = originator.state
        let rs = responder.state
        let originatorInactive = os == .inactive || os == .partial
        let responderInactive = rs == .inactive || rs == .partial
        if rs == .reset {
            if os == .synSent || os == .synAckSent
                || (os == .reset && originator.payloadBytes == 0 && responder.payloadBytes == 0)
            {
                return "REJ"
            }
            return originatorInactive ? "RSTRH" : "RSTR"
        }
        if os == .reset {
            if responderInactive {
                return historyMatchesRSTOS0 ? "RSTOS0" : "OTH"
            }
            return "RSTO"
        }
        if rs == .closed && os == .closed { return "SF" }
        if os == .closed { return responderInactive ? "SH" : "S2" }
        if rs == .closed { return originatorInactive ? "SHR" : "S3" }
        if os == .synSent && rs == .inactive { return "S0" }
        if os == .established && rs == .established { return "S1" }
        return "OTH"
    }

    /// `/\^?S[^HAFGIQ]*R.*/` over the history.
    var historyMatchesRSTOS0: Bool {
        var i = 0
        if history.first == UInt8(ascii: "^") { i = 1 }
        guard i < history.count, history[i] == UInt8(ascii: "S") else { return false }
        i += 1
        while i < history.count {
            let c = history[i]
            if c == UInt8(ascii: "R") { return true }
            if "HAFGIQ".utf8.contains(c) { return false }
            i += 1
        }
        return false
    }

    public var historyText: String { String(decoding: history.bytes, as: UTF8.self) }
}

/// Up to 32 history letters in four words: no allocation per flow.
public struct HistoryLetters: Sendable, Equatable, PlainASCIIText {
    public static let capacity = 32
    public static var maximumTextLength: Int { capacity }
    var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    public private(set) var count = 0

    public init() {}

    public subscript(i: Int) -> UInt8 {
        guard i >= 0, i < count else { return 0 }
        let word: UInt64
        switch i >> 3 {
        case 0: word = words.0
        case 1: word = words.1
        case 2: word = words.2
        default: word = words.3
        }
        return UInt8(truncatingIfNeeded: word >> UInt64((i & 7) * 8))
    }

    mutating func set(_ i: Int, _ value: UInt8) {
        let shift = UInt64((i & 7) * 8)
        let mask = ~(UInt64(0xff) << shift)
        let bits = UInt64(value) << shift
        switch i >> 3 {
        case 0: words.0 = words.0 & mask | bits
        case 1: words.1 = words.1 & mask | bits
        case 2: words.2 = words.2 & mask | bits
        default: words.3 = words.3 & mask | bits
        }
    }

    public mutating func append(_ letter: UInt8) {
        guard count < HistoryLetters.capacity else { return }
        set(count, letter)
        count += 1
    }

    /// Inserts at the front (Zeek's '^' for flipped roles); the last letter falls off when full.
    public mutating func prepend(_ letter: UInt8) {
        var i = min(count, HistoryLetters.capacity - 1)
        while i > 0 {
            set(i, self[i - 1])
            i -= 1
        }
        set(0, letter)
        count = min(count + 1, HistoryLetters.capacity)
    }

    public var first: UInt8? { count > 0 ? self[0] : nil }
    public var bytes: [UInt8] { (0..<count).map { self[$0] } }

    /// Writes the letters (Zeek's history alphabet and '^': nothing JSON escapes) to any ASCII output.
    @inlinable
    public func write<Output: ASCIIOutput & ~Copyable>(to out: inout Output) {
        var i = 0
        while i < count {
            out.append(self[i])
            i &+= 1
        }
    }

    /// By the words: letters are only appended or shifted up (`prepend`), so the bytes past `count` are
    /// always zero and equal words are equal letters (`bytes` made two arrays for each comparison).
    public static func == (a: HistoryLetters, b: HistoryLetters) -> Bool {
        a.count == b.count && a.words.0 == b.words.0 && a.words.1 == b.words.1 && a.words.2 == b.words.2
            && a.words.3 == b.words.3
    }
}

extension Endpoint {
    /// The per-segment counters and baselines of the sending endpoint (in place).
    @inline(__always)
    mutating func count(_ segment: TCPSegment, payloadLength: Int, at time: Int64) {
        let flags = segment.tcp.flags
        if packets == 0 { firstTime = time }
        packets &+= 1
        lastTime = time
        payloadBytes &+= payloadLength
        if flags.contains(.syn) { synCount &+= 1 }
        if flags.contains(.fin) { finCount &+= 1 }
        if flags.contains(.rst) {
            rstCount &+= 1
        } else {
            observeBaseline(segment.ip, at: time)
            if let ts = segment.tcp.timestampValue {
                timestampPackets &+= 1
                lastTSval = ts
            }
        }
        // A RST's ACK field is not counted: a forged RST would otherwise move its claimed sender's RCV.NXT
        // (and every later RST of the other side would be judged against the forger's number).
        if flags.contains(.ack) && !flags.contains(.rst) {
            if let last = lastAck {
                if seqDelta(segment.tcp.ack, last) > 0 {
                    lastAck = segment.tcp.ack
                    ackAdvanceTime = time
                }
            } else {
                lastAck = segment.tcp.ack
                ackAdvanceTime = time
            }
        }
        if flags.contains(.syn) {
            if isn == nil || state == .inactive || state == .synSent {
                isn = segment.tcp.seq
            }
            if let scale = segment.tcp.windowScale {
                windowScale = scale
                windowScaleUnknown = false
            } else if !segment.tcp.isComplete {
                windowScaleUnknown = true  // the options were cut: a window scale may have been among them
            }
        }
        // RFC 7323 §2.2: the window field of a SYN is never scaled.
        let shift = flags.contains(.syn) ? 0 : Int(windowScale ?? 0)
        if !flags.contains(.rst) {
            window = UInt32(segment.tcp.window) &<< UInt32(shift)
            windowField = segment.tcp.window
            windowUnknown = !segment.tcp.hasWindow || (windowScaleUnknown && !flags.contains(.syn))
        }
    }

    /// The general path's own `count` and `advanceLastSeq` (inlined, not a specialised copy that could drift) for
    /// an established endpoint's segment with ACK and none of SYN, FIN, RST; returns whether a retransmission
    /// reached the next 'T' threshold.
    @inline(__always)
    mutating func countSteady(_ segment: TCPSegment, payloadLength: Int, at time: Int64) -> Bool {
        count(segment, payloadLength: payloadLength, at: time)
        return advanceLastSeq(seq: segment.tcp.seq, flags: segment.tcp.flags, payloadLength: payloadLength, at: time).retransmissionMark
    }

    /// This side's ACK just advanced: when it acknowledges exactly all of the peer's bytes, the time since the
    /// peer sent the newest of them is a round-trip sample (capture point → this side → capture point).
    @inline(__always)
    mutating func noteAckRTT(peer: Endpoint, at time: Int64) {
        guard let ack = lastAck, peer.hasSeq, ack == peer.lastSeq, peer.seqAdvanceTime != 0 else { return }
        let sample = time &- peer.seqAdvanceTime
        guard sample >= 0 else { return }
        if let m = ackRTTMin, m <= sample { return }
        ackRTTMin = sample
    }

    /// Counts a zero-window segment; true when it reaches the next history threshold (1, 10, 100, ...).
    mutating func countZeroWindow() -> Bool {
        zeroWindows &+= 1
        let hit = zeroWindows == zeroWindowThreshold
        if hit { zeroWindowThreshold = zeroWindowThreshold &* 10 }
        return hit
    }

    /// Zeek's update of the endpoint's last sequence number; the delta, and whether a retransmission
    /// reached the next 'T' threshold (1, 10, 100, ...).
    @inline(__always)
    mutating func advanceLastSeq(seq: UInt32, flags: TCPFlags, payloadLength: Int, at time: Int64) -> (delta: Int32, retransmissionMark: Bool) {
        let seqLength = UInt32(truncatingIfNeeded: payloadLength)
            &+ (flags.contains(.syn) ? 1 : 0) &+ (flags.contains(.fin) ? 1 : 0)
        let onePast = seq &+ seqLength
        if !hasSeq {
            hasSeq = true
            startSeq = seq
            lastSeq = onePast
            seqAdvanceTime = time
            noteAdvance(end: onePast, at: time)
            return (1, false)
        }
        let delta = seqDelta(onePast, lastSeq)
        let tooLarge: Int32 = 1_048_576  // Zeek's TOO_LARGE_SEQ_DELTA
        if (flags.contains(.syn) || flags.contains(.rst)) && (delta > tooLarge || delta < -tooLarge) {
            // A RST or SYN far outside the sequence space is not trusted.
        } else if flags.contains(.fin) && lastSeq == startSeq &+ 1 {
            lastSeq = onePast
        } else if state == .reset {
            // Nothing after a RST is trusted.
        } else if delta > 0 {
            lastSeq = onePast
            seqAdvanceTime = time
            noteAdvance(end: onePast, at: time)
        } else if payloadLength > 0 {
            retransmissions &+= 1
            if retransmissions == retransmissionThreshold {
                retransmissionThreshold = retransmissionThreshold &* 10
                return (delta, true)
            }
        }
        return (delta, false)
    }
}
