import Foundation
@testable import SSHRST
import SSHRSTCapture
import SSHRSTReport
import Testing

/// Records waiting for first-packet order spill to a file; once the file is mostly records already read back,
/// the waiting ones move to a fresh, compact file. Every record must still come out once, in order, as written.
@Suite struct SpillCompactionTests {
    /// A record of about a kilobyte that names its sequence number.
    static func record(_ sequence: UInt64) -> JSON {
        .object([("type", .string("flow")), ("n", .int(Int(sequence))), ("pad", .string(String(repeating: "x", count: 900 + Int(sequence % 200))))])
    }

    /// Blockers (sequence numbers finished late) hold everything after them back, so most records spill; each
    /// blocker's arrival releases a run, leaving dead bytes; the small threshold makes the file compact often.
    @Test func everyRecordComesOutOnceInOrderThroughCompactions() throws {
        var buffer = ReorderBuffer()
        buffer.compactionBytes = 64 << 10
        var forced = 0
        var out: [UInt64] = []
        var texts: [UInt64: [UInt8]] = [:]
        func finish(_ sequence: UInt64) {
            let record = Self.record(sequence)
            texts[sequence] = record.serializedBytes()
            if buffer.takeIfNext(sequence) {
                out.append(sequence)
            } else {
                buffer.add(sequence, record, limit: 8, forced: &forced)
            }
            while let next = buffer.next(force: false, limit: 8, forced: &forced) {
                guard let json = next, let n = json["n"]?.intValue else {
                    Issue.record("a record without its number")
                    continue
                }
                #expect(json.serializedBytes() == texts[UInt64(n)])
                out.append(UInt64(n))
            }
        }
        let total: UInt64 = 6_000
        // Every 500th flow finishes 400 flows late.
        var late: [UInt64: UInt64] = [:]
        for s in 0..<total {
            if s % 500 == 0 { late[min(s + 400, total - 1), default: s] = s; continue }
            finish(s)
            if let blocker = late.removeValue(forKey: s) { finish(blocker) }
        }
        while let next = buffer.next(force: true, limit: 8, forced: &forced) {
            if let n = next?["n"]?.intValue { out.append(UInt64(n)) }
        }
        #expect(out == Array(0..<total))
        #expect(forced == 0)
        #expect(buffer.compactions > 0)
        // What is left on disk is what still waited at the last compaction, not everything ever spilled.
        let spilledEver = texts.values.reduce(0) { $0 + $1.count }
        #expect((buffer.spill?.size ?? 0) < spilledEver / 4)
    }
}
