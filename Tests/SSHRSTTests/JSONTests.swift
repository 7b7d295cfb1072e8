import SSHRSTReport
import Testing

@Suite struct JSONTests {
    @Test func escapesAndRoundTrips() {
        let tricky = "quote \" backslash \\ newline \n tab \t bell \u{7} unicode é ✓"
        let value = JSON.object([("s", .string(tricky)), ("n", .int(-3)), ("f", .fraction(0.5)), ("a", .array([.null, .bool(true)]))])
        let text = value.serialized()
        #expect(text == #"{"s":"quote \" backslash \\ newline \n tab \t bell \u0007 unicode é ✓","n":-3,"f":0.50,"a":[null,true]}"#)
        #expect(JSONParser.parse(text) == value)
    }

    /// A fraction written in place (reset confidences) is the text `JSON.fraction` serializes to.
    @Test func fractionsInPlaceMatchTheValue() {
        var values: [Double] = [0, 1, 0.5, 0.05, 0.004, 0.005, 0.995, 0.9949, -0.2, 1.7, .nan, .infinity, -.infinity]
        for k in 0...1000 { values.append(Double(k) / 1000) }
        for v in values {
            var w = JSONWriter()
            w.runFraction(v)
            #expect(String(decoding: w.bytes, as: UTF8.self) == JSON.fraction(v).serialized(), "\(v)")
        }
    }

    @Test func integersAreWrittenExactly() {
        for i in [0, 7, 9, 10, 99, 100, -1, -10, 65_535, 1_234_567_890, Int.max, Int.min] {
            #expect(JSON.int(i).serialized() == String(i))
        }
    }

    /// Against a plain String-based reference (the earlier implementation).
    @Test func secondsMatchTheReference() {
        func reference(_ ns: Int64, _ decimals: Int) -> String {
            let whole = ns.magnitude / 1_000_000_000
            var fraction = ns.magnitude % 1_000_000_000
            var digits = 9
            while digits > decimals { fraction /= 10; digits -= 1 }
            var text = String(fraction)
            if text.count < decimals { text = String(repeating: "0", count: decimals - text.count) + text }
            return (ns < 0 ? "-" : "") + String(whole) + (decimals > 0 ? "." + text : "")
        }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let ns = Int64.random(in: -4_000_000_000_000...4_000_000_000_000_000_000, using: &generator) >> Int64.random(in: 0...60, using: &generator)
            for decimals in [0, 3, 6, 9] { #expect(formatSeconds(ns, decimals: decimals) == reference(ns, decimals)) }
        }
        #expect(formatSeconds(1_500_000, decimals: 3) == "0.001")
        #expect(formatSeconds(-1, decimals: 6) == "-0.000000")
    }

    @Test func secondsAreExact() {
        #expect(JSON.seconds(1_795_705_723_203_145_999).serialized() == "1795705723.203145")
        #expect(JSON.seconds(0).serialized() == "0.000000")
    }

    @Test func rejectsMalformed() {
        for bad in ["{", "[1,", "{\"a\" 1}", "\"unterminated", "tru", "{\"a\":}"] {
            #expect(JSONParser.parse(bad) == nil, "\(bad)")
        }
    }

    @Test func sharedValuesWriteTheirBytesAndReadLikeTheValue() {
        let inner = JSON.object([("k", .array([.string("a,b"), .int(7)])), ("z", .null)])
        let made = JSON.shared(SharedJSON(inner))
        let record = JSON.object([("x", made), ("y", .bool(false))])
        #expect(record.serialized() == #"{"x":{"k":["a,b",7],"z":null},"y":false}"#)
        #expect(record["x"]?["k"]?.arrayValue?.first?.stringValue == "a,b")
        #expect(record["x"]?["z"]?.isNull == true)
        // Read back from text (a spilled record): written verbatim, parsed on first read.
        let text = Array(record.serialized().utf8)
        let spilled = JSON.shared(SharedJSON(serialized: text))
        #expect(spilled.serializedBytes() == text)
        #expect(spilled["x"]?["k"]?.arrayValue?.last?.intValue == 7)
        #expect(spilled["y"] == .bool(false))
        #expect(spilled == record)
        // Text that does not parse reads as null but is still written as it was.
        let broken = JSON.shared(SharedJSON(serialized: Array("{".utf8)))
        #expect(broken.resolved.isNull && broken.serialized() == "{")
    }
}
