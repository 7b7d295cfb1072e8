import Testing
@testable import SSHRSTFlow
@testable import SSHRSTWire

/// Builds segments for a 192.0.2.10:40001 <-> 203.0.113.10:22 connection.
struct Conversation {
    var connection = TCPConnection()
    var time: Int64 = 0
    var clientSeq: UInt32 = 1000
    var serverSeq: UInt32 = 5000

    /// `steady`: try the engine's steady-state path first (`applySteady`), as the analyzer does.
    mutating func send(_ direction: Direction, _ flags: TCPFlags, length: Int = 0, seq: UInt32? = nil, ack: UInt32? = nil, steady: Bool = false) {
        time += 1_000_000
        let fromClient = direction == .originator
        let ip = IPInfo(
            source: IPAddress(v4: fromClient ? 0xc000_020a : 0xcb00_710a),
            destination: IPAddress(v4: fromClient ? 0xcb00_710a : 0xc000_020a), ttl: 64, ipID: 1, dontFragment: true,
            isIPv6: false, proto: 6, payloadOffset: 20, datagramEnd: 40 + length, isFragment: false)
        let s = seq ?? (fromClient ? clientSeq : serverSeq)
        let tcp = TCPHeader(
            sourcePort: fromClient ? 40001 : 22, destinationPort: fromClient ? 22 : 40001, seq: s,
            ack: ack ?? (fromClient ? serverSeq : clientSeq), flags: flags, window: 1000, headerLength: 20, windowScale: nil,
            optionsMalformed: false)
        let segment = TCPSegment(ip: ip, tcp: tcp, payload: 40..<(40 + length), payloadWireLength: length, truncatedBySnaplen: false, tunnelDepth: 0)
        if !(steady && connection.applySteady(segment, from: direction, payloadLength: length, at: time)) {
            connection.apply(segment, from: direction, payloadLength: length, at: time)
        }
        let advance = UInt32(length) + (flags.contains(.syn) ? 1 : 0) + (flags.contains(.fin) ? 1 : 0)
        if seq == nil {
            if fromClient { clientSeq &+= advance } else { serverSeq &+= advance }
        }
    }

    mutating func handshake() {
        send(.originator, .syn)
        send(.responder, [.syn, .ack])
        send(.originator, .ack)
    }
}

@Suite struct ConnStateTests {
    @Test func refusedIsREJ() {
        var c = Conversation()
        c.send(.originator, .syn)
        c.send(.responder, [.rst, .ack])
        #expect(c.connection.connState == "REJ")
        #expect(c.connection.historyText == "Sr")
    }

    @Test func unansweredIsS0() {
        var c = Conversation()
        c.send(.originator, .syn)
        c.send(.originator, .syn, seq: 1000)  // retransmission: same seq, no new letter
        #expect(c.connection.connState == "S0")
        #expect(c.connection.historyText == "S")
    }

    @Test func normalCloseIsSF() {
        var c = Conversation()
        c.handshake()
        c.send(.responder, [.ack, .psh], length: 41)
        c.send(.originator, [.ack, .psh], length: 41)
        c.send(.originator, [.fin, .ack])
        c.send(.responder, [.fin, .ack])
        c.send(.originator, .ack)
        #expect(c.connection.connState == "SF")
        #expect(c.connection.historyText == "ShAdDFf")
    }

    @Test func responderResetAfterDataIsRSTR() {
        var c = Conversation()
        c.handshake()
        c.send(.originator, [.ack, .psh], length: 10)
        c.send(.responder, [.ack, .psh], length: 10)
        c.send(.responder, [.rst, .ack])
        #expect(c.connection.connState == "RSTR")
        #expect(c.connection.historyText == "ShADdr")
    }

    @Test func originatorAbortIsRSTO() {
        var c = Conversation()
        c.handshake()
        c.send(.responder, [.ack, .psh], length: 10)
        c.send(.originator, [.rst, .ack])
        #expect(c.connection.connState == "RSTO")
    }

    @Test func synThenOwnRstIsRSTOS0() {
        var c = Conversation()
        c.send(.originator, .syn)
        c.send(.originator, .rst)
        #expect(c.connection.connState == "RSTOS0")
    }

    @Test func halfDuplexFinIsSH() {
        var c = Conversation()
        c.send(.originator, .syn)
        c.send(.originator, .ack)
        c.send(.originator, [.ack, .psh], length: 20)
        c.send(.originator, [.fin, .ack])
        #expect(c.connection.connState == "SH")
        #expect(c.connection.historyText == "SADF")
    }

