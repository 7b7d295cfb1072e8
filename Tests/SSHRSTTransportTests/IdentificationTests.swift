import Testing
@testable import SSHRSTTransport

@Suite struct IdentificationTests {
    @Test func lfOnlyAndEscaping() {
        var f = Feeder()
        f.send(.originator, [UInt8]("SSH-2.0-a\\b\u{01}é\n".utf8))
        #expect(f.session.summary().originatorBanner == "SSH-2.0-a\\b\\x01\\xc3\\xa9")
    }

    @Test func serverPreBannerLines() {
        // RFC 4253 §4.2: "The server MAY send other lines of data before sending the version string."
        var lines: [UInt8] = []
        for i in 0..<35 { lines += Array("line \(i)\twith tab\n".utf8) }
        var f = Feeder()
        f.send(.originator, Array("SSH-2.0-OpenSSH_9.7\r\n".utf8))
        f.send(.responder, lines + Array("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u5\r\n".utf8) + Fixture.serverKexInitPacket, chunk: 1448)
        let s = f.session.summary()
        #expect(s.responderBanner == "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u5")
        #expect(s.responderPreBannerLineCount == 35)
        #expect(s.responderPreBanner.count == TransportLimits.maxStoredPreambleLines)
        #expect(s.responderPreBanner.first == "line 0\\x09with tab")
        #expect(s.responderKexInit != nil)
        #expect(s.anomalies == [])
        #expect(!s.responderNonSSH)
    }

    @Test func maxStartupsDropText() {
        var f = Feeder()
        f.send(.originator, Array("SSH-2.0-OpenSSH_9.6\r\n".utf8))
        f.send(.responder, Array("Exceeded MaxStartups\r\n".utf8))
        f.session.finish()
        let s = f.session.summary()
        #expect(s.responderBanner == nil)
        #expect(s.responderPreBanner == ["Exceeded MaxStartups"])
        #expect(!s.responderNonSSH)
        #expect(s.anomalies == [])
        #expect(s.phase == .version)
        #expect(s.version == 2)
    }

    @Test func unterminatedDropTextAtFinish() {
        var f = Feeder()
        f.send(.responder, Array("Not allowed at this time".utf8))
        f.session.finish()
        let s = f.session.summary()
        #expect(s.responderPreBanner == ["Not allowed at this time"])
        #expect(s.anomalies == ["truncated_message"])
    }

    @Test func httpRequestToPort22() {
        var f = Feeder()
        let sig = f.send(.originator, Array("GET / HTTP/1.1\r\nHost: example\r\n\r\n".utf8))
        #expect(sig.contains(.notSSH))
        f.send(.responder, Array("SSH-2.0-OpenSSH_8.0\r\n".utf8) + Array("Invalid SSH identification string.\r\n".utf8))
        let s = f.session.summary()
        #expect(s.originatorNonSSH)
        #expect(s.originatorPreBanner == ["GET / HTTP/1.1"])
        #expect(s.originatorBanner == nil)
        #expect(s.responderBanner == "SSH-2.0-OpenSSH_8.0")
        #expect(s.anomalies == ["not_ssh", "text_after_banner"])
        #expect(s.responderTextAfterBanner == "Invalid SSH identification string.")
        #expect(s.phase == .version)
    }

    @Test func httpResponseFromServerIsNotSSH() {
        var f = Feeder()
        f.send(.responder, Array("HTTP/1.1 400 Bad Request\r\n".utf8))
        let s = f.session.summary()
        #expect(s.responderNonSSH)
        #expect(s.phase == .tcp)
    }

    @Test func binaryBytesAreNotSSH() {
        // A TLS ClientHello to port 22: decided on the first byte, without waiting for a LF.
        var f = Feeder()
        let sig = f.send(.originator, [0x16, 0x03, 0x01, 0x02, 0x00, 0x01])
        #expect(sig.contains(.notSSH))
        var g = Feeder()
        g.send(.responder, [0x00, 0x00, 0x00, 0x10, 0x05])
        #expect(g.session.summary().responderNonSSH)
        #expect(g.session.summary().responderPreBanner == ["\\x00\\x00\\x00\\x10\\x05"])
    }

    @Test func bareLFFirst() {
        // swift-nio-ssh PR #238: a leading bare LF trapped. Here it is an originator line that is not SSH.
        var f = Feeder()
        f.send(.originator, [0x0A])
        f.send(.responder, [0x0A, 0x0D, 0x0A])
        let s = f.session.summary()
        #expect(s.originatorNonSSH)
        #expect(s.responderPreBanner == ["", ""])
    }

    @Test func bannerTooLongIsKept() {
        // RFC 4253 §4.2: at most 255 characters including CR LF.
        let long = "SSH-2.0-" + String(repeating: "x", count: 300)
        var f = Feeder()
        f.send(.originator, Array((long + "\r\n").utf8) + Fixture.clientKexInitPacket)
        let s = f.session.summary()
        #expect(s.originatorBanner == long)
        #expect(s.anomalies == ["banner_too_long"])
        #expect(s.originatorKexInit != nil)
        let exact = "SSH-2.0-" + String(repeating: "y", count: 245)   // 253 + CR LF = 255
        var g = Feeder()
        g.send(.originator, Array((exact + "\r\n").utf8))
        #expect(g.session.summary().anomalies == [])
    }

    @Test func endlessBannerStops() {
        var f = Feeder()
        f.send(.originator, Array("SSH-2.0-".utf8))
        for _ in 0..<20 { f.send(.originator, [UInt8](repeating: 0x41, count: 1000)) }
        let s = f.session.summary()
        #expect(s.anomalies == ["banner_too_long"])
        #expect(s.originatorBanner == nil)
    }

    @Test func endlessPreBannerLinesAreBounded() {
        var f = Feeder()
        let line = Array("spam spam spam\r\n".utf8)
        var chunk: [UInt8] = []
        for _ in 0..<100 { chunk += line }
        for _ in 0..<50 { f.send(.responder, chunk) }      // 5000 lines
        let s = f.session.summary()
        #expect(s.anomalies == ["preamble_too_long"])
        #expect(s.responderPreBannerLineCount == TransportLimits.maxPreambleLines + 1)
        #expect(s.responderPreBanner.count == TransportLimits.maxStoredPreambleLines)
    }

    @Test func endlessPreBannerLine() {
        var f = Feeder()
        for _ in 0..<20 { f.send(.responder, [UInt8](repeating: 0x41, count: 1000)) }
        let s = f.session.summary()
        #expect(s.anomalies == ["line_too_long"])
        #expect(s.responderPreBanner.count == 1)
        #expect(s.responderPreBanner[0].utf8.count <= TransportLimits.maxStoredPreambleBytes)
    }

    @Test func protocolVersionParsing() {
        func v(_ line: String) -> SSHProtocolVersion {
            let b = Array(line.utf8)
            return SSHProtocolVersion.parse(b.span, line: 0..<b.count)
        }
        #expect(v("SSH-2.0-OpenSSH") == .v2)
        #expect(v("SSH-1.99-OpenSSH") == .v1or2)
        #expect(v("SSH-1.5-OpenSSH") == .v1)
        #expect(v("SSH-1.3-x") == .v1)
        #expect(v("SSH-2.0") == .v2)
        #expect(v("SSH-2.0 comment") == .v2)
        #expect(v("SSH-2.1-x") == .unknown)
        #expect(v("SSH-1.x-x") == .unknown)
        #expect(v("SSH-") == .unknown)
    }
}
