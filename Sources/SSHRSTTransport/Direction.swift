// One direction of an SSH connection, fed in-order bytes: identification lines, then cleartext
// binary packets until that side's NEWKEYS, then byte counting only.
//
// RFC 4253 §6 Binary Packet Protocol (before the first NEWKEYS there is no MAC and no encryption):
//
//   uint32    packet_length      (bytes after this field, MAC excluded)
//   byte      padding_length
//   byte[n1]  payload; n1 = packet_length - padding_length - 1
//   byte[n2]  random padding; n2 = padding_length
//
// SSH-1 (draft-ylonen-ssh-protocol-00 "The SSH (Secure Shell) Remote Login Protocol", packet format):
//
//   uint32    length             (type + data + CRC, padding excluded)
//   byte[p]   padding; p = 8 - (length mod 8)
//   byte      packet type
//   byte[n]   data; n = length - 5
//   uint32    CRC-32 of padding, type and data
//
// Invariants: `head <= buf.count`; `buf.count - head <= TransportLimits.maxBufferedBytesPerDirection`
// (checked before every append); nothing is buffered once `mode` is `.encrypted` or `.stopped`.

/// Message numbers (RFC 4250 §4.1.2 and the KEX method RFCs).
enum MessageNumber {
    static let disconnect: UInt8 = 1
    static let kexInit: UInt8 = 20
    static let newKeys: UInt8 = 21
    /// KEXDH_INIT / KEX_ECDH_INIT / hybrid INIT / old GEX request (client) — or RFC 4432 KEXRSA_PUBKEY (server).
    static let kex30: UInt8 = 30
    /// KEXDH_REPLY / KEX_ECDH_REPLY / hybrid REPLY (server, host key) — or KEX_DH_GEX_GROUP (server, no key).
    static let kex31: UInt8 = 31
    /// KEX_DH_GEX_INIT (client).
    static let kex32: UInt8 = 32
    /// KEX_DH_GEX_REPLY (server, host key).
    static let kex33: UInt8 = 33
    /// KEX_DH_GEX_REQUEST (client).
    static let kex34: UInt8 = 34
}

/// SSH-1 packet types (draft-ylonen-ssh-protocol-00 §"Packet types").
enum SSH1MessageType {
    static let disconnect: UInt8 = 1
    static let smsgPublicKey: UInt8 = 2
    static let cmsgSessionKey: UInt8 = 3
}

struct DirectionDecoder: Sendable {
    enum Mode: Equatable, Sendable {
        /// Reading lines until the `SSH-` line.
        case identification
        /// Own banner is SSH-1.99: the packet format follows the peer's banner, not yet seen.
        case waitingForPeerVersion
        /// Reading binary packets (`framing`).
        case packets
        /// A text line where a binary packet should start (sshd's "Invalid SSH identification string.",
        /// "Protocol major versions differ."): read up to LF, kept, then parsing stops.
        case textLine
        /// Discarding `skipRemaining` bytes of a packet too large to buffer, then `afterSkip`.
        case skipping
        /// After this side's NEWKEYS (SSH-1: its key message): bytes are only counted.
        case encrypted
        /// Parsing stopped (non-SSH bytes, malformed input, a stream gap).
        case stopped
    }

    enum Framing: Sendable { case ssh2, ssh1 }

    private(set) var mode = Mode.identification
    private(set) var framing = Framing.ssh2
    private var skipRemaining = 0
    private var afterSkip = Mode.packets

    private var buf: [UInt8] = []
    private var head = 0
    /// Offset from `head` up to which the current line has been scanned for LF.
    private var lineScanned = 0
    /// The current line contains a control byte (seen during scanning).
    private var lineHasControl = false

    // Identification.
    private(set) var banner: [UInt8]?
    private(set) var version: SSHProtocolVersion?
    private(set) var preambleBytes: [UInt8] = []
    private(set) var preambleEnds: [Int] = []
    private(set) var preambleLineCount = 0
    private(set) var nonSSH = false
    /// A text line sent where a binary packet should start (see `Mode.textLine`).
    private(set) var textAfterBanner: [UInt8]?
    /// Any byte delivered at all.
    private(set) var sawBytes = false

