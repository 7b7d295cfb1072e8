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

    @Test func longOrEscapedTextIsCutAndMadePlain() {
        #expect(FlowUID("0123456789abcdefXYZ").description == "0123456789abcde")
        #expect(FlowUID("a\"b\\c\u{1}d\u{e9}").description == "a?b?c?d??")
    }
}
