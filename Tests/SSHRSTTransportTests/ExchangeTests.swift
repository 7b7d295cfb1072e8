import Testing
@testable import SSHRSTTransport

@Suite struct ExchangeTests {
    func fullExchange() -> SSHSummary {
        var f = Feeder()
        f.send(.originator, Fixture.clientStream)
        f.send(.responder, Fixture.serverStream)
        f.session.finish()
        return f.session.summary()
    }

    @Test func openSSHCurve25519Exchange() {
        let s = fullExchange()
        #expect(s.originatorBanner == Fixture.clientBanner)
        #expect(s.responderBanner == Fixture.serverBanner)
        #expect(s.version == 2)
        #expect(s.sshClientSide == .originator)
        #expect(s.originatorKexInit?.kexAlgorithms == Fixture.clientLists[0])
        #expect(s.originatorKexInit?.serverHostKeyAlgorithms == Fixture.clientLists[1])
        #expect(s.responderKexInit?.compressionServerToClient == ["zlib@openssh.com", "none"])
        #expect(s.responderKexInit?.languagesClientToServer == [])
        #expect(s.originatorKexInit?.cookie == Array(0..<16))
        #expect(s.originatorKexInit?.firstKexPacketFollows == false)
        #expect(s.originatorKexInit?.rawNameLists.count == 10)
        #expect(s.originatorKexInit?.rawNameLists[0] == Fixture.clientLists[0].joined(separator: ","))
        #expect(s.hostKey == HostKey(algorithm: "ssh-ed25519", blob: Wire.ed25519Blob()))
        #expect(s.newKeys.originator && s.newKeys.responder)
        #expect(s.bytesAfterNewKeys.originator == 48)
        #expect(s.bytesAfterNewKeys.responder == 64)
        #expect(s.segmentsAfterNewKeys.originator == 1)
        #expect(s.anomalies == [])
        #expect(s.phase == .encrypted)
        #expect(!s.originatorNonSSH && !s.responderNonSSH)
        #expect(s.disconnect == nil)
    }

