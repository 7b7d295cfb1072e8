// libFuzzer harness: SSHRSTTransport's passive SSH decoder over both
// directions of a stream, segmented and sequenced as the input says.
// Built by Scripts/fuzz (not a SwiftPM target; SwiftPM ignores Tests/Fuzz).
//
// Input: a series of records, each
//   [flags: 1 byte] [sequence: 4 bytes BE if flags & 0x02, else a signed delta byte]
//   [length: 2 bytes BE if flags & 0x08, else 1 byte] [payload: length bytes (clamped to what is left)]
// flags & 0x01: side (0 originator, 1 responder)
// flags & 0x02: absolute sequence number; otherwise the side's next sequence (end of
//               its previous record) plus the signed delta, so overlaps, retransmissions
//               and holes are one byte away
// flags & 0x04: call setStart(side, sequence) first (as the engine does after a SYN)
// flags & 0x30 == 0x30: call summary() after this record
// flags & 0x40 of the FIRST record: this input also runs the oracles (below); without it only the plain
//               session runs, and an execution costs about a third (the oracles decode every KEXINIT
//               three more times). The bit is the input's, so a reproducer replays the same way.
// After the last record: finish(), then summary() and its derived values. With the oracles: summary(interner:)
// with an interner shared by all inputs (small, so its capacity limit is reached) must agree with summary();
// a second session, fed the same records, shares a KEXINIT check cache across inputs (small too): its
// summaries must agree as well.
// Tests/SSHRSTTests/FuzzRegressionTests.swift replays inputs with the same decoder.

import SSHRSTTransport

enum FuzzTransport {
    static func run(_ input: [UInt8]) {
        var session = SSHTransportSession()
        let oracles = input.first.map { $0 & 0x40 != 0 } ?? false
        var cached: SSHTransportSession? = oracles ? SSHTransportSession(kexCheckCache: checkCache) : nil
        let all = input.span  // payloads are sub-spans: Swift's bounds checks guard them, no copy
        var cursor: [UInt32] = [0, 0]
        var i = 0
        let n = input.count
        while i < n {
            let flags = input[i]
            i += 1
            let side: SSHSide = flags & 0x01 == 0 ? .originator : .responder
            let s = Int(side.rawValue)
            var sequence: UInt32
            if flags & 0x02 != 0 {
                guard i + 4 <= n else { break }
                sequence = UInt32(input[i]) << 24 | UInt32(input[i + 1]) << 16 | UInt32(input[i + 2]) << 8 | UInt32(input[i + 3])
                i += 4
            } else {
                guard i < n else { break }
                sequence = cursor[s] &+ UInt32(bitPattern: Int32(Int8(bitPattern: input[i])))
                i += 1
            }
            var length: Int
            if flags & 0x08 != 0 {
                guard i + 2 <= n else { break }
                length = Int(input[i]) << 8 | Int(input[i + 1])
                i += 2
            } else {
                guard i < n else { break }
                length = Int(input[i])
                i += 1
            }
            length = min(length, n - i)
            if flags & 0x04 != 0 {
                session.setStart(side, sequence: sequence)
                cached?.setStart(side, sequence: sequence)
            }
            let payload = all.extracting(i..<(i + length))
            i += length
            _ = session.ingest(side, sequence: sequence, payload: payload)
            _ = cached?.ingest(side, sequence: sequence, payload: payload)
            _ = session.phaseCode
            cursor[s] = sequence &+ UInt32(truncatingIfNeeded: length)
            if flags & 0x30 == 0x30 { consume(session.summary()) }
        }
        session.finish()
        let plain = session.summary()
        consume(plain)
        precondition(plain.effectiveNegotiation == plain.negotiation(assumingClient: plain.sshClientSide ?? .originator),
            "effectiveNegotiation differs from negotiation(assumingClient:)")
        guard var cached else { return }
        let interned = session.summary(interner: interner)
        precondition(interned.originatorKexInit == plain.originatorKexInit
            && interned.responderKexInit == plain.responderKexInit
            && interned.effectiveNegotiation == plain.effectiveNegotiation
            && interned.sshClientSide == plain.sshClientSide && interned.anomalies == plain.anomalies,
            "summary(interner:) differs from summary()")
        cached.finish()
        for other in [cached.summary(), cached.summary(interner: interner)] {
            precondition(other.originatorKexInit == plain.originatorKexInit
                && other.responderKexInit == plain.responderKexInit
                && other.effectiveNegotiation == plain.effectiveNegotiation
                && other.sshClientSide == plain.sshClientSide && other.anomalies == plain.anomalies
                && other.phase == plain.phase,
                "a session with the KEXINIT check cache differs")
        }
    }

    nonisolated(unsafe) static let interner = KexInitInterner(capacity: 64)
    static let checkCache = KexInitCheckCache(capacity: 64)

    static func consume(_ summary: SSHSummary) {
        var total = summary.anomalies.count
        total &+= summary.originatorBanner?.utf8.count ?? 0
        total &+= summary.responderBanner?.utf8.count ?? 0
        total &+= summary.originatorPreBanner.count &+ summary.responderPreBanner.count
        if let negotiation = summary.negotiation { total &+= String(describing: negotiation).utf8.count }
        for side in [SSHSide.originator, .responder] {
            if let kex = summary.kexInit(of: side) { total &+= kex.kexAlgorithms.count &+ kex.cookie.count }
            _ = summary.negotiation(assumingClient: side)
        }
        total &+= summary.hostKey?.blob.count ?? 0
        total &+= summary.disconnect?.description.utf8.count ?? 0
        _ = total
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTransport(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    FuzzTransport.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
