import Foundation
@testable import SSHRST
import SSHRSTAttribution
import SSHRSTFlow
import SSHRSTReport
@testable import SSHRSTWire
import Testing

/// Issue 21 on the recordings and in the engine: the header-copying injector's RST is a middlebox's, and the
/// server's ordinary ACKs that follow are not read as challenge ACKs.
@Suite struct ForgerCaptureTests {
    func resets(_ name: String) throws -> [JSON] {
        let (records, error) = analyze(Paths.captures.appendingPathComponent(name + ".pcap").path)
        #expect(error == nil)
        let flow = try #require(records.first { $0["type"]?.stringValue == "flow" })
        return flow["resets"]?.arrayValue ?? []
    }

    func rules(_ reset: JSON) -> [String] {
        (reset["evidence"]?.arrayValue ?? []).compactMap { $0["rule"]?.stringValue }
    }

    @Test func copyInjectUploadIsAMiddleboxAndNoChallengeACKIsInvented() throws {
        let all = try resets("copy-inject-upload")
        let first = try #require(all.first)
        #expect(first["attribution"]?.stringValue == "middlebox")
        for rule in ["answers_unreceived_segment", "socket_alive_after_reset", "ip_id_collision"] {
            #expect(rules(first).contains(rule), "\(rule) missing")
        }
        // The client kernel's later RSTs answer the server's ACKs exactly; nothing after them is a challenge ACK.
        for r in all.dropFirst() {
            #expect(r["attribution"]?.stringValue == "client")
            #expect(!rules(r).contains("challenge_ack"))
            #expect(r["seq_status"]?.stringValue == "exact")
        }
    }

    @Test func markedBurstCarriesEveryMark() throws {
        let first = try #require(try resets("marks-inject").first)
        #expect(first["attribution"]?.stringValue == "middlebox")
        for rule in ["ip_id_from_trigger", "window_copied_from_peer", "reserved_bits_set", "same_ip_id_resets"] {
            #expect(rules(first).contains(rule), "\(rule) missing")
        }
    }

    /// A pure ACK from the RST's receiver that passes the capture point sooner than a round trip to it after the
    /// RST was already on its way: not a challenge ACK. One that comes after a round trip can be.
    @Test func challengeACKNeedsARoundTripToTheReceiver() {
        func ack(at time: Int64, into state: inout FlowState) {
            let ip = IPInfo(
                source: IPAddress(v4: 0xcb00_710a), destination: IPAddress(v4: 0xc000_020a), ttl: 62, ipID: 7,
                dontFragment: true, isIPv6: false, proto: 6, payloadOffset: 20, datagramEnd: 40, isFragment: false)
            let tcp = TCPHeader(
                sourcePort: 22, destinationPort: 40001, seq: 5000, ack: 1000, flags: .ack, window: 1000, headerLength: 20,
                windowScale: nil, optionsMalformed: false)
            let segment = TCPSegment(ip: ip, tcp: tcp, payload: 40..<40, payloadWireLength: 0, truncatedBySnaplen: false, tunnelDepth: 0)
            state.noteAfterResets(direction: .responder, segment, payloadLength: 0, at: time)
        }
        var state = FlowState(originatorIsLow: true, time: 0, sequence: 0, status: .port)
        let rst = ResetPacket(time: 1_000_000_000, claimedSender: .client, ttl: 64, ipID: 0, dontFragment: true, seq: 900)
        state.resets = [ResetObservation(
            packet: rst, direction: .originator, sender: SideProfile(), receiver: SideProfile(), synSeen: true,
            synAckSeen: true, established: true, answersSYN: false, rttToSender: 30_000, triggerDelay: nil,
            gapBeforeTrigger: nil, gapBeforeReset: nil, rttToReceiver: 100_000_000)]
        ack(at: 1_009_000_000, into: &state)  // 9 ms later, 100 ms round trip: sent before the RST arrived
        #expect(state.resets[0].after.receiverChallengeACK == false)
        ack(at: 1_095_000_000, into: &state)  // within the jitter margin of a full round trip
        #expect(state.resets[0].after.receiverChallengeACK == true)
        #expect(state.resets[0].after.senderPackets == 0 && state.resets[0].after.receiverPackets == 2)
    }
}
