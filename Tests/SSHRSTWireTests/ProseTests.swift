import SSHRSTWire
import Testing

/// `Prose` must write exactly what a `String` interpolation of the same pieces writes: records and goldens
/// depend on the text, not on how it was built.
@Suite struct ProseTests {
    enum Side { case client, server }
    struct Described: CustomStringConvertible { var description: String { "described \"value\"" } }

    /// Stack text (numbers from Fmt, addresses) writes the same bytes in Prose as its description in a String.
    @Test func stackTextMatchesStringInterpolation() {
        var texts: [ASCIIText] = [ASCIIText()]
        for value: UInt64 in [0, 7, 1_234_567, UInt64.max] {
            var t = ASCIIText()
            t.appendDecimal(value, minimumDigits: 3)
            t.append(UInt8(ascii: " "))
            t.append(UInt8(ascii: "s"))
            texts.append(t)
        }
        for t in texts { #expect(Prose("at \(t) then").string == "at \(t) then") }
        #expect(Prose("\(texts[3])").string == "1234567 s")
    }

    @Test func integersOfEveryWidthMatchStringInterpolation() {
        let ints: [Int] = [0, 1, -1, 9, 10, -10, 99, 100, 101, 110, 999, -999, 1000, 1001, 12_345, -98_765, Int.max, Int.min, Int.min + 1]
        for i in ints { #expect(Prose("v=\(i);").string == "v=\(i);") }
        for v: UInt64 in [0, 9, 10, UInt64.max, UInt64.max / 3, 1 << 63] { #expect(Prose("\(v)").string == "\(v)") }
        for v: UInt8 in [0, 7, 64, 128, 255] { #expect(Prose("TTL \(v) hops").string == "TTL \(v) hops") }
        for v: UInt64 in 0...1_100 { #expect(Prose("n \(v).").string == "n \(v).") }
        for v: UInt16 in [0, 1, 4711, 65_535] { #expect(Prose("[\(v)]").string == "[\(v)]") }
        for v: UInt32 in [0, 1, 0x0101_080a, UInt32.max] { #expect(Prose("seq \(v)").string == "seq \(v)") }
        for v: Int64 in [Int64.min, -1, 0, Int64.max] { #expect(Prose("\(v) ns").string == "\(v) ns") }
        for v: Int32 in [Int32.min, -7, 0, Int32.max] { #expect(Prose("\(v)").string == "\(v)") }
        for v: Int8 in [Int8.min, -1, 0, Int8.max] { #expect(Prose("\(v)").string == "\(v)") }
    }

    @Test func otherValuesMatchStringInterpolation() {
        let side = Side.server
        let d = 0.25
        let optional: Int? = 3
        #expect(Prose("the \(side) side").string == "the \(side) side")
        #expect(Prose("\(d) and \(Described())").string == "\(d) and \(Described())")
        #expect(Prose("\(String(describing: optional))").string == "\(String(describing: optional))")
        #expect(Prose("non-ASCII – µs, \("ü")").string == "non-ASCII – µs, \("ü")")
        let inner: Prose = "inner \(42)"
        #expect(Prose("outer (\(inner))").string == "outer (inner 42)")
        // Inside a String interpolation a Prose writes its text.
        #expect("\(inner)" == "inner 42")
    }

    @Test func joiningAndAppending() {
        let pieces: [Prose] = ["a", "b \(1)", "c"]
        #expect(Prose.joined(pieces, separator: ", ").string == "a, b 1, c")
        #expect(Prose.joined([], separator: ", ").isEmpty)
        var p: Prose = "x"
        p += " y \(2)"
        p.append("!")
        #expect((p + "?").string == "x y 2!?")
    }

    /// The direct appends (a sized text, stack text, an integer) write what the interpolation of the same
    /// piece writes: verdict reasons and explanations are built with them.
    @Test func directAppendsMatchInterpolation() {
        let ints: [Int] = [0, 7, -7, 99, 100, 999, 1000, -12_345, Int.max, Int.min]
        for i in ints {
            var p = Prose(capacity: 8)
            p.append("v=")
            p.append(decimal: i)
            p.append(";")
            #expect(p.string == "v=\(i);")
        }
        for v: UInt32 in [0, 1, 4_294_967_295] {
            var p = Prose()
            p.append(decimal: v)
            #expect(p.string == "\(v)")
        }
        for value: UInt64 in [0, 95, 1_234_567] {
            var t = ASCIIText()
            t.appendDecimal(value, minimumDigits: 2)
            var p = Prose(capacity: 1)
            p.append("score ")
            p.append(t)
            #expect(p.string == "score \(t)")
            #expect(p.utf8 == Prose("score \(t)").utf8)
        }
        #expect(Prose(capacity: 256).isEmpty)
    }

    /// Strings are copied from their storage: small and large, ASCII and not, literal and built at run time,
    /// as values, as interpolations and as constant text.
    @Test func stringsAreCopiedWhole() {
        let built = String(repeating: "ab–ü", count: 40) + "\(7)"
        let strings = ["", "x", "ssh-ed25519", "fifteen chars!!", "sixteen chars!!!", "µs", built, String(built.dropFirst(3))]
        for s in strings {
            var p = Prose()
            p.append(string: s)
            #expect(p.utf8 == Array(s.utf8))
            #expect(Prose(s).utf8 == Array(s.utf8))
            #expect(Prose("<\(s)>").string == "<\(s)>")
        }
        let name: StaticString = "constant name"
        var p: Prose = "a "
        p.append(name)
        p.append(" and \(name)")
        #expect(p.string == "a constant name and constant name")
    }
}
