#!/usr/bin/python3
"""Userspace delay bridge for the sshrst lab (no sch_netem on the lab machine).

Usage: delaybridge.py IFACE_A IFACE_B DELAY_MS

Runs inside its own sshrst-* network namespace that holds exactly the two veth
ends IFACE_A and IFACE_B (no addresses). Every Ethernet frame received on one
side is held DELAY_MS milliseconds and then sent out of the other side, frames
kept in order. Timestamps are never touched: the delay is real path latency.
Prints "ready" on stdout once both sockets are bound. Stops on SIGTERM/SIGINT.
"""
import heapq
import select
import signal
import socket
import sys
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


def open_sock(ifname):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind((ifname, 0))
    s.setblocking(False)
    return s


def main():
    a_name, b_name, delay_ms = sys.argv[1], sys.argv[2], float(sys.argv[3])
    delay = delay_ms / 1000.0
    a, b = open_sock(a_name), open_sock(b_name)
    other = {a: b, b: a}
    running = [True]

    def stop(*_):
        running[0] = False

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("ready", flush=True)
    queue = []
    n = 0
    while running[0]:
        now = time.monotonic()
        timeout = max(0.0, queue[0][0] - now) if queue else 0.5
        try:
            readable, _, _ = select.select([a, b], [], [], timeout)
        except InterruptedError:
            continue
        for s in readable:
            while True:
                try:
                    frame, addr = s.recvfrom(65535)
                except BlockingIOError:
                    break
                if addr[2] == PACKET_OUTGOING:
                    continue
                heapq.heappush(queue, (time.monotonic() + delay, n, other[s], frame))
                n += 1
        now = time.monotonic()
        while queue and queue[0][0] <= now:
            _, _, out, frame = heapq.heappop(queue)
            try:
                out.send(frame)
            except OSError as e:
                print(f"delaybridge: send failed: {e}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
