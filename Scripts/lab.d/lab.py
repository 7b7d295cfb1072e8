#!/usr/bin/python3
"""sshrst network lab: records real SSH captures with a truth file each.

Called by Scripts/lab (which installs dependencies and guarantees cleanup).
"""
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from labcore import (PY, Lab, LabError, Topo, Capture, Keys, Sshd, Client, flow,  # noqa: E402
                     write_truth, wait_for, read, log, verify)

SCENARIOS = {}


def scenario(name):
    def deco(fn):
        SCENARIOS[name] = fn
        return fn
    return deco


def ipt(lab, role, rule, family=4):
    """iptables/ip6tables inside namespace ROLE (never the root namespace)."""
    tool = "iptables" if family == 4 else "ip6tables"
    lab.x(role, f"{tool} -w {rule}")


def stop_kill(pid, sig):
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def echo_feeder(client, lines=80, interval=0.1, line="keystroke-data-0123456789"):
    """Feed lines to the ssh client's stdin until it dies (remote runs `cat`)."""
    for i in range(lines):
        if client.p.poll() is not None:
            return i
        try:
            client.p.stdin.write(f"{line} {i}\n".encode())
            client.p.stdin.flush()
        except (BrokenPipeError, OSError):
            return i
        time.sleep(interval)
    return lines


# ============================================================================ scenarios
def port_closed(lab, out, family):
    """No sshd at all: the SYN to 22 is answered by the server kernel's RST."""
    t = Topo(lab, routers=1)
    t.warm()
    keys = Keys(lab)
    cap = Capture(lab, "c", "eth0", out)
    c = Client(lab, keys, t.server4 if family == 4 else t.server6, cport=40001, cmd="true")
    c.wait()
    cap.stop()
    return c


@scenario("port-closed")
def sc_port_closed(lab, out):
    port_closed(lab, out, 4)
    return dict(description="Client -> r1 -> server with no listener on 22; the server kernel answers the SYN with RST+ACK (seq 0).",
                vantage="client", family=4,
                flows=[flow(40001, 22, "refused", "server", "tcp", "server kernel no-socket RST (tcp_v4_send_reset): IP ID 0, DF, TTL 64 minus 1 hop")])


@scenario("port-closed-v6")
def sc_port_closed_v6(lab, out):
    port_closed(lab, out, 6)
    return dict(description="IPv6: no listener on the server's port 22; the server kernel answers the SYN with RST+ACK.",
                vantage="client", family=6,
                flows=[flow(40001, 22, "refused", "server", "tcp", "server kernel no-socket RST over IPv6, hop limit 64 minus 1")])


def mb_reject(lab, out, router, family=4, at="c"):
    """client - r1 - (15 ms each way) - r2 - server; ROUTER's FORWARD chain REJECTs
    (tcp-reset) the client's packets once the flow passed 6000 bytes (connbytes),
    answering the client with a RST spoofing the server, mid-session. AT is the
    namespace where tcpdump runs."""
    t = Topo(lab, routers=2, delays={1: 15})
    t.warm()
    keys = Keys(lab)
    Sshd(lab, keys)
    client, server = (t.client4, t.server4) if family == 4 else (t.client6, t.server6)
    ipt(lab, router, f"-A FORWARD -p tcp -s {client} --sport 40001 -d {server} --dport 22 "
                     "-m connbytes --connbytes 6000: --connbytes-dir original --connbytes-mode bytes "
                     "-j REJECT --reject-with tcp-reset", family=family)
    cap = Capture(lab, at, "eth0", out)
    c = Client(lab, keys, server, cport=40001, cmd="cat", stdin=subprocess.PIPE)
    echo_feeder(c, lines=120, interval=0.05)
    c.wait(10)
    time.sleep(0.5)
    cap.stop()


@scenario("mb-reject-near-client")
def sc_mb_near_client(lab, out):
    mb_reject(lab, out, "r1")
    return dict(description="client - r1 - (15 ms each way) - r2 - server; r1's FORWARD chain REJECTs with tcp-reset the client's packets once the flow passed 6000 bytes (connbytes), so r1 answers the client with a RST spoofing the server, mid-session.",
                vantage="client", family=4,
                flows=[flow(40001, 22, "reset", "middlebox", "session",
                            "RST from router r1 (1 hop from the client) via iptables REJECT --reject-with tcp-reset: IP ID 0, DF, TTL 64 (server packets arrive with 62), arrives <1 ms after the client's packet while the server RTT is ~30 ms; the server never saw the RST")])


@scenario("mb-reject-near-client-v6")
def sc_mb_v6(lab, out):
    mb_reject(lab, out, "r1", family=6)
    return dict(description="IPv6: client - r1 - (15 ms each way) - r2 - server; r1 REJECTs (ip6tables tcp-reset) the client's packets once the flow passed 6000 bytes, answering the client with a RST spoofing the server.",
                vantage="client", family=6,
                flows=[flow(40001, 22, "reset", "middlebox", "session", "RST from router r1 via ip6tables REJECT tcp-reset: hop limit 64 vs 62 for the server's packets, arrives <1 ms after the client's packet while the server RTT is ~30 ms")])


@scenario("mb-reject-near-server")
def sc_mb_near_server(lab, out):
    mb_reject(lab, out, "r2")
    return dict(description="client - r1 - (15 ms each way) - r2 - server; r2 (next to the server) REJECTs with tcp-reset the client's packets once the flow passed 6000 bytes, so r2 answers the client with a RST spoofing the server; it arrives after a full path RTT like real server packets, one TTL higher.",
                vantage="client", family=4,
                flows=[flow(40001, 22, "reset", "middlebox", "session", "RST from router r2 (1 hop from the server) via iptables REJECT tcp-reset: IP ID 0, DF, TTL 63 at the client vs 62 for the server's packets; the server never saw it")])


@scenario("mb-reject-near-server-at-server")
def sc_mb_near_server_at_server(lab, out):
    mb_reject(lab, out, "r2", at="s")
    return dict(description="mb-reject-near-server seen from the server: r2 REJECTs the client's packets after 6000 bytes and answers the client with a RST spoofing the server; r2 also drops what the client sends afterwards (its kernel's RSTs included), so the server never sees a RST: it keeps retransmitting, the flow is still open when the capture stops.",
                vantage="server", family=4,
                flows=[flow(40001, 22, "open", None, "session", "no RST reaches the server: the reset happened between r2 and the client; the server only sees its data go unacknowledged")])


