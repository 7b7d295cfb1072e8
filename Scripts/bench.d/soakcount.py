#!/usr/bin/env python3
"""Counts what `sshrst capture --format jsonl` streams during the soak, without
keeping it: flow records by outcome, uids seen more than once, the summary.
Writes the counts as JSON to OUT when its input ends; every 5 s the number of
flow records so far to OUT.progress.

  sshrst capture ... | soakcount.py OUT
"""
import json
import sys
import time

out = sys.argv[1]
outcomes = {}
uids = set()
duplicates = 0
flows = 0
summary = None
last = time.monotonic()
for line in sys.stdin.buffer:
    if line.startswith(b'{"type":"flow"'):
        flows += 1
        i = line.find(b'"uid":"')
        uid = line[i + 7:line.find(b'"', i + 7)]
        if uid in uids:
            duplicates += 1
        uids.add(uid)
        i = line.find(b'"outcome":"')
        outcome = line[i + 11:line.find(b'"', i + 11)].decode()
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    elif line.startswith(b'{"type":"summary"'):
        summary = json.loads(line)
    now = time.monotonic()
    if now - last > 5:
        last = now
        with open(out + ".progress", "w") as f:
            f.write(str(flows))
json.dump({"flows": flows, "outcomes": outcomes, "duplicates": duplicates, "summary": summary}, open(out, "w"))
