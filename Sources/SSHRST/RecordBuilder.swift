import SSHRSTAttribution
import SSHRSTBytes
import SSHRSTFlow
import SSHRSTReport
import SSHRSTTransport
import SSHRSTWire

/// A finished flow's record plus what the engine keeps about it.
struct BuiltRecord {
    /// The record; nil when it was built with `textInPlace`: its text is then in the memo's `recordWriter`
    /// until the next record is built.
    var record: JSON?
    var uid: FlowUID
    var outcome: Outcome
    var digest: FlowDigest
    var attributions: [Party]
    var hostKeyFingerprint: String?
    var server: (address: IPAddress, port: UInt16)

    /// The server as "address:port" ("[v6]:port"), made when asked (host-key patterns only).
    func serverEndpoint() -> String {
        RecordBuilder.endpointText(ip: server.address.description, isIPv6: server.address.isIPv6, port: server.port)
    }
}

/// Turns a finished flow's state into its `"type": "flow"` record
/// (docs/flow-record.md). Cold path: once per flow.
struct RecordBuilder {
    /// Which end of `key` opened the flow.
    let originatorIsLow: Bool
    let key: FlowKey
    /// Failed authentications from this client to this server that ended before this flow began.
    var priorAuthFailures = 0
    /// Shared across the analyzer's records (nil: render everything from scratch; same output).
    let memo: RecordMemo?

    init(originatorIsLow: Bool, key: FlowKey, memo: RecordMemo? = nil) {
        self.originatorIsLow = originatorIsLow
        self.key = key
        self.memo = memo
    }

    static func endpointText(ip: String, isIPv6: Bool, port: UInt16) -> String {
        isIPv6 ? "[" + ip + "]:" + String(port) : ip + ":" + String(port)
    }

    /// Originator endpoint (address, port) and responder endpoint.
    var originator: (IPAddress, UInt16) {
        originatorIsLow ? (key.lowAddress, key.lowPort) : (key.highAddress, key.highPort)
    }
    var responder: (IPAddress, UInt16) {
        originatorIsLow ? (key.highAddress, key.highPort) : (key.lowAddress, key.lowPort)
    }

    /// Zeek-style uid: "C" + base62 of an FNV-1a hash over endpoints and first-packet time.
    static func uid(_ a: (IPAddress, UInt16), _ b: (IPAddress, UInt16), time: Int64) -> FlowUID {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        // Inlined (a call per word was ~40 instructions of the ~300 a uid cost).
        @inline(__always) func mix(_ v: UInt64) {
            var x = v
            for _ in 0..<8 {
                h ^= x & 0xff
                h = h &* 0x0000_0100_0000_01b3
                x >>= 8
            }
        }
        mix(a.0.high); mix(a.0.low); mix(UInt64(a.1)); mix(b.0.high); mix(b.0.low); mix(UInt64(b.1))
        mix(UInt64(bitPattern: time))
        return FlowUID(prefix: UInt8(ascii: "C"), base62Of: h, digits: 12)
    }

