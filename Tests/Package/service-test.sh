#!/usr/bin/env bash
# The packaged service, run the way its unit runs it, and a log rotation under load.
#   Tests/Package/service-test.sh ROOT     (ROOT: the package unpacked with dpkg -x; needs root)
#
# In a network namespace of its own (sshrst-$SSHRST_RUNID-svc-…), the unit's
# ExecStart= (instance lo, /usr/bin and /var/log/sshrst mapped into ROOT and a
# scratch log directory, the settings of ROOT/etc/default/sshrst) runs as an
# unprivileged user holding only the unit's AmbientCapabilities=, with no new
# privileges, as DynamicUser= would run it. Connection attempts to a closed
# port with known client ports give one `refused` record each, written 5 s
# after the RST. While records are being written, the package's logrotate rule
# (paths mapped, its postrotate replaced by the unit's ExecReload= with the
# main PID) rotates the file. Then: every attempt has exactly one record across
# the rotated and the new file, both got records, no line is cut, the summary
# (in the new file) counts them all; the metrics endpoint answered; a restart
# appends (--append) instead of replacing.
set -uo pipefail
root="$(cd "$1" && pwd)"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
unit="$root/usr/lib/systemd/system/sshrst-capture@.service"
ns="sshrst-${SSHRST_RUNID:-test}-svc-$$"
tmp="$(mktemp -d)"
chmod 0755 "$tmp" "$root"          # the unprivileged user reaches the binary and its log directory
logdir="$tmp/log"
install -d -m 0750 -o 65534 -g 65534 "$logdir"   # LogsDirectory=sshrst, LogsDirectoryMode=0750
pid=""
cleanup() {
    [[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    ip netns del "$ns" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
source "$repo/Tests/checks.sh"
finish() { checks_done service; exit $?; }

# The unit's command line, as systemd would expand it for sshrst-capture@lo.
value() { sed -n "s/^$1=//p" "$unit" | head -1; }
exec_start="$(value ExecStart)"
exec_reload="$(value ExecReload)"
caps="$(value AmbientCapabilities | tr 'A-Z' 'a-z' | sed 's/cap_/+/g; s/ /,/g')"
# EnvironmentFile=: KEY=VALUE lines (this one is plain shell too).
set -a; . "$root/etc/default/sshrst"; set +a
[[ -n "${SSHRST_METRICS:-}" ]] || { fail "etc/default/sshrst sets SSHRST_METRICS"; finish; }
# systemd's rules: "${VAR}" as a word of its own is exactly one argument (empty
# included), "$VAR" is split at whitespace (empty: no argument); %i is the instance.
expand() {  # expand METRICS OPTIONS -> the array `command`
    command=()
    local word
    for word in $exec_start; do
        case "$word" in
        '${SSHRST_METRICS}') command+=("$1") ;;
        '$SSHRST_OPTIONS') [[ -n "$2" ]] && command+=($2) ;;
        *) word="${word//%i/lo}"; word="${word//\/var\/log\/sshrst/$logdir}"
           command+=("${word/#\/usr\/bin\/sshrst/$root/usr/bin/sshrst}") ;;
        esac
    done
}
expand "$SSHRST_METRICS" "${SSHRST_OPTIONS:-}"
echo "     ExecStart, as run here: ${command[*]}"
echo "     as uid 65534 with ambient capabilities $caps, no new privileges"
out="$logdir/lo.jsonl"

ip netns add "$ns" || { fail "create namespace $ns"; finish; }
ip -n "$ns" link set lo up
run_service() {  # the unit's ExecStart in the namespace, as DynamicUser would run it
    ip netns exec "$ns" setpriv --reuid=65534 --regid=65534 --clear-groups \
        --inh-caps="-all,$caps" --ambient-caps="-all,$caps" --bounding-set="-all,$caps" --no-new-privs \
        -- "${command[@]}" 2>>"$tmp/stderr" &
    pid=$!
    for _ in $(seq 100); do grep -q "listening on lo" "$tmp/stderr" 2>/dev/null && return 0; sleep 0.1; done
    return 1
}
attempts() {  # attempts FIRST LAST GAP: a connection from each client port to the closed port 22
    for port in $(seq "$1" "$2"); do
        ip netns exec "$ns" nc -z -w 1 -p "$port" 127.0.0.1 22 2>/dev/null
        sleep "$3"
    done
}
records() { local n; n=$(grep -c '"type":"flow"' "$1" 2>/dev/null); echo "${n:-0}"; }
wait_records() {  # wait_records FILE N: up to 20 s for N flow records in FILE
    for _ in $(seq 200); do [[ "$(records "$1")" -ge "$2" ]] && return 0; sleep 0.1; done
    return 1
}

