#!/usr/bin/env python3
"""Checks sshrst's analysis of recorded captures against their truth files.

    check_truth.py SSHRST_BINARY DIR [NAME...]

For every NAME.pcap / NAME.truth.json in DIR: each truth flow must be reported
with the true outcome and phase, and the RST (or ICMP error) that ended it must
be attributed to the party that really sent it, or be `undetermined` with a
reason — never to another party; where the truth names a diagnosis `cause`
(fixed by the construction), it must be that cause. Prints one line per flow and a closing
'N passed, N failed' line; exits 1 when anything failed.
"""
import glob, json, os, subprocess, sys

args = sys.argv[1:]
live = "--live" in args  # read NAME.live.jsonl, streamed by `sshrst capture` during the recording
args = [a for a in args if a != "--live"]
binary, directory = args[0], args[1]
names = args[2:] or sorted(os.path.basename(p)[:-11] for p in glob.glob(os.path.join(directory, "*.truth.json")))
passed = failed = 0
for name in names:
    truth = json.load(open(os.path.join(directory, name + ".truth.json")))
    if live:
        live_path = os.path.join(directory, name + ".live.jsonl")
        text = open(live_path).read() if os.path.exists(live_path) else ""
        run = subprocess.CompletedProcess([], 0 if text else 1, text, f"{live_path} missing or empty")
        if not any(l.startswith('{"type":"summary"') for l in text.splitlines()):
            run.returncode, run.stderr = 1, f"{live_path}: no summary record (sshrst capture did not stop cleanly)"
    else:
        run = subprocess.run([binary, "analyze", "--format", "jsonl", os.path.join(directory, name + ".pcap")],
                             capture_output=True, text=True)
    flows = [json.loads(l) for l in run.stdout.splitlines() if l.startswith('{"type":"flow"')]
    if run.returncode != 0:
        print(f"FAIL {name}: sshrst exited {run.returncode}: {run.stderr.strip()}")
        failed += 1
        continue
    for t in truth["flows"]:
        match = [f for f in flows if f["server"]["port"] == t["server_port"]
                 and (t["client_port"] is None or f["client"]["port"] == t["client_port"])]
        label = f"{name} {t['client_port']}->{t['server_port']}"
        if not match:
            print(f"FAIL {label}: flow not reported"); failed += 1; continue
        f = match[0]
        problems = []
        if f["outcome"] != t["outcome"]:
            problems.append(f"outcome {f['outcome']} (truth {t['outcome']})")
        if t.get("phase") and f["phase"] != t["phase"]:
            problems.append(f"phase {f['phase']} (truth {t['phase']})")
        got = (f["reset"] or {}).get("attribution") or (f["icmp"][0]["attribution"] if f["icmp"] else None)
        if t.get("reset_by"):
            if got not in (t["reset_by"], "undetermined"):
                problems.append(f"attributed to {got} (truth {t['reset_by']}): confident and wrong")
        elif f["reset"]:
            problems.append("a reset is reported where none was sent")
        cause = (f.get("diagnosis") or {}).get("cause")
        if t.get("cause") and cause != t["cause"]:
            problems.append(f"diagnosis {cause} (truth {t['cause']})")
        status = "ok  " if not problems else "FAIL"
        print(f"{status} {label}: outcome {f['outcome']}, phase {f['phase']}, sent by {t.get('reset_by')}, "
              f"attributed {got}{' ' + str((f['reset'] or {}).get('confidence')) if f['reset'] else ''}"
              + ("; " + "; ".join(problems) if problems else ""))
        if problems: failed += 1
        else: passed += 1
print(f"{'live capture' if live else 'truth'}: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
