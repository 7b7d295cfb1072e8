import Testing
@testable import SSHRSTTransport

/// nio-ssh feeds the identification line in two pieces; we feed every fixture split at every byte boundary.
@Suite struct SplitAndTruncationTests {
    static let streams: [(String, SSHSide, [UInt8])] = [
        ("client", .originator, Fixture.clientStream),
        ("server", .responder, Fixture.serverStream),
        ("gexClient", .originator, Fixture.gexClient),
        ("gexServer", .responder, Fixture.gexServer),
    ]

    func reference(_ side: SSHSide, _ bytes: [UInt8]) -> Digest {
        var f = Feeder()
        f.send(side, bytes)
        f.session.finish()
        return Digest(f.session.summary())
    }

    @Test(arguments: 0..<4)
    func everyTwoWaySplitGivesTheSameSummary(_ k: Int) {
        let (_, side, bytes) = Self.streams[k]
        let want = reference(side, bytes)
        #expect(want.anomalies == [])
        for cut in 1..<bytes.count {
            var f = Feeder()
            f.send(side, bytes, cuts: [cut])
            f.session.finish()
            let got = Digest(f.session.summary())
            #expect(got == want, "cut at \(cut)")
            if got != want { break }
        }
    }

    @Test(arguments: 0..<4)
    func byteByByteGivesTheSameSummary(_ k: Int) {
        let (_, side, bytes) = Self.streams[k]
        var f = Feeder()
        f.send(side, bytes, chunk: 1)
        f.session.finish()
        #expect(Digest(f.session.summary()) == reference(side, bytes))
    }

    @Test func bothDirectionsInterleavedByteByByte() {
        let c = Fixture.clientStream
        let s = Fixture.serverStream
        var f = Feeder()
        for i in 0..<max(c.count, s.count) {
            if i < s.count { f.send(.responder, [s[i]]) }
            if i < c.count { f.send(.originator, [c[i]]) }
        }
        f.session.finish()
        var g = Feeder()
        g.send(.originator, c)
        g.send(.responder, s)
        g.session.finish()
        #expect(Digest(f.session.summary()) == Digest(g.session.summary()))
    }

    /// Every prefix of a full exchange: no trap, and a result consistent with what the prefix holds.
    @Test(arguments: 0..<2)
    func truncationSweep(_ k: Int) {
        let (_, side, bytes) = Self.streams[k]
        let bannerEnd = (bytes.firstIndex(of: 0x0A) ?? 0) + 1
        let kexEnd = bannerEnd + (k == 0 ? Fixture.clientKexInitPacket.count : Fixture.serverKexInitPacket.count)
        for n in 0...bytes.count {
            var f = Feeder()
            f.send(side, Array(bytes[0..<n]))
            f.session.finish()
            let s = f.session.summary()
            let banner = side == .originator ? s.originatorBanner : s.responderBanner
            let kex = side == .originator ? s.originatorKexInit : s.responderKexInit
            if n >= bannerEnd {
                #expect(banner != nil, "prefix \(n)")
            }
            #expect((kex != nil) == (n >= kexEnd), "prefix \(n)")
            if n > 0 && n < bannerEnd - 1 {
                // Cut inside the version line: reported as an unterminated banner, never a crash.
                #expect(s.anomalies.contains("banner_unterminated") || n < 4, "prefix \(n)")
            }
            if n > bannerEnd && n < kexEnd {
                #expect(s.anomalies == ["truncated_message"], "prefix \(n)")
            }
            #expect(!(side == .originator ? s.originatorNonSSH : s.responderNonSSH), "prefix \(n)")
        }
    }

    /// The same sweep with a session that is never finished: only complete items appear, no anomalies.
    @Test func unfinishedPrefixesHaveNoAnomalies() {
        let bytes = Fixture.serverStream
        for n in 0...bytes.count {
            var f = Feeder()
            f.send(.responder, Array(bytes[0..<n]))
            let s = f.session.summary()
            #expect(s.anomalies == [], "prefix \(n)")
        }
    }
}
