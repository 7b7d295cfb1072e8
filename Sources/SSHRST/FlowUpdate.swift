import SSHRSTAttribution
import SSHRSTFlow
import SSHRSTTransport
import SSHRSTWire

// The per-packet work on one flow, as mutating methods: the engine calls
// them through one `_modify` access to the flow's slot, so the state is
// never copied (a copy costs a retain for every array and buffer inside).
extension FlowState {
    /// A SYN on a finished connection: a new attempt (port reuse) when its ISN
    /// differs; the same ISN is a SYN after a reset (counted as an anomaly).
    mutating func isNewAttempt(seq: UInt32) -> Bool {
        guard closeDeadline != nil else { return false }
        if tcp.originator.isn != seq { return true }
        if tcp.originator.state == .reset || tcp.responder.state == .reset { anomalies.insert(.synAfterReset) }
        return false
    }

    mutating func update(sourceIsLow: Bool, _ segment: TCPSegment, _ bytes: Span<UInt8>, at time: Int64, stats: inout DecodeStats, closeDelay: Int64, kexCheckCache: KexInitCheckCache? = nil) -> (deadline: Int64?, learnedBanner: Bool) {
        let direction: Direction = sourceIsLow == originatorIsLow ? .originator : .responder
        return update(direction: direction, segment, bytes, at: time, stats: &stats, closeDelay: closeDelay, kexCheckCache: kexCheckCache)
    }

    /// Everything one segment does to its flow, in place (one exclusive access,
    /// no copy of the state). Returns the close deadline to schedule, if the
    /// connection just ended, and whether SSH was just recognised by its banner.
    mutating func update(direction: Direction, _ segment: TCPSegment, _ bytes: Span<UInt8>, at time: Int64, stats: inout DecodeStats, closeDelay: Int64, kexCheckCache: KexInitCheckCache? = nil) -> (deadline: Int64?, learnedBanner: Bool) {
        let tcp = segment.tcp
        let flags = tcp.flags
        let payloadLength = segment.payloadWireLength
        // Steady state (most packets): no RST seen, nothing truncated or malformed, an ACK or data segment
        // that changes no TCP state or history (`applySteady` checks and declines everything else).
        if self.resets.isEmpty, !segment.truncatedBySnaplen, !tcp.optionsMalformed,
            self.tcp.applySteady(segment, from: direction, payloadLength: payloadLength, at: time)
        {
            return updateSteady(direction: direction, segment, bytes, payloadLength: payloadLength, at: time, stats: &stats, closeDelay: closeDelay, kexCheckCache: kexCheckCache)
        }
        if segment.truncatedBySnaplen { self.anomalies.insert(.truncatedBySnaplen); stats.truncatedBySnaplen &+= 1 }
        if tcp.optionsMalformed { self.anomalies.insert(.tcpOptionsMalformed) }

        // What follows earlier RSTs (injection races, challenge ACKs).
        if !self.resets.isEmpty {
            noteAfterResets(direction: direction, segment, payloadLength: payloadLength, at: time)
        }
        let endpointBefore = self.tcp[direction]
        if endpointBefore.state == .reset && payloadLength > 0 && !flags.contains(.rst) {
            self.anomalies.insert(.dataAfterReset)
        }
        if flags.contains(.rst) {
            recordReset(direction: direction, segment, bytes, at: time)
        }

        // Handshake timing for the RTT legs at this vantage.
        if flags.contains(.syn) {
            if direction == .originator && !flags.contains(.ack) {
                if self.synAckTime == nil { self.synTime = time }
            } else if flags.contains(.ack) && self.synAckTime == nil {
                self.synAckTime = time
            }
        } else if direction == .originator, flags.contains(.ack), self.ackTime == nil,
            self.synAckTime != nil, !flags.contains(.rst)
        {
            self.ackTime = time
        }
        if flags.contains(.fin) && self.firstFIN == nil {
            self.firstFIN = direction
            self.finTime = time
        }

        noteTime(direction: direction, at: time)
        self.tcp.apply(segment, from: direction, payloadLength: payloadLength, at: time)
        return afterTCP(direction: direction, segment, bytes, payloadLength: payloadLength, at: time, stats: &stats, closeDelay: closeDelay, kexCheckCache: kexCheckCache)
    }

