/// A cache slot's hash of a byte string that is compared in full on a hit (KEXINIT name-lists, host-key
/// blobs): the count, then every 8-byte word of a string up to 256 bytes (all its bytes: a host key's
/// blobs may differ in a few of them), or of a longer one a word every 32 bytes, and the last 16 bytes, mixed
/// multiply-xorshift; read with `FixedHeader` loads. About 150 instructions for a 1 KiB KEXINIT. Not an
/// identity: different bytes may share a digest (callers compare them), and in a string over 256 bytes,
/// bytes outside the sample do not change it.
public enum SampledDigest {
    public static func of(_ bytes: Span<UInt8>) -> UInt64 {
        let n = bytes.count
        var h = UInt64(truncatingIfNeeded: n) &* 0x9e37_79b9_7f4a_7c15
        @inline(__always) func mix(_ v: UInt64) {
            h = (h ^ v) &* 0xff51_afd7_ed55_8ccd
            h ^= h &>> 29
        }
        guard n >= 16 else {
            for i in 0..<n { mix(UInt64(bytes[i])) }
            return h
        }
        let stride = n <= 256 ? 8 : 32
        let sampled: Void? = FixedHeader.read(bytes, at: 0, length: n) { r in
            var i = 0
            while i <= n &- 8 {
                mix(r.be64(i))
                i &+= stride
            }
            mix(r.be64(n &- 16))
            mix(r.be64(n &- 8))
        }
        _ = sampled
        return h
    }
}
