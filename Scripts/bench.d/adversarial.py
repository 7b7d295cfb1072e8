#!/usr/bin/env python3
"""Hostile, deterministic captures for sshrst robustness tests.

Usage: adversarial.py OUTDIR   (normally via Scripts/gen-adversarial)

Every file is classic pcap (little-endian, microsecond magic 0xa1b2c3d4,
linktype 1 Ethernet, snaplen 262144), under 20 MB, and byte-identical on every
run (fixed seeds, fixed timestamps, stdlib only).  See
Scripts/bench.d/README-bench.md for what each file contains.
"""
import os
import random
import struct
import sys
from array import array

SNAPLEN = 262144
T0 = 1717243200  # 2024-06-01 12:00:00 UTC

# --------------------------------------------------------------------- pcap


class Pcap:
    def __init__(self, path):
        self.f = open(path, "wb")
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, SNAPLEN, 1))
        self.us = 0
        self.n = 0

    def rec(self, frame, caplen=None, wirelen=None, gap=100):
        self.us += gap
        cl = len(frame) if caplen is None else caplen
        wl = len(frame) if wirelen is None else wirelen
        self.f.write(struct.pack("<IIII", T0 + self.us // 1000000, self.us % 1000000, cl, wl))
        self.f.write(frame[:cl])
        self.n += 1

    def close(self):
        self.f.close()


def csum(data, init=0):
    if len(data) & 1:
        data += b"\0"
    a = array("H", data)
    if sys.byteorder == "little":
        a.byteswap()
    s = sum(a) + init
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


# ---------------------------------------------------------------- builders

MAC_R = bytes.fromhex("001c73000001")
MAC_S = bytes.fromhex("5254000a0016")


def eth(payload, ethertype, tags=(), src=MAC_R, dst=MAC_S):
    """tags: sequence of (tpid, tci) outermost first."""
    h = dst + src
    for tpid, tci in tags:
        h += struct.pack("!HH", tpid, tci)
    return h + struct.pack("!H", ethertype) + payload


def ip4(src, dst, proto, payload, ttl=64, ipid=0, df=True, options=b"", frag=0, tot=None, ihl=None):
    opt = options + b"\0" * (-len(options) % 4)
    hl = 20 + len(opt)
    ihl = hl // 4 if ihl is None else ihl
    tot = hl + len(payload) if tot is None else tot
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | (ihl & 15), 0, tot & 0xFFFF, ipid & 0xFFFF,
                    (0x4000 if df else 0) | frag, ttl, proto, 0, src, dst) + opt
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def ip6(src, dst, nh, payload, hlim=64, plen=None, flow=0):
    plen = len(payload) if plen is None else plen
    return struct.pack("!IHBB16s16s", 0x60000000 | flow, plen & 0xFFFF, nh, hlim, src, dst) + payload


def pseudo(src, dst, proto, length):
    if len(src) == 4:
        return src + dst + struct.pack("!BBH", 0, proto, length)
    return src + dst + struct.pack("!I3xB", length, proto)


def tcp(src, dst, sport, dport, seq, ack, flags, payload=b"", win=502, options=b"", doff=None):
    opt = options + b"\1" * (-len(options) % 4)
    hl = 20 + len(opt)
    doff = hl // 4 if doff is None else doff
    h = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                    (doff & 15) << 4, flags, win, 0, 0) + opt
    seg = h + payload
    c = csum(pseudo(src, dst, 6, len(seg)) + seg)
    return seg[:16] + struct.pack("!H", c) + seg[18:]


FIN, SYN, RST, PSH, ACK = 1, 2, 4, 8, 16


def ts_opt(tsv, tse):
    return b"\1\1\x08\x0a" + struct.pack("!II", tsv & 0xFFFFFFFF, tse & 0xFFFFFFFF)


def syn_opt(tsv, tse, mss=1460):
    return struct.pack("!BBH", 2, 4, mss) + b"\x04\x02" + b"\x08\x0a" + struct.pack("!II", tsv, tse) + b"\x01\x03\x03\x07"


