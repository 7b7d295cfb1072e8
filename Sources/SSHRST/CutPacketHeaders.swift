import SSHRSTFlow
import SSHRSTWire

/// What the packet headers of one direction show once the snap length cuts its payload.
///
/// A capture cut at 96 or 128 bytes holds the first 30–60 bytes of each segment: the start of the
/// identification line, and the 4-byte length, padding length and message type of an SSH-2 binary packet
/// (RFC 4253 §6) that starts there. From a known packet start, each packet's length gives the next one, so the
/// message types (KEXINIT 20, NEWKEYS 21, KEX replies 30/31) can be followed without the bodies, as long as
/// every packet start falls in captured bytes. The SSH decoder itself is given nothing cut (see
/// `FlowState.feedTransport`); this only tells how far the exchange went, never what it said.
///
/// Every header must look like a cleartext packet (RFC 4253 §6: length + 4 a multiple of 8, padding 4 or
/// more and shorter than the packet; the first packet after the banner a KEXINIT, §7.1); one that does not,
/// a packet start not captured, or a segment missing from the capture ends the reading for the direction.
struct CutPacketHeaders: Sendable {
    enum State: UInt8, Sendable { case idle, following, done }
    var state = State.idle
    /// Sequence number of the next packet start (while following).
    var next: UInt32 = 0
    /// The next packet must be the first KEXINIT (right after the identification line).
    var expectKexInit = false
    var sawVersion = false
    var sawKexInit = false
    var sawNewKeys = false
    /// NEWKEYS was inferred from a segment's size (a KEX reply followed by exactly 16 uncaptured bytes:
    /// NEWKEYS is always 16 bytes in cleartext), not read.
    var newKeysBySize = false
    var lastType: UInt8 = 0

    /// Largest cleartext packet taken as plausible (RFC 4253 §6.1: at least 35000 must be handled; OpenSSH
    /// accepts 256 KiB).
    static let maximumPacketLength: UInt32 = 262_144
    static let newKeysPacketBytes = 16

    /// Reads the headers one segment shows. `payload` is the captured part (may be empty), `wireLength` the
    /// payload length by the IP length, `boundary` the SSH decoder's next packet start if it stood between
    /// packets before the cut, `firstPayload` whether no earlier payload came from this direction.
    mutating func read(seq: UInt32, payload: Span<UInt8>, wireLength: Int, boundary: UInt32?, firstPayload: Bool) {
        guard state != .done, wireLength > 0 else { return }
        if state == .idle {
            if let boundary, !firstPayload {
                next = boundary
                state = .following
            } else if firstPayload, payload.count >= 4, payload.u8(at: 0) == 0x53, payload.u8(at: 1) == 0x53,
                payload.u8(at: 2) == 0x48, payload.u8(at: 3) == 0x2d
            {
                sawVersion = true
                expectKexInit = true
                state = .following
                // The identification line ends at its LF (RFC 4253 §4.2); when the LF was not captured, the
                // line is taken to end with its segment, which the next header (a KEXINIT) must confirm.
                var i = 4
                var lineEnd: Int? = nil
                while i < payload.count {
                    if payload.u8(at: i) == 0x0a { lineEnd = i &+ 1; break }
                    i &+= 1
                }
                next = seq &+ UInt32(truncatingIfNeeded: lineEnd ?? wireLength)
            } else {
                state = .done
                return
            }
        }
        // Walk the packet starts inside this segment.
        while state == .following {
            let offset = Int(seqDelta(next, seq))
            if offset < 0 {
                state = .done  // the segment holding the next packet start is missing from the capture
                return
            }
            if offset >= wireLength { return }  // the current packet goes on in later segments
            guard offset <= payload.count &- 6, let length = payload.be32(at: offset),
                let padding = payload.u8(at: offset &+ 4), let type = payload.u8(at: offset &+ 5)
            else {
                // The start was cut away. After a KEX reply, exactly 16 bytes left in the segment is NEWKEYS.
                if lastType == 31 || lastType == 33, wireLength &- offset == CutPacketHeaders.newKeysPacketBytes {
                    sawNewKeys = true
                    newKeysBySize = true
                }
                state = .done
                return
            }
            guard length >= 12, length <= CutPacketHeaders.maximumPacketLength, (length &+ 4) % 8 == 0,
                padding >= 4, UInt32(padding) < length, !expectKexInit || type == 20
            else {
                state = .done
                return
            }
            expectKexInit = false
            lastType = type
            if type == 20 { sawKexInit = true }
            if type == 21 {
                sawNewKeys = true  // this side encrypts from here: nothing more to read in cleartext
                state = .done
                return
            }
            next = next &+ 4 &+ length
        }
    }
}
