#!/usr/bin/env python3
"""Writes hostile variants of real captures for Tests/Robustness/run.sh.

    mutate.py [--light] OUTDIR CAPTURE...

--light: truncations and flipped header bytes only (for the many captures
that only add variety; the full set runs on a few).

For every classic-pcap CAPTURE: truncations (inside the file header, a record
header, a frame, and at pseudo-random offsets), flipped bytes in link/IP/TCP
headers, impossible record lengths (incl_len 0xFFFFFFFF, above the 256 KiB
record limit, above the snaplen, past the end of the file, orig_len below
incl_len), huge / zero snaplens, other link types, a byte-swapped header.
For every CAPTURE.pcapng next to it (made by run.sh with `editcap -F pcapng`):
wrong block lengths (SHB, IDB, first EPB: huge, tiny, unaligned, trailer
mismatch), huge IDB snaplen, truncations. Deterministic: the generator is
seeded by the file name. Stdlib only.
"""
import os
import random
import struct
import sys


def records(data):
    """Offsets of the classic pcap record headers (little- or big-endian)."""
    e = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    out = []
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack(e + "I", data[off + 8:off + 12])[0]
        out.append(off)
        off += 16 + incl
    return e, out


def classic(name, data, put, light=False):
    rng = random.Random(name)
    e, recs = records(data)
    n = len(data)
    # Truncations.
    cuts = {0, 3, 23, 24, 30, 39, 40, 41, 60, n - 1} | {rng.randrange(24, n) for _ in range(6)}
    if recs:  # inside the last record header
        cuts.add(recs[-1] + 7)
    for cut in sorted(cuts):
        if 0 <= cut < n:
            put(f"trunc-{cut}", data[:cut])
    # Flipped bytes in the headers of a few records (link + IP + TCP: the first 80 bytes of a frame).
    for v in range(4):
        b = bytearray(data)
        for off in rng.sample(recs, min(len(recs), 12)):
            for _ in range(3):
                i = off + 16 + rng.randrange(80)
                if i < n:
                    b[i] ^= 1 << rng.randrange(8) if v % 2 else rng.randrange(1, 256)
        put(f"flip-{v}", bytes(b))
    if light:
        return
    # Impossible record lengths, on the first, a middle and the last record.
    def with_len(off, incl=None, orig=None):
        b = bytearray(data)
        if incl is not None:
            b[off + 8:off + 12] = struct.pack(e + "I", incl & 0xFFFFFFFF)
        if orig is not None:
            b[off + 12:off + 16] = struct.pack(e + "I", orig & 0xFFFFFFFF)
        return bytes(b)
    for where, off in (("first", recs[0]), ("mid", recs[len(recs) // 2]), ("last", recs[-1])) if recs else ():
        put(f"incl-ffffffff-{where}", with_len(off, incl=0xFFFFFFFF))
        put(f"incl-80000000-{where}", with_len(off, incl=0x80000000))
        put(f"incl-262145-{where}", with_len(off, incl=262145))
        put(f"incl-past-eof-{where}", with_len(off, incl=n - off))
        put(f"incl-0-{where}", with_len(off, incl=0))
        put(f"orig-0-{where}", with_len(off, orig=0))
    # File header: snaplen and link type.
    for snap in (0xFFFFFFFF, 0x7FFFFFFF, 0, 1):
        b = bytearray(data)
        b[16:20] = struct.pack(e + "I", snap)
        put(f"snaplen-{snap:x}", bytes(b))
    for lt in (0, 12, 113, 276, 147, 0xFFFF, 0x0FFFFFFF):
        b = bytearray(data)
        b[20:24] = struct.pack(e + "I", lt)
        put(f"linktype-{lt:x}", bytes(b))
    b = bytearray(data)
    b[0:4] = bytes(reversed(data[0:4]))  # other byte order: every length is now garbage
    put("magic-swapped", bytes(b))
    b = bytearray(data)
    b[4:8] = struct.pack(e + "HH", 0xFFFF, 0xFFFF)  # version 65535.65535
    put("version", bytes(b))


def pcapng(name, data, put):
    rng = random.Random(name + "ng")
    n = len(data)
    # Blocks: (offset, type, total length); little-endian (editcap writes host order).
    blocks = []
    off = 0
    while off + 12 <= n and len(blocks) < 8:
        btype, blen = struct.unpack("<II", data[off:off + 8])
        blocks.append((off, btype, blen))
        if blen < 12:
            break
        off += blen
    def set_u32(at, v):
        b = bytearray(data)
        b[at:at + 4] = struct.pack("<I", v & 0xFFFFFFFF)
        return bytes(b)
    for off, btype, blen in blocks[:4]:
        kind = {0x0A0D0D0A: "shb", 1: "idb", 6: "epb", 3: "spb"}.get(btype, f"b{btype:x}")
        for v in (0xFFFFFFFF, 0x7FFFFFF0, 0, 4, 12, blen + 1, blen + 4, n * 2):
            put(f"ng-{kind}-{off}-len-{v:x}", set_u32(off + 4, v))
        put(f"ng-{kind}-{off}-trailer", set_u32(off + blen - 4, blen + 8))
        if btype == 1:
            put(f"ng-idb-snaplen-ffffffff", set_u32(off + 12, 0xFFFFFFFF))
            put(f"ng-idb-linktype-ffff", set_u32(off + 8, 0x0000FFFF))
        if btype == 6:
            put(f"ng-epb-caplen-ffffffff", set_u32(off + 20, 0xFFFFFFFF))
            put(f"ng-epb-caplen-past-block", set_u32(off + 20, blen))
    for cut in sorted({4, 11, 12, 27, 28} | {rng.randrange(28, n) for _ in range(4)}):
        if cut < n:
            put(f"ng-trunc-{cut}", data[:cut])


def main():
    args = sys.argv[1:]
    light = args[:1] == ["--light"]
    if light:
        args = args[1:]
    out = args[0]
    os.makedirs(out, exist_ok=True)
    count = 0
    for path in args[1:]:
        stem = os.path.basename(path).rsplit(".", 1)[0]
        with open(path, "rb") as f:
            data = f.read()
        def put(tag, blob, stem=stem):
            nonlocal count
            ext = "pcapng" if tag.startswith("ng-") else "pcap"
            with open(os.path.join(out, f"{stem}--{tag}.{ext}"), "wb") as f:
                f.write(blob)
            count += 1
        if path.endswith(".pcapng"):
            pcapng(stem, data, put)
        else:
            classic(stem, data, put, light)
    print(count)


if __name__ == "__main__":
    main()