@scenario("client-abort")
def sc_client_abort(lab, out):
    """Client socket owner killed with unread data -> client kernel sends RST."""
    t = Topo(lab, routers=1)
    t.warm()
    keys = Keys(lab)
    sshd = Sshd(lab, keys)
    cap = Capture(lab, "s", "eth0", out)
    c = Client(lab, keys, t.server4, cport=40001, cmd="sleep 1.5; head -c 30000 /dev/urandom | base64")
    sshd.wait_log(r"Accepted publickey for root from \S+ port 40001")
    time.sleep(0.3)
    nc = wait_for(c.nc_pid, 5, "nc ProxyCommand pid")
    stop_kill(c.p.pid, signal.SIGSTOP)
    stop_kill(nc, signal.SIGSTOP)
    time.sleep(2.5)  # server output (40 KB) lands unread in nc's socket receive queue
    stop_kill(nc, signal.SIGKILL)
    stop_kill(c.p.pid, signal.SIGKILL)
    time.sleep(0.5)
    cap.stop()
    return dict(description="Authenticated session; the client's socket owner (nc ProxyCommand, with ssh) is SIGSTOPped, the server writes 40 KB that stays unread, then SIGKILL: the client kernel aborts the connection with RST.",
                vantage="server", family=4,
                flows=[flow(40001, 22, "reset", "client", "session",
                            "client kernel tcp_send_active_reset (close with unread data): RST+ACK in sequence, IP ID continues the client's per-flow counter")])


def fail2ban_chain(lab, family, client_ip, reject_with):
    """What fail2ban's iptables-multiport action does for a ban, inside the server ns."""
    ipt(lab, "s", "-N f2b-sshd", family)
    ipt(lab, "s", "-A f2b-sshd -j RETURN", family)
    ipt(lab, "s", "-I INPUT -p tcp -m multiport --dports 22 -j f2b-sshd", family)
    proto = "-p tcp " if reject_with == "tcp-reset" else ""  # tcp-reset needs -p tcp
    ipt(lab, "s", f"-I f2b-sshd 1 {proto}-s {client_ip} -j REJECT --reject-with {reject_with}", family)


@scenario("host-firewall-reject")
def sc_host_fw(lab, out):
    t = Topo(lab, routers=1, ttl={"s": 128})
    t.warm()
    keys = Keys(lab)
    sshd = Sshd(lab, keys)
    cap = Capture(lab, "c", "eth0", out)
    c = Client(lab, keys, t.server4, cport=40001, cmd="echo hello from the server")
    if c.wait() != 0:
        raise LabError(f"clean session failed: {c.stderr()}")
    ipt(lab, "s", "-A INPUT -p tcp --dport 22 -j REJECT --reject-with tcp-reset")
    time.sleep(0.3)
    c2 = Client(lab, keys, t.server4, cport=40002, cmd="true")
    c2.wait()
    cap.stop()
    return dict(description="Server with default TTL 128 (Windows-like); a clean session on 40001, then `iptables -A INPUT -p tcp --dport 22 -j REJECT --reject-with tcp-reset` in the server namespace; the SYN from 40002 is answered by the server host's netfilter with RST+ACK.",
                vantage="client", family=4,
                flows=[flow(40001, 22, "closed", None, "session", "clean session before the rule: login, echo, exit"),
                       flow(40002, 22, "refused", "server", "tcp", "server host firewall REJECT tcp-reset in INPUT: IP ID 0, DF, TTL 128 at the server, 127 at the client (same as the server's own packets)")])


def failed_auths(lab, keys, t, sshd, ports, family=4):
    host = t.server4 if family == 4 else t.server6
    for i, p in enumerate(ports):
        c = Client(lab, keys, host, cport=p, key=keys.bad, cmd="true")
        c.wait()
        if "Permission denied" not in c.stderr():
            raise LabError(f"expected an auth failure on {p}: {c.stderr()}")
        time.sleep(0.2)
    sshd.wait_log(r"Connection closed by authenticating user root", count=len(ports))


def fail2ban_scenario(lab, out, reject_with, vantage):
    t = Topo(lab, routers=1)
    t.warm()
    keys = Keys(lab)
    sshd = Sshd(lab, keys)
    if vantage == "middle":
        cap = Capture(lab, "r1", "r1-srv", out)
    else:
        cap = Capture(lab, "c", "eth0", out)
    failed_auths(lab, keys, t, sshd, [40001, 40002, 40003])
    fail2ban_chain(lab, 4, t.client4, reject_with)  # the ban, as fail2ban would insert it
    time.sleep(0.3)
    for p in (40004, 40005):
        c = Client(lab, keys, t.server4, cport=p, cmd="true")
        c.wait()
        time.sleep(0.3)
    cap.stop()
    how = "ICMP port unreachable" if "icmp" in reject_with else "RST+ACK"
    flows = [flow(p, 22, "closed", None, "auth", "publickey auth fails (key not authorized); client closes normally") for p in (40001, 40002, 40003)]
    flows += [flow(p, 22, "refused", "server", "tcp", f"banned: server host firewall (fail2ban-style f2b-sshd chain) REJECT --reject-with {reject_with}: {how} from the server") for p in (40004, 40005)]
    return t, flows


@scenario("fail2ban-icmp")
def sc_f2b_icmp(lab, out):
    t, flows = fail2ban_scenario(lab, out, "icmp-port-unreachable", "middle")
    return dict(description="Three ssh attempts with a key the server does not accept fail auth; then, as Fail2Ban's default iptables-multiport action does, the server inserts a REJECT (icmp-port-unreachable) for the client IP; the next two SYNs get ICMP port unreachable from the server. Captured on the router's server-facing interface.",
                vantage="middle", family=4, flows=flows)


@scenario("fail2ban-tcp-reset")
def sc_f2b_rst(lab, out):
    t, flows = fail2ban_scenario(lab, out, "tcp-reset", "client")
    return dict(description="Three ssh attempts fail publickey auth; then a Fail2Ban-style ban with `--reject-with tcp-reset` is inserted for the client IP in the server namespace; the next two SYNs are answered by RST+ACK from the server host.",
                vantage="client", family=4, flows=flows)