class Flow:
    """One TCP connection; dir 0 = client -> server, 1 = server -> client."""

    def __init__(self, w, rng, cip, sip, cport, sport=22, tags=(), cttl=52, sttl=64, mss=1448):
        self.w, self.rng = w, rng
        self.ip = (cip, sip)
        self.port = (cport, sport)
        self.v6 = len(cip) == 16
        self.tags = tags
        self.ttl = (cttl, sttl)
        self.seq = [rng.getrandbits(32), rng.getrandbits(32)]
        self.ipid = [rng.getrandbits(16), rng.getrandbits(16)]
        self.ts = [rng.getrandbits(32), rng.getrandbits(32)]
        self.mss = mss

    def frame(self, d, flags, payload=b"", seq=None, ack=None, options=None, ttl=None, ipid=None, win=502,
              doff=None, ip_options=b""):
        s, a = self.ip[d], self.ip[1 - d]
        if options is None:
            self.ts[d] += 1
            options = ts_opt(self.ts[d], self.ts[1 - d])
        seq = self.seq[d] if seq is None else seq
        ack = self.seq[1 - d] if ack is None else ack
        t = tcp(s, a, self.port[d], self.port[1 - d], seq, ack if flags & ACK else 0, flags, payload, win, options, doff)
        if ipid is None:
            ipid = self.ipid[d]
            self.ipid[d] = (self.ipid[d] + 1) & 0xFFFF
        ttl = self.ttl[d] if ttl is None else ttl
        if self.v6:
            return eth(ip6(s, a, 6, t, ttl), 0x86DD, self.tags, *(MAC_R, MAC_S)[::1 if d == 0 else -1])
        return eth(ip4(s, a, 6, t, ttl, ipid, options=ip_options), 0x0800, self.tags,
                   *(MAC_R, MAC_S)[::1 if d == 0 else -1])

    def send(self, d, flags, payload=b"", advance=True, **kw):
        self.w.rec(self.frame(d, flags, payload, **kw))
        if advance:
            self.seq[d] = (self.seq[d] + len(payload) + (1 if flags & (SYN | FIN) else 0)) & 0xFFFFFFFF

    def handshake(self):
        self.send(0, SYN, options=syn_opt(self.ts[0], 0, 1460))
        self.send(1, SYN | ACK, options=syn_opt(self.ts[1], self.ts[0], 1460))
        self.send(0, ACK)

    def stream(self, d, data, seg=None, ack_every=2):
        seg = seg or self.mss
        n = 0
        for i in range(0, len(data), seg):
            self.send(d, ACK | PSH, data[i:i + seg])
            n += 1
            if ack_every and n % ack_every == 0:
                self.send(1 - d, ACK)

    def close(self, d=0):
        self.send(d, FIN | ACK)
        self.send(1 - d, FIN | ACK)
        self.send(d, ACK)

    def rst(self, d, ack=True, **kw):
        self.send(d, RST | (ACK if ack else 0), options=b"", advance=False, win=0, **kw)


# -------------------------------------------------------------------- SSH

KEX = ("sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,"
       "ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,"
       "diffie-hellman-group18-sha512,diffie-hellman-group14-sha256")
HK = "rsa-sha2-512,rsa-sha2-256,ecdsa-sha2-nistp256,ssh-ed25519"
ENC = "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com"
MAC = ("umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,"
       "hmac-sha1-etm@openssh.com,umac-64@openssh.com,umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1")
COMP = "none,zlib@openssh.com"
SB = b"SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13\r\n"
CB = b"SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13\r\n"


def sstr(b):
    if isinstance(b, str):
        b = b.encode()
    return struct.pack("!I", len(b)) + b


def binpkt(payload, rng, block=8):
    pad = block - ((5 + len(payload)) % block)
    if pad < 4:
        pad += block
    return struct.pack("!IB", 1 + len(payload) + pad, pad) + payload + bytes(rng.getrandbits(8) for _ in range(pad))


