# The checks of the shell test scripts (sourced, not run): counters, ok/fail/check and the closing line
# that Scripts/test adds up.
#   CHECK_PREFIX   text put before every check's name (e.g. "faults ")
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   ${CHECK_PREFIX:-}$*"; }
fail() { failed=$((failed + 1)); echo "FAIL ${CHECK_PREFIX:-}$*"; }
# check NAME COMMAND...: ok when the command succeeds.
check() { local name="$1"; shift; if "$@"; then ok "$name"; else fail "$name"; fi; }
# checks_done RUNNER: the closing line "RUNNER: N passed, N failed"; status 0 when nothing failed.
checks_done() { echo "$1: $passed passed, $failed failed"; [[ "$failed" == 0 ]]; }