@scenario("maxstartups")
def sc_maxstartups(lab, out):
    t = Topo(lab, routers=1)
    t.warm()
    keys = Keys(lab)
    sshd = Sshd(lab, keys, extra="MaxStartups 2\nLoginGraceTime 30")
    cap = Capture(lab, "s", "eth0", out)
    stalls = []
    for p in (40001, 40002):  # unauthenticated connections that connect and stall
        stalls.append(lab.spawn("c", ["sh", "-c", f"sleep 30 | nc -p {p} {t.server4} 22"], stdout=subprocess.DEVNULL))
        sshd.wait_log(rf"Connection from \S+ port {p} ")
    time.sleep(0.3)
    ports = (40003, 40004, 40005)
    clients = []
    for p in ports:
        clients.append(Client(lab, keys, t.server4, cport=p, cmd="true"))
        time.sleep(0.3)
    for c in clients:
        c.wait()
    log_text = sshd.log()
    import re
    droplines = {int(m.group(1)): m.group(0) for m in re.finditer(r"drop connection #\d+ from \[[^\]]+\]:(\d+) on \[[^\]]+\]:22 past MaxStartups", log_text)}
    dropped = set(droplines)
    if dropped != set(ports):
        raise LabError(f"expected sshd to drop {ports}, log says {sorted(dropped)}:\n{log_text}")
    # end the stalled connections: nc is killed, its socket has no unread data -> FIN
    for s in stalls:
        r = subprocess.run(["pgrep", "-f", "-P", str(s.pid), "^nc "], capture_output=True, text=True)
        for pid in r.stdout.split():
            stop_kill(int(pid), signal.SIGTERM)
    time.sleep(0.5)
    c = Client(lab, keys, t.server4, cport=40006, cmd="echo after the stalls are gone")
    if c.wait() != 0:
        raise LabError(f"session after stalls failed: {c.stderr()}")
    cap.stop()
    flows = [flow(p, 22, "closed", None, "version", "stalled unauthenticated connection (nc sends nothing; server banner only); counts toward MaxStartups; later nc is killed -> FIN") for p in (40001, 40002)]
    flows += [flow(p, 22, "reset", "server", None, f"sshd log: '{droplines[p]}'; sshd writes 'Exceeded MaxStartups' and close()s without reading the client banner -> server kernel RST+ACK (socket abort, IP ID continuing)") for p in ports]
    flows.append(flow(40006, 22, "closed", None, "session", "clean session once the stalled connections are gone"))
    return dict(description="sshd with MaxStartups 2: two stalled unauthenticated connections hold both slots; three ssh attempts are dropped by sshd (its log names each by client port), which writes 'Exceeded MaxStartups' and closes without reading; then the stalls end and a fourth session works.",
                vantage="server", family=4, flows=flows)


@scenario("kex-mismatch")
def sc_kex_mismatch(lab, out):
    t = Topo(lab, routers=1)
    t.warm()
    keys = Keys(lab)
    sshd = Sshd(lab, keys, extra="KexAlgorithms curve25519-sha256")
    cap = Capture(lab, "c", "eth0", out)
    c = Client(lab, keys, t.server4, cport=40001, cmd="true", opts=["KexAlgorithms=ecdh-sha2-nistp256"])
    if c.wait() == 0:
        raise LabError(f"expected a KEX mismatch, ssh succeeded: {c.stderr()}")
    sshd.wait_log(r"Unable to negotiate with \S+ port 40001: no matching key exchange method")
    time.sleep(0.3)
    cap.stop()
    return dict(description="Server KexAlgorithms curve25519-sha256, client -o KexAlgorithms=ecdh-sha2-nistp256: right after the KEXINIT exchange sshd logs 'Unable to negotiate ... no matching key exchange method found', the client gives up too, and the connection is closed with FIN both ways (no DISCONNECT, no RST).",
                vantage="client", family=4,
                flows=[flow(40001, 22, "closed", None, "kex", "no common KEX algorithm; both ends close normally after both KEXINITs")])


@scenario("server-abort-kex")
def sc_server_abort(lab, out):
    t = Topo(lab, routers=1, delays={1: 60})
    t.warm()
    keys = Keys(lab)
    sshd = Sshd(lab, keys, loglevel="DEBUG1")
    cap = Capture(lab, "c", "eth0", out)
    c = Client(lab, keys, t.server4, cport=40001, cmd="true")
    wait_for(lambda: "SSH2_MSG_KEXINIT sent" in sshd.log(), 10, "server KEXINIT", interval=0.003)
    # Freeze every per-connection sshd process (monitor + preauth child) so the
    # client's next KEX message stays unread in the socket, then SIGKILL them:
    # the server kernel closes a socket with unread data -> RST (TCPAbortOnClose).
    kids = descendants(sshd.p.pid)
    for k in kids:
        stop_kill(k, signal.SIGSTOP)
    time.sleep(0.5)
    for k in kids:
        stop_kill(k, signal.SIGKILL)
    c.wait(10)
    time.sleep(0.3)
    cap.stop()
    return dict(description="client - r1 - (60 ms each way) - server path; as soon as sshd logs 'SSH2_MSG_KEXINIT sent', the per-connection sshd processes are SIGSTOPped and, once the client's ECDH_INIT sits unread in the socket, SIGKILLed: the server kernel aborts the connection with RST+ACK during KEX.",
                vantage="client", family=4,
                flows=[flow(40001, 22, "reset", "server", "kex", "per-connection sshd killed with unread data: server kernel tcp_send_active_reset, IP ID continues the server's per-flow counter, TTL as the server's packets")])


def descendants(pid):
    out = []
    r = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    for c in r.stdout.split():
        out.append(int(c))
        out += descendants(int(c))
    return out


def conntrack_idle_session(lab, out, router_ttl, timeout, idle, capture):
    """c – r1 – s, r1 a stateful firewall: conntrack with `timeout` s for established TCP, tcp_loose=0, and
    ctstate INVALID REJECTed with tcp-reset. An interactive session types three lines, idles `idle` s (longer
    than the timeout, so the entry expires) and types one more: r1 answers it with a RST spoofing the server."""
    t = Topo(lab, routers=1, ttl={"r1": router_ttl} if router_ttl else None)
    t.warm()
    keys = Keys(lab)
    sshd = Sshd(lab, keys)
    lab.sysctl("r1", "net.netfilter.nf_conntrack_tcp_loose", 0)
    ipt(lab, "r1", "-A FORWARD -m conntrack --ctstate INVALID -p tcp -j REJECT --reject-with tcp-reset")
    ipt(lab, "r1", "-A FORWARD -m conntrack --ctstate NEW,ESTABLISHED,RELATED -j ACCEPT")
    lab.sysctl("r1", "net.netfilter.nf_conntrack_tcp_timeout_established", timeout)
    cap = Capture(lab, capture[0], capture[1], out)
    c = Client(lab, keys, t.server4, cport=40001, cmd="cat", stdin=subprocess.PIPE)
    sshd.wait_log(r"Starting session")
    echo_feeder(c, lines=3, interval=0.2, line="before-idle")
    time.sleep(idle)
    echo_feeder(c, lines=1, line="after-idle")
    c.wait(10)
    time.sleep(0.3)
    cap.stop()


