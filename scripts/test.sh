#!/usr/bin/env bash
# Runs every test of Pyboxtech-Med: integration tests against real PostgreSQL clusters the tests start themselves,
# browser journeys in Chromium, and the stop cases of scripts/run.sh. Installs PostgreSQL and Chromium first when they
# are missing (Debian, root). Arguments go to dotnet test (e.g. --filter NAME) and leave the run.sh cases out.
# Prints "N passed, N failed" at the end and exits non-zero when any test failed.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/scripts/lib.sh"

postgres_bin >/dev/null
ensure_chromium
ensure_webdav
ensure_caddy
ensure_age

results="$root/TestResults"
rm -rf "$results"
mkdir -p "$results"

cd "$root"
status=0
dotnet test Pyboxtech.Med.sln -c Release --logger "trx" --results-directory "$results" "$@" || status=$?

# Add up the counters of every TRX file (one per test project).
passed=0
failed=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  e=$(sed -n 's/.* error="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0} + ${e:-0}))
done

# The stop cases of run.sh (scripts/test-run-stop.sh: real run.sh, real signals, a real cluster), counted with the
# rest. Arguments select .NET tests (they go to dotnet test), so with arguments these cases are left out.
if [ $# -eq 0 ]; then
  bash "$root/scripts/test-run-stop.sh" | tee "$results/run-stop.log" || status=1
  summary=$(tail -n 1 "$results/run-stop.log")
  if [[ $summary =~ ^run\.sh\ stop\ cases:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
    passed=$((passed + BASH_REMATCH[1]))
    failed=$((failed + BASH_REMATCH[2]))
  else
    echo "The run.sh stop cases reported no result; counted as one failure." >&2
    failed=$((failed + 1))
    status=1
  fi
fi

projects=$(grep -l 'Microsoft.NET.Test.Sdk' "$root"/tests/*/*.csproj | wc -l)
trx_count=$(find "$results" -maxdepth 1 -name '*.trx' | wc -l)
if [ "$trx_count" -lt "$projects" ]; then
  echo "Only $trx_count of $projects test projects reported results." >&2
  status=1
fi
if [ "$passed" -eq 0 ]; then
  echo "No test ran." >&2
  status=1
fi
[ "$failed" -gt 0 ] && status=1

echo "Screenshots of the browser journeys: $results/screenshots"
echo "$passed passed, $failed failed"
exit "$status"
