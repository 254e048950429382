#!/usr/bin/env bash
# Mutation testing of the files that hold the security rules (the list is in tests/Pyboxtech.Med.Tests/stryker-config.json):
# Stryker.NET changes one thing at a time in them (a > for a >=, a removed call...) and runs the tests that cover
# it; a change no test notices is a rule no test guards. Not part of .ci/run: about 30 minutes on 2 cores.
#
#   bash scripts/mutation.sh                     every file in the config
#   bash scripts/mutation.sh Auditing/AuditHash.cs   only the files given (paths under src/Pyboxtech.Med.Web/)
#
# Prints the score per file (killed or timed out, of the mutants some test covers) and every survivor, and exits
# non-zero when the score of the covered mutants is under PYBOX_MUTATION_BREAK (default 95). The HTML report is in
# artifacts/mutation/reports/.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/scripts/lib.sh"

postgres_bin >/dev/null
command -v python3 >/dev/null || apt_install python3

cd "$root"
dotnet tool restore >/dev/null

output="$root/artifacts/mutation"
rm -rf "$output"
mkdir -p "$output"

mutate=()
for file in "$@"; do
  mutate+=(--mutate "**/$file")
done

# The test project builds for the Microsoft Testing Platform only here (see its .csproj): Stryker needs it for
# per-test coverage of xunit v3, while dotnet test stays on VSTest.
export PYBOX_TEST_RUNNER=mtp
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
started=$(date +%s)
status=0
(cd tests/Pyboxtech.Med.Tests && dotnet stryker --skip-version-check --output "$output" "${mutate[@]}") || status=$?
elapsed=$(($(date +%s) - started))
if [ "$status" != 0 ] || [ ! -f "$output/reports/mutation-report.json" ]; then
  echo "Stryker failed (exit $status); its log: $output/logs/" >&2
  exit 1
fi

python3 - "$output/reports/mutation-report.json" "$elapsed" "${PYBOX_MUTATION_BREAK:-95}" <<'PY'
import json, sys
report, elapsed, limit = json.load(open(sys.argv[1])), int(sys.argv[2]), float(sys.argv[3])
columns = ["Killed", "Timeout", "Survived", "NoCoverage", "CompileError", "RuntimeError"]
rows, survivors, total = [], [], {c: 0 for c in columns}
for path, file in sorted(report["files"].items()):
    counts = {c: 0 for c in columns}
    for m in file["mutants"]:
        if m["status"] in counts:
            counts[m["status"]] += 1
            total[m["status"]] += 1
        if m["status"] in ("Survived", "NoCoverage"):
            line = m["location"]["start"]["line"]
            survivors.append(f'{m["status"]:<10} {path.split("Pyboxtech.Med.Web/")[-1]}:{line}  {m["mutatorName"]}: {m.get("replacement", "").splitlines()[0] if m.get("replacement") else ""}')
    if any(counts.values()):
        rows.append((path.split("Pyboxtech.Med.Web/")[-1], counts))

def score(c):
    covered = c["Killed"] + c["Timeout"] + c["Survived"]
    return 100.0 * (c["Killed"] + c["Timeout"]) / covered if covered else 100.0

header = f'{"File":<44} {"killed":>6} {"timeout":>7} {"survived":>8} {"no cov":>6} {"compile":>7} {"score":>6}'
print(header)
print("-" * len(header))
for name, c in rows + [("All", total)]:
    print(f'{name:<44} {c["Killed"]:>6} {c["Timeout"]:>7} {c["Survived"]:>8} {c["NoCoverage"]:>6} {c["CompileError"]:>7} {score(c):>5.1f}%')
print("score: killed or timed out, of the mutants some test covers. Run time: %d min %02d s." % divmod(elapsed, 60))
if survivors:
    print("\nNot caught by any test:")
    print("\n".join(survivors))
sys.exit(0 if score(total) >= limit else 1)
PY
