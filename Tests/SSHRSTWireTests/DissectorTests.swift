import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import SSHRSTWire

/// Hex fixtures built from real frames; the tcpdump line that printed each is in its comment.
enum Fixtures {
    static func hex(_ s: String) -> [UInt8] {
        let digits = s.filter { $0.isHexDigit }
        var out: [UInt8] = []
        var i = digits.startIndex
        while i < digits.endIndex {
            let j = digits.index(i, offsetBy: 2)
            out.append(UInt8(digits[i..<j], radix: 16) ?? 0)
            i = j
        }
        return out
    }

    // 192.0.2.10.40001 > 203.0.113.10.22: Flags [S], seq 100, win 64240, options [mss 1460,nop,wscale 7], length 0
    // IP (tos 0x0, ttl 64, id 4660, offset 0, flags [DF], proto TCP (6), length 48)
    static let ipv4TCPSyn: [UInt8] = hex("""
        4500 0030 1234 4000 4006 0000 c000 020a cb00 710a
        9c41 0016 0000 0064 0000 0000 7002 faf0 0000 0000
        0204 05b4 0103 0307
        """)

    // 2001:db8::1.40001 > 2001:db8::2.22: Flags [R.], seq 0, ack 101, win 0, length 0 (hlim 63)
    static let ipv6TCPRst: [UInt8] = hex("""
        6000 0000 0014 063f 2001 0db8 0000 0000 0000 0000 0000 0001
        2001 0db8 0000 0000 0000 0000 0000 0002
        9c41 0016 0000 0000 0000 0065 5014 0000 0000 0000
        """)

    static let ethernetHeaderIPv4: [UInt8] = hex("0200 0000 0001 0200 0000 0002 0800")
    static let ethernetQinQIPv4: [UInt8] = hex("0200 0000 0001 0200 0000 0002 88a8 0064 8100 00c8 0800")
    static let ethernetHeaderIPv6: [UInt8] = hex("0200 0000 0001 0200 0000 0002 86dd")
    // Linux cooked v1: packet type 0 (to us), ARPHRD_ETHER, addr len 6, address, protocol 0x0800
    static let sllHeader: [UInt8] = hex("0000 0001 0006 0200 0000 0002 0000 0800")
    // Linux cooked v2: protocol 0x0800, reserved, ifindex 2, ARPHRD_ETHER, type 0, addr len 6, address
    static let sll2Header: [UInt8] = hex("0800 0000 0000 0002 0001 00 06 0200 0000 0002 0000")
    static let nullHeaderIPv4: [UInt8] = [2, 0, 0, 0]  // AF_INET, host order (little endian)
    // GRE: no flags, protocol 0x0800 inside an outer IPv4 header (proto 47)
    static let outerIPv4GRE: [UInt8] = hex("4500 0058 0001 0000 402f 0000 0a00 0001 0a00 0002 0000 0800")

    // ICMP port unreachable from 203.0.113.10 quoting the SYN above (first 28 bytes of it).
    static var icmpPortUnreachable: [UInt8] {
        hex("4500 0048 0000 0000 4001 0000 cb00 710a c000 020a 0303 0000 0000 0000") + Array(ipv4TCPSyn.prefix(28))
    }
}

func dissect(_ link: LinkType, _ bytes: [UInt8]) -> Result<Dissection, WireError> {
    do throws(WireError) {
        return .success(try Dissector.dissect(link, bytes.span))
    } catch {
        return .failure(error)
    }
}

@Suite struct DissectorTests {
    @Test func ipv4SynOverEthernet() throws {
        guard case .success(.tcp(let s)) = dissect(.ethernet, Fixtures.ethernetHeaderIPv4 + Fixtures.ipv4TCPSyn) else {
            Issue.record("not a TCP segment")
            return
        }
        #expect(s.ip.source.description == "192.0.2.10")
        #expect(s.ip.destination.description == "203.0.113.10")
        #expect(s.ip.ttl == 64)
        #expect(s.ip.ipID == 0x1234)
        #expect(s.ip.dontFragment)
        #expect(s.tcp.sourcePort == 40001)
        #expect(s.tcp.destinationPort == 22)
        #expect(s.tcp.seq == 100)
        #expect(s.tcp.flags == .syn)
        #expect(s.tcp.windowScale == 7)
        #expect(s.tcp.headerLength == 28)
        #expect(s.payload.isEmpty)
        #expect(!s.truncatedBySnaplen)
    }

    @Test func ipv6RstRaw() {
        guard case .success(.tcp(let s)) = dissect(.raw, Fixtures.ipv6TCPRst) else {
            Issue.record("not a TCP segment")
            return
        }
        #expect(s.ip.isIPv6)
        #expect(s.ip.source.description == "2001:db8::1")
        #expect(s.ip.ttl == 63)
        #expect(s.tcp.flags == [.rst, .ack])
        #expect(s.tcp.ack == 101)
        #expect(s.ip.flowLabel == 0)
        var labelled = Fixtures.ipv6TCPRst
        labelled[1] = 0x01; labelled[2] = 0x73; labelled[3] = 0x11
        guard case .success(.tcp(let l)) = dissect(.raw, labelled) else { return }
        #expect(l.ip.flowLabel == 0x17311)
    }