    // Cleartext messages.
    private(set) var kexInit: StoredKexInit?
    private(set) var newKeys = false
    /// Bit `t` set when a message of type t (< 64) was sent in cleartext.
    private(set) var sentTypes: UInt64 = 0
    /// Host-key blobs found as the first string of messages 30 / 31 / 33 (index 0, 1, 2), when well formed.
    private(set) var keyBlobs: [[UInt8]?] = [nil, nil, nil]
    /// Messages 30 / 31 / 33 whose first field was not a well-formed key blob.
    private(set) var malformedKeyMessages: UInt8 = 0
    private(set) var ssh1HostKey: [UInt8]?
    private(set) var disconnect: (code: UInt32, description: [UInt8])?

    // After NEWKEYS.
    private(set) var bytesAfterNewKeys = 0
    private(set) var segmentsAfterNewKeys = 0

    /// Signals raised since the session last collected them.
    var signals: TransportSignal = []
    /// Name-list checks shared with other flows (nil: every KEXINIT is walked).
    var kexCheckCache: KexInitCheckCache? = nil

    var isEncrypted: Bool { mode == .encrypted }
    /// Between two SSH-2 binary packets with nothing buffered: the next byte starts a packet.
    var isAtPacketBoundary: Bool { mode == .packets && framing == .ssh2 && buf.count == head }
    var isStopped: Bool { mode == .stopped }

    // MARK: Feeding

    /// Feeds the in-order bytes `input[range]` (the range is clamped to the span).
    mutating func feed(_ input: Span<UInt8>, range: Range<Int>, side: SSHSide,
                       peer: SSHProtocolVersion?, log: inout AnomalyLog) {
        var offset = Swift.max(range.lowerBound, 0)
        let end = Swift.min(range.upperBound, input.count)
        guard offset < end else { return }
        sawBytes = true
        while offset < end {
            switch mode {
            case .stopped:
                return
            case .encrypted:
                bytesAfterNewKeys &+= end &- offset
                return
            case .skipping:
                let k = Swift.min(skipRemaining, end &- offset)
                offset &+= k
                skipRemaining &-= k
                if skipRemaining == 0 { enter(afterSkip) }
            case .identification, .waitingForPeerVersion, .packets, .textLine:
                let buffered = buf.count &- head
                let room = TransportLimits.maxBufferedBytesPerDirection &- buffered
                guard room > 0 else {
                    // Unreachable by construction (lines and packets are capped below the buffer size);
                    // kept so that a logic error degrades into an anomaly instead of unbounded memory.
                    log.add(.reassemblyOverflow)
                    stop()
                    return
                }
                if buf.capacity == 0 { buf.reserveCapacity(TransportLimits.initialBufferCapacity) }
                let k = Swift.min(room, end &- offset)
                input.append(offset..<(offset &+ k), to: &buf)
                offset &+= k
                process(side: side, peer: peer, log: &log)
                compact()
            }
        }
    }

    /// The peer's banner became known: a direction waiting to choose its packet format can go on.
    mutating func peerVersionKnown(_ peer: SSHProtocolVersion?, side: SSHSide, log: inout AnomalyLog) {
        guard mode == .waitingForPeerVersion else { return }
        process(side: side, peer: peer, log: &log)
        compact()
    }

