#!/usr/bin/env bash
# Runs every test project, one after another (the real-peer tests share 2 CPUs with testpmd and QEMU),
# and closes with one summary line: "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

dotnet build VSwitch.sln -c Release -warnaserror -nologo -v quiet || { echo "0 passed, 1 failed"; exit 1; }

passed=0; failed=0; skipped=0; status=0
# The docs name only files and sections that exist in the repository (counted as one test).
if scripts/check-docs.sh; then passed=1; else failed=1; status=1; fi
for proj in $(find tests -name '*.Tests.csproj' | sort); do
  name=$(basename "$proj" .csproj)
  log=$(mktemp)
  start=$(date +%s)
  # Minimal verbosity: failures and skips with their reasons, then one "Passed!/Failed! - Failed: N, Passed: N, ..." line.
  dotnet test "$proj" -c Release --no-build --nologo > "$log" 2>&1
  rc=$?
  grep -vE "^EAL" "$log" || true
  line=$(grep -E "(Passed|Failed)! +- +Failed: " "$log" | tail -1)
  f=$(sed -nE 's/.*Failed: +([0-9]+).*/\1/p' <<<"$line"); p=$(sed -nE 's/.*Passed: +([0-9]+).*/\1/p' <<<"$line"); s=$(sed -nE 's/.*Skipped: +([0-9]+).*/\1/p' <<<"$line")
  if [ -z "$line" ]; then f=1; p=0; s=0; echo "$name: no test summary (exit $rc)"; fi
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${s:-0}))
  if [ "$rc" -ne 0 ] || [ "${f:-1}" != 0 ]; then status=1; fi
  echo "$name: ${p:-0} passed, ${f:-0} failed, ${s:-0} skipped in $(( $(date +%s) - start )) s"
  rm -f "$log"
done
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
