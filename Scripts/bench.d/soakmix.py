#!/usr/bin/env python3
"""The soak's replay file: every Ethernet capture of Captures/ (short SSH
connections, resets of every kind), generated SSH sessions with background
traffic (gen.c), and a SYN-flood burst (gen.c --synflood), one after the
other, timestamps rewritten to one packet every 1/RATE s (so the file,
analysed offline, sees the timing the replay gives it), addresses spread out
for tcpreplay --unique-ip (below).

  soakmix.py OUT.pcap RATE CAPTURES_DIR GEN.pcap FLOOD.pcap
"""
import glob
import os
import struct
import sys


def records(path):
    data = open(path, "rb").read()
    magic = data[:4]
    if magic == b"\xd4\xc3\xb2\xa1":
        end, nano = "<", False
    elif magic == b"\xa1\xb2\xc3\xd4":
        end, nano = ">", False
    elif magic == b"\x4d\x3c\xb2\xa1":
        end, nano = "<", True
    elif magic == b"\xa1\xb2\x3c\x4d":
        end, nano = ">", True
    else:
        return None  # pcapng or other: not used
    linktype = struct.unpack(end + "I", data[20:24])[0] & 0x0FFFFFFF
    if linktype != 1:
        return None
    out, i = [], 24
    while i + 16 <= len(data):
        _, _, incl, orig = struct.unpack(end + "IIII", data[i:i + 16])
        frame = data[i + 16:i + 16 + incl]
        if len(frame) < incl:
            break
        out.append((frame, orig))
        i += 16 + incl
    return out


# Each IPv4 address becomes 16.0.128.0 + n * 65536 and each IPv6 address gets
# 0x00008000 + n * 65536 as its last 32 bits (n counts distinct addresses):
# tcpreplay --unique-ip adds the loop number to one address of a packet and
# subtracts it from the other, so with addresses 65536 apart no two loops'
# flows can meet (below 32768 loops). VLAN tags are removed and ICMP left out
# (tcpreplay edits neither tags beyond the first nor the headers quoted inside
# ICMP errors, so those would not stay unique or would stop matching).
v4map, v6map = {}, {}


segment = 0  # which input file: the same address in two files is two addresses


def map4(addr):
    addr = (segment, addr)
    if addr not in v4map:
        v4map[addr] = struct.pack(">I", (16 << 24) + 0x8000 + len(v4map) * 65536)
    return v4map[addr]


def map6(addr):
    addr = (segment, addr)
    if addr not in v6map:
        v6map[addr] = addr[1][:12] + struct.pack(">I", 0x8000 + len(v6map) * 65536)
    return v6map[addr]


def ip_checksum(header):
    total = sum(struct.unpack(">%dH" % (len(header) // 2), header))
    while total > 0xFFFF:
        total = (total & 0xFFFF) + (total >> 16)
    return struct.pack(">H", ~total & 0xFFFF)


def rewrite(frame):
    """The frame for the soak, or None to leave it out."""
    ethertype = frame[12:14]
    body = frame[14:]
    while ethertype in (b"\x81\x00", b"\x88\xa8") and len(body) >= 4:
        ethertype, body = body[2:4], body[4:]
    if ethertype == b"\x08\x00" and len(body) >= 20:
        ihl = (body[0] & 15) * 4
        if body[9] == 1 or len(body) < ihl:
            return None
        header = bytearray(body[:ihl])
        header[12:16] = map4(bytes(header[12:16]))
        header[16:20] = map4(bytes(header[16:20]))
        header[10:12] = b"\0\0"
        header[10:12] = ip_checksum(bytes(header))
        return frame[:12] + ethertype + bytes(header) + body[ihl:]
    if ethertype == b"\x86\xdd" and len(body) >= 40:
        if body[6] == 58:
            return None
        header = bytearray(body[:40])
        header[8:24] = map6(bytes(header[8:24]))
        header[24:40] = map6(bytes(header[24:40]))
        return frame[:12] + ethertype + bytes(header) + body[40:]
    return frame[:12] + ethertype + body


def main():
    out_path, rate, captures, gen, flood = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
    global segment
    frames = []
    used = []
    paths = sorted(glob.glob(os.path.join(captures, "*.pcap"))) + [gen, flood]
    for segment, path in enumerate(paths):
        r = records(path)
        if r:
            frames += [(f, o) for f, o in ((rewrite(f), o) for f, o in r) if f is not None]
            used.append(os.path.basename(path))
    step = int(1e9 / rate)
    t = 1_700_000_000 * 10**9
    with open(out_path, "wb") as f:
        # nanosecond pcap, Ethernet, snaplen 65535
        f.write(struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 65535, 1))
        for frame, orig in frames:
            f.write(struct.pack("<IIII", t // 10**9, t % 10**9, len(frame), len(frame)))
            f.write(frame)
            t += step
    print(f"{len(frames)} packets from {len(used) - 2} captures + generated sessions + SYN flood", file=sys.stderr)


main()