    /// The rest of `update` for a segment `TCPConnection.applySteady` took: the same steps, minus those that
    /// cannot apply to it (RST, SYN, FIN, truncation, option anomalies).
    mutating func updateSteady(direction: Direction, _ segment: TCPSegment, _ bytes: Span<UInt8>, payloadLength: Int, at time: Int64, stats: inout DecodeStats, closeDelay: Int64, kexCheckCache: KexInitCheckCache?) -> (deadline: Int64?, learnedBanner: Bool) {
        if direction == .originator, self.ackTime == nil, self.synAckTime != nil { self.ackTime = time }
        noteTime(direction: direction, at: time)
        return afterTCP(direction: direction, segment, bytes, payloadLength: payloadLength, at: time, stats: &stats, closeDelay: closeDelay, kexCheckCache: kexCheckCache)
    }

    /// The idle gap before this packet of its direction, and the flow's last time.
    @inline(__always)
    mutating func noteTime(direction: Direction, at time: Int64) {
        let gap = time &- self.lastTime
        if direction == .originator { self.gapBeforeLast.0 = gap } else { self.gapBeforeLast.1 = gap }
        self.lastTime = time
    }

    /// After the TCP state: sizes after NEWKEYS, the SSH decoder, and the close deadline once the connection is
    /// over. Returns the deadline to schedule and whether SSH was just recognised by its banner.
    @inline(__always)
    mutating func afterTCP(direction: Direction, _ segment: TCPSegment, _ bytes: Span<UInt8>, payloadLength: Int, at time: Int64, stats: inout DecodeStats, closeDelay: Int64, kexCheckCache: KexInitCheckCache?) -> (deadline: Int64?, learnedBanner: Bool) {
        var learned = false
        // Sizes after NEWKEYS (segments after the one that carried it) tell auth from session.
        if payloadLength > 0 {
            if direction == .originator, self.newKeys.0 {
                self.postNewKeysBytes.0 &+= payloadLength
                self.postNewKeysMaxSegment.0 = max(self.postNewKeysMaxSegment.0, payloadLength)
            } else if direction == .responder, self.newKeys.1 {
                self.postNewKeysBytes.1 &+= payloadLength
                self.postNewKeysMaxSegment.1 = max(self.postNewKeysMaxSegment.1, payloadLength)
            }
        }
        // The snap length cut this segment's payload: the bytes the IP length counts are not all here.
        let missing = payloadLength &- segment.payload.count
        if missing > 0 {
            if direction == .originator {
                self.uncapturedPayload.0 &+= missing
                self.transportCut.0 = true
            } else {
                self.uncapturedPayload.1 &+= missing
                self.transportCut.1 = true
            }
        }
        let cut = direction == .originator ? self.transportCut.0 : self.transportCut.1
        if segment.payload.count > 0 && self.status != .notSSH {
            learned = feedTransport(direction: direction, segment, bytes, cut: cut, stats: &stats, kexCheckCache: kexCheckCache)
        }
        if cut && payloadLength > 0 && self.status != .notSSH {
            readCutHeaders(direction: direction, segment, bytes, payloadLength: payloadLength)
        }

        // The report is scheduled once the connection is over.
        if self.closeDeadline == nil {
            let o = self.tcp.originator.state
            let r = self.tcp.responder.state
            if o == .reset || r == .reset || (o == .closed && r == .closed) {
                return (time &+ closeDelay, learned)
            }
        }
        return (nil, learned)
    }

    /// Feeds the payload to the SSH decoder; true when SSH was just recognised by its banner.
    ///
    /// `cut`: this direction has lost payload bytes to the snap length (this segment or an earlier one). The
    /// captured bytes may still show an identification line's start, but the decoder is given nothing: it
    /// would take the hole for a gap in the stream, and a message cut short for a malformed one.
    mutating func feedTransport(direction: Direction, _ segment: TCPSegment, _ bytes: Span<UInt8>, cut: Bool = false, stats: inout DecodeStats, kexCheckCache: KexInitCheckCache? = nil) -> Bool {
        var learned = false
        let range = segment.payload
        guard range.lowerBound >= 0, range.upperBound <= bytes.count else { return false }
        let payload = bytes.extracting(range)
        if self.status == .unknown {
            // SSH on a port that is not configured: known by its identification line.
            if payload.count >= 4, payload[0] == 0x53, payload[1] == 0x53, payload[2] == 0x48, payload[3] == 0x2d {
                self.status = .banner
                learned = true
            } else if cut && payload.count < 4 && segment.payloadWireLength > payload.count
                && FlowState.isPrefixOfSSHDash(payload)
            {
                // "SS" cut by the snap length: not evidence of another protocol; still undecided.
                return false
            } else {
                self.status = .notSSH
                stats.nonSSHFlows &+= 1
                return false
            }
        }
        if cut { return learned }
        if self.transport == nil {
            var session = SSHTransportSession(kexCheckCache: kexCheckCache)
            if let isn = self.tcp.originator.isn { session.setStart(.originator, sequence: isn &+ 1) }
            if let isn = self.tcp.responder.isn { session.setStart(.responder, sequence: isn &+ 1) }
            self.transport = session
        }
        let side: SSHSide = direction == .originator ? .originator : .responder
        let signal = self.transport?.ingest(side, sequence: segment.tcp.seq, payload: payload) ?? []
        if signal.contains(.newKeys) {
            if direction == .originator { self.newKeys.0 = true } else { self.newKeys.1 = true }
        }
        return learned
    }

