#!/usr/bin/env bash
# End-to-end tests of the built sshrst binary: exit codes, errors, pipes,
# filters, golden checks, catalogs and help snapshots.
#   Tests/CLI/cli-tests.sh PATH/TO/sshrst
# RECORD_SNAPSHOTS=1 rewrites the help snapshots and fails on purpose.
set -uo pipefail
bin="$1"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
source "$repo/Tests/checks.sh"

demo=Captures/demo.pcap

# analyze: JSON Lines, deterministic, summary last.
"$bin" analyze --format jsonl "$demo" >"$tmp/a.jsonl"; rc=$?
check "analyze exits 0" test "$rc" = 0
check "analyze writes 3 flows" test "$(grep -c '"type":"flow"' "$tmp/a.jsonl")" = 3
check "summary record is last" bash -c "tail -1 '$tmp/a.jsonl' | grep -q '\"type\":\"summary\"'"
"$bin" analyze --format jsonl "$demo" >"$tmp/b.jsonl"
check "output is deterministic" cmp -s "$tmp/a.jsonl" "$tmp/b.jsonl"
check "not a TTY: JSON Lines by default" bash -c "'$bin' analyze '$demo' | head -1 | grep -q '^{\"type\":\"flow\"'"

# text: no colour off a TTY, summary table.
"$bin" analyze --format text "$demo" >"$tmp/a.txt"
check "text has a summary table" grep -q "^summary" "$tmp/a.txt"
check "text explains the middlebox reset" grep -q "middlebox" "$tmp/a.txt"
check "no colour escapes off a TTY" bash -c "! grep -q $'\x1b' '$tmp/a.txt'"
# text levels: by default one line per flow, one more (verdict, confidence, diagnosis) for a flow
# that did not close cleanly; -v each distinct RST with its explanation and the next steps; -vv the evidence.
check "text default: one line per flow" test "$(grep -cE '^[0-9:.]+  192\.0\.2\.10:4000[123] > ' "$tmp/a.txt")" = 3
check "text default: a verdict line for each of the 2 unclean flows" test "$(grep -c '^      verdict ' "$tmp/a.txt")" = 2
check "text default: the middlebox verdict with its confidence and cause" grep -q '^      verdict middlebox (0.89)  middlebox_reset: A firewall on the path' "$tmp/a.txt"
check "text default: no RST detail, evidence or next steps" bash -c "! grep -qE '^      (RST |[0-9]+ RSTs|next:)|^        - ' '$tmp/a.txt'"
check "text default: 16 lines for the demo" test "$(wc -l <"$tmp/a.txt")" = 16
check "text summary: top causes with their uids" grep -qE '^  top causes +middlebox_reset 1: C[0-9A-Za-z]{12}$' "$tmp/a.txt"
check "text summary: ends with the command to explain the top cause" bash -c "tail -1 '$tmp/a.txt' | grep -qE '^  explain +sshrst explain $demo C[0-9A-Za-z]{12}$'"
"$bin" analyze --format text -v "$demo" >"$tmp/v.txt"
check "text -v: same-sender RSTs collapse into one entry with a count" grep -q '^      3 RSTs from the client kernel, 15:08:44.868–45.329 (0.83), claim client, ttl 64, ip id 0, seq exact$' "$tmp/v.txt"
check "text -v: the middlebox RST with its explanation" bash -c "grep -A1 '^      RST 15:08:44.589672 from a middlebox (0.89)' '$tmp/v.txt' | grep -q 'TTL 64 where all 17 earlier server packets had 62'"
check "text -v: each explanation once" test "$(grep -c 'Sent by the client itself' "$tmp/v.txt")" = 1
check "text -v: next steps" grep -q '^      next: Find the box from the RST' "$tmp/v.txt"
check "text -v: no evidence lines" bash -c "! grep -q '^        - ' '$tmp/v.txt'"
"$bin" analyze --format text -vv "$demo" >"$tmp/vv.txt"
check "text -vv: every evidence line" grep -q '^        - ip_id_zero_df \[middlebox\] IP ID 0 + DF' "$tmp/vv.txt"
check "text -vv: the collapsed RSTs' evidence once" test "$(grep -c 'captured_at_sender \[client\]' "$tmp/vv.txt")" = 1
check "text -v: the same ICMP error twice is one entry with a count" bash -c "'$bin' analyze --format text -v Captures/fail2ban-icmp-v6.pcap | grep -q '^      2 ICMP port_unreachable from 2001:db8:5::10 (ttl 63) -> server, 15:08:33.149–34.155$'"
"$bin" analyze --format jsonl Captures/mb-reject-near-client-v6.pcap >"$tmp/v6.jsonl"
check "IPv6: the REJECT signature is named as IPv6 shows it (flow label 0, not IP ID and DF)" bash -c "grep -q 'REJECT signature, flow label 0 (confidence' '$tmp/v6.jsonl' && ! grep -q 'IP ID 0 + DF' '$tmp/v6.jsonl'"
check "IPv4: the REJECT signature stays IP ID 0 + DF" bash -c "'$bin' analyze --format jsonl '$demo' | grep -q 'REJECT signature, IP ID 0 + DF (confidence'"
check "-v leaves JSON Lines unchanged" bash -c "'$bin' analyze -vv --format jsonl '$demo' | cmp -s - '$tmp/a.jsonl'"

