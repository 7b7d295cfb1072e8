#!/usr/bin/env python3
"""Checks that PNG files (headless Chromium screenshots of SVG ladders) are not blank.

    png-check.py WIDTH FILE.png...

Decodes each PNG with the standard library only (zlib, the five scanline filters), then requires the
expected width, at least 2 % of pixels that are not white, and at least 4 distinct colours (black text,
lifelines, the capture point's green, the RST colours of the legend). Prints each failing file and a
count; exits 1 when any file fails.
"""
import struct, sys, zlib


def decode(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, width = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or ctype not in (2, 6) or interlace:
                raise ValueError(f"unsupported PNG: depth {depth}, colour type {ctype}, interlace {interlace}")
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(height):
        f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        if f == 0:
            rows.append(bytes(line)); prev = line; continue
        if f == 2:
            line = bytearray((u + v) & 255 for u, v in zip(line, prev))
            rows.append(bytes(line)); prev = line; continue
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1: line[x] = (line[x] + a) & 255
            elif f == 2: line[x] = (line[x] + b) & 255
            elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, bpp, rows


want = int(sys.argv[1])
failed = 0
for path in sys.argv[2:]:
    try:
        width, height, bpp, rows = decode(path)
        total = width * height
        inked, colours = 0, set()
        for row in rows:
            for x in range(0, len(row), bpp):
                px = row[x:x + 3]
                if px != b"\xff\xff\xff":
                    inked += 1
                if len(colours) < 64:
                    colours.add(px)
        share = inked / total
        ok = width == want and share >= 0.02 and len(colours) >= 4
        if not ok:
            print(f"     blank or wrong PNG {path}: {width}x{height}, {share:.1%} inked, {len(colours)} colours")
        failed += not ok
    except Exception as e:  # a file that cannot be decoded fails
        print(f"     undecodable PNG {path}: {e}")
        failed += 1
print(f"     png-check: {len(sys.argv) - 2 - failed} non-blank, {failed} blank or undecodable")
sys.exit(1 if failed else 0)
