import Testing
@testable import SSHRSTTransport

/// Inputs built to break a parser. Each must give a named anomaly, never a trap or unbounded memory.
@Suite struct HostileInputTests {
    func afterBanner(_ bytes: [UInt8], side: SSHSide = .responder) -> SSHSummary {
        var f = Feeder()
        f.send(side, Array("SSH-2.0-x\r\n".utf8) + bytes)
        f.session.finish()
        return f.session.summary()
    }

    @Test func packetLengthAllOnes() {
        let s = afterBanner([0xFF, 0xFF, 0xFF, 0xFF, 0x04] + [UInt8](repeating: 0, count: 100))
        #expect(s.anomalies == ["packet_too_large"])
    }

    @Test func packetLengthJustOverCap() {
        let s = afterBanner(Wire.u32(UInt32(TransportLimits.maxPacketLength + 1)) + [4, 20])
        #expect(s.anomalies == ["packet_too_large"])
    }

    @Test func paddingLargerThanPacket() {
        #expect(afterBanner(Wire.u32(12) + [200, 20] + [UInt8](repeating: 0, count: 10)).anomalies == ["padding_invalid"])
        #expect(afterBanner(Wire.u32(12) + [11, 20] + [UInt8](repeating: 0, count: 10)).anomalies == ["padding_invalid"])
        #expect(afterBanner(Wire.u32(0) + [0]).anomalies == ["packet_too_small"])
        #expect(afterBanner(Wire.u32(1) + [0]).anomalies == ["packet_too_small"])
    }

    @Test func nameListLongerThanPacket() {
        var p: [UInt8] = [20] + [UInt8](repeating: 0, count: 16)
        p += Wire.u32(5000) + Array("curve25519-sha256".utf8)
        let s = afterBanner(Wire.packet(p))
        #expect(s.anomalies == ["kexinit_malformed"])
        #expect(s.responderKexInit == nil)
    }

    @Test func kexInitTruncatedAtEveryField() {
        let full = Wire.kexInit(Fixture.serverLists)
        for n in 1..<full.count {
            let s = afterBanner(Wire.packet(Array(full[0..<n])))
            #expect(s.anomalies == ["kexinit_malformed"], "payload cut at \(n)")
        }
        #expect(afterBanner(Wire.packet(full)).anomalies == [])
    }

    @Test func messageTooLargeIsSkipped() {
        // A 100 KB KEXINIT cannot be buffered (64 KiB per direction): skipped with a named anomaly, the next packet is parsed.
        var lists = Fixture.serverLists
        lists[8] = [String(repeating: "x", count: 100_000)]
        let s = afterBanner(Wire.packet(Wire.kexInit(lists)) + Wire.packet([1] + Wire.u32(11) + Wire.string("bye") + Wire.string("")))
        #expect(s.anomalies == ["message_too_large"])
        #expect(s.disconnect?.reasonCode == 11)
        // A big IGNORE message is skipped silently.
        let t = afterBanner(Wire.packet([2] + Wire.string([UInt8](repeating: 0, count: 90_000))) + Fixture.serverKexInitPacket)
        #expect(t.anomalies == [])
        #expect(t.responderKexInit != nil)
    }

    @Test func malformedNameLists() {
        var lists = Fixture.serverLists
        lists[0] = ["curve25519-sha256", "", "ecdh-sha2-nistp256"]
        let s = afterBanner(Wire.packet(Wire.kexInit(lists)))
        #expect(s.anomalies == ["name_list_malformed"])
        #expect(s.responderKexInit?.kexAlgorithms == ["curve25519-sha256", "", "ecdh-sha2-nistp256"])
        lists[0] = [String(repeating: "a", count: 65)]
        #expect(afterBanner(Wire.packet(Wire.kexInit(lists))).anomalies == ["name_list_malformed"])
        var bin = Wire.kexInit(Fixture.serverLists)
        bin[17 + 4] = 0x01   // first byte of the kex name-list becomes a control byte
        let b = afterBanner(Wire.packet(bin))
        #expect(b.anomalies == ["name_list_malformed"])
        #expect(b.responderKexInit?.kexAlgorithms.first?.hasPrefix("\\x01") == true)
    }

    @Test func nameListTooManyNames() {
        var lists = Fixture.serverLists
        lists[1] = (0..<(TransportLimits.maxNamesPerList + 10)).map { "k\($0)" }
        let s = afterBanner(Wire.packet(Wire.kexInit(lists)))
        #expect(s.anomalies == ["name_list_too_long"])
        #expect(s.responderKexInit?.serverHostKeyAlgorithms.count == TransportLimits.maxNamesPerList)
        #expect(s.responderKexInit?.rawNameLists[1] == lists[1].joined(separator: ","))
    }

