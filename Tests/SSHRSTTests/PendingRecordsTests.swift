@testable import SSHRST
import Testing

/// The reorder buffer's ring of waiting records against a dictionary doing the same thing: random waits,
/// emissions in order, order giving way (keys left below the ring) and keys far beyond its largest size.
@Suite struct PendingRecordsTests {
    func code(_ entry: ReorderBuffer.Pending?) -> String {
        switch entry {
        case nil: return "-"
        case .memory(let place, let length)?: return "m\(place),\(length)"
        case .memoryNone?: return "m-"
        case .spilled(let offset, let length)?: return "s\(offset),\(length)"
        case .spilledNone?: return "n"
        }
    }

    @Test func behavesAsADictionary() {
        var generator = SplitMix(seed: 0x5eed)
        var ring = PendingRecords()
        var model: [UInt64: ReorderBuffer.Pending] = [:]
        var next: UInt64 = 0
        var highest: UInt64 = 0
        for step in 0..<200_000 {
            let roll = generator.next() % 100
            if roll < 45 {
                // A flow finishes: usually just above the next one due, sometimes far (a ring that must grow, or
                // a key beyond its largest size), sometimes below (after order gave way).
                var key = next &+ generator.next() % 3_000
                if roll == 0 { key = next &+ UInt64(PendingRecords.maximumCapacity) &+ generator.next() % 5_000 }
                if roll == 1, next > 10 { key = next - 1 - generator.next() % 10 }
                let entry: ReorderBuffer.Pending = switch generator.next() % 3 {
                case 0: generator.next() % 4 == 0 ? .memoryNone : .memory(place: Int(step), length: Int(generator.next() % 5))
                case 1: .spilled(offset: Int(step), length: Int(generator.next() % 9))
                default: .spilledNone
                }
                ring[key] = entry
                model[key] = entry
                highest = max(highest, key)
            } else if roll < 85 {
                // The next record due is emitted when it waits.
                let a = ring.removeValue(forKey: next), b = model.removeValue(forKey: next)
                #expect(code(a) == code(b))
                if a != nil {
                    next &+= 1
                    ring.advance(to: next)
                }
            } else if roll < 87 {
                // Order gives way: the smallest waiting key is due, wherever it is.
                #expect(ring.min() == model.keys.min())
                if let smallest = model.keys.min() {
                    next = smallest
                    ring.advance(to: next)
                }
            } else if roll < 90 {
                next &+= generator.next() % 50  // flows not reported (or still open) skipped
                ring.advance(to: next)
            } else {
                let key = next &+ generator.next() % 4_000
                #expect(code(ring[key]) == code(model[key]))
                if roll == 99 { ring[key] = nil; model[key] = nil }  // a spill that failed part way
            }
            #expect(ring.count == model.count)
            if step % 20_000 == 0 {
                var seen: [UInt64: String] = [:]
                ring.forEach { key, entry in
                    #expect(seen[key] == nil)
                    seen[key] = code(entry)
                }
                #expect(seen == model.mapValues { code($0) })
            }
        }
        #expect(highest > next)
        for key in model.keys { #expect(code(ring[key]) == code(model[key])) }
    }
}

/// A small deterministic generator (SplitMix64).
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
