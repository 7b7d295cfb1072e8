#!/usr/bin/env bash
# Tests of the Debian package built by Scripts/package: its metadata and
# contents (dpkg-deb), an install into a scratch root (dpkg -x, and dpkg --root
# with the maintainer scripts), the installed binary on the bundled demo
# capture against its golden, the unit (systemd-analyze verify), the logrotate
# rule, and, as root, the service as its unit runs it (Tests/Package/service-test.sh).
#   Tests/Package/package-tests.sh PATH/TO/sshrst_V_A.deb
set -uo pipefail
deb="$1"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
source "$repo/Tests/checks.sh"

[[ -f "$deb" ]] || { echo "FAIL package: no $deb"; echo "package: 0 passed, 1 failed"; exit 1; }
field() { dpkg-deb -f "$deb" "$1"; }

# Metadata.
arch="$(dpkg --print-architecture)"
version="$(field Version)"
check "package name is sshrst" test "$(field Package)" = sshrst
check "architecture is $arch" test "$(field Architecture)" = "$arch"
check "file name is sshrst_<version>_<arch>.deb" test "$(basename "$deb")" = "sshrst_${version}_${arch}.deb"
depends="$(field Depends)"
echo "     Depends: $depends"
check "Depends: libpcap" grep -qE '(^|, )libpcap0\.8[a-z0-9]* \(>= ' <<<"$depends"
check "Depends: libc6" grep -qE '(^|, )libc6 \(>= ' <<<"$depends"
check "Depends: nothing from the Swift toolchain" bash -c "! grep -qi swift <<<'$depends'"
# The decompressors are the system's zlib, libzstd and liblzma (compressed captures are read as they are).
check "Depends: libc, libpcap, the decompressors and the C/C++ runtime only" \
    bash -c "tr ',' '\n' <<<'$depends' | sed 's/^ *//; s/ .*//' | grep -vxE 'libc6|libpcap0\.8[a-z0-9]*|libstdc\+\+6|libgcc-s1|zlib1g|libzstd1|liblzma5' | grep -q . && exit 1 || exit 0"
dpkg-deb --ctrl-tarfile "$deb" | tar -x -O ./conffiles >"$tmp/conffiles" 2>/dev/null
check "conffiles: /etc/default/sshrst and /etc/logrotate.d/sshrst" \
    diff <(printf '%s\n' /etc/default/sshrst /etc/logrotate.d/sshrst) "$tmp/conffiles"

# Contents: exactly the reviewed list (paths, modes, owners).
dpkg-deb -c "$deb" | awk '{ print $1, $2, $6 }' >"$tmp/contents"
check "contents match Tests/Package/contents.txt" diff -u Tests/Package/contents.txt "$tmp/contents"

# dpkg -x: the files as they land.
root="$tmp/root"
dpkg -x "$deb" "$root"
sshrst="$root/usr/bin/sshrst"
check "installed binary runs" bash -c "'$sshrst' --version >/dev/null"
check "its version is the package's" test "$("$sshrst" --version)" = "$version"
check "ldd: every library found" bash -c "! ldd '$sshrst' | grep -q 'not found'"
check "no Swift library needed (static stdlib)" bash -c "! readelf -d '$sshrst' | grep NEEDED | grep -qiE 'swift|Foundation|dispatch|BlocksRuntime'"

# The installed binary on the bundled capture: the golden flows, the same
# records as the source tree gives, and the version in the summary.
"$sshrst" analyze --format jsonl Captures/demo.pcap >"$tmp/demo.jsonl" 2>"$tmp/err"; rc=$?
check "installed: analyze demo.pcap exits 0" test "$rc" = 0
check "installed: demo.pcap matches its golden (sshrst check)" bash -c "'$sshrst' check Captures/demo.pcap Captures/demo.expected.jsonl >/dev/null"
check "installed: 3 flows, summary last" test "$(grep -c '"type":"flow"' "$tmp/demo.jsonl"):$(tail -1 "$tmp/demo.jsonl" | grep -c '^{"type":"summary"')" = "3:1"
check "installed: summary carries the version" grep -q "^{\"type\":\"summary\",\"sshrst_version\":\"$version\"," "$tmp/demo.jsonl"
check "installed: flow records identical to the golden's" \
    diff <(grep '"type":"flow"' Captures/demo.expected.jsonl) <(grep '"type":"flow"' "$tmp/demo.jsonl")

# Completions and the man page, generated from this binary's arguments.
check "bash completion is valid bash" bash -n "$root/usr/share/bash-completion/completions/sshrst"
check "bash completion knows capture --append" grep -q -- "--append" "$root/usr/share/bash-completion/completions/sshrst"
check "zsh completion" grep -q "^#compdef sshrst" "$root/usr/share/zsh/vendor-completions/_sshrst"
check "fish completion" grep -q "complete -c 'sshrst'" "$root/usr/share/fish/vendor_completions.d/sshrst.fish"
man="$root/usr/share/man/man1/sshrst.1.gz"
zcat "$man" >"$tmp/sshrst.1"
check "man page is mdoc for sshrst(1)" grep -q '^\.Dt SSHRST 1' "$tmp/sshrst.1"
missing=""
for sub in $("$sshrst" --help | awk '/^SUBCOMMANDS:/ { on = 1; next } on && /^  [a-z]/ { print $1 }'); do
    grep -q "^\.It Em $sub\b\|^\.Sh $sub\|$sub" "$tmp/sshrst.1" || missing+=" $sub"