    /// End of the flow: finalise whatever is half-received.
    mutating func finish(side: SSHSide, log: inout AnomalyLog) {
        switch mode {
        case .identification:
            let pending = buf.count &- head
            guard pending > 0 else { break }
            let bytes = buf
            let isVersionLine = bytes.span.matches(ASCII.sshDash, at: head)
            if isVersionLine {
                takeBanner(lineEnd: buf.count, log: &log)
                log.add(.bannerUnterminated)
            } else if isPrefixOfSSHDash(bytes.span, head, pending) {
                // "SSH" cut short: a truncated version line, not evidence of another protocol.
                storePreambleLine(head..<buf.count)
                log.add(.truncatedMessage)
            } else {
                storePreambleLine(head..<buf.count)
                if side == .originator || lineHasControl {
                    markNotSSH(log: &log)
                } else {
                    log.add(.truncatedMessage)
                }
            }
        case .waitingForPeerVersion:
            // The peer's banner never came: a 1.99 side then speaks SSH-2 (the only format it can start alone).
            process(side: side, peer: .v2, log: &log)
            if buf.count &- head > 0, mode == .packets { log.add(.truncatedMessage) }
        case .textLine:
            takeTextLine(end: buf.count)
        case .packets, .skipping:
            if buf.count &- head > 0 || mode == .skipping { log.add(.truncatedMessage) }
        case .encrypted, .stopped:
            break
        }
        mode = mode == .encrypted ? .encrypted : .stopped
        release()
    }

    /// Stops parsing this direction (e.g. after a stream gap).
    mutating func stop() {
        mode = .stopped
        release()
    }

    /// Counts a segment that carried bytes after NEWKEYS.
    mutating func countEncrypted(bytes: Int, segments: Int) {
        bytesAfterNewKeys &+= bytes
        segmentsAfterNewKeys &+= segments
    }

    // MARK: Driving

    private mutating func process(side: SSHSide, peer: SSHProtocolVersion?, log: inout AnomalyLog) {
        while true {
            switch mode {
            case .identification:
                guard stepLine(side: side, log: &log) else { return }
            case .waitingForPeerVersion:
                if let peer {
                    framing = peer == .v1 ? .ssh1 : .ssh2
                    mode = .packets
                } else if buf.count &- head >= TransportLimits.maxBufferedBytesPerDirection {
                    // Cannot wait any longer: assume SSH-2 (a 1.99 server only sends first in SSH-2).
                    framing = .ssh2
                    mode = .packets
                } else {
                    return
                }
            case .packets:
                if startsWithText() {
                    mode = .textLine
                    violation(.textAfterBanner, log: &log, stopping: false)
                    continue
                }
                let more = framing == .ssh2 ? stepSSH2(log: &log) : stepSSH1(log: &log)
                guard more else { return }
            case .textLine:
                let bytes = buf
                let lf = bytes.span.firstIndex(of: 0x0A, in: head..<buf.count)
                if let lf {
                    takeTextLine(end: lf)
                } else if buf.count &- head >= TransportLimits.maxIdentificationLineLength {
                    takeTextLine(end: buf.count)
                }
                return
            case .skipping:
                // Discard what is already buffered of the skipped packet.
                let buffered = buf.count &- head
                let k = Swift.min(buffered, skipRemaining)
                head &+= k
                skipRemaining &-= k
                if skipRemaining == 0 { enter(afterSkip) } else { return }
            case .encrypted, .stopped:
                return
            }
        }
    }

    private mutating func enter(_ next: Mode) {
        switch next {
        case .encrypted:
            mode = .encrypted
            let leftover = buf.count &- head
            if leftover > 0 {
                // Bytes after NEWKEYS already in hand (e.g. PuTTY sends NEWKEYS and the first
                // encrypted packet in one segment). Counted as one segment.
                bytesAfterNewKeys &+= leftover
                segmentsAfterNewKeys &+= 1
            }
            release()
        case .stopped:
            stop()
        default:
            mode = next
        }
    }

    private mutating func release() {
        buf = []
        head = 0
        lineScanned = 0
    }

    /// Drops consumed bytes so the buffer never grows past its cap (O(remaining) <= 64 KiB, only when something was consumed).
    private mutating func compact() {
        guard head > 0 else { return }
        if head >= buf.count {
            buf.removeAll(keepingCapacity: true)
        } else {
            buf.removeSubrange(0..<head)
        }
        head = 0
    }