@scenario("conntrack-idle-reset")
def sc_ct_idle(lab, out):
    conntrack_idle_session(lab, out, router_ttl=255, timeout=3, idle=6, capture=("r1", "r1-cli"))
    return dict(description="Router r1 (default TTL 255, like an appliance) tracks connections with nf_conntrack_tcp_timeout_established=3 and tcp_loose=0 and REJECTs ctstate INVALID with tcp-reset; after a 6 s idle gap the client's next keystroke is INVALID and r1 answers it with a RST spoofing the server (load-balancer idle-timeout case). Captured on r1's client-facing interface.",
                vantage="middle", family=4,
                flows=[dict(flow(40001, 22, "reset", "middlebox", "session", "RST from router r1 (conntrack entry expired after idle): follows the first packet after the 6 s gap within microseconds, IP ID 0, DF, TTL 255 vs 63 for the server's packets"), cause="middlebox_idle_reset")])


@scenario("forwarder-backend-down")
def sc_forwarder(lab, out):
    """A port forwarder whose backend is down (a VM host's port forward, kubectl port-forward, ssh -L):
    socat listens on the server host's port 22 and forwards each connection to 127.0.0.1:2200, where
    nothing listens. It accepts, fails to reach the backend, and closes the accepted socket."""
    t = Topo(lab, routers=1)
    t.warm()
    keys = Keys(lab)
    fwd = lab.spawn("s", ["socat", "-d", "TCP-LISTEN:22,fork,reuseaddr", "TCP:127.0.0.1:2200"],
                    stderr=open(lab.path("socat.err"), "w"))
    wait_for(lambda: ":22 " in lab.x("s", "ss -tlnH", check=False).stdout, 10, "socat listening on 22")
    cap = Capture(lab, "c", "eth0", out)
    # 40001: ssh writes its banner at once; the forwarder closes with it unread -> its kernel sends RST.
    c = Client(lab, keys, t.server4, cport=40001, cmd="true")
    if c.wait() == 0:
        raise LabError("ssh through a forwarder with no backend succeeded")
    # 40002: a client that sends nothing (a probe, or ssh still waiting): the forwarder closes with FIN.
    lab.x("c", f"sleep 2 | nc -p 40002 -w 3 {t.server4} 22", check=False, timeout=10)
    time.sleep(0.3)
    cap.stop()
    stop_kill(fwd.pid, signal.SIGTERM)
    return dict(description="A port forwarder with its backend down: socat on the server host listens on 22 and forwards to 127.0.0.1:2200, where nothing listens (a VM host port forward to a stopped guest, kubectl port-forward to a dead pod, ssh -L to a closed port). It accepts each connection, fails to connect to the backend and closes the accepted socket without a banner: ssh says 'kex_exchange_identification: read: Connection reset by peer'.",
                vantage="client", family=4,
                flows=[dict(flow(40001, 22, "reset", "server", None, "socat accepts, its backend connect is refused, it closes the accepted socket with the client's banner unread: the forwarder host's kernel sends RST+ACK (socket abort); no server banner"), cause="dropped_before_banner"),
                       dict(flow(40002, 22, "closed", None, None, "nc sends nothing; socat accepts, fails to reach its backend and closes with FIN; no server banner"), cause="dropped_before_banner")])


@scenario("conntrack-short-idle")
def sc_ct_short_idle(lab, out):
    """A Linux router with an 8 s conntrack established timeout: the next keystroke after 12 s idle is INVALID."""
    conntrack_idle_session(lab, out, router_ttl=None, timeout=8, idle=12, capture=("c", "eth0"))
    return dict(description="Linux router r1 with nf_conntrack_tcp_timeout_established=8, tcp_loose=0 and a FORWARD rule REJECTing ctstate INVALID with tcp-reset (a stateful firewall with a short idle timeout); the session idles 12 s, the conntrack entry expires, and the client's next keystroke is answered by r1 with a RST spoofing the server. Captured at the client.",
                vantage="client", family=4,
                flows=[dict(flow(40001, 22, "reset", "middlebox", "session", "RST from router r1 (conntrack entry expired after 8 s; the gap was 12 s): answers the first keystroke after the gap within microseconds, TTL 64 vs 63 for the server's packets, IP ID 0, DF"), cause="middlebox_idle_reset")])


@scenario("injected-rst")
def sc_injected(lab, out):
    t = Topo(lab, routers=2, delays={1: 15})
    t.warm()
    keys = Keys(lab)
    sshd = Sshd(lab, keys)
    inj_err = lab.path("inject.err")
    inj = lab.spawn("r1", [PY, os.path.join(os.path.dirname(os.path.abspath(__file__)), "inject.py"),
                           "r1-srv", t.server4, "22", t.client4, "40001", "12"],
                    stdout=subprocess.PIPE, stderr=open(inj_err, "w"))
    if inj.stdout.readline().decode().strip() != "ready":
        raise LabError(f"injector did not start: {read(inj_err)}")
    cap = Capture(lab, "c", "eth0", out)
    c = Client(lab, keys, t.server4, cport=40001, cmd="for i in $(seq 1 40); do echo server output line $i; sleep 0.1; done")
    c.wait(15)
    try:
        inj.wait(5)
    except subprocess.TimeoutExpired:
        pass
    time.sleep(0.5)
    cap.stop()
    said = inj.stdout.read().decode().strip()
    if "injected" not in said:
        raise LabError(f"injector did not inject: {said} {read(inj_err)}")
    log(f"  injector: {said}")
    return dict(description="client - r1 - (15 ms each way) - r2 - server; a scapy process on r1 watches server->client packets and, after the 12th one with payload, forges an in-sequence RST from the server to the client; the real server keeps writing a line every 100 ms, so its data arrives after the RST and the client kernel answers it with its own no-socket RSTs.",
                vantage="client", family=4,
                flows=[flow(40001, 22, "reset", "middlebox", "session", "forged RST+ACK from scapy on r1 (seq = next expected server byte, TTL 64, random IP ID, no DF); real server data (TTL 62) follows it")])


