import Testing
@testable import SSHRSTWire

/// What an ICMP error's quote shows of the probe that drew it (`sshrst trace`'s tracebox comparison).
struct QuotedHeaderTests {
    /// The SYN fixture as a router quotes it when it expires there: TTL 1 on arrival.
    static var expiredSyn: [UInt8] {
        var syn = Fixtures.ipv4TCPSyn
        syn[8] = 1
        return syn
    }

    // 192.0.2.1 > 192.0.2.10: ICMP time exceeded in-transit, quoting the whole SYN (Linux quotes up to 576 bytes)
    static var timeExceededFull: [UInt8] {
        Fixtures.hex("4500 004c 0000 0000 4001 0000 c000 0201 c000 020a 0b00 0000 0000 0000") + expiredSyn
    }

    @Test func timeExceededQuotingTheWholeSyn() {
        guard case .success(.icmpError(let e)) = dissect(.raw, Self.timeExceededFull) else {
            Issue.record("not an ICMP error")
            return
        }
        #expect(e.name == "time_exceeded")
        #expect(!e.isUnreachable)
        #expect(e.ip.source.description == "192.0.2.1")
        #expect(e.quotedTTL == 1)
        #expect(e.quotedIPID == 0x1234)
        #expect(e.quotedSeq == 100)
        #expect(e.quotedWindow == 64240)
        #expect(e.quotedMSS == 1460)
    }

    @Test func rfc792QuoteHasNoWindowOrMSS() {
        // Only the IP header and 8 bytes of TCP: ports and sequence number, nothing after.
        guard case .success(.icmpError(let e)) = dissect(.raw, Fixtures.icmpPortUnreachable) else {
            Issue.record("not an ICMP error")
            return
        }
        #expect(e.quotedTTL == 64)
        #expect(e.quotedWindow == nil)
        #expect(e.quotedMSS == nil)
    }

    @Test func quoteCutAtEveryLengthNeverTraps() {
        let full = Self.timeExceededFull
        for n in 0...full.count {
            let prefix = Array(full.prefix(n))
            if case .success(.icmpError(let e)) = dissect(.raw, prefix) {
                // The MSS is read only when the whole option block is within the quote.
                if n < full.count { #expect(e.quotedMSS == nil) }
            }
        }
    }

    @Test func mssOptionReader() {
        let syn = Fixtures.ipv4TCPSyn
        #expect(TCPHeader.mss(syn.span, at: 20) == 1460)
        #expect(TCPHeader.mss(syn.span, at: -1) == nil)
        #expect(TCPHeader.mss(syn.span, at: syn.count) == nil)
        // A SYN without options has no MSS; a malformed option length stops the walk.
        var plain = Array(syn.prefix(40))
        plain[32] = 0x50
        #expect(TCPHeader.mss(plain.span, at: 20) == nil)
        var bad = syn
        bad[41] = 0  // option length 0
        #expect(TCPHeader.mss(bad.span, at: 20) == nil)
        for n in 0...syn.count { _ = TCPHeader.mss(Array(syn.prefix(n)).span, at: 20) }
    }
}