# standard input and BPF filters.
cat "$demo" | "$bin" analyze --format jsonl - >"$tmp/stdin.jsonl"
check "stdin gives the same flows" bash -c "diff <(grep '\"type\":\"flow\"' '$tmp/a.jsonl' | sort) <(grep '\"type\":\"flow\"' '$tmp/stdin.jsonl' | sort)"
# A stream is reported as flows end, a file in first-packet order (same flows either way).
gen="$tmp/gen"; cc -O2 -o "$gen" "$repo/Scripts/bench.d/gen.c" 2>/dev/null
"$gen" -o "$tmp/many.pcap" --packets 30000 --concurrency 50 --seed 2 --gap-ns 600000 >/dev/null 2>&1
cat "$tmp/many.pcap" | "$bin" analyze --format jsonl - >"$tmp/many-stream.jsonl"
"$bin" analyze --format jsonl "$tmp/many.pcap" >"$tmp/many-file.jsonl"
check "stream: same flows as the file" bash -c "diff <(grep '\"type\":\"flow\"' '$tmp/many-file.jsonl' | sort) <(grep '\"type\":\"flow\"' '$tmp/many-stream.jsonl' | sort)"
check "file: flows in first-packet order" bash -c "grep -o '^{\"type\":\"flow\",\"uid\":\"[^\"]*\",\"ts\":[0-9.]*' '$tmp/many-file.jsonl' | sed 's/.*\"ts\"://' | sort -c -n"
check "stream: flows as they end, not in first-packet order" bash -c "! grep -o '^{\"type\":\"flow\",\"uid\":\"[^\"]*\",\"ts\":[0-9.]*' '$tmp/many-stream.jsonl' | sed 's/.*\"ts\"://' | sort -c -n 2>/dev/null"
# Records that waited for their turn (kept serialized) render like the others in every format.
flows_many=$(grep -c '"type":"flow"' "$tmp/many-file.jsonl")
check "zeek: a conn line for every flow, waiting records included" test "$("$bin" analyze --format zeek "$tmp/many.pcap" | grep -c '"_path":"conn"')" = "$flows_many"
check "text: every flow rendered, waiting records included" test "$("$bin" analyze --format text "$tmp/many.pcap" | grep -oE '\bC[0-9A-Za-z]{12}\b' | sort -u | wc -l)" = "$flows_many"

# --threads: the same bytes on any number of threads (records, patterns, summary), in every format.
for f in "$demo" Captures/maxstartups.pcap Captures/fail2ban-icmp.pcap Captures/fail2ban-tcp-reset.pcap \
    Captures/mb-reject-near-client-v6.pcap Tests/Conformance/zeek/kex-quadratic-1000.pcap "$tmp/many.pcap"; do
    "$bin" analyze --threads 1 --format jsonl "$f" >"$tmp/t1.jsonl"
    "$bin" analyze --threads 4 --format jsonl "$f" >"$tmp/t4.jsonl"
    check "--threads 4 writes what --threads 1 writes: $(basename "$f") ($(wc -l <"$tmp/t1.jsonl") lines)" \
        bash -c "test -s '$tmp/t1.jsonl' && cmp -s '$tmp/t1.jsonl' '$tmp/t4.jsonl'"