    /// The record of the finished flow `state`, read where it lies (borrowed: the flow state is 1 KB).
    /// With `textInPlace` (and a memo), the record's text is left in `memo.recordWriter` for the caller to
    /// write before it builds another record: no copy, no allocation.
    func build(_ state: borrowing FlowState, textInPlace: Bool = false) -> BuiltRecord {
        let client = originator
        let server = responder
        let uid = RecordBuilder.uid(client, server, time: state.firstTime)
        // A quiet flow whose tail was rendered before: its endpoints, then that text (`QuietTail.swift`).
        var quiet: QuietTailKey? = nil
        #if DEBUG
        var checkedTail: (text: [UInt8], cause: CauseID)? = nil
        #endif
        if let memo, isQuiet(state) {
            let key = quietTailKey(state)
            if let hit = memo.quietTails.lookup(key, client: client.0) {
                memo.quietTailHits &+= 1
                #if DEBUG
                // Debug builds (the tests) render it again below and compare.
                checkedTail = (memo.quietTails.tail(hit.slot), hit.cause)
                #else
                memo.recordWriter.removeAll()
                writeEndpoints(&memo.recordWriter, state, uid: uid)
                memo.recordWriter.runRaw(memo.quietTails.tail(hit.slot))
                writeQuietEnd(&memo.recordWriter, state)
                return BuiltRecord(
                    record: textInPlace ? nil : .shared(SharedJSON(serialized: memo.recordWriter.bytes)), uid: uid,
                    outcome: key.outcome,
                    digest: FlowDigest(
                        uid: uid, client: client.0, server: server.0, serverPort: Int(server.1), start: state.firstTime,
                        end: state.lastTime, outcome: key.outcome, phase: key.phase, cause: hit.cause, attribution: nil,
                        idleBeforeEndNs: nil, authFailedLikely: key.outcome == .closed && key.phase == .auth),
                    attributions: [], hostKeyFingerprint: nil, server: server)
                #endif
            }
            quiet = key
        }
        // A `var`, set apart from its declaration (a `var` never set again is a warning): read as
        // `summary?.field`, a `let` of this 433-byte optional was copied whole, with a retain of each array it
        // holds (~600 Ir), twice a record before `write`. (Measured: short100k -1.0%, big50k -1.4%.)
        var summary: SSHSummary? = nil
        if let transport = state.transport { summary = transport.summary(interner: memo?.interner) }

        // Roles.
        let roleBasis: StaticString
        if state.tcp.originator.synCount > 0 || state.synAckTime != nil {
            roleBasis = "\"syn\""
        } else if summary?.sshClientSide == .originator {
            roleBasis = "\"ssh\""
        } else {
            roleBasis = "\"port\""
        }

        let vantageInput = self.vantageInput(state)
        let (vantage, vantageMembers) = memo?.vantage(vantageInput) ?? {
            let (v, reason) = inferVantageProse(vantageInput)
            return (v, RecordMemo.vantageMembers(v, reason))
        }()

        let outcome = self.outcome(state)
        let phase = self.phase(state, summary?.phase)

        // Resets: attribute each one with everything seen around it.
        // Each reset's object rendered once: written in `resets` and again as `reset` when it ended the flow.
        // Sized once (most flows have no reset, most of the rest one: then no list of the others is made).
        var resetEntries: [[UInt8]] = []
        var verdicts: [Verdict] = []
        if !state.resets.isEmpty {
            resetEntries.reserveCapacity(state.resets.count)
            verdicts.reserveCapacity(state.resets.count)
        }
        let icmpReports = state.icmp.map { icmpReport($0) }
        for (index, r) in state.resets.enumerated() {
            var otherList: [OtherReset] = []
            if state.resets.count > 1 {
                otherList.reserveCapacity(state.resets.count - 1)
                for (j, o) in state.resets.enumerated() where j != index {
                    otherList.append(OtherReset(time: o.packet.time, claimedSender: o.packet.claimedSender, ttl: o.packet.ttl, ipID: o.packet.ipID, seq: o.packet.seq, ack: o.packet.ack))
                }
            }
            let context = ResetContext(
                reset: r.packet, sender: r.sender, receiver: r.receiver, vantage: vantage,
                synSeen: r.synSeen, synAckSeen: r.synAckSeen, established: r.established, answersSYN: r.answersSYN,
                rttToSenderNs: r.rttToSender, triggerDelayNs: r.triggerDelay, gapBeforeTriggerNs: r.gapBeforeTrigger,
                gapBeforeResetNs: r.gapBeforeReset, after: r.after, others: otherList, icmp: icmpReports,
                indexInFlow: index)
            let verdict = attribute(context)
            verdicts.append(verdict)
            resetEntries.append(resetBytes(r, verdict))
        }
        // The RST that ended the flow: the first one not ignored as out of window.
        var terminating: Int? = nil
        for (i, v) in verdicts.enumerated() where v.seqStatus != .outOfWindow {
            terminating = i
            break
        }
        if terminating == nil && !verdicts.isEmpty { terminating = 0 }

        var anomalies: [String] = []
        // The names' table walked only when a bit is set (most flows have none: 15 entries read a record).
        if !state.anomalies.isEmpty {
            for (bit, name) in FlowAnomaly.names where state.anomalies.contains(bit) { anomalies.append(name) }
        }
        if verdicts.count > 1 {
            let ttls = Set(state.resets.filter { $0.direction == state.resets[0].direction }.compactMap { $0.packet.ttl })
            if ttls.count > 1 && !anomalies.contains("conflicting_reset_ttl") { anomalies.append("conflicting_reset_ttl") }
        }
        for a in summary?.anomalies ?? [] where !anomalies.contains(a) { anomalies.append(a) }

        let hostKey = summary?.hostKey.map { key in memo?.hostKey(key) ?? RecordMemo.renderHostKey(key) }
        let hostKeyFingerprint = hostKey?.sha256

        // Diagnosis.
        let serverPre = summary?.responderPreBanner ?? []
        let negotiation = summary?.effectiveNegotiation
        let disconnect = summary?.disconnect
        let idle = terminating.flatMap { i in state.resets[i].gapBeforeTrigger }
        var handshakeToEnd: Int64? = nil
        if let synAck = state.synAckTime {
            let end = terminating.map { state.resets[$0].packet.time } ?? state.lastTime
            handshakeToEnd = end - synAck
        }
        // The negotiation summary is the pair's (client KEXINIT, server KEXINIT) in records' roles.
        let clientIsOriginator = (summary?.sshClientSide ?? .originator) == .originator
        let stalled = self.stalled(state, outcome)
        let uncaptured = state.uncapturedPayload
        let handshakeRTT = self.handshakeRTT(state)
        // Made whole in one initializer: a `var` set field by field afterwards was copied once more (330 bytes).
        let context = DiagnosisContext(
            outcome: outcome, phase: phase,
            terminatingVerdict: terminating.map { verdicts[$0] },
            terminatingReset: terminating.map { state.resets[$0].packet },
            icmp: icmpReports, serverPreBannerLines: serverPre,
            serverBannerSeen: summary?.responderBanner != nil, clientBannerSeen: summary?.originatorBanner != nil,
            negotiationFailure: negotiation?.failure,
            disconnectReason: disconnect?.reasonCode, disconnectText: disconnect?.description,
            disconnectFromServer: disconnect.map { $0.side == .responder },
            firstFINFrom: state.firstFIN.map { $0 == .originator ? .client : .server },
            synCount: state.tcp.originator.synCount, durationNs: state.lastTime - state.firstTime,
            idleBeforeEndNs: idle, handshakeToEndNs: handshakeToEnd,
            clientDataAfterReset: terminating.map { state.resets[$0].after.senderDataOrFIN > 0 } ?? false,
            priorAuthFailures: priorAuthFailures, clientAddress: client.0,
            negotiatedSummary: memo?.negotiationText(
                clientID: clientIsOriginator ? summary?.originatorKexInitID : summary?.responderKexInitID,
                serverID: clientIsOriginator ? summary?.responderKexInitID : summary?.originatorKexInitID,
                build: { negotiationText(negotiation) }) ?? negotiationText(negotiation),
            clientSpokeNonSSH: (clientIsOriginator ? summary?.originatorNonSSH : summary?.responderNonSSH) ?? false,
            stalledSide: stalled?.side, stalledRetransmissions: stalled?.retransmissions ?? 0,
            stalledQuietNs: stalled?.quietNs ?? 0,
            payloadNotCaptured: uncaptured.0 > 0 || uncaptured.1 > 0,
            handshakeRTTNs: handshakeRTT)
        let diagnosis = diagnose(context)

        // The record, written straight to its JSON text (same bytes as the tree of earlier versions): the fixed
        // skeleton as constant runs, the values between them; nested values that vary in shape are written by
        // the stateful calls, which at depth 0 add no separator of their own.
        var tailStart = 0
        var tailEnd = 0
        func write(_ w: inout JSONWriter) {
            writeEndpoints(&w, state, uid: uid)
            tailStart = w.count
            w.run(",\"role_basis\":"); w.run(roleBasis)
            w.run(","); w.runRaw(vantageMembers)  // "vantage", "vantage_reason"
            w.run(",\"packets\":{\"client\":"); w.runInt(state.tcp.originator.packets)
            w.run(",\"server\":"); w.runInt(state.tcp.responder.packets)
            w.run("},\"bytes\":{\"client\":"); w.runInt(state.tcp.originator.payloadBytes)
            w.run(",\"server\":"); w.runInt(state.tcp.responder.payloadBytes)
            w.run("},\"conn_state\":\""); w.run(state.tcp.connStateName)
            w.run("\",\"history\":"); w.runPlain(state.tcp.history)
            w.run(",\"outcome\":"); w.run(outcome.jsonName)
            w.run(",\"phase\":"); w.run(phase.jsonName)
            w.run(",\"ssh\":")
            // Unwrapped as an argument, not bound: `if let` (or `guard let` in `writeSSH`) is one more copy.
            if summary != nil { writeSSH(&w, summary!, hostKey: hostKey?.json) } else { w.run("null") }
            if uncaptured.0 > 0 || uncaptured.1 > 0 {
                // Only in captures cut by the snap length: SSH fields that are null and the phase then mean "not
                // captured", not "not sent" (the phase is what the captured bytes show, a lower bound).
                w.run(",\"payload_not_captured\":{\"client\":"); w.runInt(uncaptured.0)
                w.run(",\"server\":"); w.runInt(uncaptured.1)
                w.run("}")
            }
            w.run(",\"resets\":[")
            for (i, entry) in resetEntries.enumerated() {
                if i > 0 { w.run(",") }
                w.runRaw(entry)
            }
            w.run("],\"reset\":")
            if let t = terminating { w.runRaw(resetEntries[t]) } else { w.run("null") }
            w.run(",\"icmp\":[")
            for (i, o) in state.icmp.enumerated() {
                if i > 0 { w.run(",") }
                w.value(icmpJSON(o, icmpReports[i]))
            }
            w.run("],\"diagnosis\":{\"cause\":"); w.run(diagnosis.cause.jsonName)
            w.run(",\"summary\":"); w.runString(utf8: diagnosis.summaryText.utf8)
            w.run(",\"next_steps\":")
            if let memo { w.runRaw(memo.nextStepsJSON(diagnosis.cause, diagnosis.nextSteps)) }
            else { w.beginArray(); for step in diagnosis.nextSteps { w.string(step) }; w.endArray() }
            w.run("},\"anomalies\":[")
            for (i, a) in anomalies.enumerated() {
                if i > 0 { w.run(",") }
                w.runString(a)
            }
            w.run("],\"ttl\":{\"client\":"); writeTTL(&w, state.tcp.originator)
            w.run(",\"server\":"); writeTTL(&w, state.tcp.responder)
            w.run("},\"rtt_ms\":")
            tailEnd = w.count  // a quiet flow's stored text ends here (`writeQuietEnd` writes the rest)
            writeRTT(&w, state)
            w.run(",\"after_newkeys\":")
            if let newKeys = summary?.newKeys, newKeys.originator || newKeys.responder,
                let bytes = summary?.bytesAfterNewKeys, let segments = summary?.segmentsAfterNewKeys
            {
                writeAfterNewKeys(
                    &w, clientIsOriginator: clientIsOriginator, bytes: bytes, segments: segments,
                    largest: state.postNewKeysMaxSegment)
            } else {
                w.run("null")
            }
            if let record = terminating.map({ state.resets[$0] }), let gap = record.gapBeforeTrigger, gap > 0 {
                w.run(",\"idle_before_reset\":"); w.runSeconds(gap)
            }
            w.run("}")
        }
        let record: JSON?
        if let memo {
            memo.recordWriter.removeAll()
            write(&memo.recordWriter)
            if let quiet {
                #if DEBUG
                if let checkedTail {
                    // What the stored text and `writeQuietEnd` make of this flow, against its full rendering.
                    var fast = JSONWriter(capacity: 4096)
                    fast.runRaw(checkedTail.text)
                    writeQuietEnd(&fast, state)
                    let same = fast.withSpan { fastText in
                        memo.recordWriter.withSpan { text in
                            ByteCopy.equal(fastText, text.extracting(tailStart..<text.count))
                        }
                    }
                    precondition(same && checkedTail.cause == diagnosis.cause,
                                 "a quiet flow's stored tail differs from its rendering: QuietTailKey misses an input")
                }
                #endif
                memo.recordWriter.withSpan { text in
                    let tail = text.extracting(tailStart..<tailEnd)
                    // Stored without the client's address when the diagnosis does not name it.
                    var key = quiet
                    if diagnosis.namesClientAddress { key.clientAddress = client.0 }
                    memo.quietTails.store(key, tail: tail, cause: diagnosis.cause)
                }
            }
            record = textInPlace ? nil : .shared(SharedJSON(serialized: memo.recordWriter.bytes))
        } else {
            var w = JSONWriter(capacity: 16384)
            write(&w)
            record = .shared(SharedJSON(serialized: w.bytes))
        }
        let digest = FlowDigest(
            uid: uid, client: client.0, server: server.0, serverPort: Int(server.1),
            start: state.firstTime, end: state.lastTime, outcome: outcome, phase: phase, cause: diagnosis.cause,
            attribution: terminating.map { verdicts[$0].attribution }, idleBeforeEndNs: idle,
            authFailedLikely: outcome == .closed && phase == .auth)
        return BuiltRecord(
            record: record, uid: uid, outcome: outcome, digest: digest,
            attributions: verdicts.map { $0.attribution }, hostKeyFingerprint: hostKeyFingerprint,
            server: server)
    }

