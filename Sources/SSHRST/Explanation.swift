import SSHRSTBytes
import SSHRSTAttribution
import SSHRSTWire

/// Two or three sentences that explain a verdict the way a network engineer
/// would, citing the numbers (TTLs, IP IDs, timing) behind it. Cold path.
enum Explanation {
    static func millis(_ ns: Int64) -> String {
        if ns < 1_000_000 { return "\((ns + 500) / 1000) µs" }
        let tenths = (ns + 50_000) / 100_000
        return "\(tenths / 10).\(tenths % 10) ms"
    }

    /// A list of facts written into one sentence: "A", "A, and B", "A, B, and C" (each fact appended by
    /// `add`, the last separator widened by `finish`).
    struct Facts {
        /// What comes before the first fact.
        let lead: StaticString
        let separator: StaticString
        let last: StaticString
        var count = 0
        var lastSeparator = 0

        /// Appends `fact` to `out`, after the lead or a separator.
        @_disfavoredOverload
        mutating func add(_ fact: Prose, to out: inout Prose) {
            separate(&out)
            out.append(fact)
        }

        /// A fact that is constant text.
        mutating func add(_ fact: StaticString, to out: inout Prose) {
            separate(&out)
            out.append(fact)
        }

        private mutating func separate(_ out: inout Prose) {
            if count == 0 {
                out.append(lead)
            } else {
                lastSeparator = out.utf8.count
                out.append(separator)
            }
            count += 1
        }

        /// Turns the separator before the last fact into `last`.
        func finish(_ out: inout Prose) {
            guard count >= 2 else { return }
            StaticText.replace(lastSeparator..<(lastSeparator + separator.utf8CodeUnitCount), of: &out.utf8, with: last)
        }
    }