    mutating func recordReset(direction: Direction, _ segment: TCPSegment, _ bytes: Span<UInt8>, at time: Int64) {
        self.resetCount &+= 1
        let tcpState = self.tcp
        if tcpState.originator.packets == 0 && tcpState.responder.packets == 0 {
            self.anomalies.insert(.spontaneousRST)
        }
        if self.resetCount >= 1000 { self.anomalies.insert(.rstStorm) }
        guard self.resets.count < FlowState.maximumResets else {
            self.anomalies.insert(.resetsLimited)
            return
        }
        let tcp = segment.tcp
        let senderEndpoint = tcpState[direction]
        let receiverEndpoint = tcpState[direction.other]
        var prefix: [UInt8] = []
        let range = segment.payload
        if range.count > 0, range.upperBound <= bytes.count {
            let n = min(range.count, 64)
            prefix.reserveCapacity(n)
            var i = range.lowerBound
            while i < range.lowerBound &+ n {
                prefix.append(bytes[i])
                i &+= 1
            }
        }
        let packet = ResetPacket(
            time: time, claimedSender: direction == .originator ? .client : .server,
            ttl: segment.ip.ttl, ipID: segment.ip.isIPv6 ? nil : segment.ip.ipID,
            dontFragment: segment.ip.dontFragment, isIPv6: segment.ip.isIPv6, seq: tcp.seq, ack: tcp.ack,
            hasACK: tcp.flags.contains(.ack), window: tcp.window, payloadLength: segment.payloadWireLength,
            payloadPrefix: prefix, flowLabel: segment.ip.isIPv6 ? segment.ip.flowLabel : nil,
            reservedBits: tcp.reservedBits, tsval: tcp.timestampValue)
        let f = self
        let synSeen = tcpState.originator.synCount > 0
        let synAckSeen = f.synAckTime != nil
        let established = (synSeen && synAckSeen && f.ackTime != nil)
            || (tcpState.originator.payloadBytes > 0 && tcpState.responder.payloadBytes > 0)
        let answersSYN = synSeen && !synAckSeen && direction == .responder
        let rtt = f.handshakeRTT(to: direction)
        // The round trip to the RST's receiver: a challenge ACK cannot come back sooner than that.
        var rttToReceiver = f.handshakeRTT(to: direction == .originator ? .responder : .originator)
        if let m = receiverEndpoint.ackRTTMin { rttToReceiver = min(rttToReceiver ?? m, m) }
        var triggerDelay: Int64? = nil
        var gapBeforeTrigger: Int64? = nil
        if receiverEndpoint.packets > 0 {
            triggerDelay = time &- receiverEndpoint.lastTime
            gapBeforeTrigger = direction == .originator ? f.gapBeforeLast.1 : f.gapBeforeLast.0
        }
        let observation = ResetObservation(
            packet: packet, direction: direction, sender: SideProfile(senderEndpoint),
            receiver: SideProfile(receiverEndpoint), synSeen: synSeen, synAckSeen: synAckSeen,
            established: established, answersSYN: answersSYN, rttToSender: rtt, triggerDelay: triggerDelay,
            gapBeforeTrigger: gapBeforeTrigger, gapBeforeReset: time &- f.lastTime, rttToReceiver: rttToReceiver)
        if self.resets.isEmpty { self.resets.reserveCapacity(2) }
        self.resets.append(observation)
    }

