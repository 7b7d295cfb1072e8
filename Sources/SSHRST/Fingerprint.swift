import Crypto

/// Hashes for the cold path (once per flow): hassh MD5 and OpenSSH's
/// `SHA256:` host-key fingerprint (unpadded base64 of the SHA-256 digest).
enum Fingerprint {
    static func md5Hex(_ text: String) -> String {
        hex(Array(Insecure.MD5.hash(data: Array(text.utf8))))
    }

    static func sha256(_ blob: [UInt8]) -> String {
        "SHA256:" + base64(Array(SHA256.hash(data: blob)), padded: false)
    }

    static func md5Colons(_ blob: [UInt8]) -> String {
        Array(Insecure.MD5.hash(data: blob)).map { hexByte($0) }.joined(separator: ":")
    }

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { hexByte($0) }.joined() }

    static func hexByte(_ b: UInt8) -> String {
        let digits = Array("0123456789abcdef".utf8)
        return String(decoding: [digits[Int(b >> 4)], digits[Int(b & 0x0f)]], as: UTF8.self)
    }

    static func base64(_ bytes: [UInt8], padded: Bool) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i + 3 <= bytes.count {
            let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            out.append(alphabet[Int((v >> 18) & 63)])
            out.append(alphabet[Int((v >> 12) & 63)])
            out.append(alphabet[Int((v >> 6) & 63)])
            out.append(alphabet[Int(v & 63)])
            i += 3
        }
        let rest = bytes.count - i
        if rest == 1 {
            let v = UInt32(bytes[i]) << 16
            out.append(alphabet[Int((v >> 18) & 63)])
            out.append(alphabet[Int((v >> 12) & 63)])
            if padded { out.append(contentsOf: Array("==".utf8)) }
        } else if rest == 2 {
            let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
            out.append(alphabet[Int((v >> 18) & 63)])
            out.append(alphabet[Int((v >> 12) & 63)])
            out.append(alphabet[Int((v >> 6) & 63)])
            if padded { out.append(UInt8(ascii: "=")) }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