    /// The record up to its tail: type, uid, times and the two endpoints.
    func writeEndpoints(_ w: inout JSONWriter, _ state: borrowing FlowState, uid: FlowUID) {
        let client = originator
        let server = responder
        w.run("{\"type\":\"flow\",\"uid\":"); w.runPlain(uid)
        w.run(",\"ts\":"); w.runSeconds(state.firstTime)
        w.run(",\"duration\":"); w.runSeconds(state.lastTime - state.firstTime)
        w.run(",\"client\":{\"ip\":"); w.runPlain(client.0)
        w.run(",\"port\":"); w.runInt(Int(client.1))
        w.run("},\"server\":{\"ip\":"); w.runPlain(server.0)
        w.run(",\"port\":"); w.runInt(Int(server.1))
        w.run("}")
    }

    /// A quiet flow's record after its stored text (`QuietTail.swift`): the round trip, and `after_newkeys`
    /// null (no SSH bytes) with no `idle_before_reset` (no reset), as the general path writes them.
    func writeQuietEnd(_ w: inout JSONWriter, _ state: borrowing FlowState) {
        writeRTT(&w, state)
        w.run(",\"after_newkeys\":null}")
    }

    func vantageInput(_ state: borrowing FlowState) -> VantageInput {
        VantageInput(
            clientPackets: state.tcp.originator.baselinePackets, clientTTL: (state.tcp.originator.ttlMin, state.tcp.originator.ttlMax),
            serverPackets: state.tcp.responder.baselinePackets, serverTTL: (state.tcp.responder.ttlMin, state.tcp.responder.ttlMax))
    }

