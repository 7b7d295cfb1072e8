#!/usr/bin/python3
"""`sshrst trace` against real routers: c - r1 - r2 - r3 - s in network namespaces.

Usage: trace_lab.py SSHRST_BINARY [CASE ...]      (default: every case)
       trace_lab.py --list
       trace_lab.py --show SSHRST_BINARY CASE     (set the case up, print trace's text output; no checks)

Each case puts a resetting box (or none) at a known hop, runs `sshrst trace` in
the client namespace against the server's address, and checks the verdict's hop,
address, attribution and stage against where the lab put the box. The test
fails on a wrong hop. Every packet the client sent (from trace's -w file) must
be addressed to the server. Hops: r1 = 1, r2 = 2, r3 = 3, the server = 4.

Prints one "ok"/"FAIL" line per case with the hop found against the hop placed,
then "trace lab: N passed, M failed". Needs root.
"""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from labcore import PY, LABD, Lab, LabError, Topo, Keys, Sshd, read, log  # noqa: E402

CONTENT = "-p tcp --dport 22 -m string --string SSH-2.0 --algo bm"
HOP = {"r1": 1, "r2": 2, "r3": 3, "s": 4}


def ipt(lab, role, family, rule):
    lab.x(role, f"{'iptables' if family == 4 else 'ip6tables'} -w {rule}")


def reject(role, content=False, chain="FORWARD"):
    def setup(lab, topo, family):
        match = CONTENT if content else "-p tcp --dport 22"
        ipt(lab, role, family, f"-A {chain} {match} -j REJECT --reject-with tcp-reset")
    return setup


def silent(role):
    """The router drops its own ICMP time-exceeded (a hop that never answers traceroute)."""
    def setup(lab, topo, family):
        if family == 4:
            ipt(lab, role, 4, "-A OUTPUT -p icmp --icmp-type time-exceeded -j DROP")
        else:
            ipt(lab, role, 6, "-A OUTPUT -p icmpv6 --icmpv6-type time-exceeded -j DROP")
    return setup


def injector(role):
    def setup(lab, topo, family):
        server = topo.server4 if family == 4 else topo.server6
        err = lab.path(f"inject-{role}-{family}.err")
        p = lab.spawn(role, [PY, os.path.join(LABD, "inject.py"), "--client-content", "SSH-2.0",
                             f"{role}-cli", server, "22"],
                      stdout=subprocess.PIPE, stderr=open(err, "w"))
        if p.stdout.readline().decode().strip() != "ready":
            raise LabError(f"injector did not start: {read(err)}")
        return p
    return setup


def mss_clamp(role, mss):
    """The router rewrites the MSS option of SYNs it forwards (iptables TCPMSS): tracebox's classic case."""
    def setup(lab, topo, family):
        ipt(lab, role, family, f"-t mangle -A FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss {mss}")
    return setup


def both(*fs):
    def setup(lab, topo, family):
        procs = [f(lab, topo, family) for f in fs]
        return next((p for p in procs if p is not None), None)
    return setup


# name: (family, setup, expected). expected: None = no reset; else
# (attribution, hop placed, address role or None when the hop is silent, stage).
CASES = {
    "clean": (4, None, None),
    "reject-hop1": (4, reject("r1"), ("middlebox", 1, "r1", "handshake")),
    "reject-hop2": (4, reject("r2"), ("middlebox", 2, "r2", "handshake")),
    "reject-last": (4, reject("r3"), ("middlebox", 3, "r3", "handshake")),
    "content-hop1": (4, reject("r1", content=True), ("middlebox", 1, "r1", "trigger")),
    "content-hop2": (4, reject("r2", content=True), ("middlebox", 2, "r2", "trigger")),
    "content-last": (4, reject("r3", content=True), ("middlebox", 3, "r3", "trigger")),
    "content-server": (4, reject("s", content=True, chain="INPUT"), ("server", 4, "s", "trigger")),
    "inject-hop2": (4, injector("r2"), ("middlebox", 2, "r2", "trigger")),
    "silent-hop1-content-hop2": (4, both(silent("r1"), reject("r2", content=True)), ("middlebox", 2, "r2", "trigger")),
    "silent-box-content-hop2": (4, both(silent("r2"), reject("r2", content=True)), ("middlebox", 2, None, "trigger")),
    "mss-clamp-hop2": (4, mss_clamp("r2", 1200), None),
    # --trigger FILE: the box reacts to the file's bytes, and only when they hold its keyword.
    "trigger-file-hop2": (4, reject("r2", content=True), ("middlebox", 2, "r2", "trigger")),
    "trigger-file-no-keyword": (4, reject("r2", content=True), None),
    # A clean path whose trigger probes (1.5 s each without a reset) cannot all fit in 2 s.
    "time-limit": (4, None, None),
    "clean-v6": (6, None, None),
    "reject-hop1-v6": (6, reject("r1"), ("middlebox", 1, "r1", "handshake")),
    "reject-hop2-v6": (6, reject("r2"), ("middlebox", 2, "r2", "handshake")),
    "reject-last-v6": (6, reject("r3"), ("middlebox", 3, "r3", "handshake")),
    "content-hop2-v6": (6, reject("r2", content=True), ("middlebox", 2, "r2", "trigger")),
    "content-last-v6": (6, reject("r3", content=True), ("middlebox", 3, "r3", "trigger")),
    "content-server-v6": (6, reject("s", content=True, chain="INPUT"), ("server", 4, "s", "trigger")),
    "inject-hop1-v6": (6, injector("r1"), ("middlebox", 1, "r1", "trigger")),
    "silent-hop1-content-hop2-v6": (6, both(silent("r1"), reject("r2", content=True)), ("middlebox", 2, "r2", "trigger")),
}


