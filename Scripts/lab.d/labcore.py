"""Core of the sshrst network lab: namespaces, links, sshd, ssh clients, tcpdump.

Everything runs inside network namespaces named sshrst-<runid>-<role>; nothing is
ever configured in the caller's (root) namespace. Every process started here is
remembered by PID and stopped by PID on exit; every namespace is deleted on exit.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

LABD = os.path.dirname(os.path.abspath(__file__))
PY = "/usr/bin/python3"  # Debian's python3: the one that has scapy
SSHD = "/usr/sbin/sshd"

# Documentation address ranges only (RFC 5737 / RFC 3849); all of it lives in
# namespaces created by this lab.
V4_CLIENT_NET = "192.0.2"      # client side:   client .10, first router .1
V4_SERVER_NET = "203.0.113"    # server side:   server .10, last router .1
V4_CORE_NET = "198.51.100"     # router-router: /30 per link
V6_CLIENT_NET = "2001:db8:c"
V6_SERVER_NET = "2001:db8:5"
V6_CORE_NET = "2001:db8:ff"


class LabError(Exception):
    pass


def log(msg):
    print(f"[lab] {msg}", file=sys.stderr, flush=True)


class Lab:
    """One recording run: namespaces + processes + temp dir, all torn down on exit."""

    def __init__(self, runid=None):
        self.runid = runid or os.environ.get("SSHRST_RUNID") or str(os.getpid())
        self.prefix = f"sshrst-{self.runid}-"
        self.namespaces = []
        self.procs = []  # Popen objects we started
        self.tmp = tempfile.mkdtemp(prefix="sshrst-lab-")
        self.t0 = time.monotonic()

    # ---------------------------------------------------------------- lifecycle
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cleanup()
        return False

    def cleanup(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                try:
                    os.kill(p.pid, signal.SIGCONT)
                    os.kill(p.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + 2
        for p in self.procs:
            try:
                p.wait(timeout=max(0.05, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                try:
                    os.kill(p.pid, signal.SIGKILL)
                    p.wait(timeout=2)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    pass
        # Anything else still living inside our namespaces was started by us
        # (e.g. nc children of ssh, sshd per-connection children): kill by PID.
        for ns in self.namespaces:
            r = subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True)
            for pid in r.stdout.split():
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
        time.sleep(0.1)
        for ns in reversed(self.namespaces):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        self.namespaces = []
        if os.environ.get("SSHRST_KEEP"):
            log(f"kept temp dir {self.tmp}")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    # ---------------------------------------------------------------- helpers
    def ns(self, role):
        return self.prefix + role

    def add_ns(self, role):
        name = self.ns(role)
        sh(["ip", "netns", "add", name])
        self.namespaces.append(name)
        self.x(role, "ip link set lo up")
        for k, v in (("net.ipv6.conf.all.accept_ra", 0), ("net.ipv6.conf.default.accept_ra", 0),
                     ("net.ipv6.conf.all.accept_dad", 0), ("net.ipv6.conf.default.accept_dad", 0),
                     ("net.ipv6.conf.default.router_solicitations", 0),
                     ("net.ipv6.conf.all.router_solicitations", 0)):
            self.sysctl(role, k, v)
        return name

    def x(self, role, cmd, check=True, timeout=30, **kw):
        """Run a shell command inside namespace ROLE; return CompletedProcess."""
        r = subprocess.run(["ip", "netns", "exec", self.ns(role), "sh", "-c", cmd],
                           capture_output=True, text=True, timeout=timeout, **kw)
        if check and r.returncode != 0:
            raise LabError(f"in {role}: `{cmd}` failed ({r.returncode}): {r.stderr.strip()}")
        return r

    def sysctl(self, role, key, value):
        path = "/proc/sys/" + key.replace(".", "/")
        self.x(role, f"echo {value} > {path}")

    def spawn(self, role, argv, stdout=None, stderr=None, stdin=subprocess.DEVNULL, **kw):
        """Start a long-running process inside namespace ROLE; tracked by PID."""
        p = subprocess.Popen(["ip", "netns", "exec", self.ns(role)] + list(argv),
                             stdout=stdout if stdout is not None else subprocess.DEVNULL,
                             stderr=stderr if stderr is not None else subprocess.DEVNULL,
                             stdin=stdin, **kw)
        self.procs.append(p)
        return p

    def path(self, name):
        return os.path.join(self.tmp, name)

    def elapsed(self):
        return time.monotonic() - self.t0


def sh(argv, check=True):
    r = subprocess.run(argv, capture_output=True, text=True)
    if check and r.returncode != 0:
        raise LabError(f"`{' '.join(argv)}` failed: {r.stderr.strip()}")
    return r


def wait_for(pred, timeout, what, interval=0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(interval)
    raise LabError(f"timed out after {timeout}s waiting for {what}")


def read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


# ====================================================================== topology
class Topo:
    """client — r1 — … — rN — server, dual stack, optional delay bridges on links.

    delays: {link_index: ms}; link 0 is client–r1, link N is rN–server.
    A delay bridge is its own namespace (role dK) with two veth ends bridged by
    delaybridge.py, so the link gets real one-way latency of ms in each direction.
    """

    def __init__(self, lab, routers=1, delays=None, ttl=None):
        self.lab = lab
        self.n = routers
        self.delays = delays or {}
        self.nodes = ["c"] + [f"r{i}" for i in range(1, routers + 1)] + ["s"]
        self.v4 = {}
        self.v6 = {}
        self.iface = {}  # (node, 'left'|'right') -> iface name
        ttl = ttl or {}
        for node in self.nodes:
            lab.add_ns(node)
        for k in range(len(self.nodes) - 1):
            self._link(k)
        for r in self.nodes[1:-1]:
            lab.sysctl(r, "net.ipv4.ip_forward", 1)
            lab.sysctl(r, "net.ipv6.conf.all.forwarding", 1)
        for node, t in ttl.items():
            lab.sysctl(node, "net.ipv4.ip_default_ttl", t)
            lab.sysctl(node, "net.ipv6.conf.all.hop_limit", t)
            lab.sysctl(node, "net.ipv6.conf.default.hop_limit", t)
            for side in ("left", "right"):
                if (node, side) in self.iface:
                    lab.sysctl(node, f"net.ipv6.conf.{self.iface[(node, side)]}.hop_limit", t)
        self._routes()
        self.client4, self.server4 = f"{V4_CLIENT_NET}.10", f"{V4_SERVER_NET}.10"
        self.client6, self.server6 = f"{V6_CLIENT_NET}::10", f"{V6_SERVER_NET}::10"

    def _ifname(self, node, side):
        if node == "c":
            return "eth0"
        if node == "s":
            return "eth0"
        return f"{node}-{'cli' if side == 'left' else 'srv'}"

    def _link(self, k):
        lab = self.lab
        a, b = self.nodes[k], self.nodes[k + 1]
        ia, ib = self._ifname(a, "right"), self._ifname(b, "left")
        self.iface[(a, "right")] = ia
        self.iface[(b, "left")] = ib
        if k in self.delays:
            d = f"d{k}"
            lab.add_ns(d)
            lab.sysctl(d, "net.ipv6.conf.all.disable_ipv6", 1)
            lab.sysctl(d, "net.ipv6.conf.default.disable_ipv6", 1)
            sh(["ip", "-n", lab.ns(a), "link", "add", ia, "type", "veth", "peer", "name", "da", "netns", lab.ns(d)])
            sh(["ip", "-n", lab.ns(b), "link", "add", ib, "type", "veth", "peer", "name", "db", "netns", lab.ns(d)])
            for i in ("da", "db"):
                lab.x(d, f"ip link set {i} up promisc on; ethtool -K {i} tx off sg off tso off gso off gro off >/dev/null 2>&1 || true")
            p = lab.spawn(d, [PY, os.path.join(LABD, "delaybridge.py"), "da", "db", str(self.delays[k])],
                          stdout=subprocess.PIPE, stderr=open(lab.path(f"bridge{k}.err"), "w"))
            line = p.stdout.readline().decode().strip()
            if line != "ready":
                raise LabError(f"delay bridge {k} did not start: {read(lab.path(f'bridge{k}.err'))}")
        else:
            sh(["ip", "-n", lab.ns(a), "link", "add", ia, "type", "veth", "peer", "name", ib, "netns", lab.ns(b)])
        for node, i in ((a, ia), (b, ib)):
            lab.x(node, f"ip link set {i} up; ethtool -K {i} tx off sg off tso off gso off gro off >/dev/null 2>&1 || true")
        # addresses
        last = len(self.nodes) - 2
        if k == 0:
            v4a, v4b, pl4 = f"{V4_CLIENT_NET}.10", f"{V4_CLIENT_NET}.1", 24
            v6a, v6b = f"{V6_CLIENT_NET}::10", f"{V6_CLIENT_NET}::1"
        elif k == last:
            v4a, v4b, pl4 = f"{V4_SERVER_NET}.1", f"{V4_SERVER_NET}.10", 24
            v6a, v6b = f"{V6_SERVER_NET}::1", f"{V6_SERVER_NET}::10"
        else:
            v4a, v4b, pl4 = f"{V4_CORE_NET}.{4 * k + 1}", f"{V4_CORE_NET}.{4 * k + 2}", 30
            v6a, v6b = f"{V6_CORE_NET}{k}::1", f"{V6_CORE_NET}{k}::2"
        lab.x(a, f"ip addr add {v4a}/{pl4} dev {ia}; ip -6 addr add {v6a}/64 dev {ia} nodad")
        lab.x(b, f"ip addr add {v4b}/{pl4} dev {ib}; ip -6 addr add {v6b}/64 dev {ib} nodad")
        self.v4[(a, "right")], self.v4[(b, "left")] = v4a, v4b
        self.v6[(a, "right")], self.v6[(b, "left")] = v6a, v6b

    def _routes(self):
        lab = self.lab
        lab.x("c", f"ip route add default via {V4_CLIENT_NET}.1; ip -6 route add default via {V6_CLIENT_NET}::1")
        lab.x("s", f"ip route add default via {V4_SERVER_NET}.1; ip -6 route add default via {V6_SERVER_NET}::1")
        routers = self.nodes[1:-1]
        for i, r in enumerate(routers):
            if i > 0:  # client net is behind the left neighbour
                nh4, nh6 = self.v4[(routers[i - 1], "right")], self.v6[(routers[i - 1], "right")]
                lab.x(r, f"ip route add {V4_CLIENT_NET}.0/24 via {nh4}; ip -6 route add {V6_CLIENT_NET}::/64 via {nh6}")
            if i < len(routers) - 1:
                nh4, nh6 = self.v4[(routers[i + 1], "left")], self.v6[(routers[i + 1], "left")]
                lab.x(r, f"ip route add {V4_SERVER_NET}.0/24 via {nh4}; ip -6 route add {V6_SERVER_NET}::/64 via {nh6}")

    def addr(self, node, family):
        if node == "c":
            return self.client4 if family == 4 else self.client6
        if node == "s":
            return self.server4 if family == 4 else self.server6
        raise LabError("addr() only for c/s")

    def warm(self):
        """Check reachability both ways and fill neighbour caches before capturing."""
        for fam in (4, 6):
            dst = self.addr("s", fam)
            r = self.lab.x("c", f"ping -{fam} -c 1 -W 3 {dst}", check=False)
            if r.returncode != 0:
                raise LabError(f"topology broken: client cannot ping {dst}: {r.stdout}{r.stderr}")


# ====================================================================== tcpdump
class Capture:
    def __init__(self, lab, role, iface, out):
        # SSHRST_LAB_VANTAGE=c|s records at the client or the server instead of the
        # scenario's own capture point (to check attribution from every vantage).
        override = os.environ.get("SSHRST_LAB_VANTAGE")
        if override in ("c", "s"):
            role, iface = override, "eth0"
        self.lab, self.out = lab, out
        self.err = lab.path(f"tcpdump-{role}-{iface}.err")
        self.p = lab.spawn(role, ["tcpdump", "-U", "--immediate-mode", "-Z", "root", "-n", "-w", out, "-i", iface],
                           stderr=open(self.err, "w"))
        wait_for(lambda: "listening on" in read(self.err) or self.p.poll() is not None, 10, "tcpdump to start")
        if self.p.poll() is not None:
            raise LabError(f"tcpdump failed: {read(self.err)}")
        # SSHRST_LIVE=/path/to/sshrst: also run `sshrst capture` on the same
        # interface; its streamed records go to NAME.live.jsonl (live test).
        self.live = None
        live_bin = os.environ.get("SSHRST_LIVE")
        if live_bin:
            base = out[:-5] if out.endswith(".part") else out
            self.live_out = (base[:-5] if base.endswith(".pcap") else base) + ".live.jsonl"
            self.live_err = lab.path(f"sshrst-live-{role}-{iface}.err")
            self.role = role
            self.metrics_out = self.live_out[:-len(".live.jsonl")] + ".metrics.txt"
            self.live = lab.spawn(role, [live_bin, "capture", "-i", iface, "--format", "jsonl", "-o", self.live_out,
                                         "--metrics", "127.0.0.1:9464",
                                         "--write-resets", self.metrics_out[:-len(".metrics.txt")] + ".resets.pcap"],
                                  stderr=open(self.live_err, "w"))
            wait_for(lambda: "listening on" in read(self.live_err) or self.live.poll() is not None, 10, "sshrst capture to start")
            if self.live.poll() is not None:
                raise LabError(f"sshrst capture failed: {read(self.live_err)}")
            # SSHRST_LIVE_SNAPLEN=N: a second `sshrst capture -s N` on the same interface (headers only),
            # streaming to NAME.live-sN.jsonl and writing the packets it read to NAME.live-sN.pcap: the live
            # path must give what `analyze` gives for the same packets.
            snap = os.environ.get("SSHRST_LIVE_SNAPLEN")
            self.live_snap = None
            if snap:
                self.live_snap_err = lab.path(f"sshrst-live-s{snap}-{role}-{iface}.err")
                self.live_snap = lab.spawn(role, [live_bin, "capture", "-i", iface, "-s", snap, "--format", "jsonl",
                                                  "-o", self.live_out[:-len(".live.jsonl")] + f".live-s{snap}.jsonl",
                                                  "-w", self.live_out[:-len(".live.jsonl")] + f".live-s{snap}.pcap"],
                                           stderr=open(self.live_snap_err, "w"))
                wait_for(lambda: "listening on" in read(self.live_snap_err) or self.live_snap.poll() is not None, 10,
                         "sshrst capture -s to start")
                if self.live_snap.poll() is not None:
                    raise LabError(f"sshrst capture -s {snap} failed: {read(self.live_snap_err)}")
        time.sleep(0.2)

    def stop(self):
        time.sleep(0.5)
        if self.p.poll() is None:
            os.kill(self.p.pid, signal.SIGINT)
            self.p.wait(timeout=10)
        if self.live is not None:
            # Let the reset/close delay pass so the flow is counted, then scrape the metrics.
            time.sleep(6)
            self.lab.x(self.role, "/usr/bin/python3 -c \"import urllib.request,sys; "
                       "sys.stdout.write(urllib.request.urlopen('http://127.0.0.1:9464/metrics', timeout=5).read().decode())\" > "
                       + self.metrics_out, check=False)
            if self.live.poll() is None:
                os.kill(self.live.pid, signal.SIGINT)
                self.live.wait(timeout=10)
            if self.live.returncode != 0:
                raise LabError(f"sshrst capture exited {self.live.returncode}: {read(self.live_err)}")
            if self.live_snap is not None:
                if self.live_snap.poll() is None:
                    os.kill(self.live_snap.pid, signal.SIGINT)
                    self.live_snap.wait(timeout=10)
                if self.live_snap.returncode != 0:
                    raise LabError(f"sshrst capture -s exited {self.live_snap.returncode}: {read(self.live_snap_err)}")
        if not os.path.exists(self.out) or os.path.getsize(self.out) < 24:
            raise LabError(f"capture {self.out} missing/empty: {read(self.err)}")


# ====================================================================== sshd / ssh
class Keys:
    def __init__(self, lab):
        d = lab.path("keys")
        os.makedirs(d, exist_ok=True)
        self.dir = d
        self.host_ed25519 = os.path.join(d, "ssh_host_ed25519_key")
        self.host_ecdsa = os.path.join(d, "ssh_host_ecdsa_key")
        self.client = os.path.join(d, "id_client")
        self.bad = os.path.join(d, "id_notauthorized")
        for path, t in ((self.host_ed25519, "ed25519"), (self.host_ecdsa, "ecdsa"),
                        (self.client, "ed25519"), (self.bad, "ed25519")):
            sh(["ssh-keygen", "-q", "-t", t, "-N", "", "-C", "sshrst-lab", "-f", path])
        self.authorized = os.path.join(d, "authorized_keys")
        shutil.copy(self.client + ".pub", self.authorized)


class Sshd:
    def __init__(self, lab, keys, role="s", port=22, extra="", loglevel="VERBOSE", name="sshd"):
        os.makedirs("/run/sshd", exist_ok=True)
        self.lab, self.port = lab, port
        self.conf = lab.path(f"{name}_config")
        self.logf = lab.path(f"{name}.log")
        ports = port if isinstance(port, (list, tuple)) else [port]
        with open(self.conf, "w") as f:
            for pt in ports:
                f.write(f"Port {pt}\n")
            f.write(f"""ListenAddress 0.0.0.0