    /// A side retransmitting (2+ times) into a peer silent for half a second or more (the server, when
    /// both are), in a flow still open. The endpoints are read in place.
    func stalled(_ state: borrowing FlowState, _ outcome: Outcome) -> (side: Side, retransmissions: Int, quietNs: Int64)? {
        guard outcome == .open else { return nil }
        var stalled: (side: Side, retransmissions: Int, quietNs: Int64)? = nil
        let o = state.tcp.originator.lastTime
        let r = state.tcp.responder.lastTime
        if state.tcp.originator.retransmissions >= 2, state.tcp.responder.packets > 0, o - r >= 500_000_000 {
            stalled = (.client, Int(state.tcp.originator.retransmissions), o - r)
        }
        if state.tcp.responder.retransmissions >= 2, state.tcp.originator.packets > 0, r - o >= 500_000_000 {
            stalled = (.server, Int(state.tcp.responder.retransmissions), r - o)
        }
        return stalled
    }

    /// One round trip as the handshake showed it: SYN to its ACK, else SYN to SYN-ACK.
    func handshakeRTT(_ state: borrowing FlowState) -> Int64? {
        guard let syn = state.synTime else { return nil }
        if let ack = state.ackTime, ack >= syn { return ack - syn }
        if let synAck = state.synAckTime, synAck >= syn { return synAck - syn }
        return nil
    }

