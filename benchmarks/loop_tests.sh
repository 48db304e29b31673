#!/usr/bin/env bash
# Flakiness check: run some tests N times in a row and count the passes.
#
#     benchmarks/loop_tests.sh N LOG pytest-args...
#     benchmarks/loop_tests.sh 20 /tmp/dashboard.log tests/test_dashboard_browser.py tests/test_dashboard_sessions.py
#
# One line per round in LOG (round, exit status, seconds, the load averages at its end — 1, 5 and 15
# minutes, to tell a quiet round from a loaded one — and pytest's summary line); the failing rounds'
# full output is kept beside it as LOG.round-K. The last line is the count.
set -u
rounds=$1 log=$2
shift 2
cd "$(dirname "$0")/.."
: > "$log"
passed=0
for round in $(seq 1 "$rounds"); do
  started=$(date +%s)
  out=$(.venv/bin/python -m pytest -q -p no:cacheprovider "$@" 2>&1)
  status=$?
  summary=$(printf '%s\n' "$out" | tail -n 1)
  echo "round $round: exit $status, $(( $(date +%s) - started )) s, load $(cut -d' ' -f1-3 /proc/loadavg), $summary" >> "$log"
  if [ "$status" = 0 ]; then passed=$((passed + 1)); else printf '%s\n' "$out" > "$log.round-$round"; fi
done
echo "passed $passed of $rounds rounds ($*) on $(uname -n), $(date -u +%F)" >> "$log"