done
check "--threads 3 --format text: same text" bash -c "cmp -s <('$bin' analyze --threads 1 --format text -v '$tmp/many.pcap') <('$bin' analyze --threads 3 --format text -v '$tmp/many.pcap')"
check "--threads 2 --format zeek: same lines" bash -c "cmp -s <('$bin' analyze --threads 1 --format zeek '$tmp/many.pcap') <('$bin' analyze --threads 2 --format zeek '$tmp/many.pcap')"
check "the default (one thread per core, at most 8) writes what --threads 1 writes" bash -c "'$bin' analyze --format jsonl '$tmp/many.pcap' | cmp -s - '$tmp/many-file.jsonl'"
check "--threads 0 is refused (exit 64)" bash -c "'$bin' analyze --threads 0 '$demo' >/dev/null 2>&1; test \$? = 64"
check "standard input with --threads 4: still a stream (same flows)" bash -c "cat '$tmp/many.pcap' | '$bin' analyze --threads 4 --format jsonl - | grep '\"type\":\"flow\"' | sort | diff -q - <(grep '\"type\":\"flow\"' '$tmp/many-stream.jsonl' | sort) >/dev/null"
# Many flows: 20 MB of short SSH sessions with background traffic, and a 200,000-SYN flood (a flow
# table large enough for all of it: a full table evicts per thread, which may differ by design).
"$gen" -o "$tmp/big.pcap" --size 20M --seed 5 >/dev/null 2>&1
"$gen" -o "$tmp/synflood.pcap" --synflood 200000 --seed 6 >/dev/null 2>&1
for f in big synflood; do
    "$bin" analyze --threads 1 --max-flows 300000 --format jsonl "$tmp/$f.pcap" >"$tmp/$f-1.jsonl"
    "$bin" analyze --threads 2 --max-flows 300000 --format jsonl "$tmp/$f.pcap" >"$tmp/$f-2.jsonl"
    check "--threads 2 writes what --threads 1 writes: $f ($(grep -c '"type":"flow"' "$tmp/$f-1.jsonl") flows)" \
        bash -c "test \$(grep -c '\"type\":\"flow\"' '$tmp/$f-1.jsonl') -gt 1000 && cmp -s '$tmp/$f-1.jsonl' '$tmp/$f-2.jsonl'"
done
# Workers read the frames where the reader put them (its windows, reused once released): a compressed
# file and two files in one run give what one thread gives.
gzip -c "$tmp/big.pcap" >"$tmp/big.pcap.gz"
check "--threads 3 on a gzip file writes what --threads 1 writes" bash -c "'$bin' analyze --threads 3 --max-flows 300000 --format jsonl '$tmp/big.pcap.gz' | grep -v '\"type\":\"summary\"' | cmp -s - <(grep -v '\"type\":\"summary\"' '$tmp/big-1.jsonl')"
check "--threads 2 on two files writes what --threads 1 writes" bash -c "cmp -s <('$bin' analyze --threads 1 --max-flows 300000 --format jsonl '$tmp/big.pcap' '$tmp/synflood.pcap') <('$bin' analyze --threads 2 --max-flows 300000 --format jsonl '$tmp/big.pcap' '$tmp/synflood.pcap')"

# progress on a TTY: a run longer than a second shows a progress line on stderr and erases it
# (SSHRST_PROGRESS_AFTER_MS=0: shown from the start, so the check does not depend on the machine's speed).
if command -v script >/dev/null; then
    "$gen" -o "$tmp/flood.pcap" --synflood 150000 --seed 1 >/dev/null 2>&1
    SSHRST_PROGRESS_AFTER_MS=0 script -qfec "'$bin' analyze --format jsonl -o /dev/null '$tmp/flood.pcap'" /dev/null >"$tmp/tty.txt" 2>&1
    check "TTY: progress line shown" grep -q "pkt/s" "$tmp/tty.txt"
    check "TTY: progress line erased at the end" grep -q $'\r\x1b\[K$' "$tmp/tty.txt"