    @Test(arguments: [
        ("qinq", LinkType.ethernet, Fixtures.ethernetQinQIPv4),
        ("sll", LinkType.linuxSLL, Fixtures.sllHeader),
        ("sll2", LinkType.linuxSLL2, Fixtures.sll2Header),
        ("null", LinkType.null, Fixtures.nullHeaderIPv4),
        ("raw", LinkType.raw, []),
    ])
    func linkLayers(name: String, link: LinkType, header: [UInt8]) {
        guard case .success(.tcp(let s)) = dissect(link, header + Fixtures.ipv4TCPSyn) else {
            Issue.record("\(name): not a TCP segment")
            return
        }
        #expect(s.tcp.destinationPort == 22, "\(name)")
    }

    @Test func greUnwrapped() {
        guard case .success(.tcp(let s)) = dissect(.raw, Fixtures.outerIPv4GRE + Fixtures.ipv4TCPSyn) else {
            Issue.record("GRE payload not decoded")
            return
        }
        #expect(s.tunnelDepth == 1)
        #expect(s.ip.source.description == "192.0.2.10")
    }

    @Test func icmpErrorQuotesTheFlow() {
        guard case .success(.icmpError(let e)) = dissect(.raw, Fixtures.icmpPortUnreachable) else {
            Issue.record("not an ICMP error")
            return
        }
        #expect(e.name == "port_unreachable")
        #expect(e.isUnreachable)
        #expect(e.ip.source.description == "203.0.113.10")
        #expect(e.quotedSource.description == "192.0.2.10")
        #expect(e.quotedDestinationPort == 22)
        #expect(e.quotedSeq == 100)
    }

    @Test func ipv6ExtensionHeaderChain() {
        // Hop-by-hop (8 bytes) then destination options (8 bytes) then TCP.
        var packet = Fixtures.ipv6TCPRst
        packet[6] = 0  // next header: hop-by-hop
        packet[5] = 0x14 + 16
        let hopByHop: [UInt8] = [60, 0, 1, 4, 0, 0, 0, 0]
        let destination: [UInt8] = [6, 0, 1, 4, 0, 0, 0, 0]
        packet.insert(contentsOf: hopByHop + destination, at: 40)
        guard case .success(.tcp(let s)) = dissect(.raw, packet) else {
            Issue.record("extension chain not walked")
            return
        }
        #expect(s.tcp.flags.contains(.rst))
    }

    @Test func fragmentsAreCountedNotParsed() {
        var packet = Fixtures.ipv4TCPSyn
        packet[6] = 0x20  // MF
        #expect(dissect(.raw, packet) == .success(.skipped(.fragment)))
    }

    /// Every prefix of every fixture: no trap, and a prefix shorter than the
    /// headers gives `.truncated`, never a segment.
    @Test func truncationSweep() {
        let frames: [(LinkType, [UInt8])] = [
            (.ethernet, Fixtures.ethernetHeaderIPv4 + Fixtures.ipv4TCPSyn),
            (.ethernet, Fixtures.ethernetQinQIPv4 + Fixtures.ipv4TCPSyn),
            (.ethernet, Fixtures.ethernetHeaderIPv6 + Fixtures.ipv6TCPRst),
            (.linuxSLL2, Fixtures.sll2Header + Fixtures.ipv4TCPSyn),
            (.raw, Fixtures.outerIPv4GRE + Fixtures.ipv4TCPSyn),
            (.raw, Fixtures.icmpPortUnreachable),
        ]
        for (link, frame) in frames {
            for n in 0..<frame.count {
                let prefix = Array(frame.prefix(n))
                switch dissect(link, prefix) {
                case .success(.tcp(let s)):
                    // Only possible once every header byte is present.
                    #expect(s.payload.upperBound <= n)
                case .failure(let e):
                    #expect(e.kind == .truncated || e.kind == .invalid, "prefix \(n): \(e)")
                default:
                    break
                }
            }
        }
    }

    @Test func impossibleLengths() {
        var bad = Fixtures.ipv4TCPSyn
        bad[0] = 0x44  // IHL 4 (< 5)
        #expect(dissect(.raw, bad) == .failure(WireError(.ipv4, .invalid)))
        var badTCP = Fixtures.ipv4TCPSyn
        badTCP[32] = 0x40  // data offset 4
        #expect(dissect(.raw, badTCP) == .failure(WireError(.tcp, .invalid)))
        var longTCP = Fixtures.ipv4TCPSyn
        longTCP[32] = 0xf0  // data offset 15 = 60 bytes, more than present
        #expect(dissect(.raw, longTCP) == .failure(WireError(.tcp, .truncated)))
    }