check "service starts as uid 65534 with only the unit's capabilities" run_service
if [[ -z "$pid" ]] || ! kill -0 "$pid" 2>/dev/null; then sed 's/^/     /' "$tmp/stderr"; finish; fi
check "sshrst runs as uid 65534 (no -Z privilege drop when not root)" grep -qP '^Uid:\t65534\t65534\t65534\t65534$' "/proc/$pid/status"

# Phase 1: 60 attempts over ~3 s; their records come out 5 s after each RST,
# so they are still being written when the rotation comes.
attempts 41001 41060 0.05
wait_records "$out" 20 || fail "first records written"
# The package's rule, its paths mapped, its postrotate the unit's ExecReload.
reload="${exec_reload//\$MAINPID/$pid}"
sed -e "s|/var/log/sshrst/|$logdir/|" \
    -e "s|^\( *\)systemctl reload .*|\1$reload|" "$root/etc/logrotate.d/sshrst" >"$tmp/logrotate.conf"
before=$(records "$out")
logrotate -f -s "$tmp/logrotate.state" "$tmp/logrotate.conf" 2>"$tmp/logrotate.err"; rc=$?
check "logrotate -f with the package's rule (reload: $reload)" test "$rc" = 0
[[ "$rc" == 0 ]] || sed 's/^/     /' "$tmp/logrotate.err"
echo "     rotated after $before of 60 records; the rest keep coming"
# Phase 2: 30 more attempts after the rotation.
attempts 42001 42030 0.02
wait_records "$out" 1 || true
sleep 1
# The metrics endpoint from /etc/default/sshrst, while running.
ip netns exec "$ns" curl -s --max-time 5 "http://$SSHRST_METRICS/metrics" >"$tmp/metrics" 2>/dev/null
check "metrics endpoint ($SSHRST_METRICS) serves sshrst_flows_total" grep -q '^sshrst_flows_total{outcome="refused"}' "$tmp/metrics"
# Wait for the last record (5 s after the last RST), then stop as systemd does (SIGTERM).
for _ in $(seq 150); do
    n=$(( $(records "$out.1") + $(records "$out") ))
    [[ "$n" -ge 90 ]] && break
    sleep 0.1
done
kill -TERM "$pid"; wait "$pid"; rc=$?; pid=""
check "SIGTERM: exit 0" test "$rc" = 0

rotated="$out.1"
check "rotated file kept records ($(records "$rotated"))" test "$(records "$rotated")" -ge 1
check "new file got records ($(records "$out"))" test "$(records "$out")" -ge 1
check "every line of both files is a whole JSON record" \
    python3 -c 'import json,sys; [json.loads(l) for f in sys.argv[1:] for l in open(f)]' "$rotated" "$out"
cat "$rotated" "$out" | grep '"type":"flow"' | python3 -c '
import json, sys
ports = [json.loads(l)["client"]["port"] for l in sys.stdin]
want = list(range(41001, 41061)) + list(range(42001, 42031))
print("     %d records for %d attempts; missing %s; twice %s" % (len(ports), len(want),
      sorted(set(want) - set(ports))[:10], sorted(p for p in set(ports) if ports.count(p) > 1)[:10]))
sys.exit(0 if sorted(ports) == want else 1)'
check "every attempt has exactly one record across the rotation" test "${PIPESTATUS[2]}" = 0
check "summary: in the new file only, counting all 90 flows" \
    test "$(grep -c '"type":"summary"' "$rotated"):$(grep '"type":"summary"' "$out" | grep -o '"flows":[0-9]*')" = '0:"flows":90'

# SSHRST_METRICS empty in /etc/default/sshrst: no endpoint, and the service still starts.
expand "" ""
: >"$tmp/stderr"
run_service; rc=$?
sleep 0.3
kill -TERM "$pid" 2>/dev/null; wait "$pid"; rc2=$?; pid=""
check "SSHRST_METRICS empty: starts without an endpoint, stops with exit 0" test "$rc:$rc2" = "0:0"
[[ "$rc:$rc2" == "0:0" ]] || sed 's/^/     /' "$tmp/stderr"
expand "$SSHRST_METRICS" "${SSHRST_OPTIONS:-}"

# A restart (Restart=on-failure, an upgrade) appends to the file.
cp "$out" "$tmp/before.jsonl"
lines=$(wc -l <"$out")
: >"$tmp/stderr"
run_service && sleep 0.5
kill -TERM "$pid"; wait "$pid"; pid=""
check "restart: --append keeps the $lines earlier lines and adds its summary" \
    test "$(head -n "$lines" "$out" | cmp - "$tmp/before.jsonl" && wc -l <"$out"):$(tail -1 "$out" | grep -c '^{"type":"summary"')" = "$((lines + 1)):1"
finish