    @Test func negotiationHasshAndMarkers() throws {
        let s = fullExchange()
        let c = try #require(s.clientKexInit)
        let v = try #require(s.serverKexInit)
        let n = try #require(s.negotiation)
        #expect(n == Negotiation(
            kex: "curve25519-sha256", hostKey: "ssh-ed25519",
            cipherClientToServer: "chacha20-poly1305@openssh.com", cipherServerToClient: "aes128-ctr",
            macClientToServer: "umac-64-etm@openssh.com", macServerToClient: "hmac-sha2-256-etm@openssh.com",
            compressionClientToServer: "none", compressionServerToClient: "none", failure: nil))
        #expect(hasshString(client: c) == [0, 2, 4, 6].map { Fixture.clientLists[$0].joined(separator: ",") }.joined(separator: ";"))
        #expect(hasshServerString(server: v) == [0, 3, 5, 7].map { Fixture.serverLists[$0].joined(separator: ",") }.joined(separator: ";"))
        #expect(hasshString(client: c).contains("ext-info-c,kex-strict-c-v00@openssh.com;"))
        #expect(c.offersStrictKexClient && c.offersExtInfoClient && !c.offersStrictKexServer)
        #expect(v.offersStrictKexServer && v.offersExtInfoServer && !v.offersExtInfoClient)
    }

    @Test func signalsAreReported() {
        var f = Feeder()
        let banner = f.send(.originator, Array("SSH-2.0-x\r\n".utf8))
        #expect(banner.contains(.identification))
        let kex = f.send(.originator, Fixture.clientKexInitPacket)
        #expect(kex == [.kexInit])
        let nk = f.send(.originator, Wire.packet([21]) + [1, 2, 3])
        #expect(nk.contains(.newKeys))
        #expect(f.session.phaseCode == .encrypted)   // NEWKEYS followed by more bytes from that side
    }

    @Test func phaseProgression() {
        var f = Feeder()
        #expect(f.session.phaseCode == .tcp)
        f.send(.responder, Array("SSH-2.0-OpenSSH_9.6\r\n".utf8))
        #expect(f.session.phaseCode == .version)
        f.send(.responder, Fixture.serverKexInitPacket)
        #expect(f.session.phaseCode == .kex)
        f.send(.responder, Wire.packet([21]))
        #expect(f.session.phaseCode == .kex)
        f.send(.originator, Array("SSH-2.0-x\r\n".utf8) + Wire.packet([21]))
        #expect(f.session.phaseCode == .encrypted)
    }

    @Test func groupExchangeHostKeyComesFrom33() {
        var f = Feeder()
        f.send(.originator, Fixture.gexClient)
        f.send(.responder, Fixture.gexServer)
        f.session.finish()
        let s = f.session.summary()
        #expect(s.sshClientSide == .originator)
        #expect(s.hostKey == HostKey(algorithm: "ssh-rsa", blob: Fixture.rsaBlob))
        #expect(s.negotiation?.kex == "diffie-hellman-group-exchange-sha256")
        #expect(s.anomalies == [])
    }

    @Test func sshClientDecidedByMessagesNotByTCPRole() {
        // The TCP responder acts as SSH client (e.g. a reverse connection).
        var f = Feeder()
        f.send(.responder, Fixture.gexClient)
        f.send(.originator, Fixture.gexServer)
        let s = f.session.summary()
        #expect(s.sshClientSide == .responder)
        #expect(s.hostKey?.algorithm == "ssh-rsa")
        #expect(s.clientKexInit == s.responderKexInit)
    }

    @Test func clientSideFromOneDirectionOnly() {
        var f = Feeder()
        f.send(.originator, Fixture.clientStream)
        #expect(f.session.summary().sshClientSide == .originator)
        var g = Feeder()
        g.send(.responder, Fixture.serverStream)
        let s = g.session.summary()
        #expect(s.sshClientSide == .originator)
        #expect(s.hostKey?.algorithm == "ssh-ed25519")   // structural fallback without the client KEXINIT
    }

    @Test func certificateHostKeyType() {
        let cert = Wire.string("ssh-ed25519-cert-v01@openssh.com") + Wire.string([UInt8](repeating: 1, count: 32))
            + Wire.string([UInt8](repeating: 2, count: 32))
        var f = Feeder()
        f.send(.originator, Fixture.clientStream)
        f.send(.responder, Array("SSH-2.0-s\r\n".utf8) + Fixture.serverKexInitPacket
            + Wire.packet([31] + Wire.string(cert) + Wire.string([9]) + Wire.string([8])))
        #expect(f.session.summary().hostKey == HostKey(algorithm: "ssh-ed25519-cert-v01@openssh.com", blob: cert))
    }

    @Test func disconnectBeforeNewKeys() {
        var f = Feeder()
        f.send(.originator, Fixture.clientStream.prefix(21 + Fixture.clientKexInitPacket.count).map { $0 })
        let sig = f.send(.responder, Array("SSH-2.0-OpenSSH_9.6\r\n".utf8) + Wire.packet(
            [1] + Wire.u32(3) + Wire.string("no matching host key type found") + Wire.string("")))
        #expect(sig.contains(.disconnect))
        let s = f.session.summary()
        #expect(s.disconnect == Disconnect(side: .responder, reasonCode: 3, description: "no matching host key type found"))
        #expect(s.phase == .kex)
    }

    @Test func ssh1PublicKey() {
        // SSH_SMSG_PUBLIC_KEY: cookie, server key (768 bits), host key (1024 bits) ...
        let hostModulus: [UInt8] = [0xC0] + [UInt8](repeating: 0x5A, count: 127)
        let hostExponent: [UInt8] = [0x01, 0x00, 0x01]
        var data: [UInt8] = [UInt8](repeating: 0xCC, count: 8)
        data += Wire.u32(768) + [0x00, 0x11, 0x01, 0x00, 0x01] + [0x03, 0x00] + [UInt8](repeating: 0x77, count: 96)
        data += Wire.u32(1024) + [0x00, 0x11] + hostExponent + [0x04, 0x00] + hostModulus
        data += Wire.u32(2) + Wire.u32(0x48) + Wire.u32(0x2C)
        var f = Feeder()
        f.send(.responder, Array("SSH-1.5-OpenSSH_6.6\n".utf8))
        f.send(.originator, Array("SSH-1.5-OpenSSH_6.6\n".utf8))
        let sig = f.send(.responder, Wire.ssh1Packet(type: 2, data) + [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(sig.contains(.kexReply))
        f.send(.originator, Wire.ssh1Packet(type: 3, [UInt8](repeating: 0, count: 40)) + [9, 9, 9, 9])
        let s = f.session.summary()
        #expect(s.version == 1)
        #expect(s.hostKey == HostKey(algorithm: "rsa1", blob: hostModulus + hostExponent))
        #expect(s.sshClientSide == .originator)
        #expect(s.bytesAfterNewKeys.responder == 8)
        #expect(s.bytesAfterNewKeys.originator == 4)
        #expect(s.phase == .encrypted)
        #expect(s.anomalies == [])
    }

    @Test func ssh199ServerWaitsForClientBanner() {
        // The server's banner and KEXINIT arrive before the client's banner.
        var f = Feeder()
        let sig = f.send(.responder, Array("SSH-1.99-OpenSSH_3.9p1\r\n".utf8) + Fixture.serverKexInitPacket)
        #expect(sig == [.identification])
        let sig2 = f.send(.originator, Array("SSH-2.0-OpenSSH_9.6\r\n".utf8))
        #expect(sig2.contains(.kexInit))   // the server's KEXINIT, released by the client banner
        let s = f.session.summary()
        #expect(s.version == 2)
        #expect(s.responderKexInit?.kexAlgorithms == Fixture.serverLists[0])
    }

    @Test func ssh199ServerWithSSH1Client() {
        var f = Feeder()
        f.send(.responder, Array("SSH-1.99-OpenSSH_3.9p1\n".utf8))
        f.send(.originator, Array("SSH-1.5-1.2.27\n".utf8))
        var data: [UInt8] = [UInt8](repeating: 0, count: 8) + Wire.u32(768) + [0, 2, 3] + [0, 8, 0xFF]
        data += Wire.u32(1024) + [0, 2, 3] + [0, 16, 0xAB, 0xCD] + Wire.u32(0) + Wire.u32(0) + Wire.u32(0)
        f.send(.responder, Wire.ssh1Packet(type: 2, data))
        let s = f.session.summary()
        #expect(s.version == 1)
        #expect(s.hostKey == HostKey(algorithm: "rsa1", blob: [0xAB, 0xCD, 0x03]))
    }

    @Test func lone199BannerIsParsedAsSSH2AtFinish() {
        var f = Feeder()
        f.send(.responder, Array("SSH-1.99-OpenSSH_3.9p1\r\n".utf8) + Fixture.serverKexInitPacket)
        #expect(f.session.summary().responderKexInit == nil)
        f.session.finish()
        let s = f.session.summary()
        #expect(s.responderKexInit != nil)
        #expect(s.version == 2)
    }

    @Test func versionMismatch() {
        var f = Feeder()
        f.send(.originator, Array("SSH-2.0-a\r\n".utf8))
        f.send(.responder, Array("SSH-1.5-b\r\n".utf8))
        let s = f.session.summary()
        #expect(s.version == 1)
        #expect(s.anomalies == ["version_mismatch"])
        var g = Feeder()
        g.send(.originator, Array("SSH-2.0-a\r\n".utf8))
        g.send(.responder, Array("SSH-1.99-b\r\n".utf8))
        #expect(g.session.summary().version == 2)
        var h = Feeder()
        h.send(.responder, Array("SSH-1.99-b\r\n".utf8))
        #expect(h.session.summary().version == 2)
        #expect(Feeder().session.summary().version == nil)
    }

    @Test func unknownProtocolVersion() {
        var f = Feeder()
        f.send(.responder, Array("SSH-3.0-future\r\n".utf8) + Fixture.serverKexInitPacket)
        let s = f.session.summary()
        #expect(s.responderBanner == "SSH-3.0-future")
        #expect(s.anomalies == ["unknown_protocol_version"])
        #expect(s.responderKexInit == nil)
    }

    @Test func firstKexPacketFollowsAndGuessedPacket() {
        var f = Feeder()
        f.send(.originator, Array("SSH-2.0-c\r\n".utf8) + Wire.packet(Wire.kexInit(Fixture.clientLists, follows: true))
            + Wire.packet([30] + Wire.string([UInt8](repeating: 1, count: 32))))
        let s = f.session.summary()
        #expect(s.originatorKexInit?.firstKexPacketFollows == true)
        #expect(s.sshClientSide == .originator)
    }

    @Test func ignoreAndDebugMessagesAreSkipped() {
        var f = Feeder()
        f.send(.responder, Array("SSH-2.0-s\r\n".utf8) + Wire.packet([2] + Wire.string("junk"))
            + Wire.packet([4, 0] + Wire.string("debug") + Wire.string("")) + Fixture.serverKexInitPacket)
        #expect(f.session.summary().responderKexInit != nil)
    }

    @Test func duplicateKexInitKeepsFirst() {
        var f = Feeder()
        f.send(.responder, Array("SSH-2.0-s\r\n".utf8) + Fixture.serverKexInitPacket + Fixture.clientKexInitPacket)
        let s = f.session.summary()
        #expect(s.responderKexInit?.kexAlgorithms == Fixture.serverLists[0])
        #expect(s.anomalies == ["duplicate_kexinit"])
    }
}