    @Test func resetsWithNewSeqRepeatTheLetter() {
        var c = Conversation()
        c.handshake()
        c.send(.responder, .rst, seq: 7000)
        c.send(.responder, .rst, seq: 7000)
        c.send(.responder, .rst, seq: 9000)
        #expect(c.connection.historyText == "ShArr")
    }

    @Test func retransmissionAddsT() {
        var c = Conversation()
        c.handshake()
        c.send(.originator, [.ack, .psh], length: 10)
        c.send(.originator, [.ack, .psh], length: 10, seq: c.clientSeq &- 10)
        #expect(c.connection.historyText.contains("T"))
        #expect(c.connection.originator.retransmissions == 1)
    }

    @Test func ttlAndIPIDBaselineIgnoreResets() {
        var c = Conversation()
        c.handshake()
        c.send(.responder, [.rst, .ack])
        #expect(c.connection.responder.baselinePackets == 1)
        #expect(c.connection.responder.rstCount == 1)
    }

    @Test func sequenceWrapAround() {
        var c = Conversation()
        c.clientSeq = UInt32.max - 5
        c.handshake()
        c.send(.originator, [.ack, .psh], length: 100)
        #expect(c.connection.originator.lastSeq == (UInt32.max - 5) &+ 101)
        #expect(c.connection.originator.retransmissions == 0)
    }
}

@Suite struct FlowTableTests {
    func key(_ n: UInt32) -> FlowKey {
        FlowKey.make(source: IPAddress(v4: n), sourcePort: 40000, destination: IPAddress(v4: 1), destinationPort: 22).key
    }

    @Test func symmetricKey() {
        let a = FlowKey.make(source: IPAddress(v4: 5), sourcePort: 40000, destination: IPAddress(v4: 1), destinationPort: 22)
        let b = FlowKey.make(source: IPAddress(v4: 1), sourcePort: 22, destination: IPAddress(v4: 5), destinationPort: 40000)
        #expect(a.key == b.key)
        #expect(a.sourceIsLow != b.sourceIsLow)
    }

    @Test func leastRecentlyUsedIsOldest() {
        var table = FlowTable<Int>(capacity: 3)
        let s1 = table.insert(key(10), 1, at: 1)
        _ = table.insert(key(11), 2, at: 2)
        _ = table.insert(key(12), 3, at: 3)
        #expect(table.oldest == s1)
        table.touch(s1, at: 4)
        #expect(table.oldest == table.find(key(11)))
        let oldest = table.oldest ?? -1
        table.remove(oldest)
        #expect(table.count == 2)
        #expect(table.find(key(11)) == nil)
        let reused = table.insert(key(13), 4, at: 5)
        #expect(reused == oldest)  // the slot is reused, the table does not grow
        #expect(table.meta.count == 3)
        #expect(table[reused] == 4)
    }

    /// Two keys whose 32-bit hashes are equal share a home bucket and a tag: each is still found by its
    /// own key, and removing one leaves the other findable (the tag only spares reads of other keys).
    @Test func equalHashesAreToldApartByTheirKeys() {
        var table = FlowTable<Int>(capacity: 16)
        table.index = FlowIndex(seed: 0x5eed)
        var seen: [UInt32: UInt32] = [:]
        var pair: (UInt32, UInt32)? = nil
        for n in UInt32(2)..<400_000 {
            let h = table.index.hash(key(n))
            if let m = seen[h] { pair = (m, n); break }
            seen[h] = n
        }
        guard let (a, b) = pair else {
            Issue.record("no two keys with one 32-bit hash among 400,000")
            return
        }
        #expect(table.index.hash(key(a)) == table.index.hash(key(b)))
        let sa = table.insert(key(a), 1, at: 1)
        let sb = table.insert(key(b), 2, at: 2)
        #expect(table.find(key(a)) == sa)
        #expect(table.find(key(b)) == sb)
        table.remove(sa)
        #expect(table.find(key(a)) == nil)
        #expect(table.find(key(b)) == sb)
        #expect(table[sb] == 2)
        table.remove(sb)
        #expect(table.find(key(b)) == nil)
        #expect(table.count == 0)
    }