    private mutating func markNotSSH(log: inout AnomalyLog) {
        nonSSH = true
        signals.insert(.notSSH)
        if log.add(.notSSH) { signals.insert(.violation) }
        stop()
    }

    private mutating func violation(_ a: TransportAnomaly, log: inout AnomalyLog, stopping: Bool) {
        if log.add(a) { signals.insert(.violation) }
        if stopping { stop() }
    }

    // MARK: Identification lines

    /// Handles at most one line; returns true when it consumed one and parsing may continue.
    private mutating func stepLine(side: SSHSide, log: inout AnomalyLog) -> Bool {
        var lf: Int?
        do {
            let bytes = buf
            let s = bytes.span
            var i = head &+ lineScanned
            while i < buf.count {
                guard let b = s.u8(at: i) else { break }
                if b == 0x0A {
                    lf = i
                    break
                }
                if (b < 0x20 && b != 0x09 && b != 0x0D) || b == 0x7F { lineHasControl = true }
                i &+= 1
            }
            lineScanned = i &- head
        }
        let lineEnd = lf ?? buf.count
        let length = lineEnd &- head
        // Is it the version line? Decided once 4 bytes (or the whole line) are here.
        let prefixLength = ASCII.sshDash.count
        let decided = length >= prefixLength || lf != nil
        let bytes = buf
        let isVersionLine = length >= prefixLength && bytes.span.matches(ASCII.sshDash, at: head)
        let couldBeVersionLine = isPrefixOfSSHDash(bytes.span, head, length)
        let looksHTTP = bytes.span.matches(ASCII.httpSlash, at: head)
        if !decided {
            // Bytes that cannot start "SSH-" and are not text already tell us enough.
            if side == .originator, length > 0, !couldBeVersionLine {
                storePreambleLine(head..<lineEnd)
                markNotSSH(log: &log)
            }
            return false
        }
        if isVersionLine {
            guard let lf else {
                if length > TransportLimits.maxPreambleLineLength {
                    violation(.bannerTooLong, log: &log, stopping: true)
                }
                return false
            }
            takeBanner(lineEnd: lf, log: &log)
            head = lf &+ 1
            lineScanned = 0
            lineHasControl = false
            afterBanner(log: &log)
            return true
        }
        // Not a version line.
        // RFC 4253 §4.2 lets only the server send other lines first; the originator is taken to be the
        // client here (the SSH client is decided later from message directions). Binary bytes and an
        // HTTP status line are not SSH from either side.
        if side == .originator || lineHasControl || looksHTTP {
            if lf != nil || lineHasControl || looksHTTP || length >= TransportLimits.notSSHDecisionBytes {
                storePreambleLine(head..<lineEnd)
                markNotSSH(log: &log)
            }
            return false
        }
        guard let lf else {
            if length > TransportLimits.maxPreambleLineLength {
                storePreambleLine(head..<lineEnd)
                violation(.lineTooLong, log: &log, stopping: true)
            }
            return false
        }
        storePreambleLine(head..<lf)
        head = lf &+ 1
        lineScanned = 0
        lineHasControl = false
        if preambleLineCount > TransportLimits.maxPreambleLines {
            violation(.preambleTooLong, log: &log, stopping: true)
            return false
        }
        return true
    }

    private func isPrefixOfSSHDash(_ s: Span<UInt8>, _ at: Int, _ length: Int) -> Bool {
        var i = 0
        while i < length && i < ASCII.sshDash.count {
            guard let b = s.u8(at: at &+ i), b == ASCII.sshDash[i] else { return false }
            i &+= 1
        }
        return true
    }

