#!/usr/bin/env python3
"""Builds the seed corpora of the libFuzzer harnesses from real captures.

    Tests/Fuzz/make-corpus.py OUTDIR PCAP...

writes OUTDIR/dissector, OUTDIR/transport and OUTDIR/engine in the input
formats documented at the top of FuzzDissector.swift, FuzzTransport.swift and
FuzzEngine.swift. Deterministic (same captures, same files). Kept small: the
committed corpora (Tests/Fuzz/Corpus/) are a few hundred KB in total.
Classic pcap only (both byte orders, µs and ns); stdlib only.
"""
import hashlib
import os
import struct
import sys

DISSECTOR_DLTS = [0, 1, 12, 14, 101, 108, 113, 228, 229, 276, 147]
ENGINE_DLTS = [1, 0, 12, 113, 276, 108, 101, 228, 229, 14, 147]

FRAMES_PER_CAPTURE = 10      # dissector seeds per capture (spread out, RSTs and ICMP first)
FRAME_BYTES = 1600           # longest dissector seed frame
FLOWS_PER_CAPTURE = 2        # transport seeds per capture
TRANSPORT_SEED_BYTES = 4000
ENGINE_SEED_BYTES = 2000     # engine seeds: a window of frames, at most this long (Scripts/fuzz's engine max_len 2048)
ENGINE_FRAME_BYTES = 1600


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return None, []
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        return None, []
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    linktype = struct.unpack(e + "I", data[20:24])[0] & 0x0FFFFFFF
    frames = []
    off = 24
    while off + 16 <= len(data):
        sec, frac, incl, _orig = struct.unpack(e + "IIII", data[off:off + 16])
        off += 16
        if incl > len(data) - off:
            break
        t = sec * 1_000_000_000 + (frac if nano else frac * 1000)
        frames.append((t, data[off:off + incl]))
        off += incl
    return linktype, frames


def ip_offset(linktype, frame):
    """Offset of the IP header and its version, or None."""
    if linktype == 1:
        if len(frame) < 14:
            return None
        at, etype = 14, struct.unpack(">H", frame[12:14])[0]
        while etype in (0x8100, 0x88A8, 0x9100) and len(frame) >= at + 4:
            etype = struct.unpack(">H", frame[at + 2:at + 4])[0]
            at += 4
    elif linktype == 113:
        if len(frame) < 16:
            return None
        at, etype = 16, struct.unpack(">H", frame[14:16])[0]
    elif linktype == 276:
        if len(frame) < 20:
            return None
        at, etype = 20, struct.unpack(">H", frame[0:2])[0]
    elif linktype in (0, 108):
        at, etype = 4, 0x0800 if frame[:4] in (b"\x02\0\0\0", b"\0\0\0\x02") else 0x86DD
    elif linktype in (12, 14, 101, 228, 229):
        at, etype = 0, 0x0800 if frame[:1] and frame[0] >> 4 == 4 else 0x86DD
    else:
        return None
    return (at, etype) if etype in (0x0800, 0x86DD) else None


def tcp_of(linktype, frame):
    """(src, sport, dst, dport, seq, flags, payload) or None; IPv4 and plain IPv6 only."""
    r = ip_offset(linktype, frame)
    if r is None:
        return None
    at, etype = r
    if etype == 0x0800:
        if len(frame) < at + 20 or frame[at + 9] != 6:
            return None
        ihl = (frame[at] & 15) * 4
        total = struct.unpack(">H", frame[at + 2:at + 4])[0]
        src, dst = frame[at + 12:at + 16], frame[at + 16:at + 20]
        t = at + ihl
        end = min(len(frame), at + total) if total else len(frame)
    else:
        if len(frame) < at + 40 or frame[at + 6] != 6:
            return None
        plen = struct.unpack(">H", frame[at + 4:at + 6])[0]
        src, dst = frame[at + 8:at + 24], frame[at + 24:at + 40]
        t = at + 40
        end = min(len(frame), t + plen)
    if len(frame) < t + 20:
        return None
    sport, dport, seq = struct.unpack(">HHI", frame[t:t + 8])
    hl = (frame[t + 12] >> 4) * 4
    flags = frame[t + 13]
    return src, sport, dst, dport, seq, flags, frame[t + hl:end]


def is_interesting(linktype, frame):
    seg = tcp_of(linktype, frame)
    if seg is not None:
        return seg[5] & 0x04 != 0  # RST
    r = ip_offset(linktype, frame)
    if r is None:
        return False
    at, etype = r
    proto = frame[at + 9] if etype == 0x0800 and len(frame) > at + 9 else (frame[at + 6] if len(frame) > at + 6 else None)
    return proto in (1, 58, 47)  # ICMP, ICMPv6, GRE


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def name(tag, data):
    return tag + "-" + hashlib.sha1(data).hexdigest()[:12]