def copy_inject(lab, out, mode, at, middle=False):
    """client - r1 - (50 ms each way) - r2 - server; copyinject.py on r1 (one hop from the
    client) forges one RST to the client that copies the server's headers (TTL as it
    arrives at the client, next IP ID, DF, window, exact seq). MODE 'upload' fires
    mid-upload (`cat > /dev/null` fed 1000 bytes every 20 ms), 'kexinit' on the
    client's KEXINIT. AT is the namespace where tcpdump runs. MIDDLE: client - r1 - r2 -
    (50 ms) - r3 - server with the injector on r2 and tcpdump on r1's server-side
    interface, a capture point between the client and the injector."""
    t = Topo(lab, routers=3, delays={2: 50}) if middle else Topo(lab, routers=2, delays={1: 50})
    inj_router = "r2" if middle else "r1"
    t.warm()
    keys = Keys(lab)
    Sshd(lab, keys)
    inj_err = lab.path("copyinject.err")
    inj = lab.spawn(inj_router, [PY, os.path.join(os.path.dirname(os.path.abspath(__file__)), "copyinject.py"),
                           f"{inj_router}-cli", f"{inj_router}-srv", t.server4, "22", t.client4, "40001",
                           {"upload": "upload:30000", "marks": "marks:30000"}.get(mode, "kexinit")],
                    stdout=subprocess.PIPE, stderr=open(inj_err, "w"))
    if inj.stdout.readline().decode().strip() != "ready":
        raise LabError(f"injector did not start: {read(inj_err)}")
    cap = Capture(lab, "r1", "r1-srv", out) if middle else Capture(lab, at, "eth0", out)
    if mode in ("upload", "marks"):
        c = Client(lab, keys, t.server4, cport=40001, cmd="cat > /dev/null", stdin=subprocess.PIPE)
        echo_feeder(c, lines=150, interval=0.02, line="u" * 992)
    else:
        c = Client(lab, keys, t.server4, cport=40001, cmd="true")
    try:
        c.wait(15)
    except LabError:
        stop_kill(c.p.pid, signal.SIGKILL)
    try:
        inj.wait(5)
    except subprocess.TimeoutExpired:
        pass
    time.sleep(1.0)
    cap.stop()
    said = inj.stdout.read().decode().strip()
    if "injected" not in said:
        raise LabError(f"injector did not inject: {said} {read(inj_err)}")
    log(f"  injector: {said}")
    return said


COPY_NOTE = ("forged RST+ACK from copyinject.py on r1, one hop from the client, copying the server's headers "
             "(TTL 62 as the server's packets arrive at the client, the server's last IP ID + 1, DF, its window, "
             "seq = its SND.NXT); the real server, 100 ms round trip away, never sent it")


@scenario("copy-inject-upload")
def sc_copy_upload(lab, out):
    said = copy_inject(lab, out, "upload", "c")
    return dict(description="client - r1 - (50 ms each way) - r2 - server; the client uploads (`cat > /dev/null`, 1000 bytes every 20 ms); after 30000 client bytes a header-copying injector on r1 (one hop from the client) answers a client segment with a RST+ACK claiming the server that copies the server's TTL as it arrives at the client, its next IP ID, DF, window and exact seq, within a millisecond of the client's segment. The server only sends ACKs afterwards (they acknowledge the very bytes the RST answers); the client kernel answers them with no-socket RSTs. Injector: " + said,
                vantage="client", family=4,
                flows=[flow(40001, 22, "reset", "middlebox", "session", COPY_NOTE + ". Later RSTs are the client kernel's answers to the server's ACKs")])


@scenario("copy-inject-upload-at-server")
def sc_copy_upload_s(lab, out):
    said = copy_inject(lab, out, "upload", "s")
    return dict(description="copy-inject-upload seen from the server: the forged RST reaches the client only; the server keeps acknowledging the upload and its ACKs draw the client kernel's no-socket RSTs, the only RSTs seen here. Injector: " + said,
                vantage="server", family=4,
                flows=[flow(40001, 22, "reset", "middlebox", "session", "the reset was the injector's; the RSTs seen here are the client kernel's no-socket answers after its socket was killed by the forged RST: sshrst must say undetermined or middlebox, never client")])


@scenario("copy-inject-upload-middle")
def sc_copy_upload_m(lab, out):
    said = copy_inject(lab, out, "upload", None, middle=True)
    return dict(description="client - r1 - r2 - (50 ms each way) - r3 - server, captured on r1's server-side interface (between the client and the injector); the header-copying injector on r2 answers a client segment mid-upload with a RST+ACK claiming the server that copies its headers as they arrive downstream (TTL, next IP ID, DF, window, exact seq). Injector: " + said,
                vantage="middle", family=4,
                flows=[flow(40001, 22, "reset", "middlebox", "session", "forged RST+ACK from copyinject.py on r2, one hop past this capture point towards the server, copying the server's headers; the real server, 100 ms round trip away, keeps acknowledging the upload. Later RSTs are the client kernel's")])


@scenario("copy-inject-kex")
def sc_copy_kex(lab, out):
    said = copy_inject(lab, out, "kexinit", "c")
    return dict(description="client - r1 - (50 ms each way) - r2 - server; the header-copying injector on r1 answers the client's KEXINIT segment with a RST+ACK claiming the server (server's TTL as it arrives at the client, next IP ID, DF, window, exact seq), within a millisecond of the segment. Injector: " + said,
                vantage="client", family=4,
                flows=[flow(40001, 22, "reset", "middlebox", "kex", COPY_NOTE + ", during key exchange. Later RSTs are the client kernel's answers to the server's packets")])


@scenario("copy-inject-kex-at-server")
def sc_copy_kex_s(lab, out):
    said = copy_inject(lab, out, "kexinit", "s")
    return dict(description="copy-inject-kex seen from the server: the forged RST reaches the client only; the server's KEX packets draw the client kernel's no-socket RSTs, the only RSTs seen here. Injector: " + said,
                vantage="server", family=4,
                flows=[flow(40001, 22, "reset", "middlebox", "kex", "the reset was the injector's; the RSTs seen here are the client kernel's no-socket answers: sshrst must say undetermined or middlebox, never client")])


@scenario("marks-inject")
def sc_marks(lab, out):
    said = copy_inject(lab, out, "marks", "c")
    return dict(description="client - r1 - (50 ms each way) - r2 - server; mid-upload, a crude injector on r1 answers a client segment with a burst of three RST+ACKs claiming the server, built from the trigger: the trigger's IP ID + 1 on all three, the trigger's window, reserved bit 0x02, TTL 64, no DF, seq offsets +0/+1460/+4380 from the server's SND.NXT. Injector: " + said,
                vantage="client", family=4,
                flows=[flow(40001, 22, "reset", "middlebox", "session", "forged RST burst from r1 with injector marks (IP ID from the trigger, copied window, reserved bit, one IP ID across three seq offsets)")])


@scenario("marks-inject-at-server")
def sc_marks_s(lab, out):
    said = copy_inject(lab, out, "marks", "s")
    return dict(description="marks-inject seen from the server: the forged burst reaches the client only; the server's ACKs draw the client kernel's no-socket RSTs. Injector: " + said,
                vantage="server", family=4,
                flows=[flow(40001, 22, "reset", "middlebox", "session", "the reset was the injector's; the RSTs seen here are the client kernel's no-socket answers: undetermined or middlebox, never client")])