    /// Whether the flow is quiet (`QuietTail.swift`): no SSH bytes, reset or ICMP error, and no payload cut
    /// by the snap length.
    func isQuiet(_ state: borrowing FlowState) -> Bool {
        state.transport == nil && state.resets.isEmpty && state.icmp.isEmpty && !state.refusedByICMP
            && state.uncapturedPayload.0 == 0 && state.uncapturedPayload.1 == 0
    }

    /// Every input of a quiet flow's record after its endpoints (`QuietTailKey`). Not an optional: unwrapping
    /// one copied the key three times.
    func quietTailKey(_ state: borrowing FlowState) -> QuietTailKey {
        let outcome = self.outcome(state)
        let stalled = self.stalled(state, outcome)
        let handshakeTimes = DiagnosisContext.readsHandshakeTimes(outcome)
        return QuietTailKey(
            roleBasisSYN: state.tcp.originator.synCount > 0 || state.synAckTime != nil, vantage: vantageInput(state).key,
            clientPackets: state.tcp.originator.packets, serverPackets: state.tcp.responder.packets,
            clientBytes: state.tcp.originator.payloadBytes, serverBytes: state.tcp.responder.payloadBytes,
            originatorState: state.tcp.originator.state, responderState: state.tcp.responder.state,
            history: state.tcp.history, anomalies: state.anomalies.rawValue, outcome: outcome, phase: phase(state, nil),
            clientTTL: RecordBuilder.ttlInputs(state.tcp.originator), serverTTL: RecordBuilder.ttlInputs(state.tcp.responder),
            firstFINFrom: state.firstFIN.map { $0 == .originator ? .client : .server },
            synCount: state.tcp.originator.synCount, duration: Fmt.secondsParts(state.lastTime - state.firstTime),
            handshakeToEndNs: handshakeTimes ? state.synAckTime.map { state.lastTime - $0 } : nil,
            priorAuthFailures: priorAuthFailures,
            stalledSide: stalled?.side, stalledRetransmissions: stalled?.retransmissions ?? 0,
            stalledQuiet: stalled.map { Fmt.secondsParts($0.quietNs) },
            handshakeRTTNs: handshakeTimes ? handshakeRTT(state) : nil, clientAddress: nil)
    }

    func negotiationText(_ n: Negotiation?) -> String? {
        guard let n else { return nil }
        if let failure = n.failure { return "no common \(failure) algorithm" }
        return "kex \(n.kex ?? "?"), host key \(n.hostKey ?? "?"), cipher \(n.cipherClientToServer ?? "?")"
    }

    func outcome(_ state: borrowing FlowState) -> Outcome {
        let o = state.tcp.originator.state
        let r = state.tcp.responder.state
        if state.refusedByICMP { return .refused }
        if o == .reset || r == .reset || !state.resets.isEmpty {
            if state.synAckTime == nil && state.tcp.originator.synCount > 0
                && state.resets.contains(where: { $0.direction == .responder }) && state.tcp.responder.payloadBytes == 0
            {
                return .refused
            }
            return .reset
        }
        if o == .synSent && (r == .inactive) { return .timeout }
        if o == .closed || r == .closed { return .closed }
        return .open
    }

    func phase(_ state: borrowing FlowState, _ decoded: SSHPhaseCode?) -> Phase {
        var code = decoded ?? .tcp
        let cut = state.uncapturedPayload.0 > 0 || state.uncapturedPayload.1 > 0
        if cut {
            // Payload cut by the snap length: the decoder stopped at the cut, the packet headers went on.
            code = max(code, state.cutPhase)
            // Auth and session are told apart by the sizes after each side's NEWKEYS: both must be placed.
            if code == .encrypted && !(state.newKeys.0 && state.newKeys.1) { return .encrypted }
        }
        switch code {
        case .tcp: return .tcp
        case .version: return .version
        case .kex: return .kex
        case .encrypted:
            // After NEWKEYS the bytes are opaque; this is a size heuristic.
            // Authentication replies are small (USERAUTH_FAILURE/SUCCESS,
            // 44-100 bytes encrypted with EXT_INFO first); once a user is in,
            // OpenSSH >= 8.5 announces its host keys (hostkeys-00@openssh.com,
            // 300+ bytes) and sessions carry channel data. Segments from the
            // one that carried NEWKEYS are not counted.
            let serverBytes = state.postNewKeysBytes.1
            let serverMax = state.postNewKeysMaxSegment.1
            let clientBytes = state.postNewKeysBytes.0
            if serverMax >= 300 || serverBytes >= 2_000 { return .session }
            if clientBytes > 0 || serverBytes > 0 { return .auth }
            return .encrypted
        }
    }

    func icmpReport(_ i: ICMPObservation) -> ICMPReport {
        let role: Party
        if i.sender == responder.0 {
            role = .server
        } else if i.sender == originator.0 {
            role = .client
        } else {
            role = .middlebox
        }
        return ICMPReport(time: i.time, senderRole: role, type: i.type, code: i.code, isIPv6: i.isIPv6, ttl: i.ttl)
    }