def dissector_seeds(stem, linktype, frames, out):
    if linktype not in DISSECTOR_DLTS:
        return
    sel = bytes([DISSECTOR_DLTS.index(linktype)])
    chosen = [f for _, f in frames if is_interesting(linktype, f)][: FRAMES_PER_CAPTURE // 2]
    step = max(1, len(frames) // max(1, FRAMES_PER_CAPTURE - len(chosen)))
    chosen += [f for _, f in frames[::step]][: FRAMES_PER_CAPTURE - len(chosen)]
    for f in chosen:
        data = sel + f[:FRAME_BYTES]
        write(os.path.join(out, name(stem, data)), data)


def transport_seeds(stem, linktype, frames, out):
    flows = {}
    order = []
    for _, f in frames:
        seg = tcp_of(linktype, f)
        if seg is None:
            continue
        src, sport, dst, dport, seq, flags, payload = seg
        key = tuple(sorted([(src, sport), (dst, dport)]))
        if key not in flows:
            flows[key] = {"originator": (src, sport), "records": []}
            order.append(key)
        flow = flows[key]
        side = 0 if (src, sport) == flow["originator"] else 1
        if flags & 0x02:  # SYN: setStart(ISN + 1)
            flow["records"].append(bytes([side | 0x02 | 0x04]) + struct.pack(">I", (seq + 1) & 0xFFFFFFFF) + b"\x00")
        if payload:
            flow["records"].append(bytes([side | 0x02 | 0x08]) + struct.pack(">IH", seq, len(payload)) + payload)
    kept = 0
    for key in order:
        data = b""
        for r in flows[key]["records"]:
            if len(data) + len(r) > TRANSPORT_SEED_BYTES:
                break
            data += r
        if len(data) < 64:
            continue
        write(os.path.join(out, name(stem, data)), data)
        kept += 1
        if kept >= FLOWS_PER_CAPTURE:
            break


def delta_code(ns):
    if ns < 0:
        return 0xC000 | min(0x3FFF, -ns // 1_000_000)
    if ns < 0x4000 * 1000:
        return ns // 1000
    if ns < 0x4000 * 1_000_000:
        return 0x4000 | ns // 1_000_000
    return 0x8000 | min(0x3FFF, ns // 1_000_000_000)


def engine_seeds(stem, linktype, frames, out):
    if linktype not in ENGINE_DLTS or not frames:
        return
    sel = ENGINE_DLTS.index(linktype)
    # Windows: from the start, and around the last RST.
    rsts = [i for i, (_, f) in enumerate(frames) if (tcp_of(linktype, f) or (0,) * 6)[5] & 0x04]
    # The RST's window ends two frames after it and reaches back as far as the size allows.
    starts = [0]
    for i in rsts[-1:]:
        size = lambda j: 5 + min(len(frames[j][1]), ENGINE_FRAME_BYTES)
        end = min(len(frames), i + 3)
        start, total = i, sum(size(j) for j in range(i, end))
        while start > 0 and 1 + total + size(start - 1) <= ENGINE_SEED_BYTES:
            start -= 1
            total += size(start)
        starts.append(start)
    seen = set()
    for start in starts:
        if start in seen:
            continue
        seen.add(start)
        data = bytes([0x07])  # 64 flows, port 22
        previous = frames[start][0]
        for t, f in frames[start:]:
            f = f[:ENGINE_FRAME_BYTES]
            r = struct.pack(">BHH", sel, delta_code(t - previous), len(f)) + f
            previous = t
            if len(data) + len(r) > ENGINE_SEED_BYTES:
                break
            data += r
        write(os.path.join(out, name(stem, data)), data)


def main():
    out = sys.argv[1]
    for h in ("dissector", "transport", "engine"):
        os.makedirs(os.path.join(out, h), exist_ok=True)
    for path in sys.argv[2:]:
        linktype, frames = read_pcap(path)
        if linktype is None:
            continue
        stem = os.path.basename(path).rsplit(".", 1)[0]
        dissector_seeds(stem, linktype, frames, os.path.join(out, "dissector"))
        transport_seeds(stem, linktype, frames, os.path.join(out, "transport"))
        engine_seeds(stem, linktype, frames, os.path.join(out, "engine"))


if __name__ == "__main__":
    main()