def kexinit_payload(rng, kex=KEX, hk=HK, enc=ENC, mac=MAC, comp=COMP):
    p = bytes([20]) + cookie(rng)
    for nl in (kex, hk, enc, enc, mac, mac, comp, comp, "", ""):
        p += sstr(nl)
    return p + b"\0" + b"\0\0\0\0"


def cookie(rng):
    return bytes(rng.getrandbits(8) for _ in range(16))


def kexinit(rng, lists=None):
    lists = lists or (KEX, HK, ENC, ENC, MAC, MAC, COMP, COMP, "", "")
    p = bytes([20]) + cookie(rng)
    for nl in lists:
        p += sstr(nl)
    return binpkt(p + b"\0" + b"\0\0\0\0", rng)


def newkeys(rng):
    return binpkt(b"\x15", rng)


def randbytes(rng, n):
    return rng.getrandbits(8 * n).to_bytes(n, "little") if n else b""


def v4(rng, a=None):
    return bytes(a) if a else bytes([rng.randint(1, 223), rng.getrandbits(8), rng.getrandbits(8), rng.randint(1, 254)])


SRV4 = bytes([10, 20, 0, 22])
SRV6 = bytes.fromhex("20010db8002200000000000000000022")


def cli6(rng):
    return bytes.fromhex("2a02") + randbytes(rng, 14)


# ------------------------------------------------------------------- files


def f_kexinit_2000(path):
    """Both KEXINITs carry 2000+ names in every name-list (real ones last)."""
    rng = random.Random(2000)
    w = Pcap(path)

    def biglist(tag, real, n):
        names = [f"{tag}-{i:05d}-{randbytes(rng, 3).hex()}@adversarial.example" for i in range(n)]
        return ",".join(names + real.split(","))

    for k, (cip, tags) in enumerate([(v4(rng), ()), (cli6(rng), ((0x88A8, 200), (0x8100, 300)))]):
        sip = SRV4 if len(cip) == 4 else SRV6
        f = Flow(w, rng, cip, sip, 40000 + k, tags=tags, mss=1448 if len(cip) == 4 else 1428)
        f.handshake()
        f.stream(1, SB)
        f.stream(0, CB)
        n = 2000 + 137 * k
        lists_s = [biglist("s" + t, r, n) for t, r in
                   zip("khceEmMcCl", (KEX, HK, ENC, ENC, MAC, MAC, COMP, COMP, "x", "y"))]
        lists_c = [biglist("c" + t, r, n + 1) for t, r in
                   zip("khceEmMcCl", (KEX, HK, ENC, ENC, MAC, MAC, COMP, COMP, "x", "y"))]
        f.stream(1, kexinit(rng, lists_s))
        f.stream(0, kexinit(rng, lists_c))
        f.stream(0, binpkt(b"\x1e" + sstr(randbytes(rng, 32)), rng))
        f.stream(1, randbytes(rng, 300))
        for _ in range(20):
            f.send(0, ACK | PSH, randbytes(rng, 36))
            f.send(1, ACK | PSH, randbytes(rng, 52))
        f.rst(1)  # server abort after the monster KEX
    w.close()