def feed_cat(lab, keys, t, cport, lines=120, interval=0.05):
    c = Client(lab, keys, t.server4, cport=cport, cmd="cat", stdin=subprocess.PIPE)
    echo_feeder(c, lines=lines, interval=interval)
    try:
        c.wait(10)
    except LabError:
        stop_kill(c.p.pid, signal.SIGKILL)
    return c


def ttl_normaliser(lab, out, at):
    """client - r1 - (10 ms each way) - r2 - server; r1 rewrites the TTL of every packet it sends
    towards the client to 50 (iptables -t mangle POSTROUTING -o r1-cli -j TTL --ttl-set 50). 40001:
    r2 (next to the server) REJECTs the client's packets with tcp-reset after 6000 bytes. 40002:
    the server's own INPUT chain does the same. Both RSTs reach the client with TTL 50, ID 0, DF."""
    t = Topo(lab, routers=2, delays={1: 10})
    t.warm()
    keys = Keys(lab)
    Sshd(lab, keys)
    S, C = t.server4, t.client4
    ipt(lab, "r1", "-t mangle -A POSTROUTING -o r1-cli -j TTL --ttl-set 50")
    conn = "-m connbytes --connbytes 6000: --connbytes-dir original --connbytes-mode bytes"
    ipt(lab, "r2", f"-A FORWARD -p tcp -s {C} --sport 40001 -d {S} --dport 22 {conn} -j REJECT --reject-with tcp-reset")
    ipt(lab, "s", f"-A INPUT -p tcp -s {C} --sport 40002 --dport 22 {conn} -j REJECT --reject-with tcp-reset")
    cap = Capture(lab, at, "eth0", out)
    feed_cat(lab, keys, t, 40001)
    time.sleep(0.5)
    feed_cat(lab, keys, t, 40002)
    time.sleep(0.5)
    cap.stop()


NORMALISER_NOTE = ("r1 rewrites every packet towards the client to TTL 50, so the RST arrives with the server's "
                   "TTL whoever sent it; IP ID 0 + DF (netfilter nf_send_reset) either way")


@scenario("ttl-normaliser")
def sc_ttl_norm(lab, out):
    ttl_normaliser(lab, out, "c")
    return dict(description="client - r1 - (10 ms each way) - r2 - server; r1 is a TTL normaliser (iptables -t mangle POSTROUTING -o r1-cli -j TTL --ttl-set 50). 40001: r2, next to the server, REJECTs the client's packets with tcp-reset after 6000 bytes (connbytes). 40002: the server host's own INPUT chain does the same. On the wire at the client the two RSTs are alike: TTL 50, IP ID 0, DF, a full round trip after the client's packet.",
                vantage="client", family=4,
                flows=[flow(40001, 22, "reset", "middlebox", "session", "REJECT tcp-reset in r2, the router next to the server; " + NORMALISER_NOTE + ": undetermined is the honest answer"),
                       flow(40002, 22, "reset", "server", "session", "REJECT tcp-reset in the server host's INPUT chain; " + NORMALISER_NOTE)])


@scenario("ttl-normaliser-at-server")
def sc_ttl_norm_s(lab, out):
    ttl_normaliser(lab, out, "s")
    return dict(description="ttl-normaliser seen from the server: r2's RST for 40001 goes to the client only, and r2 keeps rejecting the client's packets (its kernel's RSTs included), so the server sees no RST there and retransmits into silence; 40002's RST leaves the server host's own firewall.",
                vantage="server", family=4,
                flows=[flow(40001, 22, "open", None, "session", "no RST reaches the server: r2 rejects everything the client sends after 6000 bytes"),
                       flow(40002, 22, "reset", "server", "session", "REJECT tcp-reset in the server host's own INPUT chain, captured on that host")])


def route_change_abort(lab, out, at):
    """client - r1 - (10 ms each way) - r2 - server; interactive session; the per-connection sshd
    processes are SIGSTOPped (client lines pile up unread), the return path gets one more hop (r1
    decrements the server's packets once more: iptables -t mangle FORWARD -j TTL --ttl-dec 1, what a
    route through one more router does to the TTL), and the sshd processes are SIGKILLed: the server
    kernel aborts with RST+ACK, which arrives one TTL lower than the server's earlier packets."""
    t = Topo(lab, routers=2, delays={1: 10})
    t.warm()
    keys = Keys(lab)
    sshd = Sshd(lab, keys)
    cap = Capture(lab, at, "eth0", out)
    c = Client(lab, keys, t.server4, cport=40001, cmd="cat", stdin=subprocess.PIPE)
    sshd.wait_log(r"Starting session")
    echo_feeder(c, lines=10, interval=0.05)
    kids = descendants(sshd.p.pid)
    for k in kids:
        stop_kill(k, signal.SIGSTOP)
    echo_feeder(c, lines=5, interval=0.05, line="unread")
    time.sleep(0.3)
    ipt(lab, "r1", f"-t mangle -A FORWARD -s {t.server4} -d {t.client4} -j TTL --ttl-dec 1")
    for k in kids:
        stop_kill(k, signal.SIGKILL)
    try:
        c.wait(10)
    except LabError:
        stop_kill(c.p.pid, signal.SIGKILL)
    time.sleep(0.5)
    cap.stop()


@scenario("route-change-abort")
def sc_route_change(lab, out):
    route_change_abort(lab, out, "c")
    return dict(description="client - r1 - (10 ms each way) - r2 - server; an interactive session whose sshd processes are frozen with unread client lines in the socket; then the return path gains a hop (r1: iptables -t mangle FORWARD -s server -d client -j TTL --ttl-dec 1) and the sshd processes are SIGKILLed: the server kernel's own RST+ACK (IP ID continuing the server's counter) arrives with TTL 61 where every earlier server packet had 62.",
                vantage="client", family=4,
                flows=[flow(40001, 22, "reset", "server", "session", "server kernel tcp_send_active_reset (sshd killed with unread data) after a one-hop return-route change: must never be a confident middlebox")])


@scenario("route-change-abort-at-server")
def sc_route_change_s(lab, out):
    route_change_abort(lab, out, "s")
    return dict(description="route-change-abort seen from the server: the server kernel's RST+ACK leaves the capture host itself.",
                vantage="server", family=4,
                flows=[flow(40001, 22, "reset", "server", "session", "server kernel tcp_send_active_reset, captured on the server")])