    mutating func noteAfterResets(direction: Direction, _ segment: TCPSegment, payloadLength: Int, at time: Int64) {
        let flags = segment.tcp.flags
        let isRST = flags.contains(.rst)
        var i = 0
        while i < self.resets.count {
            let r = self.resets[i]
            if direction == r.direction {
                if !isRST {
                    self.resets[i].after.senderPackets &+= 1
                    if !segment.ip.isIPv6 {
                        if r.after.senderFirstIPIDAfter == nil { self.resets[i].after.senderFirstIPIDAfter = segment.ip.ipID }
                        if let id = r.packet.ipID, id != 0, segment.ip.ipID == id { self.resets[i].after.senderSameIPIDAfter &+= 1 }
                    }
                    if flags.contains(.ack) && !flags.contains(.syn) {
                        let ack = segment.tcp.ack
                        if r.after.senderMaxAckAfter.map({ seqDelta(ack, $0) > 0 }) ?? true {
                            self.resets[i].after.senderMaxAckAfter = ack
                            self.resets[i].after.senderMaxAckDelay = time &- r.packet.time
                        }
                    }
                    let atOrAfter = seqDelta(segment.tcp.seq, r.packet.seq) >= 0
                    if (payloadLength > 0 || flags.contains(.fin)) && atOrAfter {
                        self.resets[i].after.senderDataOrFIN &+= 1
                        if r.after.firstSenderDataDelay == nil {
                            self.resets[i].after.firstSenderDataDelay = time &- r.packet.time
                        }
                        let end = segment.tcp.seq &+ UInt32(truncatingIfNeeded: payloadLength)
                        if let m = r.after.senderMaxSeqAfter {
                            if seqDelta(end, m) > 0 { self.resets[i].after.senderMaxSeqAfter = end }
                        } else {
                            self.resets[i].after.senderMaxSeqAfter = end
                        }
                    }
                }
            } else {
                self.resets[i].after.receiverPackets &+= 1
                let pureACK = !isRST && payloadLength == 0 && flags.contains(.ack)
                    && !flags.contains(.syn) && !flags.contains(.fin)
                // A challenge ACK answers a RST its sender received: it cannot pass the capture point
                // sooner than a round trip to it after the RST did, less a jitter margin (an ACK
                // already on its way is an ordinary ACK).
                let delay = time &- r.packet.time
                let rtt = r.rttToReceiver ?? 0
                let earliest = rtt &- max(500_000, rtt / 10)
                if pureACK && delay <= 1_000_000_000 && delay >= earliest {
                    self.resets[i].after.receiverChallengeACK = true
                }
            }
            i &+= 1
        }
    }


    /// The round trip from the capture point to `side` and back, as the handshake showed it: SYN to SYN-ACK for
    /// the responder, SYN-ACK to the handshake's ACK for the originator; nil when that part was not seen.
    func handshakeRTT(to side: Direction) -> Int64? {
        guard let syn = synTime, let synAck = synAckTime, synAck >= syn else { return nil }
        if side == .responder { return synAck &- syn }
        guard let ack = ackTime, ack >= synAck else { return nil }
        return ack &- synAck
    }

    /// A segment of a direction whose payload the snap length cut: the SSH-2 packet headers it shows
    /// (`CutPacketHeaders`); NEWKEYS read there starts the after-NEWKEYS size counts, as the decoder's would.
    mutating func readCutHeaders(direction: Direction, _ segment: TCPSegment, _ bytes: Span<UInt8>, payloadLength: Int) {
        let range = segment.payload
        guard range.lowerBound >= 0, range.upperBound <= bytes.count else { return }
        let payload = bytes.extracting(range)
        let side: SSHSide = direction == .originator ? .originator : .responder
        let boundary = self.transport?.packetBoundary(side)
        // The endpoint has counted this segment already: its first payload when nothing came before.
        let firstPayload = self.tcp[direction].payloadBytes == payloadLength
        var seq = segment.tcp.seq
        if segment.tcp.flags.contains(.syn) { seq = seq &+ 1 }
        if direction == .originator {
            self.cutHeaders.0.read(seq: seq, payload: payload, wireLength: payloadLength, boundary: boundary, firstPayload: firstPayload)
            if self.cutHeaders.0.sawNewKeys { self.newKeys.0 = true }
        } else {
            self.cutHeaders.1.read(seq: seq, payload: payload, wireLength: payloadLength, boundary: boundary, firstPayload: firstPayload)
            if self.cutHeaders.1.sawNewKeys { self.newKeys.1 = true }
        }
    }

    /// The captured bytes (fewer than 4) are how "SSH-" begins.
    static func isPrefixOfSSHDash(_ payload: Span<UInt8>) -> Bool {
        let dash: (UInt8, UInt8, UInt8) = (0x53, 0x53, 0x48)
        if payload.count > 0, payload[0] != dash.0 { return false }
        if payload.count > 1, payload[1] != dash.1 { return false }
        if payload.count > 2, payload[2] != dash.2 { return false }
        return true
    }
}