    @Test func malformedTCPOptionsAreFlagged() {
        var packet = Fixtures.ipv4TCPSyn
        packet[41] = 40  // MSS option length runs past the header
        guard case .success(.tcp(let s)) = dissect(.raw, packet) else {
            Issue.record("segment lost")
            return
        }
        #expect(s.tcp.optionsMalformed)
    }

    /// The timestamps option's TSval (fast path NOP NOP TS, and inside the general option walk) and the
    /// reserved bits: read for RST attribution (issue 21).
    @Test func timestampValueAndReservedBits() {
        // 203.0.113.10.22 > 192.0.2.10.40001: Flags [R.], seq 1, ack 2, win 76, options [nop,nop,TS val 2703715430 ecr 7], reserved 0x2
        let fast = Fixtures.hex("""
            4500 0034 1234 4000 3e06 0000 cb00 710a c000 020a
            0016 9c41 0000 0001 0000 0002 8214 004c 0000 0000
            0101 080a a127 6c66 0000 0007
            """)
        guard case .success(.tcp(let a)) = dissect(.raw, fast) else {
            Issue.record("segment lost")
            return
        }
        #expect(a.tcp.timestampValue == 2_703_715_430)
        #expect(a.tcp.reservedBits == 0x2)
        // A SYN with MSS then NOP NOP TS: found by the option walk.
        let walk = Fixtures.hex("""
            4500 0038 1234 4000 4006 0000 c000 020a cb00 710a
            9c41 0016 0000 0064 0000 0000 9002 faf0 0000 0000
            0204 05b4 0101 080a 0000 0099 0000 0000
            """)
        guard case .success(.tcp(let b)) = dissect(.raw, walk) else {
            Issue.record("segment lost")
            return
        }
        #expect(b.tcp.timestampValue == 0x99)
        #expect(b.tcp.reservedBits == 0)
        guard case .success(.tcp(let c)) = dissect(.raw, Fixtures.ipv4TCPSyn) else {
            Issue.record("segment lost")
            return
        }
        #expect(c.tcp.timestampValue == nil)
    }

    @Test func randomBytesNeverTrap() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let n = Int.random(in: 0..<120, using: &generator)
            var bytes = (0..<n).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if n > 0 && Bool.random() { bytes[0] = 0x45 }
            for link in [LinkType.raw, .ethernet, .linuxSLL, .linuxSLL2, .null] { _ = dissect(link, bytes) }
        }
    }

    @Test func ipv6TextIsRFC5952() {
        #expect(IPAddress(v6High: 0x2001_0db8_0000_0000, v6Low: 0x0000_0000_0000_0001).description == "2001:db8::1")
        #expect(IPAddress(v6High: 0, v6Low: 1).description == "::1")
        #expect(IPAddress(v6High: 0x2001_0db8_0000_0001, v6Low: 0x0000_0001_0000_0001).description == "2001:db8:0:1:0:1:0:1")
        #expect(IPAddress(v6High: 0, v6Low: 0xffff_c000_0201).description == "::ffff:192.0.2.1")
        #expect(IPAddress(v4: 0).description == "0.0.0.0")
        #expect(IPAddress(v4: 0xffff_ffff).description == "255.255.255.255")
        #expect(IPAddress(v4: 0x0a00_6409).description == "10.0.100.9")
    }

    /// Against glibc's inet_ntop on random addresses with many zero groups (glibc writes IPv4-compatible
    /// `::a.b.c.d`, deprecated by RFC 4291 and not RFC 5952's form: those are left out).
    @Test func addressTextMatchesInetNtop() {
        var generator = SystemRandomNumberGenerator()
        func word() -> UInt64 {
            var w: UInt64 = 0
            for _ in 0..<4 { w = w << 16 | (Bool.random(using: &generator) ? 0 : UInt64.random(in: 0...0xffff, using: &generator)) }
            return w
        }
        for o in UInt32(0)...255 {
            for v4 in [o &* 0x0101_0101, o << 24 | 5, 0xc0a8_0000 | o << 8 | 1] {
                #expect(IPAddress(v4: v4).description == ntop(AF_INET, bigEndianBytes(UInt64(v4), count: 4)))
            }
        }
        for _ in 0..<5_000 {
            let v4 = UInt32.random(in: 0...UInt32.max, using: &generator) >> UInt32.random(in: 0...24, using: &generator)
            #expect(IPAddress(v4: v4).description == ntop(AF_INET, bigEndianBytes(UInt64(v4), count: 4)))
            let (high, low) = (word(), word())
            guard !(high == 0 && low >> 32 == 0) else { continue }
            #expect(IPAddress(v6High: high, v6Low: low).description
                == ntop(AF_INET6, bigEndianBytes(high, count: 8) + bigEndianBytes(low, count: 8)))
        }
    }

    func bigEndianBytes(_ v: UInt64, count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: v >> UInt64(8 * (count - 1 - $0))) }
    }

    func ntop(_ family: Int32, _ bytes: [UInt8]) -> String {
        var text = [CChar](repeating: 0, count: 64)
        _ = bytes.withUnsafeBytes { raw in inet_ntop(family, raw.baseAddress, &text, 64) }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