    func icmpJSON(_ i: ICMPObservation, _ report: ICMPReport) -> JSON {
        .object([
            ("ts", .seconds(i.time)), ("sender_ip", .string(i.sender.description)), ("type", .int(Int(i.type))),
            ("code", .int(Int(i.code))), ("name", .string(i.name)), ("ttl", .int(Int(i.ttl))),
            ("attribution", .string(report.senderRole.rawValue)),
        ])
    }

    /// One entry of `resets`, as JSON text.
    func resetBytes(_ r: ResetObservation, _ v: Verdict) -> [UInt8] {
        if let memo {
            memo.resetWriter.removeAll()
            writeReset(&memo.resetWriter, r, v)
            return memo.resetWriter.bytes
        }
        var w = JSONWriter(capacity: 2048)
        writeReset(&w, r, v)
        return w.bytes
    }

    func writeReset(_ w: inout JSONWriter, _ r: ResetObservation, _ v: Verdict) {
        w.run("{\"ts\":"); w.runSeconds(r.packet.time)
        w.run(",\"claimed_sender\":"); w.run(r.packet.claimedSender.jsonName)
        w.run(",\"attribution\":"); w.run(v.attribution.jsonName)
        w.run(",\"confidence\":"); w.runFraction(v.confidence)
        w.run(",\"ttl\":"); w.int(r.packet.ttl.map { Int($0) })
        w.run(",\"ip_id\":"); w.int(r.packet.ipID.map { Int($0) })
        w.run(",\"seq_status\":"); w.run(v.seqStatus.jsonName)
        w.run(",\"evidence\":[")
        for (i, e) in v.evidence.enumerated() {
            w.run(i > 0 ? ",{\"rule\":" : "{\"rule\":"); w.runString(e.rule.rawValue)
            w.run(",\"points_to\":"); w.run(e.pointsTo.jsonName)
            w.run(",\"detail\":"); w.runString(utf8: e.detailText.utf8)
            w.run("}")
        }
        w.run("],\"reason\":"); w.runString(utf8: v.reasonText.utf8)
        w.run(",\"explanation\":")
        w.runString(utf8: Explanation.prose(r, v, claimedAddress: (r.direction == .originator ? originator.0 : responder.0).text).utf8)
        w.run(r.packet.hasACK ? ",\"flags\":\"R.\",\"seq\":" : ",\"flags\":\"R\",\"seq\":"); w.runInt(Int(r.packet.seq))
        w.run(",\"ack\":"); w.runInt(Int(r.packet.ack))
        w.run(r.packet.dontFragment ? ",\"df\":true" : ",\"df\":false")
        if r.packet.payloadLength > 0 {
            w.run(",\"payload_length\":"); w.runInt(r.packet.payloadLength)
        }
        w.run("}")
    }

    /// What a side's `ttl` object shows: its first, lowest and highest TTL (nil: `null`, no baseline packet).
    struct TTLInputs: Equatable {
        var first: UInt8
        var min: UInt8
        var max: UInt8
    }

    static func ttlInputs(_ e: borrowing Endpoint) -> TTLInputs? {
        guard e.baselinePackets > 0, let first = e.ttlFirst else { return nil }
        return TTLInputs(first: first, min: e.ttlMin, max: e.ttlMax)
    }

    func writeTTL(_ w: inout JSONWriter, _ e: borrowing Endpoint) {
        guard let t = RecordBuilder.ttlInputs(e) else { return w.null() }
        w.raw(memo?.ttlObject(first: t.first, min: t.min, max: t.max) ?? RecordMemo.renderTTL(first: t.first, min: t.min, max: t.max))
    }

    /// The `after_newkeys` object from its figures, each pair in originator, responder order (read from the
    /// summary field by field: passed the summary, the call copied all 417 bytes of it, with retains), as runs.
    func writeAfterNewKeys(_ w: inout JSONWriter, clientIsOriginator: Bool, bytes: (Int, Int), segments: (Int, Int), largest: (Int, Int)) {
        func side(_ w: inout JSONWriter, originator: Bool) {
            w.runInt(originator ? bytes.0 : bytes.1)
            w.run(",\"segments\":"); w.runInt(originator ? segments.0 : segments.1)
            w.run(",\"largest_segment\":"); w.runInt(originator ? largest.0 : largest.1)
        }
        w.run("{\"client\":{\"bytes\":"); side(&w, originator: clientIsOriginator)
        w.run("},\"server\":{\"bytes\":"); side(&w, originator: !clientIsOriginator)
        w.run("}}")
    }

    /// The handshake's two legs as `rtt_ms` shows them: SYN to SYN-ACK, and SYN-ACK to the client's ACK
    /// when it came (nil: `null`, no SYN-ACK after a SYN).
    struct HandshakeLegs: Equatable {
        var server: Int64
        var client: Int64?
    }

    static func handshakeLegs(_ state: borrowing FlowState) -> HandshakeLegs? {
        guard let syn = state.synTime, let synAck = state.synAckTime, synAck >= syn else { return nil }
        var legs = HandshakeLegs(server: synAck - syn, client: nil)
        if let ack = state.ackTime, ack >= synAck { legs.client = ack - synAck }
        return legs
    }