ListenAddress ::
HostKey {keys.host_ed25519}
HostKey {keys.host_ecdsa}
PidFile {lab.path(name + '.pid')}
PermitRootLogin yes
StrictModes no
AuthorizedKeysFile {keys.authorized}
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
UseDNS no
PrintMotd no
PrintLastLog no
LogLevel {loglevel}
{extra}
""")
        sh([SSHD, "-t", "-f", self.conf])
        self.p = lab.spawn(role, [SSHD, "-D", "-e", "-f", self.conf, "-E", self.logf])
        wait_for(lambda: "Server listening on" in read(self.logf) or self.p.poll() is not None, 10, "sshd to listen")
        if self.p.poll() is not None:
            raise LabError(f"sshd exited: {read(self.logf)}")
        time.sleep(0.1)

    def log(self):
        return read(self.logf)

    def wait_log(self, pattern, timeout=15, count=1):
        rx = re.compile(pattern)
        return wait_for(lambda: len(rx.findall(self.log())) >= count, timeout, f"sshd log /{pattern}/")


def ssh_argv(keys, host, cport=None, sport=22, key=None, cmd=None, opts=(), nc_opts=""):
    argv = ["ssh", "-F", "/dev/null", "-i", key or keys.client,
            "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none",
            "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
            "-o", "BatchMode=yes", "-o", "LogLevel=ERROR", "-p", str(sport)]
    if cport is not None:
        argv += ["-o", f"ProxyCommand=nc {nc_opts} -p {cport} %h %p".replace("  ", " ")]
    for o in opts:
        argv += ["-o", o]
    argv.append(f"root@{host}")
    if cmd is not None:
        argv.append(cmd)
    return argv


class Client:
    """A real ssh client process in the client namespace (stdout/stderr to files)."""

    def __init__(self, lab, keys, host, cport=None, sport=22, role="c", stdin=None, tag=None, **kw):
        self.lab = lab
        self.tag = tag or f"ssh{cport}"
        self.out, self.err = lab.path(self.tag + ".out"), lab.path(self.tag + ".err")
        self.p = lab.spawn(role, ssh_argv(keys, host, cport, sport, **kw),
                           stdout=open(self.out, "w"), stderr=open(self.err, "w"),
                           stdin=stdin if stdin is not None else subprocess.DEVNULL)

    def wait(self, timeout=20):
        try:
            return self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise LabError(f"{self.tag} did not finish in {timeout}s: {read(self.err)}")

    def nc_pid(self):
        r = subprocess.run(["pgrep", "-P", str(self.p.pid)], capture_output=True, text=True)
        pids = [int(x) for x in r.stdout.split()]
        return pids[0] if pids else None

    def stderr(self):
        return read(self.err)


def flow(cport, sport, outcome, reset_by, phase, note):
    return {"client_port": cport, "server_port": sport, "outcome": outcome,
            "reset_by": reset_by, "phase": phase, "note": note}


def write_truth(outdir, name, description, vantage, family, flows):
    t = {"name": name, "description": description, "vantage": vantage, "family": family, "flows": flows}
    with open(os.path.join(outdir, name + ".truth.json"), "w") as f:
        json.dump(t, f, indent=2)
        f.write("\n")
    return t


# ====================================================================== verification
def verify(pcap, flows, family):
    """Check that each constructed flow really ended the way the truth says.

    This reads the capture only as a sanity check of the construction (a lab run
    whose kernel behaved differently must fail loudly rather than ship a wrong
    truth file). Returns a list of per-flow observation strings for the log.
    """
    from scapy.all import rdpcap, IP, IPv6, TCP, ICMP  # noqa
    from scapy.layers.inet6 import ICMPv6DestUnreach
    from scapy.layers.inet import TCPerror
    pkts = rdpcap(pcap)
    problems, seen = [], []
    for fl in flows:
        cp, sp = fl["client_port"], fl["server_port"]
        syn = synack = fin = rst = icmp = data = 0
        rst_desc = []
        for p in pkts:
            ipl = p.getlayer(IP) if family == 4 else p.getlayer(IPv6)
            if ipl is None:
                continue
            if TCP in p and not (p.haslayer(TCPerror)):
                t = p[TCP]
                fwd = t.dport == sp and (cp is None or t.sport == cp)
                rev = t.sport == sp and (cp is None or t.dport == cp)
                if not (fwd or rev):
                    continue
                f = int(t.flags)
                if f & 0x02 and not f & 0x10 and fwd:
                    syn += 1
                if f & 0x12 == 0x12 and rev:
                    synack += 1
                if f & 0x01:
                    fin += 1
                if f & 0x04:
                    rst += 1
                    ttl = ipl.ttl if family == 4 else ipl.hlim
                    ipid = ipl.id if family == 4 else "-"
                    rst_desc.append(f"{'s->c' if rev else 'c->s'} ttl={ttl} id={ipid}")
                if len(t.payload) > 0:
                    data += 1
            else:
                # ICMP / ICMPv6 destination unreachable quoting the flow
                inner = None
                if family == 4 and ICMP in p and p[ICMP].type == 3 and p.haslayer(TCPerror):
                    inner = p[TCPerror]
                if family == 6 and p.haslayer(ICMPv6DestUnreach):
                    q = p[ICMPv6DestUnreach].payload
                    if q.haslayer(TCPerror):
                        inner = q[TCPerror]
                    elif q.haslayer(TCP):
                        inner = q[TCP]
                if inner is not None and inner.dport == sp and (cp is None or inner.sport == cp):
                    icmp += 1
        o = fl["outcome"]
        ok = {"refused": syn > 0 and synack == 0 and (rst > 0 or icmp > 0),
              "reset": synack > 0 and rst > 0,
              "timeout": syn > 0 and synack == 0 and rst == 0 and icmp == 0,
              "closed": synack > 0 and fin > 0 and rst == 0,
              "open": synack > 0 and fin == 0 and rst == 0}[o]
        desc = f"{cp}->{sp}: syn={syn} synack={synack} fin={fin} rst={rst} icmp={icmp} data={data} rsts=[{'; '.join(rst_desc)}]"
        seen.append(desc)
        if not ok:
            problems.append(f"flow {cp}->{sp} expected {o}, saw {desc}")
    if problems:
        raise LabError("capture does not match construction: " + " | ".join(problems))
    return seen