fi
"$bin" analyze --format jsonl "$demo" 'tcp port 40003' >"$tmp/f.jsonl"; rc=$?
check "filter exits 0" test "$rc" = 0
check "filter keeps one flow" test "$(grep -c '"type":"flow"' "$tmp/f.jsonl")" = 1
"$bin" analyze "$demo" 'tcp port nonsense' >/dev/null 2>"$tmp/err"; rc=$?
check "bad filter exits 64" test "$rc" = 64
check "bad filter shows libpcap's message" grep -q "invalid filter expression" "$tmp/err"

# several files are one capture in time order (rotated files given in any order).
editcap -c 40 "$demo" "$tmp/rot.pcap" >/dev/null 2>&1
parts=("$tmp"/rot_*.pcap)
check "editcap split the demo into parts" test "${#parts[@]}" -ge 2
"$bin" analyze --format jsonl $(printf '%s\n' "${parts[@]}" | sort -r) >"$tmp/rot.jsonl"
check "rotated parts (reverse order) give the same flows" bash -c "diff <(grep '\"type\":\"flow\"' '$tmp/a.jsonl') <(grep '\"type\":\"flow\"' '$tmp/rot.jsonl')"

# Zeek format: conn + ssh records with Zeek's field names.
"$bin" analyze --format zeek "$demo" >"$tmp/z.jsonl"
check "zeek: one conn record per flow" test "$(grep -c '"_path":"conn"' "$tmp/z.jsonl")" = 3
check "zeek: ssh records for SSH flows" test "$(grep -c '"_path":"ssh"' "$tmp/z.jsonl")" = 2
check "zeek: id.orig_h and conn_state" bash -c "grep '\"_path\":\"conn\"' '$tmp/z.jsonl' | head -1 | grep -q '\"id.orig_h\":\"192.0.2.10\".*\"conn_state\":\"SF\"'"
check "zeek: attribution under sshrst." grep -q '"sshrst.reset_attribution":"middlebox"' "$tmp/z.jsonl"
check "zeek: hasshServer" grep -q '"hasshServer":"[0-9a-f]\{32\}"' "$tmp/z.jsonl"

# explain: the ladder view of the middlebox reset.
uid=$(grep '"client":{"ip":"192.0.2.10","port":40002}' "$tmp/a.jsonl" | sed 's/.*"uid":"\([^"]*\)".*/\1/')
"$bin" explain "$demo" "$uid" >"$tmp/ladder.txt"; rc=$?
check "explain exits 0" test "$rc" = 0
check "explain marks the capture point" grep -q '\[\*\] client 192.0.2.10:40002' "$tmp/ladder.txt"
check "explain names the SSH messages" grep -q 'KEXINIT' "$tmp/ladder.txt"
check "explain highlights the RST with its verdict" grep -q 'RST -> middlebox' "$tmp/ladder.txt"
check "explain lists the evidence rules" grep -q 'ip_id_zero_df \[middlebox\]' "$tmp/ladder.txt"
"$bin" explain "$demo" Cnosuchflow000 >/dev/null 2>"$tmp/err"; rc=$?
check "explain: unknown uid exits 1" test "$rc" = 1

# explain --format svg: the ladder picture of every flow of every capture is valid, self-contained
# SVG, and headless Chromium renders it to a PNG that is not blank.
svgdir="$tmp/svg"; mkdir -p "$svgdir"
flows_all=0
for pcap in Captures/*.pcap; do
    name=$(basename "$pcap" .pcap)
    for u in $("$bin" analyze --format jsonl "$pcap" | sed -n 's/^{"type":"flow","uid":"\([^"]*\)".*/\1/p'); do
        flows_all=$((flows_all + 1))
        "$bin" explain "$pcap" "$u" --format svg >"$svgdir/$name-$u.svg" 2>>"$tmp/svg-err" || echo "     explain --format svg failed: $pcap $u"
    done
