import Testing

@testable import SSHRSTWire

/// Frames cut by the snap length (`tcpdump -s N`, `editcap -s N`): every prefix of a header gives what it
/// holds, never a trap and never a made-up field.
@Suite struct SnapLengthTests {
    static let ethernet = 14
    static let ipv4 = 20
    static let ipv6 = 40

    /// Every prefix of an IPv4 SYN over Ethernet (TCP header 28 bytes: MSS, NOP, wscale 7): below the first 14
    /// TCP bytes `.truncated`; from there a segment whose ports, seq, ack and flags are those of the whole
    /// frame, the window once bytes 14–15 are in, the window scale once its option is, and the payload length
    /// by the IP length field (0) whatever the cut.
    @Test func ipv4SynEveryPrefix() {
        let frame = Fixtures.ethernetHeaderIPv4 + Fixtures.ipv4TCPSyn
        let tcpStart = Self.ethernet + Self.ipv4
        for n in 0...frame.count {
            let result = dissect(.ethernet, Array(frame.prefix(n)))
            if n < tcpStart + TCPHeader.minimumCapturedLength {
                guard case .failure(let e) = result else {
                    Issue.record("prefix \(n): \(result)")
                    continue
                }
                #expect(e.kind == .truncated, "prefix \(n)")
                continue
            }
            guard case .success(.tcp(let s)) = result else {
                Issue.record("prefix \(n): no segment: \(result)")
                continue
            }
            let captured = n - tcpStart
            #expect(s.tcp.sourcePort == 40001 && s.tcp.destinationPort == 22, "prefix \(n)")
            #expect(s.tcp.seq == 100 && s.tcp.ack == 0 && s.tcp.flags == .syn, "prefix \(n)")
            #expect(s.tcp.headerLength == 28, "prefix \(n)")
            #expect(s.tcp.uncapturedLength == max(0, 28 - captured), "prefix \(n)")
            #expect(s.tcp.isComplete == (captured >= 28), "prefix \(n)")
            #expect(s.tcp.hasWindow == (captured >= 16), "prefix \(n)")
            #expect(s.tcp.window == (captured >= 16 ? 64240 : 0), "prefix \(n)")
            // wscale is the option at TCP bytes 25...27 (after MSS at 20...23 and a NOP at 24).
            #expect(s.tcp.windowScale == (captured >= 28 ? 7 : nil), "prefix \(n)")
            #expect(!s.tcp.optionsMalformed, "prefix \(n): a cut option is not a malformed one")
            #expect(s.payloadWireLength == 0, "prefix \(n)")
            #expect(s.payload.isEmpty && s.payload.upperBound <= n, "prefix \(n)")
            #expect(s.truncatedBySnaplen == (n < frame.count), "prefix \(n)")
        }
    }

    /// IPv6 over Ethernet at `-s 68` leaves exactly 14 TCP bytes: ports, seq, ack and flags, no window.
    @Test func ipv6RstAtSnap68() {
        let frame = Fixtures.ethernetHeaderIPv6 + Fixtures.ipv6TCPRst
        guard case .success(.tcp(let s)) = dissect(.ethernet, Array(frame.prefix(68))) else {
            Issue.record("IPv6 segment at -s 68 lost")
            return
        }
        #expect(s.tcp.sourcePort == 40001 && s.tcp.destinationPort == 22)
        #expect(s.tcp.seq == 0 && s.tcp.ack == 101)
        #expect(s.tcp.flags == [.rst, .ack])
        #expect(!s.tcp.hasWindow)
        #expect(s.ip.ttl == 63)
        #expect(s.truncatedBySnaplen)
        // At -s 54 no TCP byte is left: nothing to make a flow of.
        #expect(dissect(.ethernet, Array(frame.prefix(54))) == .failure(WireError(.tcp, .truncated)))
    }

    /// The payload length comes from the IP length field: a 1000-byte segment cut to its headers still
    /// says 1000, and the captured range stays inside the frame.
    @Test func payloadLengthFromIPLength() {
        var packet = Fixtures.ipv4TCPSyn
        packet[33] = 0x18  // flags: PSH ACK
        let total = 48 + 1000
        packet[2] = UInt8(total >> 8)
        packet[3] = UInt8(total & 0xff)
        packet += [UInt8](repeating: 0x41, count: 1000)
        for snap in [40, 47, 48, 60, 100, 1048] {
            guard case .success(.tcp(let s)) = dissect(.raw, Array(packet.prefix(snap))) else {
                Issue.record("snap \(snap): segment lost")
                continue
            }
            #expect(s.payloadWireLength == 1000, "snap \(snap)")
            #expect(s.payload.count == max(0, snap - 48), "snap \(snap)")
            #expect(s.payload.upperBound <= snap, "snap \(snap)")
            #expect(s.truncatedBySnaplen == (snap < 1048), "snap \(snap)")
        }
    }