    /// The explanation, as bytes (written straight into the record): one buffer, the facts appended as found.
    static func prose(_ r: ResetObservation, _ v: Verdict, claimedAddress: ASCIIText) -> Prose {
        let side = r.packet.claimedSender.rawValue
        let other = r.packet.claimedSender.opposite.rawValue
        let s = r.sender
        let agrees = v.attribution == Party(r.packet.claimedSender)
        var out = Prose(capacity: 640)
        out.append(agrees ? "RST from " : "RST claims to come from ")
        out.append(claimedAddress)
        out.append(" (the ")
        out.append(string: side)
        out.append(")")
        var facts = Facts(lead: agrees ? " " : " but ", separator: ", ", last: ", and ")
        // What speaks for the claimed sender when the verdict is a middlebox (copied headers): said apart and
        // said to be outweighed, not run into the sentence as if it were evidence against the sender.
        let copiedAgainst = v.attribution == .middlebox
        var forClaimed = Prose()
        var claimed = Facts(lead: "", separator: ", ", last: " and ")
        let ttlWord: StaticString = r.packet.isIPv6 ? "hop limit" : "TTL"
        if let ttl = r.packet.ttl, let lo = s.ttlMin, let hi = s.ttlMax, s.packets > 0 {
            if ttl < lo || ttl > hi {
                facts.add("has \(ttlWord) \(ttl) where all \(s.packets) earlier \(side) packets had \(lo)", to: &out)
                if lo != hi { out.append("-\(hi)") }
            } else if copiedAgainst {
                claimed.add("\(ttlWord) \(ttl) like the \(s.packets) earlier \(side) packets", to: &forClaimed)
            } else {
                facts.add("has \(ttlWord) \(ttl) like the \(s.packets) earlier \(side) packets", to: &out)
            }
        } else if let ttl = r.packet.ttl {
            facts.add("has \(ttlWord) \(ttl) (initial \(initialTTL(for: ttl)), \(hopDistance(for: ttl)) hop(s)) and no earlier \(side) packet to compare with", to: &out)
        }
        if let id = r.packet.ipID {
            if id == 0 && r.packet.dontFragment, let last = s.ipIDLast, last != 0 {
                facts.add("IP ID 0 with DF where the \(side)'s IDs counted up to \(last)", to: &out)
            } else if let last = s.ipIDLast, id != 0 {
                let step = id &- last
                if step >= 1 && step <= 32 {
                    if copiedAgainst {
                        claimed.add("IP ID \(id) continuing the \(side)'s counter (\(last) + \(step))", to: &forClaimed)
                    } else {
                        facts.add("IP ID \(id) continuing the \(side)'s counter (\(last) + \(step))", to: &out)
                    }
                } else {
                    facts.add("IP ID \(id) unrelated to the \(side)'s last \(last)", to: &out)
                }
            }
        } else if let label = r.packet.flowLabel, let stable = s.stableFlowLabel, stable != 0 {
            facts.add(label == stable ? Prose("the \(side)'s own flow label 0x\(String(label, radix: 16))")
                : "flow label 0x\(String(label, radix: 16)) where every \(side) packet carried 0x\(String(stable, radix: 16))", to: &out)
        }
        // The quick answer points away from the claimed sender: stated when a timing rule weighed it or the
        // verdict agrees, never left unweighed against a verdict for the claimed sender.
        if let d = r.triggerDelay, let rtt = r.rttToSender, rtt >= 1_000_000, d < rtt / 2,
            v.fired(.resetFasterThanRTT) || v.fired(.answersUnreceivedSegment) || v.attribution == .middlebox
        {
            facts.add("came \(millis(d)) after the \(other)'s packet while a round trip to the \(side) takes \(millis(rtt))", to: &out)
        }
        for e in v.evidence where e.weight > 0 {
            switch e.rule {
            case .answersUnreceivedSegment:
                facts.add("answered \(other) bytes that passed here too recently to have reached the \(side) (answers_unreceived_segment)", to: &out)
            case .socketAliveAfterReset:
                facts.add("the \(side) then acknowledged \(other) bytes it could only have received after that RST left it, so its socket was alive (socket_alive_after_reset)", to: &out)
            case .ipIDCollision:
                facts.add("a later genuine \(side) packet carried an IP ID that collides with the RST's (ip_id_collision)", to: &out)
            case .ipIDFromTrigger:
                facts.add("its IP ID was taken from the \(other)'s packet it answers (ip_id_from_trigger)", to: &out)
            case .windowCopiedFromPeer:
                facts.add("it copies the \(other)'s window (window_copied_from_peer)", to: &out)
            case .reservedBitsSet:
                facts.add("reserved TCP bits are set (reserved_bits_set)", to: &out)
            case .timestampsUnlikeSender:
                facts.add("its TCP timestamps do not fit the \(side)'s kernel (timestamps_unlike_sender)", to: &out)
            case .sameIPIDResets:
                facts.add("other RSTs of the burst carry the same IP ID with other sequence numbers (same_ip_id_resets)", to: &out)
            default:
                break
            }
        }
        if r.after.senderDataOrFIN > 0, let delay = r.after.firstSenderDataDelay {
            facts.add("the \(side) kept sending \(r.after.senderDataOrFIN) packet(s) afterwards (first \(millis(delay)) later)", to: &out)
        }
        facts.finish(&out)
        let confidence = Int((v.confidence * 100).rounded())
        switch v.attribution {
        case .middlebox:
            var where_: Prose = "a box on the path"
            if let ttl = r.packet.ttl, let lo = s.ttlMin, s.packets > 0 {
                let closer = hopDistance(for: lo) - hopDistance(for: ttl)
                if closer > 0 {
                    where_ += " \(hopDistance(for: ttl)) hop(s) from the capture point (\(closer) closer than the \(side))"
                }
            }
            guard claimed.count > 0 else {
                out.append(". Sent by \(where_), not by the \(side) (confidence \(confidence)%).")
                return out
            }
            claimed.finish(&forClaimed)
            out.append(". It carries \(forClaimed), as the \(side)'s own would, but a copy of its headers carries those too, and what a copy cannot fake outweighs them: sent by \(where_), not by the \(side) (confidence \(confidence)%).")
        case .server, .client:
            let how: StaticString
            switch v.path {
            case .socketAbort: how = "its own socket aborted the connection"
            case .noSocketOrReject: how = "its kernel answered with no socket behind it (closed port, dead socket or a host firewall REJECT)"
            default: how = "it sent the RST"
            }
            out.append(". Sent by the ")
            out.append(string: v.attribution.rawValue)
            out.append(" itself: ")
            out.append(how)
            out.append(" (confidence ")
            out.append(decimal: confidence)
            out.append("%).")
        case .undetermined:
            out.append(". Not enough to say who sent it: ")
            out.append(v.reasonText)
            out.append(".")
        }
        return out
    }
}
