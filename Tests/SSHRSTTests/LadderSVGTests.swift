import SSHRSTReport
import Testing

/// The SVG ladder: text escaped, runs of data folded (SYN, FIN, RST and SSH messages never), idle periods marked.
@Suite struct LadderSVGTests {
    static func packet(_ t: Int64, _ fromClient: Bool, _ flags: String, label: String = "") -> LadderPacket {
        LadderPacket(time: t, fromClient: fromClient, flags: flags, seq: 1, ack: 1, payloadLength: flags == "P." ? 10 : 0,
                     ttl: 64, ipID: 1, label: label, isReset: flags.contains("R"))
    }

    @Test func escapesText() {
        #expect(LadderSVG.escape("a<b>&\"c'\u{1}") == "a&lt;b&gt;&amp;&quot;c&apos;")
    }

    @Test func foldsDataKeepsLandmarksAndMarksIdle() throws {
        var packets = [Self.packet(0, true, "S"), Self.packet(1, false, "S."), Self.packet(2, true, "P.", label: "banner SSH-2.0-x")]
        for i in 0..<20 { packets.append(Self.packet(Int64(10 + i), i % 2 == 0, "P.", label: "encrypted")) }
        packets.append(Self.packet(3_000_000_000, true, "P.", label: "encrypted"))
        packets.append(Self.packet(3_000_000_100, false, "R"))
        let flow = JSONParser.parse(#"{"type":"flow","uid":"Ctest","client":{"ip":"192.0.2.1","port":1},"server":{"ip":"192.0.2.2","port":22},"vantage":"client","outcome":"reset","phase":"session","resets":[{"attribution":"server","confidence":0.8}],"reset":{"attribution":"server","confidence":0.8,"explanation":"x < y"},"diagnosis":{"cause":"server_abort","summary":"s"}}"#)
        let svg = LadderSVG.render(flow: try #require(flow), packets: packets, start: 0)
        #expect(svg.contains("17 data segments folded (client 9, server 8, 170 bytes of payload)"))
        #expect(svg.contains("banner SSH-2.0-x"))
        #expect(svg.contains("2.999 s with no packets (idle)"))
        #expect(svg.contains("RST by server (0.8)"))
        #expect(svg.contains("stroke=\"\(LadderSVG.color("server"))\" stroke-width=\"2.5\""))
        #expect(svg.contains("x &lt; y") && !svg.contains("x < y"))
        #expect(svg.hasPrefix("<?xml") && svg.hasSuffix("</svg>\n"))
    }
}