RATE = 20
TRIGGER_FILES = {"trigger-file-hop2": b"SSH-2.0-custom_client\r\n", "trigger-file-no-keyword": b"HELLO not ssh\r\n"}
# Cases run with a short --time-limit: the run must stop inside it and say so.
TIME_LIMITS = {"time-limit": 2}


def hop_address(topo, role, family):
    """The address a hop's ICMP time-exceeded comes from: its interface towards the client."""
    if role == "s":
        return topo.server4 if family == 4 else topo.server6
    table = topo.v4 if family == 4 else topo.v6
    return table[(role, "left")]


def flush(lab, topo):
    for node in topo.nodes:
        for tool in ("iptables", "ip6tables"):
            lab.x(node, f"{tool} -w -F; {tool} -w -X", check=False)


def sent_packets(pcap, client):
    """From trace's -w file: the destinations of every packet the client sent (IPv4 and IPv6), and the
    capture times of the first SYN of each probe connection (one per source port)."""
    from scapy.all import rdpcap, IP, IPv6, TCP  # noqa
    dst, first_syn = set(), {}
    for p in rdpcap(pcap):
        ipl = p.getlayer(IP) or p.getlayer(IPv6)
        if ipl is None or ipl.src != client:
            continue
        dst.add(ipl.dst)
        if TCP in p and int(p[TCP].flags) & 0x12 == 0x02:
            first_syn.setdefault(p[TCP].sport, float(p.time))
    return dst, sorted(first_syn.values())


def run_case(lab, topo, binary, name, out_dir):
    family, setup, expected = CASES[name]
    flush(lab, topo)
    proc = setup(lab, topo, family) if setup else None
    server = topo.server4 if family == 4 else topo.server6
    client = topo.client4 if family == 4 else topo.client6
    pcap = os.path.join(out_dir, f"trace-{name}.pcap")
    limit = TIME_LIMITS.get(name, 60)
    extra = []
    if name in TRIGGER_FILES:
        path = os.path.join(out_dir, f"trigger-{name}.bin")
        with open(path, "wb") as f:
            f.write(TRIGGER_FILES[name])
        extra = ["--trigger", path]
    argv = [binary, "trace", f"-{family}", "--format", "jsonl", "--max-hops", "8", "--rate", str(RATE),
            "--wait", "1.5", "--time-limit", str(limit), "-w", pcap] + extra + [server]
    t0 = time.monotonic()
    r = subprocess.run(["ip", "netns", "exec", lab.ns("c")] + argv, capture_output=True, text=True, timeout=90)
    took = time.monotonic() - t0
    if proc is not None and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
    with open(os.path.join(out_dir, f"trace-{name}.jsonl"), "w") as f:
        f.write(r.stdout)
    with open(os.path.join(out_dir, f"trace-{name}.stderr"), "w") as f:
        f.write(r.stderr)
    problems = []
    if r.returncode != 0:
        return [f"exit {r.returncode}: {r.stderr.strip()[-400:]}"], None
    records = [json.loads(line) for line in r.stdout.splitlines() if line.strip()]
    verdict = next((x for x in records if x.get("type") == "trace_verdict"), None)
    if verdict is None:
        return ["no trace_verdict record"], None
    if "at most" not in r.stderr:
        problems.append("the probe bound was not printed before starting")
    dests, starts = sent_packets(pcap, client)
    if dests != {server}:
        problems.append(f"client sent packets to {sorted(dests)}, only {server} allowed")
    gaps = [b - a for a, b in zip(starts, starts[1:])]
    if gaps and min(gaps) < 0.9 / RATE:
        problems.append(f"probe connections {min(gaps) * 1000:.1f} ms apart, --rate {RATE} allows {1000 / RATE:.0f} ms")
    if len(starts) != verdict.get("probes"):
        problems.append(f"{len(starts)} probe connections in the -w file, the verdict counts {verdict.get('probes')}")
    if took > limit + 3:
        problems.append(f"ran {took:.1f} s with --time-limit {limit}")
    a = subprocess.run([binary, "analyze", "--format", "jsonl", pcap], capture_output=True, text=True)
    if a.returncode != 0 or '"type":"flow"' not in a.stdout:
        problems.append(f"sshrst analyze cannot read the -w file: exit {a.returncode}")
    if verdict.get("probes", 99) > 16:
        problems.append(f"{verdict.get('probes')} probes, more than 2 x --max-hops")
    if expected is None:
        found = "none"
        if verdict["reset_seen"]:
            problems.append(f"reset reported on a clean path: {verdict['reason']}")
        if verdict.get("server_hop") != HOP["s"]:
            problems.append(f"server hop {verdict.get('server_hop')}, placed at {HOP['s']}")
        placed = "none"
    else:
        attribution, hop, role, stage = expected
        placed = f"{attribution} hop {hop}"
        found = f"{verdict.get('attribution')} hop {verdict.get('hop')}"
        if not verdict["reset_seen"]:
            problems.append("no reset found")
        if verdict.get("attribution") != attribution:
            problems.append(f"attribution {verdict.get('attribution')}, expected {attribution}")
        if verdict.get("hop") != hop:
            problems.append(f"hop {verdict.get('hop')}, placed at hop {hop}")
        want_addr = hop_address(topo, role, family) if role else None
        if verdict.get("address") != want_addr:
            problems.append(f"address {verdict.get('address')}, expected {want_addr}")
        if verdict.get("stage") != stage:
            problems.append(f"stage {verdict.get('stage')}, expected {stage}")
        if (verdict.get("confidence") or 0) < 0.6:
            problems.append(f"confidence {verdict.get('confidence')} below 0.6")
    if name in TIME_LIMITS:
        found = f"{found}, stopped: {verdict.get('note')}"
        if "time limit reached" not in (verdict.get("note") or ""):
            problems.append(f"no time-limit note: {verdict.get('note')}")
    if name.startswith("mss-clamp"):
        # The SYN left with the client's MSS; r2 rewrote it, so hop 3's quote (and not hop 2's) shows the change.
        hops = {x["ttl"]: x for x in records if x.get("type") == "trace_hop"}
        h2, h3 = hops.get(2, {}).get("changes", []), hops.get(3, {}).get("changes", [])
        if not any(c.startswith("mss:") and c.endswith("-> 1200") for c in h3) or any(c.startswith("mss:") for c in h2):
            problems.append(f"MSS rewrite at hop 2 not seen in the quotes: hop 2 {h2}, hop 3 {h3}")
        else:
            found = f"none, hop 3 quote shows {[c for c in h3 if c.startswith('mss:')][0]}"
    if name.startswith("silent"):
        want = [HOP["r2"]] if "silent-box" in name else [HOP["r1"]]
        if verdict.get("silent_hops") != want:
            problems.append(f"silent hops {verdict.get('silent_hops')}, expected {want}")
    detail = f"found {found}, placed {placed}; address {verdict.get('address')}; {verdict.get('probes')} probes in {took:.1f} s"
    return problems, detail


