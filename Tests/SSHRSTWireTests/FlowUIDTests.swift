import Testing
@testable import SSHRSTWire

@Suite struct FlowUIDTests {
    /// Texts of 0-15 bytes drawn from a small alphabet (so prefixes and ties are common), deterministically.
    static func texts() -> [String] {
        var state: UInt64 = 0x9e37_79b9_7f4a_7c15
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        let alphabet = Array("Ca0Zz9".utf8)
        var out: [String] = ["", "C", "CzzzzzzzzzzzzZ"]
        for _ in 0..<400 {
            let n = Int(next() % 16)
            out.append(String(decoding: (0..<n).map { _ in alphabet[Int(next() % UInt64(alphabet.count))] }, as: UTF8.self))
        }
        return out
    }

    @Test func textRoundTrips() {
        for text in Self.texts() {
            let uid = FlowUID(text)
            #expect(uid.description == text)
            #expect(uid.count == text.utf8.count)
        }
    }

    @Test func orderIsTheTextsOrder() {
        let texts = Self.texts()
        for a in texts.prefix(120) {
            for b in texts.prefix(120) {
                #expect((FlowUID(a) < FlowUID(b)) == (a < b), "\(a) < \(b)")
                #expect((FlowUID(a) == FlowUID(b)) == (a == b), "\(a) == \(b)")
            }
        }
    }

    /// The uid assembled in its words reads as the digits appended one by one (0-9, A-Z, a-z, least
    /// significant first), for values with every digit at both ends and random ones, at every length.
    @Test func base62UidsReadAsTheirDigits() {
        let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)
        var values: [UInt64] = [0, 1, 9, 10, 35, 36, 61, 62, 63, 3_843, 3_844, UInt64.max, UInt64.max - 61]
        var state: UInt64 = 0x2545_f491_4f6c_dd1d
        for _ in 0..<300 {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            values.append(state)
        }
        for value in values {
            for digits in 0...14 {
                var expected = "C"
                var v = value
                for _ in 0..<digits {
                    expected.append(Character(Unicode.Scalar(alphabet[Int(v % 62)])))
                    v /= 62
                }
                #expect(FlowUID(prefix: UInt8(ascii: "C"), base62Of: value, digits: digits).description == expected)
                #expect(FlowUID(prefix: UInt8(ascii: "C"), base62Of: value, digits: digits) == FlowUID(expected))
            }
        }
    }

    @Test func longOrEscapedTextIsCutAndMadePlain() {
        #expect(FlowUID("0123456789abcdefXYZ").description == "0123456789abcde")
        #expect(FlowUID("a\"b\\c\u{1}d\u{e9}").description == "a?b?c?d??")
    }
}