    /// A datagram that ends inside its own TCP header (IP length 40, data offset 28) is not a snap-length cut:
    /// it stays `.truncated`, as before.
    @Test func headerLongerThanItsDatagramIsTruncated() {
        var packet = Array(Fixtures.ipv4TCPSyn.prefix(40))
        packet[2] = 0
        packet[3] = 40
        #expect(dissect(.raw, packet) == .failure(WireError(.tcp, .truncated)))
    }

    /// Every prefix of an ICMP port unreachable quoting a SYN (IP header + 8 bytes of TCP, RFC 792): the
    /// quote's ID, length and protocol from 10 quoted bytes on, its source address from 16, its destination
    /// from 20 and the ports from 24 (then the quote is complete). Never a trap, never a wrong field.
    @Test func icmpQuoteEveryPrefix() {
        let frame = Fixtures.icmpPortUnreachable
        let quoteStart = Self.ipv4 + 8
        for n in 0...frame.count {
            let result = dissect(.raw, Array(frame.prefix(n)))
            let quoted = n - quoteStart
            if quoted < 10 {
                guard case .failure = result else {
                    Issue.record("prefix \(n): \(result)")
                    continue
                }
                continue
            }
            guard case .success(.icmpError(let e)) = result else {
                Issue.record("prefix \(n): not an ICMP error: \(result)")
                continue
            }
            #expect(e.name == "port_unreachable", "prefix \(n)")
            #expect(e.quotedIPID == 0x1234, "prefix \(n)")
            #expect(e.quotedTCPLength == 28, "prefix \(n)")
            #expect(e.quotedSourceKnown == (quoted >= 16), "prefix \(n)")
            if e.quotedSourceKnown { #expect(e.quotedSource.description == "192.0.2.10", "prefix \(n)") }
            #expect(e.quotedDestinationKnown == (quoted >= 20), "prefix \(n)")
            if e.quotedDestinationKnown { #expect(e.quotedDestination.description == "203.0.113.10", "prefix \(n)") }
            #expect(e.quoteComplete == (quoted >= 24), "prefix \(n)")
            if e.quoteComplete { #expect(e.quotedDestinationPort == 22 && e.quotedSourcePort == 40001, "prefix \(n)") }
        }
    }

    /// An ICMPv6 port unreachable whose quote is cut inside the quoted IPv6 header (`-s 96` over Ethernet):
    /// flow label, payload length and source address survive.
    @Test func icmpv6QuoteCut() {
        var syn = Fixtures.ipv6TCPRst
        syn[1] = 0x01; syn[2] = 0x73; syn[3] = 0x11  // flow label 0x17311
        syn[53] = 0x02  // SYN
        // ICMPv6 type 1 code 4 from 2001:db8::2 to 2001:db8::1, payload length 8 + the 60-byte quote.
        let outer = Fixtures.hex("""
            6000 0000 0044 3a40 2001 0db8 0000 0000 0000 0000 0000 0002
            2001 0db8 0000 0000 0000 0000 0000 0001
            0104 0000 0000 0000
            """)
        let frame = Fixtures.ethernetHeaderIPv6 + outer + syn
        for snap in [68, 96, 100] {
            guard case .success(.icmpError(let e)) = dissect(.ethernet, Array(frame.prefix(snap))) else {
                Issue.record("snap \(snap): ICMPv6 error lost")
                continue
            }
            #expect(!e.quoteComplete, "snap \(snap)")
            #expect(e.quotedFlowLabel == 0x17311, "snap \(snap)")
            #expect(e.quotedTCPLength == 20, "snap \(snap)")
            #expect(e.quotedSourceKnown == (snap >= 14 + 40 + 8 + 24), "snap \(snap)")
            if e.quotedSourceKnown { #expect(e.quotedSource.description == "2001:db8::1") }
        }
        guard case .success(.icmpError(let whole)) = dissect(.ethernet, frame) else {
            Issue.record("whole ICMPv6 error lost")
            return
        }
        #expect(whole.quoteComplete && whole.quotedDestinationPort == 22)
    }
}
