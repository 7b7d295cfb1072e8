import Testing
@testable import SSHRSTTransport

@Suite struct ReassemblyTests {
    let stream = Fixture.serverStream

    func reference() -> Digest {
        var f = Feeder()
        f.send(.responder, stream)
        f.session.finish()
        return Digest(f.session.summary())
    }

    /// Cuts `stream` into segments of `size` bytes: (sequence offset, bytes).
    func segments(_ size: Int) -> [(Int, [UInt8])] {
        stride(from: 0, to: stream.count, by: size).map { ($0, Array(stream[$0..<min($0 + size, stream.count)])) }
    }

    func run(start: UInt32, _ order: [(Int, [UInt8])], startKnown: Bool = true) -> SSHSummary {
        var f = Feeder(startKnown: startKnown, responderStart: start)
        for (off, bytes) in order { f.send(.responder, at: start &+ UInt32(off), bytes) }
        f.session.finish()
        return f.session.summary()
    }

    @Test func retransmissionsAreDropped() {
        var order: [(Int, [UInt8])] = []
        for s in segments(100) { order.append(s); order.append(s) }
        #expect(Digest(run(start: 77, order)) == reference())
    }

    @Test func overlappingSegments() {
        // Each segment re-sends the last 30 bytes of the previous one.
        var order: [(Int, [UInt8])] = []
        var off = 0
        while off < stream.count {
            let from = max(0, off - 30)
            let to = min(off + 120, stream.count)
            order.append((from, Array(stream[from..<to])))
            off = to
        }
        #expect(Digest(run(start: 1, order)) == reference())
    }

    @Test func outOfOrderWithinWindow() {
        let segs = segments(150)
        var order: [(Int, [UInt8])] = []
        var i = 0
        while i + 1 < segs.count { order.append(segs[i + 1]); order.append(segs[i]); i += 2 }
        if i < segs.count { order.append(segs[i]) }
        #expect(Digest(run(start: 9, order)) == reference())
        // Reverse order of the first 7 segments after the first (7 held ranges, within the limit of 8).
        let small = segments(60)
        #expect(small.count > 8)
        var order2 = [small[0]]
        order2 += small[1..<8].reversed()
        order2 += small[8...]
        #expect(Digest(run(start: 9, order2)) == reference())
    }

    @Test func sequenceWrapAround() {
        for start in [UInt32.max - 10, UInt32.max, UInt32.max - 500, 0] {
            let segs = segments(64)
            var order: [(Int, [UInt8])] = []
            var i = 0
            while i + 1 < segs.count { order.append(segs[i + 1]); order.append(segs[i]); order.append(segs[i]); i += 2 }
            if i < segs.count { order.append(segs[i]) }
            #expect(Digest(run(start: start, order)) == reference(), "start \(start)")
        }
    }

    @Test func gapStopsParsing() {
        // Lose the segment holding the end of the KEXINIT: the KEXINIT and everything after it is never parsed.
        let segs = segments(100)
        var order = segs
        order.remove(at: 2)
        let s = run(start: 5, order)
        #expect(s.responderBanner == Fixture.serverBanner)
        #expect(s.responderKexInit == nil)
        #expect(s.hostKey == nil)
        #expect(!s.newKeys.responder)
        #expect(s.anomalies.contains("stream_gap"))
    }

    @Test func gapBeyondWindowOverflows() {
        var f = Feeder()
        f.send(.responder, Array("SSH-2.0-x\r\n".utf8))
        let sig = f.send(.responder, at: 5000 + 11 + 70_000, [1, 2, 3])
        #expect(sig.contains(.violation))
        let later = f.send(.responder, at: 5000 + 11, Fixture.serverKexInitPacket)
        #expect(later == [])
        let s = f.session.summary()
        #expect(s.anomalies == ["reassembly_overflow", "stream_gap"])
        #expect(s.responderKexInit == nil)
    }

    @Test func tooManyHoles() {
        var f = Feeder()
        for k in 0..<9 { f.send(.responder, at: 5000 + UInt32(10 + 20 * k), [0x41]) }
        #expect(f.session.summary().anomalies == ["reassembly_overflow", "stream_gap"])
    }

