#!/usr/bin/env python3
"""Checks that `sshrst capture -s N` gave the verdicts `sshrst analyze` gives for the same packets.

    compare_live.py SSHRST_BINARY DIR N NAME...

For every NAME: NAME.live-sN.jsonl, streamed by `sshrst capture -s N -w NAME.live-sN.pcap` during the
recording (SSHRST_LIVE_SNAPLEN=N), against `sshrst analyze NAME.live-sN.pcap`, the packets that capture
read. No packet may be longer than N bytes and some must have been cut (the snap length took effect); every flow must
have the same outcome, conn_state, phase, ICMP and RST attributions and confidences in both; one line
per flow, a closing 'N passed, N failed' line.
"""
import json, os, subprocess, sys

binary, directory, snap, names = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]


def flows(text):
    out = {}
    for line in text.splitlines():
        if line.startswith('{"type":"flow"'):
            f = json.loads(line)
            out[(f["client"]["port"], f["server"]["port"])] = f
    return out


def facts(f):
    return {"outcome": f["outcome"], "conn_state": f["conn_state"], "phase": f["phase"],
            "resets": [(r["attribution"], r["confidence"]) for r in f["resets"]],
            "icmp": [i["attribution"] for i in f["icmp"]]}


passed = failed = packets_cut = 0
for name in names:
    cut = os.path.join(directory, f"{name}.live-s{snap}.pcap")
    if not os.path.exists(cut):
        print(f"FAIL {name}: {cut} missing"); failed += 1; continue
    longer = subprocess.run(["tshark", "-r", cut, "-Y", f"frame.cap_len > {snap}", "-T", "fields", "-e", "frame.number"],
                            capture_output=True, text=True).stdout.split()
    cut_short = subprocess.run(["tshark", "-r", cut, "-Y", "frame.cap_len < frame.len", "-T", "fields", "-e", "frame.number"],
                               capture_output=True, text=True).stdout.split()
    if longer:
        print(f"FAIL {name}: the snap length did not take effect: {len(longer)} packet(s) over {snap} bytes"); failed += 1
    packets_cut += len(cut_short)
    offline = flows(subprocess.run([binary, "analyze", "--format", "jsonl", cut], capture_output=True, text=True).stdout)
    path = os.path.join(directory, f"{name}.live-s{snap}.jsonl")
    live = flows(open(path).read() if os.path.exists(path) else "")
    if not offline:
        print(f"FAIL {name}: no flow in the analysis of {cut}"); failed += 1
    for key, f in offline.items():
        label = f"{name} {key[0]}->{key[1]} -s {snap}"
        if key not in live:
            print(f"FAIL {label}: not in the live capture's output"); failed += 1
        elif facts(live[key]) != facts(f):
            print(f"FAIL {label}: live {facts(live[key])}, analyze {facts(f)}"); failed += 1
        else:
            print(f"ok   {label}: live capture = analyze: {facts(f)}"); passed += 1
if not packets_cut:
    print(f"FAIL no packet was cut by -s {snap} in any recording: nothing headers-only was tested"); failed += 1
print(f"live -s {snap} vs analyze: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
