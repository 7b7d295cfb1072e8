@testable import SSHRST
import Testing

/// The merger's map from a worker's flow numbers to sequence numbers against a dictionary doing the same: flows
/// created in order and ending in a random order near it, some living across hundreds of thousands of others
/// (they leave the ring for its dictionary), numbers never given or already removed.
@Suite struct SequenceMapTests {
    @Test func behavesAsADictionary() {
        var generator = SplitMix(seed: 0x5e9a)
        var map = SequenceMap()
        var model: [UInt64: UInt64] = [:]
        var live: [UInt64] = []  // numbers mapped, in creation order, with holes
        var longLived: [UInt64] = []
        var value: UInt64 = 1_000
        for _ in 0..<300_000 {
            let roll = generator.next() % 100
            if roll < 50 {
                value &+= 1 &+ generator.next() % 3
                let number = map.append(value)
                #expect(model[number] == nil)
                model[number] = value
                if generator.next() % 2_000 == 0 { longLived.append(number) } else { live.append(number) }
            } else if roll < 95, !live.isEmpty {
                // Mostly the oldest few end, sometimes one further on.
                let i = generator.next() % 8 == 0 ? Int(generator.next() % UInt64(live.count)) : Int(generator.next() % UInt64(min(live.count, 16)))
                let number = live.remove(at: i)
                #expect(map.remove(number) == model.removeValue(forKey: number))
            } else if roll < 97, !longLived.isEmpty, generator.next() % 2_000 == 0 {
                let number = longLived.removeFirst()
                #expect(map.remove(number) == model.removeValue(forKey: number))
            } else {
                // Lookups: live, long-lived, removed or never given.
                let number = generator.next() % (map.next &+ 10)
                #expect(map.value(of: number) == model[number])
                if generator.next() % 4 == 0 {
                    let removed = map.remove(number)
                    #expect(removed == model.removeValue(forKey: number))
                    if removed != nil {
                        if let i = live.firstIndex(of: number) { live.remove(at: i) }
                        if let i = longLived.firstIndex(of: number) { longLived.remove(at: i) }
                    }
                }
            }
            #expect(map.count == model.count)
            if live.count > 3_000 {
                for number in live.prefix(1_000) { #expect(map.remove(number) == model.removeValue(forKey: number)) }
                live.removeFirst(1_000)
            }
        }
        for (number, v) in model { #expect(map.value(of: number) == v) }
        // Some flows lived across more than the ring may hold (they were kept outside it).
        #expect(longLived.contains { map.next - $0 > UInt64(SequenceMap.maximumCapacity) })
        // Long-lived flows outlived more than the ring holds: they were looked up outside it.
        #expect(map.next > UInt64(SequenceMap.maximumCapacity) * 2)
    }
}