def f_tiny_segments(path):
    """One flow; server banner + ~100 KB KEXINIT as 1-byte segments (100k+)."""
    rng = random.Random(1)
    w = Pcap(path)
    f = Flow(w, rng, v4(rng), SRV4, 50522)
    f.handshake()
    names = ",".join(f"tiny{i:05d}@x.example" for i in range(4400)) + "," + KEX
    lists = (names, HK, ENC, ENC, MAC, MAC, COMP, COMP, "", "")
    data = SB + kexinit(rng, lists)
    need = 100000 - len(data)
    if need > 0:  # pad the first name-list until the stream is >= 100000 bytes
        names = ",".join(f"tiny{i:05d}@x.example" for i in range(4400 + need // 20 + 1)) + "," + KEX
        data = SB + kexinit(rng, (names, HK, ENC, ENC, MAC, MAC, COMP, COMP, "", ""))
    # Client banner and KEXINIT also byte-by-byte, interleaved early on.
    cdata = CB + kexinit(rng)
    ci = 0
    for i in range(len(data)):
        f.send(1, ACK | PSH, data[i:i + 1], options=b"")
        if ci < len(cdata) and i % 7 == 0:
            f.send(0, ACK | PSH, cdata[ci:ci + 1], options=b"")
            ci += 1
        elif i % 50 == 49:
            f.send(0, ACK, options=b"")
    while ci < len(cdata):
        f.send(0, ACK | PSH, cdata[ci:ci + 1], options=b"")
        ci += 1
    f.stream(0, binpkt(b"\x1e" + sstr(randbytes(rng, 32)), rng))
    f.stream(1, randbytes(rng, 200) + newkeys(rng))
    f.stream(0, newkeys(rng))
    for _ in range(10):
        f.send(0, ACK | PSH, randbytes(rng, 36))
    f.rst(0, ack=False)  # client abort
    w.close()
    return len(data)


def f_overlap_retrans(path):
    """Overlapping retransmissions whose bytes differ from the first copy."""
    rng = random.Random(3)
    w = Pcap(path)

    def start(port, v6=False):
        cip = cli6(rng) if v6 else v4(rng)
        f = Flow(w, rng, cip, SRV6 if v6 else SRV4, port, tags=((0x8100, 42),) if port % 2 else ())
        f.handshake()
        return f

    # 1. Server banner sent, then "retransmitted" with a different version.
    f = start(41001)
    s0 = f.seq[1]
    f.send(1, ACK | PSH, SB)
    f.send(1, ACK | PSH, b"SSH-2.0-EvilSSH_0.1 different-bytes-\r\n"[:len(SB)], seq=s0, advance=False)
    f.stream(0, CB)
    f.stream(1, kexinit(rng)); f.stream(0, kexinit(rng))
    f.rst(1)

    # 2. KEXINIT: [0,1000) then [500,1500) with different bytes, then the rest.
    f = start(41002)
    f.stream(1, SB); f.stream(0, CB)
    k = kexinit(rng)
    s0 = f.seq[0]
    f.send(0, ACK | PSH, k[:1000], advance=False)
    bad = bytearray(k[500:1500]); bad[0:8] = b"\xff" * 8
    f.send(0, ACK | PSH, bytes(bad), seq=s0 + 500, advance=False)
    f.seq[0] = (s0 + 1500) & 0xFFFFFFFF
    f.stream(0, k[1500:])
    f.stream(1, kexinit(rng))
    f.rst(0)

    # 3. A segment wholly inside an earlier one, different bytes; and a
    #    retransmission of a packet_length field with another length.
    f = start(41003)
    f.stream(1, SB); f.stream(0, CB)
    k = kexinit(rng)
    s0 = f.seq[1]
    f.send(1, ACK | PSH, k[:1200], advance=False)
    f.send(1, ACK | PSH, b"\x7f\xff\xff\xff" + randbytes(rng, 96), seq=s0 + 0, advance=False)
    f.send(1, ACK | PSH, randbytes(rng, 100), seq=s0 + 300, advance=False)
    f.seq[1] = (s0 + 1200) & 0xFFFFFFFF
    f.stream(1, k[1200:])
    f.stream(0, kexinit(rng))
    f.close(0)

    # 4. Out of order: second half first, then the first half, then the whole
    #    thing again with different bytes; client RST retransmitted with other seq.
    f = start(41004, v6=True)
    f.stream(1, SB)
    s0 = f.seq[0]
    c2 = CB + kexinit(rng)
    f.send(0, ACK | PSH, c2[len(c2) // 2:], seq=s0 + len(c2) // 2, advance=False)
    f.send(0, ACK | PSH, c2[:len(c2) // 2], seq=s0, advance=False)
    f.send(0, ACK | PSH, randbytes(rng, len(c2)), seq=s0, advance=False)
    f.seq[0] = (s0 + len(c2)) & 0xFFFFFFFF
    f.stream(1, kexinit(rng))
    f.rst(0)
    f.rst(0, seq=f.seq[0] + 1000)
    f.rst(0, seq=f.seq[0] - 5000)

    # 5. Sequence wrap-around with overlap straddling 2^32.
    f = Flow(w, rng, v4(rng), SRV4, 41005)
    f.seq[0] = 0xFFFFFF00
    f.handshake()
    f.stream(1, SB)
    s0 = f.seq[0]
    c2 = CB + kexinit(rng)
    f.send(0, ACK | PSH, c2[:600], advance=False)
    f.send(0, ACK | PSH, randbytes(rng, 400), seq=s0 + 100, advance=False)  # crosses 2^32, other bytes
    f.seq[0] = (s0 + 600) & 0xFFFFFFFF
    f.stream(0, c2[600:])
    f.stream(1, kexinit(rng))
    f.close(1)

    # 6. Data after RST, same seq as the RST, different bytes each time; RST
    #    with payload; duplicate SYN with a different ISN after the handshake.
    f = start(41006)
    f.stream(1, SB); f.stream(0, CB)
    f.rst(1)
    f.send(1, ACK | PSH, b"SSH-2.0-late\r\n", advance=False)
    f.send(1, ACK | PSH, randbytes(rng, 14), advance=False)
    f.send(1, RST | ACK, b"RST-with-payload", options=b"", advance=False)
    f.send(0, SYN, seq=f.seq[0] + 12345, options=syn_opt(1, 0), advance=False)
    f.rst(0, ack=False)

    # 7. Many overlapping copies (200) of one KEXINIT segment, each different.
    f = start(41007)
    f.stream(1, SB); f.stream(0, CB)
    k = kexinit(rng)
    s0 = f.seq[1]
    for i in range(200):
        off = rng.randrange(0, 800)
        f.send(1, ACK | PSH, randbytes(rng, rng.randrange(1, 600)), seq=s0 + off, advance=False)
    f.stream(1, k)
    f.rst(1)
    w.close()


def f_endless_prebanner(path):
    """Server sends 50k pre-banner lines and never a banner; then a 1 MB line with no CR LF."""
    rng = random.Random(4)
    w = Pcap(path)
    f = Flow(w, rng, v4(rng), SRV4, 42001)
    f.handshake()
    lines = b"".join(b"pre-banner line %05d: this host is monitored, go away\r\n" % i for i in range(50000))
    f.stream(0, CB)  # the client speaks first; the server never answers with SSH-
    f.stream(1, lines, ack_every=4)
    f.close(0)

    f = Flow(w, rng, cli6(rng), SRV6, 42002, tags=((0x8100, 7),), mss=1428)
    f.handshake()
    f.stream(0, CB)
    f.stream(1, b"X" * 1000000, ack_every=8)  # one line, no newline, ever
    f.rst(0)

    # Lines that look almost like banners: "SSH-" prefixed garbage, "SSH-1.5-", NUL bytes.
    f = Flow(w, rng, v4(rng), SRV4, 42003)
    f.handshake()
    junk = b"".join([b"SSH-\r\n", b"SSH-9.9-x\r\n", b"SSH-1.5-old\r\n", b"SSH-2.0-\x00\x01\x02\r\n",
                     b"\r\n" * 1000, b"SSH-2.0-" + b"A" * 300 + b"\r\n", b"\n" * 1000])
    f.stream(1, junk)
    f.stream(0, CB)
    f.rst(1)
    w.close()


def f_huge_lengths(path):
    """Binary packets whose length fields lie."""
    rng = random.Random(5)
    w = Pcap(path)
    port = [43000]

    def flow_with(server_bytes, client_bytes=None, end="rst1"):
        port[0] += 1
        v6 = port[0] % 3 == 0
        f = Flow(w, rng, cli6(rng) if v6 else v4(rng), SRV6 if v6 else SRV4, port[0],
                 tags=((0x88A8, 5), (0x8100, 6)) if port[0] % 4 == 0 else (), mss=1428 if v6 else 1448)
        f.handshake()
        f.stream(1, SB)
        f.stream(0, CB)
        f.stream(1, server_bytes)
        if client_bytes is not None:
            f.stream(0, client_bytes)
        if end == "rst1":
            f.rst(1)
        elif end == "rst0":
            f.rst(0, ack=False)
        else:
            f.close(0)

    ki = kexinit_payload(rng)
    good = binpkt(ki, rng)
    flow_with(b"\xff\xff\xff\xff\x04" + randbytes(rng, 2000))                  # packet_length 0xFFFFFFFF
    flow_with(b"\x00\x00\x00\x00\x00" + randbytes(rng, 64))                    # packet_length 0
    flow_with(b"\x00\x00\x00\x01\x00")                                         # packet_length 1, padding 0
    flow_with(b"\x00\x00\x00\x0c\xff" + randbytes(rng, 11))                    # padding 255 > length 12
    flow_with(struct.pack("!IB", len(ki) + 5, 4) + ki + b"\0" * 4, good, "fin")  # padding == payload end
    bad = bytearray(good); bad[4] = 200
    flow_with(bytes(bad), good)                                                # padding 200 > packet
    # name-list length beyond the packet / beyond 2^31 / exactly one past
    for nl_len in (0xFFFFFFF0, 0x80000000, len(ki)):
        p = bytearray(ki)
        struct.pack_into("!I", p, 17, nl_len)
        flow_with(binpkt(bytes(p), rng), good, "rst0")
    # KEXINIT cut off in the middle of a name-list, then FIN
    flow_with(good[:300], None, "fin")
    # packet_length says 35000 (above the RFC's 32768 limit), bytes follow
    flow_with(struct.pack("!IB", 35000, 4) + bytes([20]) + randbytes(rng, 34995), good)
    # 0x7FFFFFFF then a good KEXINIT (a decoder must not wait for 2 GB)
    flow_with(b"\x7f\xff\xff\xff\x04" + good, good)
    # ten name-lists missing: KEXINIT payload is just msg + cookie
    flow_with(binpkt(bytes([20]) + cookie(rng), rng), good)
    # name-list with NUL and non-ASCII bytes, and a list of 60000 commas
    p = bytes([20]) + cookie(rng) + sstr(b"curve25519-sha256\x00evil,\xff\xfe") + sstr("," * 60000)
    p += b"".join(sstr(x) for x in (ENC, ENC, MAC, MAC, COMP, COMP, "", "")) + b"\0\0\0\0\0"
    flow_with(binpkt(p, rng), good)
    # first_kex_packet_follows = 1 with a bogus guessed packet following
    p = bytearray(ki); p[-5] = 1
    flow_with(binpkt(bytes(p), rng) + b"\xff\xff\xff\xf0\x03" + randbytes(rng, 100), good)
    w.close()


def f_synflood_small(path):
    """200k SYNs from 200k random distinct sources to port 22; 10% SYN-ACKed; nothing completes."""
    rng = random.Random(6)
    w = Pcap(path)
    seen = set()
    pending = []
    for i in range(200000):
        while True:
            src = v4(rng)
            if src not in seen:
                seen.add(src)
                break
        sport = rng.randrange(1024, 65536)
        seq = rng.getrandbits(32)
        if i % 2:
            t = tcp(src, SRV4, sport, 22, seq, 0, SYN, win=1024)
        else:
            t = tcp(src, SRV4, sport, 22, seq, 0, SYN, win=64240, options=syn_opt(rng.getrandbits(32), 0))
        w.rec(eth(ip4(src, SRV4, 6, t, ttl=rng.randrange(30, 250), ipid=rng.getrandbits(16), df=False), 0x0800),
              gap=5)
        if rng.random() < 0.1:
            pending.append((src, sport, seq))
        if len(pending) > 20 or (pending and rng.random() < 0.05):
            s, sp, sq = pending.pop(0)
            t = tcp(SRV4, s, 22, sp, rng.getrandbits(32), sq + 1, SYN | ACK, win=65160,
                    options=syn_opt(rng.getrandbits(32), 0))
            w.rec(eth(ip4(SRV4, s, 6, t, ttl=64, ipid=0), 0x0800, src=MAC_S, dst=MAC_R), gap=5)
    w.close()


def f_garbage(path):
    """Random bytes, options and header chains; truncated frames."""
    rng = random.Random(7)
    w = Pcap(path)
    # 1. Random payload both ways on port 22 (no banner), several flows.
    for k in range(40):
        v6 = k % 4 == 3
        f = Flow(w, rng, cli6(rng) if v6 else v4(rng), SRV6 if v6 else SRV4, 44000 + k,
                 tags=[(), ((0x8100, 9),), ((0x88A8, 1), (0x8100, 2))][k % 3], mss=1428 if v6 else 1448)
        f.handshake()
        for _ in range(rng.randrange(5, 60)):
            d = rng.getrandbits(1)
            f.send(d, ACK | PSH, randbytes(rng, rng.randrange(1, f.mss + 1)))
        if k % 5 == 0:
            f.rst(rng.getrandbits(1), ack=bool(rng.getrandbits(1)))
        else:
            f.close(rng.getrandbits(1))
    # 2. Random TCP options (any kind, any length byte, incl. 0, 1 and past the header).
    f = Flow(w, rng, v4(rng), SRV4, 45000)
    f.handshake()
    for i in range(3000):
        opt = randbytes(rng, rng.randrange(0, 41))
        flags = rng.choice([ACK, ACK | PSH, RST, RST | ACK, SYN, FIN | ACK, 0xFF, 0])
        w.rec(f.frame(i % 2, flags, randbytes(rng, rng.randrange(0, 64)), options=opt[:40],
                      doff=rng.choice([None, None, 0, 1, 4, 15])))
    # 3. IPv4 options, including bogus IHL and total length.
    for i in range(3000):
        src, dst = v4(rng), SRV4
        t = tcp(src, dst, rng.randrange(1, 65536), 22, rng.getrandbits(32), rng.getrandbits(32),
                rng.choice([RST, RST | ACK, ACK]), randbytes(rng, rng.randrange(0, 40)))
        opts = randbytes(rng, rng.randrange(0, 41))
        ihl = rng.choice([None, None, 0, 1, 4, 5, 15])
        tot = rng.choice([None, None, 0, 19, 20, 65535])
        w.rec(eth(ip4(src, dst, 6, t, ttl=rng.randrange(1, 256), ipid=rng.getrandbits(16), options=opts[:40],
                      ihl=ihl, tot=tot, frag=rng.choice([0, 0, 0, 1, 0x2000, 0x1FFF])), 0x0800))
    # 4. IPv6 extension header chains: long, looping, truncated, bogus lengths.
    for i in range(3000):
        src, dst = cli6(rng), SRV6
        t = tcp(src, dst, rng.randrange(1, 65536), 22, rng.getrandbits(32), rng.getrandbits(32),
                rng.choice([RST, RST | ACK, ACK | PSH]), randbytes(rng, rng.randrange(0, 40)))
        chain = b""
        nhs = [rng.choice([0, 43, 60, 44, 51, 135, 59]) for _ in range(rng.randrange(0, 60))]
        first = nhs[0] if nhs else 6
        for j, nh in enumerate(nhs):
            nxt = nhs[j + 1] if j + 1 < len(nhs) else 6
            if nh == 44:
                chain += struct.pack("!BBHI", nxt, 0, rng.choice([0, 0, 8, 1]), rng.getrandbits(32))
            elif nh == 51:
                ln = rng.choice([1, 2, 4])
                chain += bytes([nxt, ln]) + randbytes(rng, (ln + 2) * 4 - 2)
            elif nh == 59:
                chain += randbytes(rng, 8)
            else:
                ln = rng.choice([0, 0, 1, 255]) if rng.random() < 0.2 else 0
                chain += bytes([nxt, ln]) + randbytes(rng, 6 + (8 * ln if ln < 4 else 0))
        plen = rng.choice([None, None, 0, 65535, 7])
        w.rec(eth(ip6(src, dst, first, chain + t, rng.randrange(1, 256), plen), 0x86DD,
                  [(), ((0x8100, 3),)][i % 2]))
    # 5. Truncated frames: a port-22 RST frame cut at every length (caplen < headers).
    f = Flow(w, rng, v4(rng), SRV4, 46000, tags=((0x88A8, 1), (0x8100, 2)))
    full = f.frame(1, RST | ACK, options=b"")
    for cl in range(0, len(full)):
        w.rec(full, caplen=cl, wirelen=len(full))
    f6 = Flow(w, rng, cli6(rng), SRV6, 46001, tags=((0x8100, 2),))
    full6 = f6.frame(1, RST | ACK, options=b"")
    for cl in range(0, len(full6)):
        w.rec(full6, caplen=cl, wirelen=len(full6))
    # 6. Tag stacks: 12 nested tags, tags then nothing, unknown ethertypes.
    base = f.frame(0, RST, options=b"")
    inner = base[14:]
    w.rec(base[:12] + b"".join(struct.pack("!HH", 0x8100, i) for i in range(12)) + inner)
    w.rec(base[:12] + struct.pack("!HH", 0x88A8, 1))
    w.rec(base[:12] + struct.pack("!HH", 0x8100, 1) + struct.pack("!H", 0x8100))
    for et in (0x0000, 0x05DC, 0x0806, 0x88CC, 0x8847, 0xFFFF):
        w.rec(base[:12] + struct.pack("!H", et) + inner)
    # 7. IPv4 fragments of a port-22 segment (first fragment holds only 8 TCP bytes).
    src = v4(rng)
    t = tcp(src, SRV4, 47000, 22, 1, 1, RST | ACK, SB)
    w.rec(eth(ip4(src, SRV4, 6, t[:8], ipid=77, df=False, frag=0x2000, tot=20 + 8), 0x0800))
    w.rec(eth(ip4(src, SRV4, 6, t[8:], ipid=77, df=False, frag=1, tot=20 + len(t) - 8), 0x0800))
    # 8. ICMP errors quoting port-22 RSTs (not RSTs themselves).
    for i in range(50):
        q = ip4(SRV4, src, 6, tcp(SRV4, src, 22, 47000, i, 1, RST | ACK), ttl=64)[:28]
        ic = struct.pack("!BBHI", 3, rng.choice([1, 3, 13]), 0, 0) + q
        ic = ic[:2] + struct.pack("!H", csum(ic)) + ic[4:]
        w.rec(eth(ip4(v4(rng), src, 1, ic, ttl=250), 0x0800))
    # 9. Zero-length and absurdly short records, random whole frames.
    for _ in range(20):
        w.rec(b"", caplen=0, wirelen=rng.randrange(0, 1600))
    for _ in range(2000):
        w.rec(randbytes(rng, rng.randrange(1, 200)))
    w.close()


FILES = [
    ("kexinit-2000.pcap", f_kexinit_2000),
    ("tiny-segments.pcap", f_tiny_segments),
    ("overlap-retrans.pcap", f_overlap_retrans),
    ("endless-prebanner.pcap", f_endless_prebanner),
    ("huge-lengths.pcap", f_huge_lengths),
    ("synflood-small.pcap", f_synflood_small),
    ("garbage-payload.pcap", f_garbage),
]


def main():
    if len(sys.argv) != 2:
        print("usage: gen-adversarial OUTDIR", file=sys.stderr)
        sys.exit(2)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, fn in FILES:
        p = os.path.join(out, name)
        fn(p + ".part")
        os.replace(p + ".part", p)
        size = os.path.getsize(p)
        assert size < 20_000_000, (name, size)
        print(f"{name}\t{size}", file=sys.stderr)


if __name__ == "__main__":
    main()