def main():
    if sys.argv[1:2] == ["--list"]:
        print("\n".join(CASES))
        return 0
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    show = sys.argv[1] == "--show"
    if show:
        del sys.argv[1]
    binary = os.path.abspath(sys.argv[1])
    names = sys.argv[2:] or list(CASES)
    out_dir = os.environ.get("SSHRST_TRACE_OUT") or None
    passed = failed = 0
    with Lab() as lab:
        out_dir = out_dir or lab.path("out")
        os.makedirs(out_dir, exist_ok=True)
        topo = Topo(lab, routers=3)
        for r in ("r1", "r2", "r3"):
            # Consecutive cases from one client would otherwise meet the kernel's ICMP rate limit
            # (a token bucket per destination), which trace reports as silent hops.
            lab.sysctl(r, "net.ipv4.icmp_ratelimit", 0)
            lab.sysctl(r, "net.ipv6.icmp.ratelimit", 0)
        topo.warm()
        keys = Keys(lab)
        Sshd(lab, keys)
        for name in names:
            if show and name in CASES:
                family, setup, _ = CASES[name]
                flush(lab, topo)
                proc = setup(lab, topo, family) if setup else None
                server = topo.server4 if family == 4 else topo.server6
                r = subprocess.run(["ip", "netns", "exec", lab.ns("c"), binary, "trace", f"-{family}", "--format", "text",
                                    "--max-hops", "8", server], capture_output=True, text=True, timeout=120)
                print(f"# ip netns exec {lab.ns('c')} sshrst trace -{family} --max-hops 8 {server}")
                print(r.stderr + r.stdout, end="")
                if proc is not None:
                    proc.terminate()
                continue
            if name not in CASES:
                print(f"FAIL trace {name}: no such case")
                failed += 1
                continue
            try:
                problems, detail = run_case(lab, topo, binary, name, out_dir)
            except (LabError, subprocess.TimeoutExpired) as e:
                problems, detail = [str(e)], None
            if problems:
                failed += 1
                print(f"FAIL trace {name}: {'; '.join(problems)}" + (f" ({detail})" if detail else ""), flush=True)
            else:
                passed += 1
                print(f"ok   trace {name}: {detail}", flush=True)
    if not show:
        print(f"trace lab: {passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