    /// Stores the version line `buf[head ..< lineEnd]` (CR before LF removed) and its protocol version.
    private mutating func takeBanner(lineEnd: Int, log: inout AnomalyLog) {
        let bytes = buf
        let s = bytes.span
        // Length on the wire including the LF (and the CR when present).
        let wireLength = lineEnd &- head &+ 1
        var end = lineEnd
        if end > head, s.u8(at: end &- 1) == 0x0D { end &-= 1 }
        if wireLength > TransportLimits.maxIdentificationLineLength {
            if log.add(.bannerTooLong) { signals.insert(.violation) }
        }
        banner = s.copyBytes(head..<end)
        version = SSHProtocolVersion.parse(s, line: head..<end)
        signals.insert(.identification)
    }

    private mutating func afterBanner(log: inout AnomalyLog) {
        switch version {
        case .v2: framing = .ssh2; mode = .packets
        case .v1: framing = .ssh1; mode = .packets
        case .v1or2: mode = .waitingForPeerVersion
        case .unknown, nil: violation(.unknownProtocolVersion, log: &log, stopping: true)
        }
    }

    /// Keeps a pre-banner line for the report, within the stored-line and stored-byte caps.
    private mutating func storePreambleLine(_ range: Range<Int>) {
        preambleLineCount &+= 1
        guard preambleEnds.count < TransportLimits.maxStoredPreambleLines else { return }
        let bytes = buf
        var r = range
        if r.upperBound > r.lowerBound, bytes.span.u8(at: r.upperBound &- 1) == 0x0D { r = r.lowerBound..<(r.upperBound &- 1) }
        let room = TransportLimits.maxStoredPreambleBytes &- preambleBytes.count
        guard room > 0 || r.isEmpty else { return }
        let take = Swift.min(room, r.count)
        bytes.span.append(r.lowerBound..<(r.lowerBound &+ take), to: &preambleBytes)
        preambleEnds.append(preambleBytes.count)
    }

    /// Whether the next 4 bytes are printable text. As a packet length they would exceed any cap
    /// (0x20202020 > `maxPacketLength`), so this never hides a real packet.
    private func startsWithText() -> Bool {
        let bytes = buf
        let s = bytes.span
        for i in 0..<4 {
            guard let b = s.u8(at: head &+ i) else { return false }
            guard isPrintableASCII(b) else { return false }
        }
        return true
    }

    /// Keeps the text line `buf[head ..< end]` (CR removed, at most 255 bytes) and stops the direction.
    private mutating func takeTextLine(end: Int) {
        let bytes = buf
        var e = Swift.min(end, head &+ TransportLimits.maxIdentificationLineLength)
        if e > head, bytes.span.u8(at: e &- 1) == 0x0D { e &-= 1 }
        if textAfterBanner == nil { textAfterBanner = bytes.span.copyBytes(head..<Swift.max(e, head)) }
        stop()
    }

    // MARK: SSH-2 packets

    /// Handles at most one packet; returns true when parsing may continue.
    /// The packet_length field at `head`, checked against the cap and `minimum`
    /// (SSH-2: RFC 4253 §6; SSH-1: the length word): nil when more bytes are
    /// needed or when the length is impossible (then a stopping violation).
    private mutating func packetLength(minimum: Int, log: inout AnomalyLog) -> Int? {
        let bytes = buf
        guard let length32 = bytes.span.be32(at: head) else { return nil }
        guard length32 <= UInt32(TransportLimits.maxPacketLength) else {
            violation(.packetTooLarge, log: &log, stopping: true)
            return nil
        }
        let length = Int(length32)
        guard length >= minimum else {
            violation(.packetTooSmall, log: &log, stopping: true)
            return nil
        }
        return length
    }

