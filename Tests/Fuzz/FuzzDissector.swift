// libFuzzer harness: SSHRSTWire's dissector over raw frames, every link type.
// Built by Scripts/fuzz (not a SwiftPM target; SwiftPM ignores Tests/Fuzz).
//
// Input: [selector: 1 byte][frame bytes...]. The selector picks the DLT
// (LinkType(dlt:) of `FuzzDissector.dlts[selector % count]`), so every link
// type, including an unsupported one, is reached.
//
// Besides "must not trap", the harness checks the Dissection's contract: a TCP
// payload range lies inside the frame, the header length is 20...60, and a header
// cut by the snap length keeps its first 14 bytes and leaves no payload in the frame.

import SSHRSTWire

enum FuzzDissector {
    /// DLT_NULL, EN10MB, RAW (12, 14, 101, 228, 229), LOOP, LINUX_SLL, LINUX_SLL2, and one unsupported (147).
    static let dlts: [Int32] = [0, 1, 12, 14, 101, 108, 113, 228, 229, 276, 147]

    static func run(_ input: [UInt8]) {
        guard let selector = input.first else { return }
        let linkType = LinkType(dlt: dlts[Int(selector) % dlts.count])
        let frame = Array(input.dropFirst())
        let bytes = frame.span
        let count = bytes.count
        let dissection: Dissection
        do {
            dissection = try Dissector.dissect(linkType, bytes)
        } catch {
            _ = error.layer
            return
        }
        switch dissection {
        case .tcp(let segment):
            let p = segment.payload
            guard p.lowerBound >= 0, p.upperBound <= count else {
                fatalError("payload \(p) outside a \(count)-byte frame")
            }
            guard (20...60).contains(segment.tcp.headerLength) else {
                fatalError("TCP header length \(segment.tcp.headerLength)")
            }
            guard segment.payloadWireLength >= 0 else { fatalError("negative wire length") }
            // A header cut by the snap length: at least its first 14 bytes, and only when the datagram goes on
            // past the captured bytes (then nothing of the payload is in the frame).
            let cut = segment.tcp.uncapturedLength
            guard cut >= 0, cut <= segment.tcp.headerLength - TCPHeader.minimumCapturedLength else {
                fatalError("uncaptured header length \(cut) of \(segment.tcp.headerLength)")
            }
            guard cut == 0 || (segment.truncatedBySnaplen && p.isEmpty && p.lowerBound == count) else {
                fatalError("a cut header with payload \(p) in a \(count)-byte frame")
            }
            var sum: UInt8 = 0
            for i in p { sum &+= bytes[i] }  // every payload byte is addressable
            _ = sum
            _ = segment.tcp.flags.tcpdumpText
            // The MSS reader (`sshrst trace`'s probes) at every offset near the TCP header, in and out of range.
            let base = segment.ip.payloadOffset
            for at in [base - 1, base, base + 1, count - 1, count, count + 20] { _ = TCPHeader.mss(bytes, at: at) }
        case .icmpError(let error):
            _ = error.name
            _ = error.isUnreachable
            _ = (error.quotedTTL, error.quotedIPID, error.quotedWindow, error.quotedMSS)
        case .skipped(let reason):
            _ = reason.name
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDissector(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    FuzzDissector.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
