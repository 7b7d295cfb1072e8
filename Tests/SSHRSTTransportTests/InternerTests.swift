import SSHRSTBytes
import Testing
@testable import SSHRSTTransport

/// `summary(interner:)` must give exactly what `summary()` gives; the interner only saves work.
@Suite struct InternerTests {
    func session(clientLists: [[String]] = Fixture.clientLists, cookie: UInt8 = 0, follows: Bool = false,
                 cache: KexInitCheckCache? = nil) -> SSHTransportSession {
        var f = Feeder(kexCheckCache: cache)
        f.send(.originator, Array((Fixture.clientBanner + "\r\n").utf8)
            + Wire.packet(Wire.kexInit(clientLists, cookie: [UInt8](repeating: cookie, count: 16), follows: follows)))
        f.send(.responder, Fixture.serverStream)
        f.session.finish()
        return f.session
    }

    func expectSame(_ a: SSHSummary, _ b: SSHSummary) {
        #expect(a.originatorKexInit == b.originatorKexInit)
        #expect(a.responderKexInit == b.responderKexInit)
        #expect(a.effectiveNegotiation == b.effectiveNegotiation)
        #expect(a.sshClientSide == b.sshClientSide)
        #expect(a.anomalies == b.anomalies)
    }

    @Test func sameKexInitIsDecodedOnceAndKeepsEachCookie() throws {
        let interner = KexInitInterner(capacity: 8)
        let first = session(cookie: 1).summary(interner: interner)
        let second = session(cookie: 2).summary(interner: interner)
        expectSame(first, session(cookie: 1).summary())
        expectSame(second, session(cookie: 2).summary())
        #expect(first.originatorKexInit?.cookie == [UInt8](repeating: 1, count: 16))
        #expect(second.originatorKexInit?.cookie == [UInt8](repeating: 2, count: 16))
        #expect(first.originatorKexInitID != nil && first.originatorKexInitID == second.originatorKexInitID)
        #expect(first.responderKexInitID == second.responderKexInitID)
        #expect(first.originatorKexInitID != first.responderKexInitID)
        #expect(interner.count == 2)
        #expect(interner.hits == 2 && interner.misses == 2)
        #expect(first.effectiveNegotiation == first.negotiation)
    }

    @Test func differentListsOrFollowsGetDifferentEntries() {
        let interner = KexInitInterner(capacity: 8)
        var other = Fixture.clientLists
        other[2] = Array(other[2].reversed())
        let a = session().summary(interner: interner)
        let b = session(clientLists: other).summary(interner: interner)
        let c = session(follows: true).summary(interner: interner)
        expectSame(b, session(clientLists: other).summary())
        expectSame(c, session(follows: true).summary())
        #expect(Set([a.originatorKexInitID, b.originatorKexInitID, c.originatorKexInitID]).count == 3)
        #expect(b.effectiveNegotiation?.cipherClientToServer == other[2].first { Fixture.serverLists[2].contains($0) })
        #expect(a.effectiveNegotiation?.cipherClientToServer == Fixture.clientLists[2].first { Fixture.serverLists[2].contains($0) })
        #expect(c.originatorKexInit?.firstKexPacketFollows == true)
    }

    @Test func fullInternerStillDecodesCorrectly() {
        let interner = KexInitInterner(capacity: 1)
        var other = Fixture.clientLists
        other[0] = ["diffie-hellman-group14-sha256"] + other[0]
        _ = session().summary(interner: interner)  // fills the single slot (client KEXINIT)
        let s = session(clientLists: other).summary(interner: interner)
        expectSame(s, session(clientLists: other).summary())
        #expect(s.originatorKexInitID == nil && s.responderKexInitID == nil)
        #expect(interner.count == 1)
        #expect(s.effectiveNegotiation?.kex == "diffie-hellman-group14-sha256")
    }

    @Test func oversizedKexInitsAreNotRemembered() {
        let interner = KexInitInterner(capacity: 8)
        var big = Fixture.clientLists
        big[0] = (0..<300).map { "kex-\($0)-long-name@example.com" } + big[0]
        let a = session(clientLists: big).summary(interner: interner)
        let b = session(clientLists: big).summary(interner: interner)
        expectSame(a, session(clientLists: big).summary())
        #expect(a.originatorKexInitID == nil && b.originatorKexInitID == nil)
        #expect(a.responderKexInitID != nil && a.responderKexInitID == b.responderKexInitID)
        #expect(a.effectiveNegotiation?.kex == Fixture.clientLists[0].first { Fixture.serverLists[0].contains($0) })
        #expect(interner.count == 1)
    }

