import SSHRSTAttribution
import SSHRSTReport
import SSHRSTWire

/// Flows, resets and causes counted for the summary: one array slot per case (counting a record costs an
/// index, not a dictionary update keyed by text).
struct OutcomeCounters {
    static let outcomeCases = Outcome.allCases
    static let partyCases = Party.allCases
    static let causeCases = CauseID.allCases

    var flows = 0
    var resets = 0
    var byOutcome = [Int](repeating: 0, count: OutcomeCounters.outcomeCases.count)
    var byAttribution = [Int](repeating: 0, count: OutcomeCounters.partyCases.count)
    var byCause = [Int](repeating: 0, count: OutcomeCounters.causeCases.count)

    mutating func count(_ built: BuiltRecord) {
        flows += 1
        if let i = OutcomeCounters.outcomeCases.firstIndex(of: built.outcome) { byOutcome[i] += 1 }
        for a in built.attributions {
            resets += 1
            if let i = OutcomeCounters.partyCases.firstIndex(of: a) { byAttribution[i] += 1 }
        }
        if let cause = built.digest.cause, let i = OutcomeCounters.causeCases.firstIndex(of: cause) { byCause[i] += 1 }
    }

    func count(_ outcome: Outcome) -> Int {
        OutcomeCounters.outcomeCases.firstIndex(of: outcome).map { byOutcome[$0] } ?? 0
    }

    func count(_ party: Party) -> Int {
        OutcomeCounters.partyCases.firstIndex(of: party).map { byAttribution[$0] } ?? 0
    }

    /// The causes seen, by name.
    var causes: [(name: String, count: Int)] {
        var out: [(name: String, count: Int)] = []
        for (i, cause) in OutcomeCounters.causeCases.enumerated() where byCause[i] > 0 { out.append((cause.rawValue, byCause[i])) }
        return out.sorted { $0.name < $1.name }
    }
}

enum SummaryBuilder {
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
        for o in [Outcome.refused, .reset, .timeout, .closed, .open] { outcomeFields.append((o.rawValue, .int(outcomes.count(o)))) }
        var attributionFields: [(String, JSON)] = []
        for a in [Party.server, .client, .middlebox, .undetermined] { attributionFields.append((a.rawValue, .int(outcomes.count(a)))) }
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
            ("causes", .object(outcomes.causes.map { ($0.name, .int($0.count)) })),
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
