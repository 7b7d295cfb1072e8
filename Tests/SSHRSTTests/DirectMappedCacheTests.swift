@testable import SSHRST
import Testing

/// The record memo's caches: a hit is always the value stored under that exact key, whatever keys collide.
@Suite struct DirectMappedCacheTests {
    @Test func hitsAreExactAndMissesAreNil() {
        var cache = DirectMappedCache<UInt64>(maximumSlots: 64, initialSlots: 2)
        var generator = SystemRandomNumberGenerator()
        var stored: [UInt64: UInt64] = [:]
        // Many more keys than slots: collisions and evictions, never a wrong value.
        for step in 0..<20_000 {
            let key = step % 3 == 0 ? UInt64(step % 97) : generator.next() % 5_000
            if let hit = cache[key] { #expect(hit == stored[key]) }
            let value = generator.next()
            cache[key] = value
            stored[key] = value
            #expect(cache[key] == value)
        }
        #expect(cache[UInt64.max] == nil || stored[UInt64.max] != nil)
    }

    @Test func keyZeroIsAKeyLikeAnyOther() {
        var cache = DirectMappedCache<String>(maximumSlots: 8)
        #expect(cache[0] == nil)
        cache[0] = "zero"
        #expect(cache[0] == "zero")
        cache[1] = "one"
        #expect(cache[1] == "one")
    }

    @Test func growsOnlyUpToItsMaximum() {
        var cache = DirectMappedCache<Int>(maximumSlots: 16, initialSlots: 2)
        for k in 0..<1_000 { cache[UInt64(k)] = k }
        var kept = 0
        for k in 0..<1_000 where cache[UInt64(k)] != nil {
            #expect(cache[UInt64(k)] == k)
            kept += 1
        }
        #expect(kept >= 1 && kept <= 16)
    }
}