@scenario("clean-session")
def sc_clean(lab, out):
    t = Topo(lab, routers=3)
    t.warm()
    keys = Keys(lab)
    sshd = Sshd(lab, keys)
    cap = Capture(lab, "c", "eth0", out)
    c = Client(lab, keys, t.server4, cport=40001, cmd="uname -s; echo done")
    if c.wait() != 0:
        raise LabError(f"clean session failed: {c.stderr()}")
    sshd.wait_log(r"(Disconnected from user root|Connection closed by \S+ port 40001|Close session: user root)")
    time.sleep(0.5)
    cap.stop()
    return dict(description="client - r1 - r2 - r3 - server; publickey login as root, run `uname -s; echo done`, exit; normal FIN teardown.",
                vantage="client", family=4,
                flows=[flow(40001, 22, "closed", None, "session", "normal session, no RST; server packets arrive with TTL 61")])


@scenario("auth-failed")
def sc_auth_failed(lab, out):
    t = Topo(lab, routers=1)
    t.warm()
    keys = Keys(lab)
    sshd = Sshd(lab, keys)
    cap = Capture(lab, "s", "eth0", out)
    failed_auths(lab, keys, t, sshd, [40001])
    time.sleep(0.3)
    cap.stop()
    return dict(description="The client offers only a key the server does not authorize (BatchMode, publickey only): 'Permission denied (publickey)', then a normal FIN close.",
                vantage="server", family=4,
                flows=[flow(40001, 22, "closed", None, "auth", "auth failure, closed normally by the client; no RST")])


@scenario("syn-dropped")
def sc_syn_dropped(lab, out):
    t = Topo(lab, routers=1)
    t.warm()
    keys = Keys(lab)
    sshd = Sshd(lab, keys)
    ipt(lab, "r1", f"-A FORWARD -p tcp -d {t.server4} --dport 22 --syn -j DROP")
    cap = Capture(lab, "c", "eth0", out)
    c = Client(lab, keys, t.server4, cport=40001, cmd="true", nc_opts="-w 3", opts=["ConnectTimeout=3"])
    c.wait(15)
    cap.stop()
    return dict(description="Router r1 silently DROPs SYNs to port 22; the client (nc -w 3 as ProxyCommand, ssh ConnectTimeout=3) retransmits the SYN and gives up after 3 s.",
                vantage="client", family=4,
                flows=[flow(40001, 22, "timeout", None, "tcp", "SYN and its retransmissions never answered (iptables DROP in r1's FORWARD chain)")])


@scenario("port-2222")
def sc_port2222(lab, out):
    t = Topo(lab, routers=2, ttl={"s": 128})
    t.warm()
    keys = Keys(lab)
    sshd = Sshd(lab, keys, port=2222)
    cap = Capture(lab, "r1", "r1-srv", out)
    c = Client(lab, keys, t.server4, cport=40001, sport=2222, cmd="echo on port 2222")
    if c.wait() != 0:
        raise LabError(f"session on 2222 failed: {c.stderr()}")
    c2 = Client(lab, keys, t.server4, cport=40002, sport=22, cmd="true")
    c2.wait()
    c3 = Client(lab, keys, t.server4, cport=40003, sport=2222, cmd="sleep 1.5; head -c 20000 /dev/urandom | base64")
    sshd.wait_log(r"Accepted publickey for root from \S+ port 40003")
    time.sleep(0.3)
    nc = wait_for(c3.nc_pid, 5, "nc pid")
    stop_kill(c3.p.pid, signal.SIGSTOP)
    stop_kill(nc, signal.SIGSTOP)
    time.sleep(2.2)
    stop_kill(nc, signal.SIGKILL)
    stop_kill(c3.p.pid, signal.SIGKILL)
    time.sleep(0.3)
    cap.stop()
    return dict(description="sshd listens on 2222 only, server default TTL 128; a clean session to 2222, an attempt to 22 refused by the server kernel, and a session to 2222 that the client aborts (client socket owner killed with unread data). Captured between r1 and r2.",
                vantage="middle", family=4,
                flows=[flow(40001, 2222, "closed", None, "session", "clean session on a non-standard port"),
                       flow(40002, 22, "refused", "server", "tcp", "nothing listens on 22: server kernel RST+ACK (IP ID 0, TTL 128 at the server)"),
                       flow(40003, 2222, "reset", "client", "session", "client killed with unread data: client kernel RST+ACK")])


@scenario("fail2ban-icmp-v6")
def sc_f2b_v6(lab, out):
    t = Topo(lab, routers=1)
    t.warm()
    keys = Keys(lab)
    sshd = Sshd(lab, keys)
    cap = Capture(lab, "c", "eth0", out)
    failed_auths(lab, keys, t, sshd, [40001, 40002], family=6)
    fail2ban_chain(lab, 6, t.client6, "icmp6-port-unreachable")
    time.sleep(0.3)
    c = Client(lab, keys, t.server6, cport=40003, cmd="true")
    c.wait()
    time.sleep(0.3)
    cap.stop()
    return dict(description="IPv6: two failed publickey auths, then a Fail2Ban-style ban (ip6tables REJECT --reject-with icmp6-port-unreachable) for the client in the server namespace; the next SYN gets ICMPv6 port unreachable.",
                vantage="client", family=6,
                flows=[flow(40001, 22, "closed", None, "auth", "auth failure, normal close"),
                       flow(40002, 22, "closed", None, "auth", "auth failure, normal close"),
                       flow(40003, 22, "refused", "server", "tcp", "ICMPv6 port unreachable from the server host firewall")])



def client_abort_flow(lab, keys, sshd, host, cport, sport=22, bytes_=20000):
    """Session whose client socket owner is frozen, fed unread data, then SIGKILLed."""
    c = Client(lab, keys, host, cport=cport, sport=sport, cmd=f"sleep 1.2; head -c {bytes_} /dev/urandom | base64")
    sshd.wait_log(rf"Accepted publickey for root from \S+ port {cport}")
    time.sleep(0.3)
    nc = wait_for(c.nc_pid, 5, "nc pid")
    stop_kill(c.p.pid, signal.SIGSTOP)
    stop_kill(nc, signal.SIGSTOP)
    time.sleep(2.0)
    stop_kill(nc, signal.SIGKILL)
    stop_kill(c.p.pid, signal.SIGKILL)
    return c


