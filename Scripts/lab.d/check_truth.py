#!/usr/bin/env python3
"""Checks sshrst's analysis of recorded captures against their truth files.

    check_truth.py SSHRST_BINARY DIR [NAME...]
    check_truth.py --snaplen 54,68,96,128 [--table] SSHRST_BINARY DIR [NAME...]

For every NAME.pcap / NAME.truth.json in DIR: each truth flow must be reported
with the true outcome and phase, and the RST (or ICMP error) that ended it must
be attributed to the party that really sent it, or be `undetermined` with a
reason — never to another party; where the truth names a diagnosis `cause`
(fixed by the construction), it must be that cause. Prints one line per flow and a closing
'N passed, N failed' line; exits 1 when anything failed.

--snaplen N[,N...] first cuts every capture to N bytes per packet with
`editcap -s N` (what `tcpdump -s N` records) and checks the cut copies against
the same truth: every flow kept, the true outcome, never a wrong party, and no
RST attributed to another party or more confidently than in the whole capture. Only
the phase is relaxed: with the payload cut away the record may say less than
the truth (an earlier phase, or `encrypted` for auth/session), never more.
SSH on a port other than 22 is recognised by its banner, which a cut capture
may not hold, so the truth's server ports are passed as `-p` in this mode.
A flow may be missing only when the snap length leaves no byte of its TCP
header (IPv6 over Ethernet below 58 bytes: 14 + 40 + the two ports); such a
flow is counted in the table's "flows missing" column, with that reason.
With --live, --snaplen N reads NAME.live-sN.jsonl (`sshrst capture -s N`
during the recording, SSHRST_LIVE_SNAPLEN=N) and checks it the same way.
--table prints one row per snap length: RSTs + ICMP errors correct |
undetermined | wrong | flows missing (the issue 16 table).
"""
import glob, json, os, shutil, subprocess, sys, tempfile

args = sys.argv[1:]
live = "--live" in args  # read NAME.live.jsonl, streamed by `sshrst capture` during the recording
table = "--table" in args
args = [a for a in args if a not in ("--live", "--table")]
snaplens = [0]
if "--snaplen" in args:
    i = args.index("--snaplen")
    snaplens = [int(n) for n in args[i + 1].split(",")]
    del args[i:i + 2]
binary, directory = args[0], args[1]
names = args[2:] or sorted(os.path.basename(p)[:-11] for p in glob.glob(os.path.join(directory, "*.truth.json")))

# Phases in the order a connection reaches them; auth and session are both `encrypted` on the wire.
RANK = {"tcp": 0, "version": 1, "kex": 2, "encrypted": 3, "auth": 3, "session": 3}
LINK_HEADER = 14  # the lab records Ethernet


def phase_ok(got, truth, cut):
    if not truth:
        return True
    if not cut:
        return got == truth
    if got in ("auth", "session") and got != truth:
        return False
    return RANK.get(got, 99) <= RANK[truth]


