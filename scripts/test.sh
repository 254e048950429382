#!/usr/bin/env bash
# Runs every test of Pyboxtech-Med: integration tests against real PostgreSQL clusters the tests start themselves,
# and browser journeys in Chromium. Installs PostgreSQL and Chromium first when they are missing (Debian, root).
# Prints "N passed, N failed" at the end and exits non-zero when any test failed.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/scripts/lib.sh"

postgres_bin >/dev/null
ensure_chromium

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