    @Test func twoThousandEntryListsNegotiateLinearly() {
        // Zeek's kex-quadratic-1000 trace: huge lists, nothing in common.
        let a = (0..<2000).map { "c-\($0)@x" }
        let b = (0..<2000).map { "s-\($0)@x" }
        var cl = Fixture.clientLists
        var sl = Fixture.serverLists
        for k in 0..<2 { cl[k] = a; sl[k] = b }
        var f = Feeder()
        f.send(.originator, Array("SSH-2.0-c\r\n".utf8) + Wire.packet(Wire.kexInit(cl)) + Wire.packet([30, 0, 0, 0, 0]))
        f.send(.responder, Array("SSH-2.0-s\r\n".utf8) + Wire.packet(Wire.kexInit(sl)))
        let s = f.session.summary()
        #expect(s.anomalies == [])
        let n = s.negotiation
        #expect(n?.kex == nil)
        #expect(n?.failure == "kex")
        // Same lists with one common name at the very end of the client's list.
        var sl2 = sl
        sl2[0] = b + ["c-1999@x"]
        let n2 = negotiate(client: KexInit(kexAlgorithms: a, serverHostKeyAlgorithms: ["x"], encryptionClientToServer: ["x"],
                                          encryptionServerToClient: ["x"], macClientToServer: ["x"], macServerToClient: ["x"],
                                          compressionClientToServer: ["x"], compressionServerToClient: ["x"]),
                           server: KexInit(kexAlgorithms: sl2[0], serverHostKeyAlgorithms: ["x"], encryptionClientToServer: ["x"],
                                          encryptionServerToClient: ["x"], macClientToServer: ["x"], macServerToClient: ["x"],
                                          compressionClientToServer: ["x"], compressionServerToClient: ["x"]))
        #expect(n2.kex == "c-1999@x")
        #expect(n2.failure == nil)
    }

    @Test func malformedKexReply() {
        var f = Feeder()
        f.send(.originator, Fixture.clientStream)
        f.send(.responder, Array("SSH-2.0-s\r\n".utf8) + Fixture.serverKexInitPacket
            + Wire.packet([31] + Wire.u32(9999) + [1, 2, 3]) + Wire.packet([21]))
        let s = f.session.summary()
        #expect(s.hostKey == nil)
        #expect(s.anomalies == ["host_key_malformed"])
    }

    @Test func malformedDisconnect() {
        let s = afterBanner(Wire.packet([1, 0, 0]) + Fixture.serverKexInitPacket)
        #expect(s.anomalies == ["disconnect_malformed"])
        #expect(s.responderKexInit != nil)
    }

    @Test func malformedSSH1PublicKey() {
        var f = Feeder()
        f.send(.responder, Array("SSH-1.5-x\n".utf8) + Wire.ssh1Packet(type: 2, [UInt8](repeating: 0, count: 12) + [0xFF, 0xFF, 1]))
        #expect(f.session.summary().anomalies == ["ssh1_public_key_malformed"])
        var g = Feeder()
        g.send(.responder, Array("SSH-1.5-x\n".utf8) + Wire.u32(3) + [0, 0, 0, 0, 0, 0, 0, 0])
        #expect(g.session.summary().anomalies == ["packet_too_small"])
    }

    @Test func randomBytesNeverTrap() {
        // Deterministic xorshift noise after each kind of start, in random segment sizes, both sides.
        var x: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 { x ^= x << 13; x ^= x >> 7; x ^= x << 17; return x }
        let starts: [[UInt8]] = [[], Array("SSH-2.0-x\r\n".utf8), Array("SSH-1.5-x\n".utf8), Array("SSH-1.99-x\n".utf8),
                                 Array("SSH-2.0-x\r\n".utf8) + Wire.u32(40) + [4, 20]]
        for start in starts {
            for _ in 0..<60 {
                var f = Feeder()
                var bytes = start
                for _ in 0..<Int(next() % 400) { bytes.append(UInt8(truncatingIfNeeded: next())) }
                var i = 0
                while i < bytes.count {
                    let n = 1 + Int(next() % 50)
                    let side: SSHSide = next() % 2 == 0 ? .originator : .responder
                    f.send(side, Array(bytes[i..<min(i + n, bytes.count)]))
                    if next() % 7 == 0 { f.send(side, at: UInt32(truncatingIfNeeded: next()), Array(bytes[i..<min(i + n, bytes.count)])) }
                    i += n
                }
                f.session.finish()
                _ = f.session.summary()
                _ = f.session.phaseCode
            }
        }
    }

    @Test func everyPrefixOfHostileStreamsIsSafe() {
        let streams: [[UInt8]] = [
            Array("SSH-2.0-x\r\n".utf8) + [0xFF, 0xFF, 0xFF, 0xFF, 0xFF],
            Array("SSH-1.5-x\n".utf8) + Wire.ssh1Packet(type: 2, [UInt8](repeating: 0xFF, count: 40)),
            Fixture.gexServer,
        ]
        for bytes in streams {
            for n in 0...bytes.count {
                var f = Feeder()
                f.send(.responder, Array(bytes[0..<n]), chunk: 3)
                f.session.finish()
                _ = f.session.summary()
            }
        }
    }

    @Test func anomalyNamesAreStableSnakeCase() {
        for a in TransportAnomaly.allCases {
            #expect(a.name.allSatisfy { $0.isLowercase || $0 == "_" || $0.isNumber }, "\(a.name)")
        }
        #expect(TransportAnomaly.allCases.count < 64)   // AnomalyLog keeps a 64-bit mask
    }
}
