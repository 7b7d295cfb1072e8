import SSHRSTAttribution
import SSHRSTReport
import SSHRSTWire

struct OutcomeCounters {
    var flows = 0
    var byOutcome: [String: Int] = [:]
    var byAttribution: [String: Int] = [:]
    var byCause: [String: Int] = [:]
    var resets = 0

    mutating func count(_ built: BuiltRecord) {
        flows += 1
        byOutcome[built.outcome.rawValue, default: 0] += 1
        for a in built.attributions {
            resets += 1
            byAttribution[a.rawValue, default: 0] += 1
        }
        if let cause = built.digest.cause?.rawValue { byCause[cause, default: 0] += 1 }
    }
}

enum SummaryBuilder {
    static func sorted(_ d: [String: Int]) -> JSON {
        .object(d.keys.sorted().map { ($0, .int(d[$0] ?? 0)) })
    }

    static func build(stats: DecodeStats, outcomes: OutcomeCounters, extra: [(String, JSON)]) -> JSON {
        var skipped: [(String, JSON)] = []
        for reason in SkipReason.allCases where stats.skipped[Int(reason.rawValue)] > 0 {
            skipped.append((reason.name, .int(stats.skipped[Int(reason.rawValue)])))
        }
        var errors: [(String, JSON)] = []
        for layer in WireLayer.allCases {
            for kind in WireErrorKind.allCases {
                let n = stats.errors[Int(layer.rawValue) * WireErrorKind.allCases.count + Int(kind.rawValue)]
                if n > 0 { errors.append(("\(layer.name).\(kind.name)", .int(n))) }
            }
        }
        var outcomeFields: [(String, JSON)] = []
        for o in ["refused", "reset", "timeout", "closed", "open"] { outcomeFields.append((o, .int(outcomes.byOutcome[o] ?? 0))) }
        var attributionFields: [(String, JSON)] = []
        for a in ["server", "client", "middlebox", "undetermined"] { attributionFields.append((a, .int(outcomes.byAttribution[a] ?? 0))) }
        var fields: [(String, JSON)] = [
            ("type", .string("summary")),
            ("sshrst_version", .string(SSHRSTVersion.current)),
            ("packets", .int(stats.frames)),
            ("bytes", .int(stats.bytes)),
            ("tcp_segments", .int(stats.tcpSegments)),
            ("first_ts", stats.firstTime.map { .seconds($0) } ?? .null),
            ("last_ts", stats.firstTime == nil ? .null : .seconds(stats.lastTime)),
            ("flows", .int(outcomes.flows)),
            ("outcomes", .object(outcomeFields)),
            ("resets", .int(outcomes.resets)),
            ("resets_by_attribution", .object(attributionFields)),
            ("causes", sorted(outcomes.byCause)),
            ("icmp_errors", .int(stats.icmpErrors)),
            ("icmp_errors_matched", .int(stats.icmpErrorsMatched)),
            ("skipped", .object(skipped)),
            ("decode_errors", .object(errors)),
            ("truncated_by_snaplen", .int(stats.truncatedBySnaplen)),
            ("flows_tracked", .int(stats.flowsCreated)),
            ("flows_not_ssh", .int(stats.nonSSHFlows)),
            ("flows_evicted", .int(stats.flowsEvicted)),
            ("flows_expired", .int(stats.flowsIdleExpired)),
            ("out_of_order_records", .int(stats.reorderForced)),
        ]
        fields.append(contentsOf: extra)
        return .object(fields)
    }
}