    // The check cache: a KEXINIT whose lists were seen before skips the walk over its bytes, with the same results.

    @Test func checkCacheGivesTheSameSummaries() {
        let cache = KexInitCheckCache(capacity: 8)
        let interner = KexInitInterner(capacity: 8)
        let first = session(cookie: 1, cache: cache)
        let second = session(cookie: 2, cache: cache)
        expectSame(first.summary(), session(cookie: 1).summary())
        expectSame(second.summary(), session(cookie: 2).summary())
        expectSame(second.summary(interner: interner), session(cookie: 2).summary(interner: KexInitInterner(capacity: 8)))
        #expect(cache.count == 2)  // the client's lists and the server's
        #expect(second.summary().originatorKexInit?.cookie == [UInt8](repeating: 2, count: 16))
    }

    @Test func checkCacheKeepsEveryAnomaly() {
        let cache = KexInitCheckCache(capacity: 8)
        // An empty name is printable text (kept, flagged malformed each time); a space or a byte over 0x7E is not
        // printable US-ASCII (never kept, still flagged).
        var empty = Fixture.clientLists
        empty[0] = ["curve25519-sha256", "", "ext-info-c"]
        var spaced = Fixture.clientLists
        spaced[1] = ["ssh-ed25519 x"]
        var high = Fixture.clientLists
        high[2] = ["aes128-ctr\u{e9}"]
        for lists in [empty, spaced, high] {
            let plain = session(clientLists: lists).summary()
            #expect(plain.anomalies.contains("name_list_malformed"))
            for _ in 0..<2 {
                expectSame(session(clientLists: lists, cache: cache).summary(), plain)
            }
        }
        #expect(cache.count == 2)  // the server's lists and `empty`; `spaced` and `high` were not kept
        // A cached KEXINIT is still interned by its text: same ids with and without the cache.
        let interner = KexInitInterner(capacity: 8)
        let a = session(clientLists: empty, cache: cache).summary(interner: interner)
        let b = session(clientLists: empty).summary(interner: interner)
        #expect(a.originatorKexInitID != nil && a.originatorKexInitID == b.originatorKexInitID)
    }

    @Test func digestTwinsAreToldApart() {
        // Two client lists of one length that differ only in bytes the digest does not sample (wire offsets 12
        // and 13): one digest, different bytes. The second must be checked in full (its empty name flagged),
        // not given the first one's lists and checks.
        let plain = Fixture.clientLists
        var twin = Fixture.clientLists
        twin[0][0] = "sntrup76,,25519-sha512@openssh.com"
        #expect(plain[0][0].utf8.count == twin[0][0].utf8.count)
        func wire(_ lists: [[String]]) -> [UInt8] {
            let k = Wire.kexInit(lists)
            return Array(k[17..<(k.count - 4)])  // after type and cookie, before the reserved word
        }
        #expect(wire(plain) != wire(twin))
        #expect(SampledDigest.of(wire(plain).span) == SampledDigest.of(wire(twin).span))
        let cache = KexInitCheckCache(capacity: 8)
        expectSame(session(clientLists: plain, cache: cache).summary(), session(clientLists: plain).summary())
        for _ in 0..<2 {
            let s = session(clientLists: twin, cache: cache).summary()
            #expect(s.anomalies.contains("name_list_malformed"))
            expectSame(s, session(clientLists: twin).summary())
        }
        #expect(cache.count == 2)  // the plain client lists and the server's; the twin's digest was taken
    }

    @Test func fullCheckCacheStillChecks() {
        let cache = KexInitCheckCache(capacity: 1)
        _ = session(cache: cache)  // the client's lists fill the only slot
        var empty = Fixture.clientLists
        empty[0] = ["curve25519-sha256", ""]
        for _ in 0..<2 {
            let s = session(clientLists: empty, cache: cache).summary()
            #expect(s.anomalies.contains("name_list_malformed"))
            expectSame(s, session(clientLists: empty).summary())
        }
        #expect(cache.count == 1)
    }
}