done
check "man page documents every subcommand" test -z "$missing"
check "man page documents capture --append (current options)" grep -q 'append' "$tmp/sshrst.1"
if command -v man >/dev/null; then
    check "man renders the page" bash -c "MANWIDTH=80 man -l '$man' 2>/dev/null | grep -q 'Who sent the reset'"
fi
check "README and README.Debian" test -s "$root/usr/share/doc/sshrst/README.md" -a -s "$root/usr/share/doc/sshrst/README.Debian"

# The unit: systemd's own verifier against the scratch root (where
# /usr/bin/sshrst is the installed binary). Dependencies (sysinit.target…)
# are not part of a scratch root: --recursive-errors=no checks this unit only.
unit="$root/usr/lib/systemd/system/sshrst-capture@.service"
install -d "$root/usr/bin"
cp "$(type -P kill)" "$root/usr/bin/kill"   # ExecReload=/bin/kill (merged /usr)
ln -s usr/bin "$root/bin"
systemd-analyze verify --root="$root" --man=no --recursive-errors=no sshrst-capture@eth0.service >"$tmp/verify" 2>&1; rc=$?
check "systemd-analyze verify sshrst-capture@eth0.service" test "$rc" = 0 -a ! -s "$tmp/verify"
[[ -s "$tmp/verify" ]] && sed 's/^/     /' "$tmp/verify"
unit_value() { sed -n "s/^$1=//p" "$unit"; }
check "unit: runs sshrst capture %i to /var/log/sshrst/%i.jsonl" \
    grep -q '^ExecStart=/usr/bin/sshrst capture %i .*--output /var/log/sshrst/%i\.jsonl' "$unit"
check "unit: metrics from /etc/default/sshrst" test "$(unit_value EnvironmentFile | head -1):$(grep -c '^SSHRST_METRICS=' "$root/etc/default/sshrst")" = "-/etc/default/sshrst:1"
check "unit: only CAP_NET_RAW CAP_NET_ADMIN" test "$(unit_value AmbientCapabilities)|$(unit_value CapabilityBoundingSet)" = "CAP_NET_RAW CAP_NET_ADMIN|CAP_NET_RAW CAP_NET_ADMIN"
check "unit: never root (DynamicUser, no User=root)" test "$(unit_value DynamicUser):$(unit_value User)" = "yes:"
check "unit: ProtectSystem=strict, LogsDirectory=sshrst, Restart=on-failure" \
    test "$(unit_value ProtectSystem):$(unit_value LogsDirectory):$(unit_value Restart)" = "strict:sshrst:on-failure"

# The logrotate rule: logrotate's own parser (debug mode: nothing is rotated).
logrotate -d -s "$tmp/logrotate.state" "$root/etc/logrotate.d/sshrst" >"$tmp/lr" 2>&1; rc=$?
check "logrotate -d accepts the rule" test "$rc" = 0
check "logrotate rule: no copytruncate, reopen by SIGHUP (reload)" \
    bash -c "! grep -q copytruncate '$root/etc/logrotate.d/sshrst' && grep -q 'systemctl reload .sshrst-capture@\*\.service' '$root/etc/logrotate.d/sshrst' && grep -q '^ExecReload=/bin/kill -HUP \$MAINPID' '$unit'"

# dpkg --root: the maintainer scripts run (chrootless: they see DPKG_ROOT and
# leave the running system alone), conffiles are registered, remove and purge clean up.
droot="$tmp/droot"
mkdir -p "$droot/var/lib/dpkg/info" "$droot/var/lib/dpkg/updates"
touch "$droot/var/lib/dpkg/status"
d() { dpkg --root="$droot" --log=/dev/null --force-script-chrootless --force-depends --force-not-root "$@" >"$tmp/dpkg.log" 2>&1; }
d -i "$deb"; rc=$?
check "dpkg --root -i installs (maintainer scripts run)" test "$rc" = 0
check "dpkg --root: package installed" bash -c "dpkg --root='$droot' -s sshrst 2>/dev/null | grep -q '^Status: install ok installed'"
check "dpkg --root: conffiles registered" bash -c "dpkg --root='$droot' -s sshrst | sed -n '/^Conffiles:/,/^[A-Z]/p' | grep -q '/etc/default/sshrst'"
mkdir -p "$droot/var/log/sshrst" && echo '{}' >"$droot/var/log/sshrst/eth0.jsonl"
d -r sshrst; rc=$?
removed="$rc:$(test -f "$droot/usr/bin/sshrst" && echo bin):$(test -f "$droot/etc/default/sshrst" && echo conf):$(test -f "$droot/var/log/sshrst/eth0.jsonl" && echo log)"
check "dpkg --root -r removes the binary; records and conffiles stay ($removed)" test "$removed" = "0::conf:log"
d -P sshrst; rc=$?
check "dpkg --root -P purges conffiles and records" test "$rc:$(test -e "$droot/etc/default/sshrst" && echo conf):$(test -e "$droot/var/log/sshrst" && echo log)" = "0::"
[[ "$failed" == 0 ]] || tail -5 "$tmp/dpkg.log" | sed 's/^/     /'

status=0
checks_done package || status=1

# The service as the unit runs it, with a log rotation in the middle (root: namespaces, setpriv).
if [[ "$(id -u)" == 0 ]]; then
    chmod 0755 "$tmp"   # the scratch root is reachable by the service's unprivileged user, as / is
    "$repo/Tests/Package/service-test.sh" "$root" || status=1
else
    echo "FAIL service: the service test needs root (network namespaces, setpriv); run: sudo Scripts/test"
    echo "service: 0 passed, 1 failed"; status=1
fi
exit "$status"
