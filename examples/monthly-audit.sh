#!/usr/bin/env bash
# The monthly audit step of examples/monthly-audit.yml (see docs/schedule.md).
#
# Runs `audit org` into $REPORTS_DIR/<date>/, compares with the newest earlier
# run kept in $REPORTS_DIR (restored from last month's artifact) and looks for
# that run's footprints in the log archive (--verify-previous), fails only
# on high (or critical) findings that are new since then, and writes the
# summary to the CI job's page. Exit: 0 nothing new at or above high,
# 1 new findings at or above high, 2 the audit could not run.
#
# Environment:
#   REPORTS_DIR   where runs are kept (default: reports)
#   REPORT_DATE   the run's directory name (default: today, UTC, YYYY-MM-DD)
#   AUDIT         the audit binary (default: audit on the PATH)
#   AUDIT_ARGS    more arguments for `audit org` (default: --regions all)
#   FAIL_ON       severity that fails the job when new (default: high)
#   KEEP_RUNS     runs to keep in REPORTS_DIR (default: 13, a year and one)
#   GITHUB_STEP_SUMMARY  set by GitHub Actions: report.md is appended to it
set -euo pipefail

reports="${REPORTS_DIR:-reports}"
date="${REPORT_DATE:-$(date -u +%Y-%m-%d)}"
audit="${AUDIT:-audit}"
fail_on="${FAIL_ON:-high}"
keep="${KEEP_RUNS:-13}"
out="$reports/$date"
mkdir -p "$reports"

previous=$(ls -1d "$reports"/*/snapshot.json 2>/dev/null | grep -v "^$out/" | sort | tail -n 1 || true)
if [ -n "$previous" ]; then
  echo "comparing with the previous run: $previous"
else
  echo "no previous run in $reports: every finding counts as new"
fi

set +e
# shellcheck disable=SC2086 # AUDIT_ARGS is a list of arguments
"$audit" org ${AUDIT_ARGS:---regions all} --out-dir "$out" \
  --fail-on "$fail_on" --fail-on-new ${previous:+--previous "$previous" --verify-previous}
rc=$?
set -e

if [ -f "$out/report.md" ] && [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  cat "$out/report.md" >> "$GITHUB_STEP_SUMMARY"
fi

# Keep the newest runs only (the artifact carries them to next month).
ls -1d "$reports"/*/ 2>/dev/null | sort | head -n "-$keep" | xargs -r rm -rf

case "$rc" in
  0) echo "no new finding at or above $fail_on" ;;
  1) echo "new findings at or above $fail_on since the previous run: see $out/report.md" ;;
  *) echo "the audit could not run (exit $rc)" >&2 ;;
esac
exit "$rc"