    @Test func firstSegmentDefinesStartWithoutSYN() {
        var f = Feeder(startKnown: false)
        f.send(.responder, at: 123_456, stream)
        f.session.finish()
        #expect(Digest(f.session.summary()) == reference())
    }

    @Test func newKeysAndEncryptedDataInOneSegment() {
        // PuTTY: NEWKEYS and the first encrypted packet share a segment; parsing stops exactly after NEWKEYS.
        var f = Feeder()
        let enc: [UInt8] = [0x00, 0x00, 0x00, 0x14, 0x06, 0x05] + [UInt8](repeating: 0x99, count: 30)
        f.send(.originator, Array("SSH-2.0-PuTTY_Release_0.76\r\n".utf8) + Fixture.clientKexInitPacket)
        f.send(.originator, Wire.packet([30] + Wire.string([UInt8](repeating: 1, count: 32))))
        f.send(.originator, Wire.packet([21]) + enc)
        f.send(.originator, [UInt8](repeating: 0x77, count: 100))
        let s = f.session.summary()
        #expect(s.newKeys.originator)
        #expect(s.bytesAfterNewKeys.originator == enc.count + 100)
        #expect(s.segmentsAfterNewKeys.originator == 2)
        #expect(s.anomalies == [])
    }

    @Test func countingAfterNewKeysIgnoresRetransmissions() {
        var f = Feeder()
        f.send(.originator, Array("SSH-2.0-c\r\n".utf8) + Wire.packet([21]))
        let base = f.next[0]
        f.send(.originator, at: base, [UInt8](repeating: 1, count: 100))
        f.send(.originator, at: base, [UInt8](repeating: 1, count: 100))       // retransmission
        f.send(.originator, at: base + 300, [UInt8](repeating: 1, count: 100)) // after a hole (lost bytes count)
        f.send(.originator, at: base + 100, [UInt8](repeating: 1, count: 200)) // hole filled late: old
        let s = f.session.summary()
        #expect(s.bytesAfterNewKeys.originator == 400)
        #expect(s.segmentsAfterNewKeys.originator == 2)
    }

    @Test func heldSegmentsAfterNewKeysAreCounted() {
        var f = Feeder()
        let head = Array("SSH-2.0-c\r\n".utf8)
        let nk = Wire.packet([21])
        let tail = [UInt8](repeating: 5, count: 40)
        f.send(.originator, at: 1000 + UInt32(head.count + nk.count), tail)   // early
        f.send(.originator, at: 1000, head + nk)
        let s = f.session.summary()
        #expect(s.newKeys.originator)
        #expect(s.bytesAfterNewKeys.originator == 40)
    }

    @Test func hundredThousandOneByteSegments() {
        // A large KEXINIT (2000-name lists) fed one byte per segment, then 100k encrypted 1-byte segments.
        let names = (0..<2000).map { "algo-\($0)@example.com" }
        var lists = Fixture.clientLists
        lists[0] = names
        let kex = Wire.packet(Wire.kexInit(lists))
        var f = Feeder()
        f.send(.originator, Array("SSH-2.0-c\r\n".utf8) + kex + Wire.packet([21]), chunk: 1)
        for _ in 0..<100_000 { f.send(.originator, [0xAB]) }
        let s = f.session.summary()
        #expect(s.originatorKexInit?.kexAlgorithms.count == 2000)
        #expect(s.bytesAfterNewKeys.originator == 100_000)
        #expect(s.segmentsAfterNewKeys.originator == 100_000)
        #expect(s.anomalies == [])
    }

    @Test func reassemblerUnit() {
        var r = StreamReassembler()
        let a: [UInt8] = [1, 2, 3]
        #expect(r.accept(sequence: 10, payload: a.span) == .deliver(skip: 0))
        r.advance(by: 3)
        #expect(r.accept(sequence: 10, payload: a.span) == .drop)
        #expect(r.accept(sequence: 12, payload: a.span) == .deliver(skip: 1))
        r.advance(by: 2)
        #expect(r.accept(sequence: 20, payload: a.span) == .held)
        #expect(r.takeReady() == nil)
        #expect(r.accept(sequence: 0, payload: [UInt8]().span) == .drop)
        #expect(seqDistance(5, UInt32.max) == 6)
        #expect(seqDistance(UInt32.max, 5) == -6)
    }
}
