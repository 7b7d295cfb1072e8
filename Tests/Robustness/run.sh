#!/usr/bin/env bash
# Robustness tests: sshrst over hostile captures, run by Scripts/test.
#
#   Tests/Robustness/run.sh BIN
#
# (a) Mutated real captures (Tests/Robustness/mutate.py): truncated at many offsets, flipped header
#     bytes, impossible record lengths, huge/zero snaplens, odd link types, pcapng files (editcap -F
#     pcapng) with wrong block lengths. Each `BIN analyze --format jsonl` runs under `timeout 20` and a
#     2 GiB address-space limit and must exit 0, or exit 1 with exactly one stderr line starting
#     `sshrst: `: never a signal (exit >= 128), never a timeout.
# (b) The adversarial captures of Scripts/gen-adversarial, generated into a temp dir (deterministic):
#     bounded time and peak RSS (/usr/bin/time -v), exit 0, the expected reset count (as counted by the
#     generator's README: floor = tcpdump = tshark) and the named anomalies sshrst emits for them.
#
# Prints one line per check and `robustness: N passed, N failed`; exits 1 on any failure.
# ROBUSTNESS_KEEP=1 keeps the temp dir.
set -uo pipefail
[[ $# == 1 ]] || { echo "usage: $0 BIN" >&2; exit 64; }
bin="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
[[ -x "$bin" ]] || { echo "robustness: $1 is not executable" >&2; exit 64; }
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
conformance="$repo/Tests/Conformance/zeek"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/sshrst-robustness.XXXXXX")"
[[ -n "${ROBUSTNESS_KEEP:-}" ]] || trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
pass() { passed=$((passed + 1)); echo "PASS $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }
start=$SECONDS

# --- (a) mutated captures ------------------------------------------------------------------------
# Full mutation set (classic + pcapng) on a few captures covering Ethernet, VLAN-free IPv6, ICMP,
# many flows, GRE and LINKTYPE_IPV4; truncations and flipped bytes on every other capture.
full=("$repo/Captures/demo.pcap" "$repo/Captures/injected-rst.pcap" "$repo/Captures/fail2ban-icmp-v6.pcap"
      "$repo/Captures/mixed.pcap")
for c in gre-sample.pcap kex-quadratic-1000.pcap ssh_kex_curve25519.pcap; do
    [[ -f "$conformance/$c" ]] || { fail "conformance trace $conformance/$c is missing"; continue; }
    full+=("$conformance/$c")
done
light=()
for f in "$repo"/Captures/*.pcap; do
    case " ${full[*]} " in *" $f "*) ;; *) light+=("$f") ;; esac
done
mkdir -p "$tmp/ng" "$tmp/mut"
ng=()
for f in "${full[@]}"; do
    out="$tmp/ng/$(basename "${f%.pcap}").pcapng"
    if editcap -F pcapng "$f" "$out" 2>/dev/null; then ng+=("$out"); fi
done
python3 "$repo/Tests/Robustness/mutate.py" "$tmp/mut" "${full[@]}" "${ng[@]}" > /dev/null \
    && python3 "$repo/Tests/Robustness/mutate.py" --light "$tmp/mut" "${light[@]}" > /dev/null \
    || { fail "mutate: generating mutated captures"; }

# One mutated file: prints nothing when fine, else one "reason" line.
check_one() {
    local bin="$1" f="$2"
    local err="$f.err"
    timeout -s KILL 20 prlimit --as=$((2 * 1024 * 1024 * 1024)) -- "$bin" analyze --format jsonl "$f" > /dev/null 2> "$err"
    local rc=$?
    local name
    name="$(basename "$f")"
    if [[ $rc == 137 ]]; then echo "$name: killed (timeout 20 s or signal 9)"; return; fi
    if [[ $rc -ge 128 ]]; then echo "$name: signal $((rc - 128)): $(head -c 300 "$err" | tr '\n' ' ')"; return; fi
    local lines
    lines="$(wc -l < "$err")"
    if [[ $rc == 0 ]]; then
        [[ $lines == 0 ]] || echo "$name: exit 0 with stderr: $(head -c 300 "$err" | tr '\n' ' ')"
        return
    fi
    if [[ $rc == 1 ]]; then
        if [[ $lines != 1 ]] || ! head -1 "$err" | grep -q '^sshrst: '; then
            echo "$name: exit 1 with $lines stderr lines, not one 'sshrst: ' line: $(head -c 300 "$err" | tr '\n' ' ')"
        fi
        return
    fi
    echo "$name: exit $rc: $(head -c 300 "$err" | tr '\n' ' ')"
}
export -f check_one
total="$(find "$tmp/mut" -type f \( -name '*.pcap' -o -name '*.pcapng' \) | wc -l)"
find "$tmp/mut" -type f \( -name '*.pcap' -o -name '*.pcapng' \) -print0 | sort -z \
    | xargs -0 -P 2 -n 1 bash -c 'check_one "$0" "$1"' "$bin" > "$tmp/mutated.txt"
bad="$(wc -l < "$tmp/mutated.txt")"
errors="$(find "$tmp/mut" -name '*.err' -size +0 | wc -l)"
if [[ $total -gt 0 && $bad == 0 ]]; then
    pass "mutated captures: $total files (${#full[@]} captures fully, ${#light[@]} truncated/flipped, ${#ng[@]} as pcapng), each exit 0 or exit 1 with one 'sshrst:' line ($errors of them), no signal, no timeout"
else
    fail "mutated captures: $bad of $total files misbehaved"
    head -20 "$tmp/mutated.txt" | sed 's/^/     /'
fi

# --- (b) adversarial captures --------------------------------------------------------------------
adv="$tmp/adv"
if ! "$repo/Scripts/gen-adversarial" "$adv" > "$tmp/gen.log" 2>&1; then
    fail "gen-adversarial: $(tail -3 "$tmp/gen.log" | tr '\n' ' ')"
    echo "robustness: $passed passed, $failed failed"
    exit 1
fi

# adversarial NAME SECONDS RSS_MIB RESETS "ANOMALY_GROUP..." [analyze options...]
# An anomaly group "a|b" passes when any of its names appears in some flow's anomalies.
# A group "summary:FIELD>N" checks a summary field instead.
adversarial() {
    local name="$1" seconds="$2" rss_mib="$3" resets="$4" groups="$5"
    shift 5
    local file="$adv/$name.pcap" out="$tmp/$name$*.jsonl"
    out="${out// /_}"
    local tstart=$SECONDS
    timeout -s KILL "$seconds" /usr/bin/time -v -o "$out.time" "$bin" analyze --format jsonl "$@" "$file" > "$out" 2> "$out.err"
    local rc=$? elapsed=$((SECONDS - tstart))
    local label="adversarial $name${*:+ ($*)}"
    if [[ $rc != 0 ]]; then
        fail "$label: exit $rc after $elapsed s (limit $seconds s): $(head -c 300 "$out.err" | tr '\n' ' ')"
        return
    fi
    local rss_kb
    rss_kb="$(awk -F': ' '/Maximum resident set size/ {print $2}' "$out.time")"
    local verdict
    verdict="$(python3 - "$out" "$resets" "$groups" <<'EOF'
import json, sys
path, resets, groups = sys.argv[1], int(sys.argv[2]), sys.argv[3].split()
summary, seen = None, set()
for line in open(path):
    r = json.loads(line)
    if r.get("type") == "summary":
        summary = r
    for a in r.get("anomalies") or []:
        seen.add(a if isinstance(a, str) else str(a))
def value(field):
    v = summary.get(field, 0) if summary else None
    return sum(v.values()) if isinstance(v, dict) else v
problems = []
if summary is None:
    problems.append("no summary record")
else:
    if resets >= 0 and summary.get("resets") != resets:
        problems.append(f"resets {summary.get('resets')} != {resets}")
for g in groups:
    if g.startswith("summary:"):
        field, n = g[8:].split(">")
        if not isinstance(value(field), int) or not value(field) > int(n):
            problems.append(f"summary {field} = {value(field)}, want > {n}")
    elif not any(a in seen for a in g.split("|")):
        problems.append(f"no {g} anomaly (seen: {', '.join(sorted(seen)) or 'none'})")
found = [a for g in groups if not g.startswith("summary:") for a in g.split("|") if a in seen]
print("ok " + " ".join(found + [f"{g[8:].split('>')[0]}={value(g[8:].split('>')[0])}" for g in groups if g.startswith("summary:")]) if not problems else "bad " + "; ".join(problems))
EOF
)"
    local rss_mib_seen=$(( ${rss_kb:-0} / 1024 ))
    if [[ "$verdict" != ok* ]]; then
        fail "$label: ${verdict#bad }"
    elif (( rss_mib_seen > rss_mib )); then
        fail "$label: peak RSS $rss_mib_seen MiB > $rss_mib MiB"
    else
        pass "$label: exit 0 in $elapsed s, peak RSS $rss_mib_seen MiB (<= $rss_mib), resets ${resets/#-1/any}, ${verdict#ok }"
    fi
}

# Expected anomalies are what sshrst emits for what each file does (Scripts/bench.d/README-bench.md):
adversarial kexinit-2000      60 300  2 "packet_too_large|message_too_large|name_list_too_long"
adversarial tiny-segments     60 300  1 "message_too_large|packet_too_large"
adversarial overlap-retrans   30 300  9 "packet_too_large data_after_reset"
adversarial endless-prebanner 30 300  2 "preamble_too_long line_too_long|banner_too_long unknown_protocol_version"
adversarial huge-lengths      30 300 13 "packet_too_large packet_too_small padding_invalid kexinit_malformed name_list_too_long name_list_malformed truncated_message"
adversarial garbage-payload   60 300 -1 "not_ssh tcp_options_malformed summary:decode_errors>0"
adversarial garbage-payload   60 300 -1 "flow_evicted summary:flows_evicted>0" --max-flows 16
adversarial synflood-small   150 300  0 "flow_evicted summary:flows_evicted>0"

echo "robustness: $passed passed, $failed failed ($((SECONDS - start)) s)"
[[ $failed == 0 ]]
