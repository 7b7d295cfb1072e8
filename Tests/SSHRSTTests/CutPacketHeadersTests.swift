import Testing

@testable import SSHRST

/// One direction's SSH-2 stream as segments: an identification line, then binary packets of the given
/// type and length (RFC 4253 §6; bodies are filler).
struct SSHStream {
    var segments: [[UInt8]] = []

    static func packet(type: UInt8, length: Int) -> [UInt8] {
        // packet_length counts padding_length, payload and padding; length + 4 is a multiple of 8.
        let packetLength = UInt32(length - 4)
        return [UInt8(packetLength >> 24), UInt8((packetLength >> 16) & 0xff), UInt8((packetLength >> 8) & 0xff),
                UInt8(packetLength & 0xff), 4, type] + [UInt8](repeating: 0x5a, count: length - 6)
    }

    /// banner | KEXINIT (1504) | KEX_ECDH_INIT (48) | NEWKEYS (16) + first encrypted packet | more encrypted
    static var client: SSHStream {
        var s = SSHStream()
        s.segments.append(Array("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n".utf8))
        let kexinit = packet(type: 20, length: 1504)
        s.segments.append(Array(kexinit.prefix(1448)))  // split at the MSS
        s.segments.append(Array(kexinit.dropFirst(1448)))
        s.segments.append(packet(type: 30, length: 48))
        s.segments.append(packet(type: 21, length: 16) + [UInt8](repeating: 0xc3, count: 52))
        s.segments.append([UInt8](repeating: 0x99, count: 100))
        return s
    }

    /// banner | KEXINIT | KEX_ECDH_REPLY (600) + NEWKEYS in one segment | encrypted
    static var server: SSHStream {
        var s = SSHStream()
        s.segments.append(Array("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n".utf8))
        s.segments.append(packet(type: 20, length: 1096))
        s.segments.append(packet(type: 31, length: 600) + packet(type: 21, length: 16))
        s.segments.append([UInt8](repeating: 0x77, count: 80))
        return s
    }

    /// Reads every segment cut to `snap` captured bytes (the snap length's share of the payload).
    func read(snap: Int, skipping: Int? = nil) -> CutPacketHeaders {
        var h = CutPacketHeaders()
        var seq: UInt32 = 1001
        for (i, segment) in segments.enumerated() {
            defer { seq &+= UInt32(segment.count) }
            if i == skipping { continue }
            let captured = Array(segment.prefix(snap))
            h.read(seq: seq, payload: captured.span, wireLength: segment.count, boundary: nil, firstPayload: i == 0)
        }
        return h
    }
}

@Suite struct CutPacketHeadersTests {
    /// Every cut from no payload byte to whole segments: never a trap, never a message the captured bytes do
    /// not show. The line start needs 4 bytes; the KEXINIT its 6-byte header; NEWKEYS its own header (client)
    /// or, after a KEX reply, the 16 bytes left in the segment (server).
    @Test func everyCut() {
        for snap in 0...1600 {
            let c = SSHStream.client.read(snap: snap)
            #expect(c.sawVersion == (snap >= 4), "client, \(snap) bytes")
            #expect(c.sawKexInit == (snap >= 6), "client, \(snap) bytes")
            #expect(c.sawNewKeys == (snap >= 6), "client, \(snap) bytes")
            #expect(!c.newKeysBySize, "client, \(snap) bytes")
            let s = SSHStream.server.read(snap: snap)
            #expect(s.sawVersion == (snap >= 4), "server, \(snap) bytes")
            #expect(s.sawKexInit == (snap >= 6), "server, \(snap) bytes")
            #expect(s.sawNewKeys == (snap >= 6), "server, \(snap) bytes")
            // NEWKEYS read from its header once captured (600 + 6 bytes), by the segment's size before.
            #expect(s.newKeysBySize == (snap >= 6 && snap < 606), "server, \(snap) bytes")
        }
    }

    /// A segment missing from the capture ends the reading: nothing after it is claimed.
    @Test func missingSegmentStops() {
        let c = SSHStream.client.read(snap: 60, skipping: 3)  // the KEX_ECDH_INIT segment
        #expect(c.sawKexInit)
        #expect(!c.sawNewKeys)
        #expect(c.state == .done)
    }

    /// The first packet after the line must be a KEXINIT; a header that is not a cleartext packet stops.
    @Test func implausibleHeadersStop() {
        var notKexInit = SSHStream.client
        notKexInit.segments[1][5] = 21
        let a = notKexInit.read(snap: 60)
        #expect(a.sawVersion && !a.sawKexInit && !a.sawNewKeys)
        var badLength = SSHStream.client
        badLength.segments[3][3] &+= 1  // length + 4 no longer a multiple of 8
        let b = badLength.read(snap: 60)
        #expect(b.sawKexInit && !b.sawNewKeys)
        // Not SSH at all: nothing.
        let c = CutPacketHeaders()
        var d = c
        d.read(seq: 1, payload: Array("GET / HTTP/1.1\r\n".utf8).span, wireLength: 400, boundary: nil, firstPayload: true)
        #expect(!d.sawVersion && d.state == .done)
    }

    /// From the decoder's packet boundary (the banner decoded from a whole segment), without a line.
    @Test func takesOverAtTheDecodersBoundary() {
        var h = CutPacketHeaders()
        let kexinit = SSHStream.packet(type: 20, length: 1096)
        h.read(seq: 2000, payload: Array(kexinit.prefix(30)).span, wireLength: kexinit.count, boundary: 2000, firstPayload: false)
        #expect(h.sawKexInit && !h.sawVersion)
        #expect(h.next == 2000 &+ 1096)
    }
}