passed = failed = 0
rows = []
whole_cache = {}
tmp = tempfile.mkdtemp(prefix="check-truth-")
try:
    for snap in snaplens:
        correct = undetermined = wrong = missing = total_ends = 0
        for name in names:
            truth = json.load(open(os.path.join(directory, name + ".truth.json")))
            pcap = os.path.join(directory, name + ".pcap")
            tag = name if not snap else f"{name} -s {snap}"
            if live:
                live_path = os.path.join(directory, name + (f".live-s{snap}.jsonl" if snap else ".live.jsonl"))
                text = open(live_path).read() if os.path.exists(live_path) else ""
                run = subprocess.CompletedProcess([], 0 if text else 1, text, f"{live_path} missing or empty")
                if not any(l.startswith('{"type":"summary"') for l in text.splitlines()):
                    run.returncode, run.stderr = 1, f"{live_path}: no summary record (sshrst capture did not stop cleanly)"
            else:
                if snap:
                    cut = os.path.join(tmp, f"{name}-s{snap}.pcap")
                    subprocess.run(["editcap", "-s", str(snap), pcap, cut], check=True, capture_output=True)
                    pcap = cut
                ports = []
                if snap:
                    # SSH on a port other than 22 is known by its banner, which a cut capture may not hold:
                    # name the ports, as an operator capturing headers only must (`-p 2222`).
                    for p in sorted({t["server_port"] for t in truth["flows"]} | {22}):
                        ports += ["-p", str(p)]
                run = subprocess.run([binary, "analyze", "--format", "jsonl", *ports, pcap], capture_output=True, text=True)
            flows = [json.loads(l) for l in run.stdout.splitlines() if l.startswith('{"type":"flow"')]
            whole_flows = []
            if snap and not live:
                # The same capture whole: a cut copy may never be more confident, nor name another party.
                if name not in whole_cache:
                    w = subprocess.run([binary, "analyze", "--format", "jsonl", *ports, os.path.join(directory, name + ".pcap")],
                                       capture_output=True, text=True)
                    whole_cache[name] = [json.loads(l) for l in w.stdout.splitlines() if l.startswith('{"type":"flow"')]
                whole_flows = whole_cache[name]
            if run.returncode != 0:
                print(f"FAIL {tag}: sshrst exited {run.returncode}: {run.stderr.strip()}")
                failed += 1
                continue
            # The first TCP byte of this capture's packets; below it + 4 the ports are not captured.
            tcp_start = LINK_HEADER + (40 if truth.get("family") == 6 else 20)
            for t in truth["flows"]:
                match = [f for f in flows if f["server"]["port"] == t["server_port"]
                         and (t["client_port"] is None or f["client"]["port"] == t["client_port"])]
                label = f"{tag} {t['client_port']}->{t['server_port']}"
                ends = bool(t.get("reset_by"))
                total_ends += ends
                if not match:
                    if snap and snap < tcp_start + 4:
                        print(f"ok   {label}: not reported; no TCP header byte captured at -s {snap} (counted missing)")
                        missing += 1
                        passed += 1
                    else:
                        print(f"FAIL {label}: flow not reported"); failed += 1; missing += 1
                    continue
                f = match[0]
                problems = []
                if f["outcome"] != t["outcome"]:
                    problems.append(f"outcome {f['outcome']} (truth {t['outcome']})")
                if not phase_ok(f["phase"], t.get("phase"), bool(snap)):
                    problems.append(f"phase {f['phase']} (truth {t['phase']})")
                got = (f["reset"] or {}).get("attribution") or (f["icmp"][0]["attribution"] if f["icmp"] else None)
                if t.get("reset_by"):
                    if got == t["reset_by"]:
                        correct += 1
                    elif got == "undetermined":
                        undetermined += 1
                    else:
                        wrong += 1
                        problems.append(f"attributed to {got} (truth {t['reset_by']}): confident and wrong")
                elif f["reset"]:
                    wrong += 1
                    problems.append("a reset is reported where none was sent")
                cause = (f.get("diagnosis") or {}).get("cause")
                if t.get("cause") and not snap and cause != t["cause"]:
                    problems.append(f"diagnosis {cause} (truth {t['cause']})")
                for w in whole_flows:
                    if (w["client"]["port"], w["server"]["port"], w["ts"]) != (f["client"]["port"], f["server"]["port"], f["ts"]):
                        continue
                    for i, (rw, rc) in enumerate(zip(w["resets"], f["resets"])):
                        if rc["attribution"] not in (rw["attribution"], "undetermined"):
                            problems.append(f"RST {i}: {rc['attribution']} where the whole capture says {rw['attribution']}")
                        elif rc["confidence"] > rw["confidence"]:
                            problems.append(f"RST {i}: confidence {rc['confidence']} above the whole capture's {rw['confidence']}")
                status = "ok  " if not problems else "FAIL"
                print(f"{status} {label}: outcome {f['outcome']}, phase {f['phase']}, sent by {t.get('reset_by')}, "
                      f"attributed {got}{' ' + str((f['reset'] or {}).get('confidence')) if f['reset'] else ''}"
                      + ("; " + "; ".join(problems) if problems else ""))
                if problems: failed += 1
                else: passed += 1
        rows.append((snap, correct, total_ends, undetermined, wrong, missing,
                     sum(len(json.load(open(os.path.join(directory, n + ".truth.json")))["flows"]) for n in names)))
finally:
    shutil.rmtree(tmp, ignore_errors=True)
if table:
    print("| snap length | RSTs + ICMP errors correct | undetermined | wrong | flows missing |")
    print("|---|---|---|---|---|")
    for snap, correct, ends, und, wrong, missing, flows in rows:
        pct = f"{100.0 * correct / ends:.1f}%" if ends else "-"
        print(f"| {'whole packets' if not snap else snap} | {correct} of {ends} ({pct}) | {und} | {wrong} | {missing} of {flows} |")
label = ("live capture" if live else "truth") + ("" if snaplens == [0] else " at snap lengths " + ",".join(map(str, snaplens)))
print(f"{label}: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
