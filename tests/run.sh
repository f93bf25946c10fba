#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Runs every test and prints the summary line `N passed, N failed, N skipped`.
#
# A test is an executable build/tests/unit/test_* or a script
# tests/integration/test_*.sh. Each prints one line per check:
#   PASS <name>            the check ran and held
#   FAIL <name>: <why>     the check ran and did not hold
#   SKIP <name>: <why>     the check could not run here (never counted as passed)
# A test that exits non-zero without printing FAIL counts as one failure, and
# so does one that prints no result at all.
# Usage: tests/run.sh [SUBSTRING...]   (run only tests whose name contains one)
set -uo pipefail
cd "$(dirname "$0")/.."
TOP=$(pwd)
# one log directory per run: concurrent runs must not share log files
LOGDIR=$TOP/build/test-logs/run-$$
mkdir -p "$LOGDIR"
ln -sfn "run-$$" "$TOP/build/test-logs/latest"
export SG_TOP=$TOP SG_BIN=$TOP/build/synguard

. tests/lib/lib.sh
sg_mount_fs

tests=()
for t in build/tests/unit/test_* tests/integration/test_*.sh; do
	[ -x "$t" ] || continue
	if [ $# -gt 0 ]; then
		keep=0
		for pat in "$@"; do [[ $t == *"$pat"* ]] && keep=1; done
		[ $keep -eq 1 ] || continue
	fi
	tests+=("$t")
done

passed=0 failed=0 skipped=0
for t in "${tests[@]}"; do
	name=$(basename "$t" .sh)
	log=$LOGDIR/$name.log
	echo "== $name"
	start=$(date +%s)
	timeout --kill-after=10 "${SG_TEST_TIMEOUT:-300}" "$t" >"$log" 2>&1
	rc=$?
	grep -E '^(PASS|FAIL|SKIP) ' "$log" | sed 's/^/   /'
	p=$(grep -c '^PASS ' "$log"); f=$(grep -c '^FAIL ' "$log"); s=$(grep -c '^SKIP ' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "   FAIL $name: exited with status $rc (log: $log)"
		tail -n 15 "$log" | sed 's/^/   | /'
		f=1
	elif [ $((p + f + s)) -eq 0 ]; then
		echo "   FAIL $name: reported no result (log: $log)"
		f=1
	elif [ "$f" -gt 0 ]; then
		tail -n 15 "$log" | grep -v -E '^(PASS|FAIL|SKIP) ' | sed 's/^/   | /'
	fi
	echo "   ($(( $(date +%s) - start ))s)"
	passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
done

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