    /// The open-addressing index against a Dictionary model: random inserts, lookups and removals over
    /// IPv4 and IPv6 keys, past several growths, with removals that shift probe chains back.
    @Test func indexAgreesWithADictionaryModel() {
        var generator = SystemRandomNumberGenerator()
        var table = FlowTable<Int>(capacity: 5_000)
        var model: [FlowKey: Int] = [:]
        func randomKey() -> FlowKey {
            let v6 = Bool.random(using: &generator)
            let a = v6 ? IPAddress(v6High: 0x2001_0db8_0000_0000, v6Low: UInt64.random(in: 0...3_000, using: &generator))
                : IPAddress(v4: UInt32.random(in: 0...3_000, using: &generator))
            let b = v6 ? IPAddress(v6High: 0x2001_0db8_0000_0000, v6Low: 1) : IPAddress(v4: 1)
            return FlowKey.make(source: a, sourcePort: UInt16.random(in: 40000...40003, using: &generator), destination: b, destinationPort: 22).key
        }
        for step in 0..<60_000 {
            let k = randomKey()
            let found = table.find(k)
            #expect((found != nil) == (model[k] != nil))
            if let slot = found {
                #expect(table[slot] == model[k])
                #expect(table.key(at: slot) == k)
                if Bool.random(using: &generator) {
                    table.remove(slot)
                    model[k] = nil
                }
            } else if table.count < table.capacity {
                let slot = table.insert(k, step, at: Int64(step))
                model[k] = step
                #expect(table.find(k) == slot)
            }
            #expect(table.count == model.count)
        }
        for (k, v) in model {
            guard let slot = table.find(k) else { Issue.record("lost \(k)"); continue }
            #expect(table[slot] == v)
        }
    }
}

/// Timing kept for RST attribution (issue 21): when each side's newest bytes and ACKs passed, the round trip
/// measured by ACKs, and the last few segment ends.
@Suite struct SegmentTimingTests {
    @Test func ackRoundTripIsTheShortestFullAckOfNewData() {
        for steady in [false, true] {
            var c = Conversation()
            c.handshake()  // SYN at 1 ms, SYN-ACK at 2 ms: the server's first sample is 1 ms
            #expect(c.connection.responder.ackRTTMin == 1_000_000)
            c.send(.originator, [.ack, .psh], length: 100, steady: steady)  // t = 4 ms
            c.send(.originator, [.ack, .psh], length: 100, steady: steady)  // t = 5 ms
            c.time += 40_000_000
            c.send(.responder, .ack, steady: steady)  // acks both, 41 ms after the newest: not shorter
            #expect(c.connection.responder.ackRTTMin == 1_000_000)
            #expect(c.connection.originator.seqAdvanceTime == 5_000_000)
            #expect(c.connection.responder.ackAdvanceTime == 46_000_000)
            var d = Conversation()
            d.send(.originator, .syn)
            d.time += 50_000_000
            d.send(.responder, [.syn, .ack])
            d.send(.originator, .ack)
            #expect(d.connection.responder.ackRTTMin == 51_000_000)
            d.send(.originator, [.ack, .psh], length: 10, steady: steady)
            d.time += 20_000_000
            d.send(.responder, .ack, steady: steady)
            #expect(d.connection.responder.ackRTTMin == 21_000_000)
            // An ACK of only part of the client's bytes is no sample.
            d.send(.originator, [.ack, .psh], length: 10, steady: steady)
            d.send(.responder, .ack, ack: d.clientSeq &- 5, steady: steady)
            #expect(d.connection.responder.ackRTTMin == 21_000_000)
        }
    }

    @Test func recentSegmentEndsKeepTheLastFourInOrder() {
        var c = Conversation()
        c.handshake()
        var ends: [UInt32] = []
        for _ in 0..<6 {
            c.send(.originator, [.ack, .psh], length: 100, steady: true)
            ends.append(c.clientSeq)
        }
        c.send(.originator, [.ack, .psh], length: 100, seq: 1101, steady: true)  // a retransmission: not remembered
        let recent = c.connection.originator.recentAdvances
        #expect(recent.map(\.end) == Array(ends.suffix(4)))
        #expect(recent.map(\.time) == recent.map(\.time).sorted())
    }

    @Test func aResetsAckDoesNotMoveItsSendersAck() {
        var c = Conversation()
        c.handshake()
        c.send(.originator, [.ack, .psh], length: 100)
        c.send(.responder, .ack)
        let before = c.connection.responder.lastAck
        c.send(.responder, [.rst, .ack], ack: c.clientSeq &+ 5000)
        #expect(c.connection.responder.lastAck == before)
    }
}
