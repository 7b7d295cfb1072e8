#!/usr/bin/env bash
# The SSHRST library as another SwiftPM package uses it: by URL and version.
#   Tests/Package/consumer-test.sh           manifest check + resolution by version (seconds)
#   Tests/Package/consumer-test.sh --build   also builds and runs the consumer (a full
#                                            debug build of the library and its dependencies)
#
# 1. `swift package dump-package`: no target has `unsafeFlags` (SwiftPM's documented rule
#    is that they make a package's products ineligible as a dependency; the release tuning
#    is passed by Scripts/build-release instead).
# 2. The working tree, committed into a scratch git repository tagged with the version of
#    Sources/SSHRST/Version.swift, is a dependency `from:` that version (a file:// URL) of
#    a scratch package whose executable imports SSHRST: it resolves, the graph (with the
#    dependency's manifest) loads, and with --build it compiles, links and runs.
set -uo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build=0
[[ "${1:-}" == --build ]] && build=1
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
source "$repo/Tests/checks.sh"

swift package --package-path "$repo" dump-package >"$tmp/dump.json" 2>"$tmp/err"
check "dump-package reads the manifest" test -s "$tmp/dump.json"
python3 - "$tmp/dump.json" <<'EOF' >"$tmp/unsafe"
import json, sys
def unsafe(value):  # any "unsafeFlags" key, however deep (settings of every tool and condition)
    if isinstance(value, dict):
        return any(k == "unsafeFlags" or unsafe(v) for k, v in value.items())
    return isinstance(value, list) and any(unsafe(v) for v in value)
for target in json.load(open(sys.argv[1]))["targets"]:
    if unsafe(target):
        print(target["name"])
EOF
check "no unsafeFlags in any target" test ! -s "$tmp/unsafe"
sed 's/^/     /' "$tmp/unsafe"
check "dump-package: the SSHRST library product" \
    python3 -c 'import json,sys; p=json.load(open(sys.argv[1])); sys.exit(0 if any(x["name"]=="SSHRST" and "library" in x["type"] for x in p["products"]) else 1)' "$tmp/dump.json"

version="$(sed -n 's/.*static let current = "\(.*\)".*/\1/p' "$repo/Sources/SSHRST/Version.swift")"
src="$tmp/sshrst"
mkdir -p "$src"
if git -C "$repo" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    (cd "$repo" && git ls-files -z --cached --others --exclude-standard | tar --null --no-recursion -cf - -T - 2>/dev/null) \
        | tar -xf - -C "$src" 2>/dev/null
else  # a copy of the repository without its git folder: everything but the build folders
    (cd "$repo" && tar --exclude='./.build' --exclude='./.build-*' --exclude='./dist' -cf - .) | tar -xf - -C "$src"
fi
check "the working tree copied for the scratch repository" test -f "$src/Package.swift"
git -C "$src" init -q -b main
git -C "$src" add -A
git -C "$src" -c user.name=consumer-test -c user.email=consumer-test@localhost commit -qm "sshrst $version"
git -C "$src" tag "$version"

consumer="$tmp/consumer"
mkdir -p "$consumer/Sources/Consumer"
cat >"$consumer/Package.swift" <<EOF
// swift-tools-version: 6.0
import PackageDescription
let package = Package(
    name: "consumer",
    dependencies: [.package(url: "file://$src", from: "$version")],
    targets: [.executableTarget(name: "Consumer", dependencies: [.product(name: "SSHRST", package: "sshrst")])]
)
EOF
cat >"$consumer/Sources/Consumer/main.swift" <<'EOF'
import SSHRST

var configuration = AnalyzerConfiguration()
configuration.sshPorts = [22, 2222]
print("sshrst \(SSHRSTVersion.current), ports \(configuration.sshPorts)")
EOF
(cd "$consumer" && swift package resolve) >"$tmp/resolve.log" 2>&1; rc=$?
check "a package depending on sshrst from: $version (file:// git URL) resolves" test "$rc" = 0
[[ "$rc" == 0 ]] || tail -5 "$tmp/resolve.log" | sed 's/^/     /'
(cd "$consumer" && swift package show-dependencies --format json) >"$tmp/deps.json" 2>"$tmp/deps.err"
check "resolved at $version" \
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if any(x["name"]=="sshrst" and x["version"]==sys.argv[2] for x in d["dependencies"]) else 1)' "$tmp/deps.json" "$version"
if [[ "$build" == 1 ]]; then
    (cd "$consumer" && swift build) >"$tmp/build.log" 2>&1; rc=$?
    check "the consumer builds" test "$rc" = 0
    [[ "$rc" == 0 ]] || grep -E "error|warning: .*unsafe" "$tmp/build.log" | head -5 | sed 's/^/     /'
    out="$(cd "$consumer" && "$(swift build --show-bin-path)/Consumer" 2>&1)"
    check "the consumer runs: $out" test "$out" = "sshrst $version, ports [22, 2222]"
fi
checks_done consumer
