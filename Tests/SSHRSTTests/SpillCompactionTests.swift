import Foundation
@testable import SSHRST
import SSHRSTBytes
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

    /// The `n` a record's text names.
    static func number(_ text: Span<UInt8>) -> UInt64? {
        SharedJSON(serialized: ByteCopy.array(text)).value["n"]?.intValue.map { UInt64($0) }
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
            let text = Self.record(sequence).serializedBytes()
            texts[sequence] = text
            if buffer.takeIfNext(sequence) {
                out.append(sequence)
            } else {
                buffer.add(sequence, text: text.span, limit: 8, forced: &forced)
            }
            while buffer.next(force: false, limit: 8, forced: &forced, { text in
                guard let text, let n = Self.number(text) else {
                    Issue.record("a record without its number")
                    return
                }
                #expect(ByteCopy.array(text) == texts[n])
                out.append(n)
            }) {}
        }
        let total: UInt64 = 6_000
        // Every 500th flow finishes 400 flows late.
        var late: [UInt64: UInt64] = [:]
        for s in 0..<total {
            if s % 500 == 0 { late[min(s + 400, total - 1), default: s] = s; continue }
            finish(s)
            if let blocker = late.removeValue(forKey: s) { finish(blocker) }
        }
        while buffer.next(force: true, limit: 8, forced: &forced, { text in
            if let text, let n = Self.number(text) { out.append(n) }
        }) {}
        #expect(out == Array(0..<total))
        #expect(forced == 0)
        #expect(buffer.compactions > 0)
        // What is left on disk is what still waited at the last compaction, not everything ever spilled.
        let spilledEver = texts.values.reduce(0) { $0 + $1.count }
        #expect((buffer.spill?.size ?? 0) < spilledEver / 4)
    }
}