@scenario("mixed")
def sc_mixed(lab, out):
    t = Topo(lab, routers=2, delays={1: 5})
    t.warm()
    keys = Keys(lab)
    sshd = Sshd(lab, keys)
    S, C = t.server4, t.client4
    ipt(lab, "s", f"-A INPUT -p tcp -s {C} --sport 40002 --dport 22 -j REJECT --reject-with tcp-reset")
    ipt(lab, "r2", f"-A FORWARD -p tcp -s {C} --sport 40003 -d {S} --dport 22 "
                   "-m connbytes --connbytes 6000: --connbytes-dir original --connbytes-mode bytes "
                   "-j REJECT --reject-with tcp-reset")
    ipt(lab, "r2", f"-A FORWARD -p tcp -s {C} --sport 40006 -d {S} --dport 22 --syn -j DROP")
    cap = Capture(lab, "r1", "r1-srv", out)
    tmo = Client(lab, keys, S, cport=40006, cmd="true", nc_opts="-w 3", opts=["ConnectTimeout=3"])
    c1 = Client(lab, keys, S, cport=40001, cmd="id -un; echo mixed")
    if c1.wait() != 0:
        raise LabError(f"clean session failed: {c1.stderr()}")
    Client(lab, keys, S, cport=40002, cmd="true").wait()
    c3 = Client(lab, keys, S, cport=40003, cmd="cat", stdin=subprocess.PIPE)
    echo_feeder(c3, lines=120, interval=0.04)
    c3.wait(10)
    client_abort_flow(lab, keys, sshd, S, 40004)
    failed_auths(lab, keys, t, sshd, [40005])
    tmo.wait(10)
    time.sleep(0.3)
    cap.stop()
    return dict(description="client - r1 - (5 ms) - r2 - server, captured between r1 and r2: a clean session (40001), a SYN refused by the server's host firewall (40002), a session reset by r2's REJECT tcp-reset after 6000 bytes (40003), a session the client aborts (40004), a failed publickey auth (40005) and a SYN silently dropped by r2 (40006).",
                vantage="middle", family=4,
                flows=[flow(40001, 22, "closed", None, "session", "clean session"),
                       flow(40002, 22, "refused", "server", "tcp", "server host firewall REJECT tcp-reset on source port 40002 (IP ID 0, TTL 63 at this vantage like the server's packets)"),
                       flow(40003, 22, "reset", "middlebox", "session", "router r2 (next to the server) REJECT tcp-reset after 6000 bytes: RST spoofing the server, TTL 64 at this vantage vs 63 for the server's packets, IP ID 0"),
                       flow(40004, 22, "reset", "client", "session", "client socket owner SIGKILLed with unread data: client kernel RST+ACK, IP ID continuing"),
                       flow(40005, 22, "closed", None, "auth", "publickey auth failure, normal close"),
                       flow(40006, 22, "timeout", None, "tcp", "SYNs silently dropped by r2 (iptables DROP)")])


@scenario("demo")
def sc_demo(lab, out):
    t = Topo(lab, routers=2, delays={1: 10})
    t.warm()
    keys = Keys(lab)
    sshd = Sshd(lab, keys)
    S, C = t.server4, t.client4
    ipt(lab, "r1", f"-A FORWARD -p tcp -s {C} --sport 40002 -d {S} --dport 22 "
                   "-m connbytes --connbytes 5000: --connbytes-dir original --connbytes-mode bytes "
                   "-j REJECT --reject-with tcp-reset")
    ipt(lab, "s", f"-A INPUT -p tcp -s {C} --sport 40003 --dport 22 -j REJECT --reject-with tcp-reset")
    cap = Capture(lab, "c", "eth0", out)
    c1 = Client(lab, keys, S, cport=40001, cmd="echo hello")
    if c1.wait() != 0:
        raise LabError(f"clean session failed: {c1.stderr()}")
    c2 = Client(lab, keys, S, cport=40002, cmd="cat", stdin=subprocess.PIPE)
    echo_feeder(c2, lines=100, interval=0.04)
    c2.wait(10)
    Client(lab, keys, S, cport=40003, cmd="true").wait()
    time.sleep(0.2)
    cap.stop()
    return dict(description="client - r1 - (10 ms each way) - r2 - server, captured at the client: a clean session (40001), a session reset mid-way by the firewall r1 next to the client (40002), and a SYN refused by the server's own firewall (40003).",
                vantage="client", family=4,
                flows=[flow(40001, 22, "closed", None, "session", "clean session"),
                       flow(40002, 22, "reset", "middlebox", "session", "router r1 REJECT tcp-reset after 5000 bytes: RST spoofing the server, TTL 64 vs 62, IP ID 0, arrives within 1 ms of the client's packet (server RTT ~20 ms)"),
                       flow(40003, 22, "refused", "server", "tcp", "server host firewall REJECT tcp-reset: RST+ACK to the SYN, TTL 62 like the server's packets, IP ID 0")])


# ============================================================================ main
def record(name, outdir):
    if name not in SCENARIOS:
        raise LabError(f"unknown scenario {name!r}; see `Scripts/lab list`")
    os.makedirs(outdir, exist_ok=True)
    out = os.path.abspath(os.path.join(outdir, name + ".pcap"))
    tmp_out = out + ".part"
    t0 = time.monotonic()
    try:
        with Lab() as lab:
            truth = SCENARIOS[name](lab, tmp_out)
        # With another vantage (SSHRST_LAB_VANTAGE) the capture need not show what the
        # scenario's own capture point shows: the check is skipped, the truth kept.
        if not os.environ.get("SSHRST_LAB_VANTAGE"):
            for line in verify(tmp_out, truth["flows"], truth["family"]):
                log(f"  {name}: {line}")
        os.replace(tmp_out, out)
    finally:
        if os.path.exists(tmp_out):
            os.unlink(tmp_out)
    write_truth(outdir, name, truth["description"], truth["vantage"], truth["family"], truth["flows"])
    log(f"recorded {name}: {os.path.getsize(out)} bytes in {time.monotonic() - t0:.1f}s -> {out}")


def main():
    def on_signal(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    args = sys.argv[1:]
    if not args or args[0] in ("-h", "--help", "help"):
        print(__doc__.strip() + "\n\nusage: Scripts/lab list | record NAME OUTDIR | all [OUTDIR]")
        return 0 if args else 2
    cmd = args[0]
    try:
        if cmd == "list":
            print("\n".join(SCENARIOS))
        elif cmd == "record" and len(args) == 3:
            record(args[1], args[2])
        elif cmd == "all":
            outdir = args[1] if len(args) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Captures")
            t0 = time.monotonic()
            failed = []
            for name in SCENARIOS:
                try:
                    record(name, outdir)
                except LabError as e:
                    log(f"FAILED {name}: {e}")
                    failed.append(name)
            log(f"all: {len(SCENARIOS) - len(failed)}/{len(SCENARIOS)} recorded in {time.monotonic() - t0:.0f}s")
            if failed:
                log("failed: " + " ".join(failed))
                return 1
        else:
            print("usage: Scripts/lab list | record NAME OUTDIR | all [OUTDIR]", file=sys.stderr)
            return 2
    except LabError as e:
        log(f"error: {e}")
        return 1
    except KeyboardInterrupt as e:
        log(f"interrupted: {e}")
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