    func writeRTT(_ w: inout JSONWriter, _ state: borrowing FlowState) {
        guard let legs = RecordBuilder.handshakeLegs(state) else { return w.null() }
        w.beginObject()
        w.key("server_leg"); writeMilliseconds(&w, legs.server)
        if let client = legs.client {
            w.key("client_leg"); writeMilliseconds(&w, client)
        }
        w.endObject()
    }

    func kexJSON(_ k: KexInit) -> JSON {
        func list(_ l: [String]) -> JSON { .array(l.map { .string($0) }) }
        return .object([
            ("kex_algorithms", list(k.kexAlgorithms)),
            ("server_host_key_algorithms", list(k.serverHostKeyAlgorithms)),
            ("encryption_algorithms_client_to_server", list(k.encryptionClientToServer)),
            ("encryption_algorithms_server_to_client", list(k.encryptionServerToClient)),
            ("mac_algorithms_client_to_server", list(k.macClientToServer)),
            ("mac_algorithms_server_to_client", list(k.macServerToClient)),
            ("compression_algorithms_client_to_server", list(k.compressionClientToServer)),
            ("compression_algorithms_server_to_client", list(k.compressionServerToClient)),
            ("languages_client_to_server", list(k.languagesClientToServer)),
            ("languages_server_to_client", list(k.languagesServerToClient)),
            ("first_kex_packet_follows", .bool(k.firstKexPacketFollows)),
        ])
    }

    /// The `ssh` object's two runs that depend only on the two KEXINITs (the negotiation is computed with the
    /// same client): from "client_kexinit" to "hassh_server_string", and "strict_kex" with "ext_info".
    func renderKexRuns(_ s: SSHSummary, clientKex: KexInit?, serverKex: KexInit?) -> RecordMemo.KexRuns {
        var w = JSONWriter(capacity: 4096)
        w.beginObject()
        w.key("client_kexinit"); w.value(clientKex.map(kexJSON) ?? .null)
        w.key("server_kexinit"); w.value(serverKex.map(kexJSON) ?? .null)
        let n = clientKex != nil && serverKex != nil ? s.effectiveNegotiation : nil
        w.key("negotiated")
        if let n {
            w.value(.object([
                ("kex", .optionalString(n.kex)), ("host_key", .optionalString(n.hostKey)),
                ("cipher_client_to_server", .optionalString(n.cipherClientToServer)),
                ("cipher_server_to_client", .optionalString(n.cipherServerToClient)),
                ("mac_client_to_server", .optionalString(n.macClientToServer)),
                ("mac_server_to_client", .optionalString(n.macServerToClient)),
                ("compression_client_to_server", .optionalString(n.compressionClientToServer)),
                ("compression_server_to_client", .optionalString(n.compressionServerToClient)),
            ]))
        } else {
            w.null()
        }
        w.key("negotiation_failure"); w.value(n.map { .optionalString($0.failure) } ?? .null)
        let clientHassh = clientKex.map { RecordMemo.hassh($0, client: true) }
        let serverHassh = serverKex.map { RecordMemo.hassh($0, client: false) }
        w.key("hassh"); w.value(clientHassh?.md5 ?? .null)
        w.key("hassh_string"); w.value(clientHassh?.string ?? .null)
        w.key("hassh_server"); w.value(serverHassh?.md5 ?? .null)
        w.key("hassh_server_string"); w.value(serverHassh?.string ?? .null)
        w.endObject()
        let members = RecordMemo.members(w.bytes)

        var f = JSONWriter(capacity: 128)
        f.beginObject()
        func offers(_ f: inout JSONWriter, client: Bool, server: Bool) {
            guard clientKex != nil || serverKex != nil else { return f.null() }
            f.beginObject()
            f.key("client"); f.bool(client)
            f.key("server"); f.bool(server)
            f.endObject()
        }
        f.key("strict_kex")
        offers(&f, client: clientKex?.offersStrictKexClient ?? false, server: serverKex?.offersStrictKexServer ?? false)
        f.key("ext_info")
        offers(&f, client: clientKex?.offersExtInfoClient ?? false, server: serverKex?.offersExtInfoServer ?? false)
        f.endObject()
        return RecordMemo.KexRuns(members: members, flagMembers: RecordMemo.members(f.bytes))
    }