done
n_svg=$(ls "$svgdir"/*.svg 2>/dev/null | wc -l)
check "svg: one picture per flow of every capture ($n_svg of $flows_all)" test "$n_svg" = "$flows_all" -a "$flows_all" -gt 40
check "svg: every file is valid XML, an svg root, no script, no external reference" python3 -c "
import glob, sys, xml.etree.ElementTree as ET
bad = 0
for f in sorted(glob.glob('$svgdir/*.svg')):
    root = ET.parse(f).getroot()
    ok = root.tag == '{http://www.w3.org/2000/svg}svg' and root.find('.//{http://www.w3.org/2000/svg}text') is not None
    for e in root.iter():
        ok = ok and not e.tag.endswith('script') and not e.tag.endswith('image') and not e.tag.endswith('foreignObject')
        ok = ok and not any(k.endswith('href') for k in e.attrib)
    if not ok: print('     bad svg:', f); bad += 1
sys.exit(bad)
"
demo_svg="$svgdir/demo-$uid.svg"
check "svg: the middlebox RST in its colour, with its verdict" bash -c "grep -q 'stroke=\"#7d3c98\" stroke-width=\"2.5\"' '$demo_svg' && grep -q 'RST by middlebox (0.89)' '$demo_svg'"
check "svg: the middlebox drawn at the hop its TTL gives, the capture point, RTT brackets" bash -c "grep -q 'middlebox (from the RST' '$demo_svg' && grep -q 'capture point (client)' '$demo_svg' && grep -q 'RTT 20.554 ms' '$demo_svg'"
check "svg: runs of data segments folded" grep -q 'data segments folded' "$demo_svg"
check "svg: the README's ladder (docs/demo-ladder.svg) is what explain draws today" cmp -s docs/demo-ladder.svg "$demo_svg"
check "svg: an idle period is marked" grep -q '12.2 s with no packets (idle)' "$svgdir"/conntrack-short-idle-*.svg
check "svg: the verdict and the diagnosis as the caption" bash -c "grep -q 'Verdict: the RST that ended the flow was sent by the middlebox' '$demo_svg' && grep -q 'Diagnosis: middlebox_reset' '$demo_svg'"
if command -v chromium >/dev/null; then
    ls "$svgdir"/*.svg | xargs -P 2 -I{} sh -c 'h=$(grep -o "height=\"[0-9]*\"" "{}" | head -1 | tr -dc 0-9); timeout 60 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="{}.profile" --screenshot="{}.png" --window-size=1100,$h "file://{}" >/dev/null 2>&1'
    n_png=$(ls "$svgdir"/*.png 2>/dev/null | wc -l)
    check "svg: headless Chromium rendered every flow ($n_png of $n_svg)" test "$n_png" = "$n_svg"
    check "svg: no rendered PNG is blank" python3 Tests/CLI/png-check.py 1100 "$svgdir"/*.png
else
    fail "svg: chromium is missing (Scripts/deps test installs it)"
fi

# progress: never when standard error is not a terminal.
"$bin" analyze --format jsonl "$demo" 2>"$tmp/progress" >/dev/null
check "no progress line off a TTY" test ! -s "$tmp/progress"

# bad input: one clear line, exit 1, flows read so far still reported.
"$bin" analyze /nonexistent/x.pcap >/dev/null 2>"$tmp/err"; rc=$?
check "missing file exits 1" test "$rc" = 1
check "missing file names the file" grep -q "/nonexistent/x.pcap: cannot open" "$tmp/err"
check "missing file: one line" test "$(wc -l <"$tmp/err")" = 1
printf 'not a capture\n' >"$tmp/text.pcap"
"$bin" analyze "$tmp/text.pcap" >/dev/null 2>"$tmp/err"; rc=$?
check "not a capture exits 1" test "$rc" = 1
check "not a capture is said" grep -q "not a pcap or pcapng capture" "$tmp/err"
size=$(stat -c %s "$demo")
head -c $((size - 40)) "$demo" >"$tmp/cut.pcap"
"$bin" analyze --format jsonl "$tmp/cut.pcap" >"$tmp/cut.jsonl" 2>"$tmp/err"; rc=$?
check "truncated last record exits 1" test "$rc" = 1
check "truncated record is said" grep -q "truncated last record" "$tmp/err"
check "flows before the cut are reported" test "$(grep -c '"type":"flow"' "$tmp/cut.jsonl")" = 3
mkdir "$tmp/adir"
"$bin" analyze "$tmp/adir" >/dev/null 2>"$tmp/err"; rc=$?
check "directory exits 1" test "$rc" = 1
check "directory: is a directory" grep -q "adir: cannot open: Is a directory" "$tmp/err"
check "directory: one line" test "$(wc -l <"$tmp/err")" = 1

# compressed captures (tcpdump -z gzip, logrotate compress, .zst/.xz archives): told by their magic
# bytes, not their names; output identical to the plain file, from a file and from standard input.
"$bin" analyze --format text "$demo" >"$tmp/plain.txt"
editcap -F pcapng "$demo" "$tmp/demo.pcapng" >/dev/null 2>&1
"$bin" analyze --format jsonl "$tmp/demo.pcapng" >"$tmp/ng.jsonl"
for z in "gzip gz" "zstd zst" "xz xz"; do
    set -- $z; tool=$1; ext=$2
    $tool -c <"$demo" >"$tmp/demo.pcap.$ext"
    $tool -c <"$tmp/demo.pcapng" >"$tmp/demo.pcapng.$ext"
    cp "$tmp/demo.pcap.$ext" "$tmp/renamed-$ext.cap"
    "$bin" analyze --format jsonl "$tmp/demo.pcap.$ext" >"$tmp/z.jsonl"; rc=$?
    check "$ext: exits 0" test "$rc" = 0
    check "$ext: JSON Lines identical to the plain file" cmp -s "$tmp/a.jsonl" "$tmp/z.jsonl"
    # (the last line names the file to give sshrst explain)
    check "$ext: text identical to the plain file" bash -c "'$bin' analyze --format text '$tmp/demo.pcap.$ext' | sed 's|$tmp/demo.pcap.$ext|$demo|' | cmp -s - '$tmp/plain.txt'"
    check "$ext: told by magic, not by name" bash -c "'$bin' analyze --format jsonl '$tmp/renamed-$ext.cap' | cmp -s - '$tmp/a.jsonl'"
    check "$ext: pcapng inside, identical" bash -c "'$bin' analyze --format jsonl '$tmp/demo.pcapng.$ext' | cmp -s - '$tmp/ng.jsonl'"
    check "$ext: with a BPF filter" test "$("$bin" analyze --format jsonl "$tmp/demo.pcap.$ext" 'tcp port 40003' | grep -c '"type":"flow"')" = 1
    check "$ext: standard input, same flows" bash -c "diff <(grep '\"type\":\"flow\"' '$tmp/a.jsonl' | sort) <(cat '$tmp/demo.pcap.$ext' | '$bin' analyze --format jsonl - | grep '\"type\":\"flow\"' | sort)"
    # A larger capture spans many compressed blocks: cut or damaged in the middle, the flows read
    # before the damage are reported, then one line naming the file and the problem, exit 1.
    $tool -c <"$tmp/many.pcap" >"$tmp/many.$ext"
    size=$(stat -c %s "$tmp/many.$ext")
    head -c $((size / 2)) "$tmp/many.$ext" >"$tmp/cut.$ext"
    "$bin" analyze --format jsonl "$tmp/cut.$ext" >"$tmp/cut.jsonl" 2>"$tmp/err"; rc=$?
    n=$(grep -c '"type":"flow"' "$tmp/cut.jsonl")
    check "$ext cut short: exits 1" test "$rc" = 1
    check "$ext cut short: said in one line" bash -c "test \$(wc -l <'$tmp/err') = 1 && grep -q 'cut.$ext: $tool stream cut short after [0-9]* bytes of capture' '$tmp/err'"
    check "$ext cut short: flows before the cut reported ($n of $flows_many)" test "$n" -gt 10 -a "$n" -lt "$flows_many"
    cat "$tmp/cut.$ext" | "$bin" analyze --format jsonl - >"$tmp/cut-stdin.jsonl" 2>"$tmp/err"; rc=$?
    check "$ext cut short on standard input: exit 1, flows reported" test "$rc" = 1 -a "$(grep -c '"type":"flow"' "$tmp/cut-stdin.jsonl")" -gt 10
    check "$ext cut short on standard input: said" grep -q -- "-: $tool stream cut short" "$tmp/err"
    cp "$tmp/many.$ext" "$tmp/bad.$ext"
    printf '\x00\xff\x13\x77\x00\xff\x13\x77' | dd of="$tmp/bad.$ext" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
    "$bin" analyze --format jsonl "$tmp/bad.$ext" >"$tmp/bad.jsonl" 2>"$tmp/err"; rc=$?
    check "$ext damaged: exits 1 with one line naming the file" bash -c "test $rc = 1 && test \$(wc -l <'$tmp/err') = 1 && grep -q '^sshrst: $tmp/bad.$ext: ' '$tmp/err'"
    check "$ext damaged: flows before the damage reported" test "$(grep -c '"type":"flow"' "$tmp/bad.jsonl")" -gt 10
done
printf '\x1f\x8b\x08\x00' >"$tmp/stub.gz"
"$bin" analyze "$tmp/stub.gz" >/dev/null 2>"$tmp/err"; rc=$?
check "gzip header only: exit 1, cut short" bash -c "test $rc = 1 && grep -q 'gzip stream cut short after 0 bytes' '$tmp/err'"

"$bin" analyze >/dev/null 2>&1; rc=$?
check "no file is a usage error (64)" test "$rc" = 64
"$bin" analyze --max-flows 0 "$demo" >/dev/null 2>&1; rc=$?
check "invalid option value is 64" test "$rc" = 64

# live capture errors (the streaming itself is tested by Scripts/test-live).
"$bin" capture nosuchif0 >/dev/null 2>"$tmp/err"; rc=$?
check "capture: no such interface exits 1" test "$rc" = 1
check "capture: no such interface is said" grep -q "no such interface" "$tmp/err"
"$bin" capture lo 'tcp port nonsense' >/dev/null 2>"$tmp/err"; rc=$?
check "capture: bad filter exits 64" test "$rc" = 64
check "capture: libpcap's filter message" grep -q "unknown port 'nonsense'" "$tmp/err"
if [[ "$(id -u)" == 0 ]] && command -v setpriv >/dev/null; then
    setpriv --reuid=65534 --regid=65534 --clear-groups "$bin" capture lo >/dev/null 2>"$tmp/err"; rc=$?
    check "capture: no permission exits 1" test "$rc" = 1
    check "capture: names CAP_NET_RAW" grep -q "CAP_NET_RAW" "$tmp/err"
    timeout 20 "$bin" capture lo --duration 1 --format jsonl >"$tmp/lo.jsonl" 2>/dev/null; rc=$?
    check "capture: --duration stops with exit 0" test "$rc" = 0
    check "capture: summary has kernel counts" grep -q '"kernel_dropped"' "$tmp/lo.jsonl"
    timeout 20 "$bin" capture lo --duration 1 -w "$tmp/nodir/w.pcap" >/dev/null 2>"$tmp/err"; rc=$?
    check "capture -w: a missing folder exits 1" test "$rc" = 1
    check "capture -w: says the path and why ($(cat "$tmp/err"))" grep -q "nodir/w.pcap: No such file or directory" "$tmp/err"
    timeout 20 "$bin" capture lo --duration 1 -w "$tmp/w.pcap" >/dev/null 2>&1; rc=$?
    check "capture -w: exit 0, a pcap tcpdump reads" bash -c "test $rc = 0 && tcpdump -nr '$tmp/w.pcap' 2>&1 >/dev/null | grep -q 'link-type EN10MB'"
fi

# golden checks with sshrst check, the same comparison the golden tests use.
all_ok=1
for golden in Captures/*.expected.jsonl; do
    pcap="${golden%.expected.jsonl}.pcap"
    "$bin" check "$pcap" "$golden" >/dev/null || { all_ok=0; echo "     check failed: $pcap"; }
done
check "sshrst check passes on every capture" test "$all_ok" = 1
sed '0,/"outcome":"closed"/s//"outcome":"open"/' Captures/demo.expected.jsonl >"$tmp/wrong.jsonl"
"$bin" check "$demo" "$tmp/wrong.jsonl" >"$tmp/diff" 2>&1; rc=$?
check "sshrst check exits 1 on a difference" test "$rc" = 1
check "sshrst check prints the difference" grep -q 'outcome: expected "open", got "closed"' "$tmp/diff"

# catalogs.
check "rules lists data_after_reset" bash -c "'$bin' rules --brief | grep -q '^data_after_reset'"
check "rules: at least 20 rules" test "$("$bin" rules --brief | wc -l)" -ge 20
check "causes lists port_closed" bash -c "'$bin' causes --brief | grep -q '^port_closed'"
check "causes lists middlebox_idle_reset" bash -c "'$bin' causes --brief | grep -q '^middlebox_idle_reset'"

# trace: the only subcommand that sends; its usage errors are caught before anything is opened or sent
# (the probing itself runs in network namespaces: Scripts/test-trace).
check "trace help says it sends packets" bash -c "'$bin' trace --help | grep -q 'SENDS PACKETS'"
check "root help lists trace as the one that sends" bash -c "COLUMNS=200 '$bin' --help | grep -q 'trace .*SENDS PACKETS'"
"$bin" trace -4 -6 192.0.2.1 >/dev/null 2>&1; rc=$?
check "trace -4 -6: usage error 64" test "$rc" = 64
"$bin" trace --max-hops 0 192.0.2.1 >/dev/null 2>&1; rc=$?
check "trace --max-hops 0: usage error 64" test "$rc" = 64
"$bin" trace --rate 1000 192.0.2.1 >/dev/null 2>&1; rc=$?
check "trace --rate over 100: usage error 64" test "$rc" = 64
"$bin" trace --trigger "$tmp/no-such-trigger" 192.0.2.1 >"$tmp/trig.out" 2>&1; rc=$?
check "trace --trigger missing file: exit 64" test "$rc" = 64
check "trace --trigger missing file: nothing planned" bash -c "! grep -q 'sends at most' '$tmp/trig.out'"
# Only trace opens the sockets that send (ProbeSocket); analyze and capture never do.
check "only trace uses ProbeSocket" test "$(grep -rl 'ProbeSocket' Sources | sort | tr '\n' ' ')" = "Sources/SSHRSTCLI/Trace.swift Sources/SSHRSTCapture/ProbeSocket.swift "

# Scripts/install: binary, completions (bash, zsh, fish) and man page under a prefix.
if CONFIG=debug "$repo/Scripts/install" "$tmp/prefix" >"$tmp/install.log" 2>&1; then
    ok "Scripts/install succeeds"
    check "installed binary runs" "$tmp/prefix/bin/sshrst" --version
    check "bash completion is valid bash" bash -n "$tmp/prefix/share/bash-completion/completions/sshrst"
    check "bash completion knows the subcommands" grep -q "explain" "$tmp/prefix/share/bash-completion/completions/sshrst"
    check "zsh completion installed" grep -q "_sshrst" "$tmp/prefix/share/zsh/site-functions/_sshrst"
    check "fish completion installed" grep -q "complete -c 'sshrst'" "$tmp/prefix/share/fish/vendor_completions.d/sshrst.fish"
    check "man page documents analyze" grep -q "analyze" "$tmp/prefix/share/man/man1/sshrst.1"
else
    fail "Scripts/install succeeds"; tail -5 "$tmp/install.log"
fi

# help snapshots: help is UI.
for sub in "" analyze capture explain check rules causes trace; do
    name="${sub:-root}"
    COLUMNS=100 "$bin" $sub --help >"$tmp/help-$name.txt" 2>&1
    snap="Tests/CLI/Snapshots/help-$name.txt"
    if [[ "${RECORD_SNAPSHOTS:-}" == 1 ]]; then
        cp "$tmp/help-$name.txt" "$snap"
        fail "recorded $snap (review it, then run again without RECORD_SNAPSHOTS)"
    else
        check "help snapshot: $name" diff -u "$snap" "$tmp/help-$name.txt"
    fi
done

checks_done cli