    private mutating func stepSSH2(log: inout AnomalyLog) -> Bool {
        guard let length = packetLength(minimum: 2, log: &log) else { return false }
        let bytes = buf
        let s = bytes.span
        guard let padding = s.u8(at: head &+ 4) else { return false }
        // payload length = length - padding - 1 must be >= 1.
        guard Int(padding) <= length &- 2 else {
            violation(.paddingInvalid, log: &log, stopping: true)
            return false
        }
        let total = 4 &+ length   // <= 4 + 256 KiB: no overflow
        let available = buf.count &- head
        let typeAt = head &+ 5
        if total > TransportLimits.maxBufferedBytesPerDirection {
            guard let type = s.u8(at: typeAt) else { return false }
            noteSent(type)
            if type == MessageNumber.kexInit || type == MessageNumber.kex30 || type == MessageNumber.kex31
                || type == MessageNumber.kex33 || type == MessageNumber.disconnect {
                violation(.messageTooLarge, log: &log, stopping: false)
            }
            afterSkip = type == MessageNumber.newKeys ? .encrypted : .packets
            if type == MessageNumber.newKeys { markNewKeys() }
            skipRemaining = total
            mode = .skipping
            return true
        }
        guard available >= total else { return false }
        let payload = typeAt..<(head &+ 4 &+ length &- Int(padding))
        guard let type = s.u8(at: typeAt) else { return false }
        head &+= total
        noteSent(type)
        handleSSH2(type: type, payload: payload, log: &log)
        return mode == .packets
    }

    private mutating func noteSent(_ type: UInt8) {
        if type < 64 { sentTypes |= 1 << UInt64(type) }
    }

    private mutating func markNewKeys() {
        newKeys = true
        signals.insert(.newKeys)
    }

    /// `payload` starts at the message number byte and indexes `buf` (already consumed; still intact).
    private mutating func handleSSH2(type: UInt8, payload: Range<Int>, log: inout AnomalyLog) {
        let bytes = buf
        switch type {
        case MessageNumber.kexInit:
            guard kexInit == nil else {
                violation(.duplicateKexinit, log: &log, stopping: false)
                return
            }
            switch StoredKexInit.parse(bytes.span, payload: payload, cache: kexCheckCache) {
            case .malformed:
                violation(.kexinitMalformed, log: &log, stopping: true)
            case .ok(let k, let tooLong, let malformed):
                kexInit = k
                signals.insert(.kexInit)
                if tooLong { violation(.nameListTooLong, log: &log, stopping: false) }
                if malformed { violation(.nameListMalformed, log: &log, stopping: false) }
            }
        case MessageNumber.newKeys:
            markNewKeys()
            enter(.encrypted)
        case MessageNumber.disconnect:
            // uint32 reason code, string description, string language tag (RFC 4253 §11.1).
            let s = bytes.span
            guard let code = s.be32(at: payload.lowerBound &+ 1),
                  let text = s.sshString(at: payload.lowerBound &+ 5, end: payload.upperBound)
            else {
                violation(.disconnectMalformed, log: &log, stopping: false)
                return
            }
            recordDisconnect(code: code, text: text)
        case MessageNumber.kex30, MessageNumber.kex31, MessageNumber.kex33:
            let slot = type == MessageNumber.kex30 ? 0 : (type == MessageNumber.kex31 ? 1 : 2)
            guard slot < keyBlobs.count, keyBlobs[slot] == nil else { return }
            if let blob = Self.keyBlob(bytes.span, payload: payload) {
                keyBlobs[slot] = blob
                signals.insert(.kexReply)
            } else {
                malformedKeyMessages |= 1 << UInt8(slot)
            }
        default:
            break
        }
    }

    private mutating func recordDisconnect(code: UInt32, text: Range<Int>) {
        guard disconnect == nil else { return }
        let keep = Swift.min(text.count, TransportLimits.maxDisconnectDescriptionLength)
        let bytes = buf
        let description = bytes.span.copyBytes(text.lowerBound..<(text.lowerBound &+ keep)) ?? []
        disconnect = (code, description)
        signals.insert(.disconnect)
    }