    func writeSSH(_ w: inout JSONWriter, _ s: borrowing SSHSummary, hostKey: [UInt8]?) {
        if s.originatorBanner == nil && s.responderBanner == nil && s.originatorKexInitShared == nil
            && s.responderKexInitShared == nil && s.responderPreBanner.isEmpty && s.originatorPreBanner.isEmpty
        {
            return w.null()
        }
        // The SSH client is the originator unless message direction says otherwise.
        let clientIsOriginator = (s.sshClientSide ?? .originator) == .originator
        // Shared, not copied: the values are only read when a fragment is rendered.
        let clientKex = clientIsOriginator ? s.originatorKexInitShared : s.responderKexInitShared
        let serverKex = clientIsOriginator ? s.responderKexInitShared : s.originatorKexInitShared
        let clientKexID = clientIsOriginator ? s.originatorKexInitID : s.responderKexInitID
        let serverKexID = clientIsOriginator ? s.responderKexInitID : s.originatorKexInitID
        // Written at depth 0 (the record's skeleton is runs): the object's own skeleton as runs too.
        w.run("{\"client_banner\":"); w.string(clientIsOriginator ? s.originatorBanner : s.responderBanner)
        w.run(",\"server_banner\":"); w.string(clientIsOriginator ? s.responderBanner : s.originatorBanner)
        w.run(",\"version\":"); w.int(s.version)
        // Rendered once per pair of interned KEXINITs.
        let pairKey = memo?.kexPairKey(client: clientKex.map { _ in clientKexID }, server: serverKex.map { _ in serverKexID })
        func render() -> RecordMemo.KexRuns { renderKexRuns(s, clientKex: clientKex?.value, serverKex: serverKex?.value) }
        let kex = memo?.kexRuns(pairKey, render: render) ?? render()
        w.run(","); w.runRaw(kex.members)
        w.run(",\"host_key\":")
        if let hostKey { w.runRaw(hostKey) } else { w.run("null") }
        w.run(","); w.runRaw(kex.flagMembers)
        w.run(",\"disconnect\":")
        if let d = s.disconnect {
            let fromClient = (d.side == .originator) == clientIsOriginator
            w.run(fromClient ? "{\"from\":\"client\",\"reason_code\":" : "{\"from\":\"server\",\"reason_code\":")
            w.runInt(Int(d.reasonCode))
            w.run(",\"description\":"); w.runString(d.description)
            w.run("}")
        } else {
            w.run("null")
        }
        w.run(s.sshClientSide == nil ? ",\"ssh_client\":\"unknown\",\"server_pre_banner\":["
            : clientIsOriginator ? ",\"ssh_client\":\"originator\",\"server_pre_banner\":["
            : ",\"ssh_client\":\"responder\",\"server_pre_banner\":[")
        for (i, line) in (clientIsOriginator ? s.responderPreBanner : s.originatorPreBanner).enumerated() {
            if i > 0 { w.run(",") }
            w.runString(line)
        }
        w.run("]}")
    }
}

/// Nanoseconds as milliseconds with 3 decimals, truncated to whole microseconds first ("1.234"): the
/// seconds text of the microseconds scaled up by a million.
func writeMilliseconds(_ w: inout JSONWriter, _ nanoseconds: Int64) {
    w.seconds((nanoseconds / 1_000) &* 1_000_000, decimals: 3)
}

// Names written into every record as constant text: a String raw value costs about 175 instructions to
// quote and escape, a constant about 10. Each is its raw value quoted (RecordNameTests checks every case).
extension Outcome {
    var jsonName: StaticString {
        switch self {
        case .refused: "\"refused\""
        case .reset: "\"reset\""
        case .timeout: "\"timeout\""
        case .closed: "\"closed\""
        case .open: "\"open\""
        }
    }
}

extension Phase {
    var jsonName: StaticString {
        switch self {
        case .tcp: "\"tcp\""
        case .version: "\"version\""
        case .kex: "\"kex\""
        case .auth: "\"auth\""
        case .session: "\"session\""
        case .encrypted: "\"encrypted\""
        }
    }
}

extension Side {
    var jsonName: StaticString { self == .client ? "\"client\"" : "\"server\"" }
}

extension Party {
    var jsonName: StaticString {
        switch self {
        case .client: "\"client\""
        case .server: "\"server\""
        case .middlebox: "\"middlebox\""
        case .undetermined: "\"undetermined\""
        }
    }
}

extension CauseID {
    var jsonName: StaticString {
        switch self {
        case .portClosed: "\"port_closed\""
        case .hostFirewallReject: "\"host_firewall_reject\""
        case .refusedByICMP: "\"refused_by_icmp\""
        case .banAfterFailedAuth: "\"ban_after_failed_auth\""
        case .droppedBeforeBanner: "\"dropped_before_banner\""
        case .resetDuringKex: "\"reset_during_kex\""
        case .kexAlgorithmMismatch: "\"kex_algorithm_mismatch\""
        case .loginGraceTimeout: "\"login_grace_timeout\""
        case .middleboxIdleReset: "\"middlebox_idle_reset\""
        case .injectedReset: "\"injected_reset\""
        case .middleboxReset: "\"middlebox_reset\""
        case .serverAbort: "\"server_abort\""
        case .clientAbort: "\"client_abort\""
        case .noAnswerTimeout: "\"no_answer_timeout\""
        case .sshDisconnect: "\"ssh_disconnect\""
        case .cleanClose: "\"clean_close\""
        case .closedDuringKex: "\"closed_during_kex\""
        case .closedDuringAuth: "\"closed_during_auth\""
        case .stillOpen: "\"still_open\""
        case .unexplainedReset: "\"unexplained_reset\""
        case .protocolMismatch: "\"protocol_mismatch\""
        case .peerUnresponsive: "\"peer_unresponsive\""
        case .payloadNotCaptured: "\"payload_not_captured\""
        }
    }
}

extension SeqStatus {
    var jsonName: StaticString {
        switch self {
        case .exact: "\"exact\""
        case .inWindow: "\"in_window\""
        case .outOfWindow: "\"out_of_window\""
        case .unknown: "\"unknown\""
        }
    }
}