    /// The first `string` of a KEX message, if it is a well-formed public-key blob
    /// (RFC 4253 §6.6: it starts with a `string` naming the key format: 1...64 printable US-ASCII).
    static func keyBlob(_ s: Span<UInt8>, payload: Range<Int>) -> [UInt8]? {
        guard let blob = s.sshString(at: payload.lowerBound &+ 1, end: payload.upperBound),
              blob.count <= TransportLimits.maxHostKeyBlobLength,
              let name = s.sshString(at: blob.lowerBound, end: blob.upperBound),
              !name.isEmpty, name.count <= TransportLimits.maxAlgorithmNameLength
        else { return nil }
        for i in name {
            guard let b = s.u8(at: i), b > 0x20, b < 0x7F else { return nil }
        }
        return s.copyBytes(blob)
    }

    // MARK: SSH-1 packets

    private mutating func stepSSH1(log: inout AnomalyLog) -> Bool {
        guard let length = packetLength(minimum: 5, log: &log) else { return false }
        let bytes = buf
        let s = bytes.span
        let padding = 8 &- (length & 7)
        let total = 4 &+ padding &+ length
        let typeAt = head &+ 4 &+ padding
        if total > TransportLimits.maxBufferedBytesPerDirection {
            guard s.u8(at: typeAt) != nil else { return false }
            afterSkip = .packets
            skipRemaining = total
            mode = .skipping
            return true
        }
        guard buf.count &- head >= total, let type = s.u8(at: typeAt) else { return false }
        // Data ends before the 4-byte CRC.
        let data = (typeAt &+ 1)..<(head &+ total &- 4)
        head &+= total
        handleSSH1(type: type, data: data, log: &log)
        return mode == .packets
    }

    private mutating func handleSSH1(type: UInt8, data: Range<Int>, log: inout AnomalyLog) {
        let bytes = buf
        switch type {
        case SSH1MessageType.smsgPublicKey:
            noteSent(type)
            guard let blob = Self.ssh1HostKey(bytes.span, data: data) else {
                violation(.ssh1PublicKeyMalformed, log: &log, stopping: true)
                return
            }
            if ssh1HostKey == nil { ssh1HostKey = blob }
            signals.insert(.kexReply)
            // Everything the server sends after its public key is encrypted with the session key.
            markNewKeys()
            enter(.encrypted)
        case SSH1MessageType.cmsgSessionKey:
            noteSent(type)
            markNewKeys()
            enter(.encrypted)
        case SSH1MessageType.disconnect:
            // string reason.
            guard let text = bytes.span.sshString(at: data.lowerBound, end: data.upperBound) else {
                violation(.disconnectMalformed, log: &log, stopping: false)
                return
            }
            recordDisconnect(code: 0, text: text)
        default:
            break
        }
    }

    /// SSH_SMSG_PUBLIC_KEY: cookie[8], uint32 server_key_bits, mp-int server exponent, mp-int server modulus,
    /// uint32 host_key_bits, mp-int host exponent, mp-int host modulus, ...
    /// SSH-1 mp-int: uint16 bit count, then ceil(bits / 8) bytes. Returns host modulus bytes then host exponent bytes
    /// (the bytes Zeek and OpenSSH fingerprint for `rsa1`).
    static func ssh1HostKey(_ s: Span<UInt8>, data: Range<Int>) -> [UInt8]? {
        func mpint(_ at: Int) -> Range<Int>? {
            guard let bits = s.be16(at: at) else { return nil }
            let n = (Int(bits) &+ 7) >> 3
            let start = at &+ 2
            guard start <= data.upperBound, n <= data.upperBound &- start else { return nil }
            return start..<(start &+ n)
        }
        var at = data.lowerBound &+ 8 &+ 4          // cookie, server_key_bits
        guard data.upperBound <= s.count, at <= data.upperBound,
              let serverExponent = mpint(at) else { return nil }
        at = serverExponent.upperBound
        guard let serverModulus = mpint(at) else { return nil }
        at = serverModulus.upperBound &+ 4            // host_key_bits
        guard at <= data.upperBound, let hostExponent = mpint(at) else { return nil }
        guard let hostModulus = mpint(hostExponent.upperBound),
              var blob = s.copyBytes(hostModulus) else { return nil }
        s.append(hostExponent, to: &blob)
        return blob
    }
}
