#!/usr/bin/env bash
# Mutation testing of the files that hold the security and clinic rules: Stryker.NET changes one thing at a time in
# them (a > for a >=, a removed call...) and runs the tests that cover it; a change no test notices is a rule no test
# guards. The files and the test classes that guard each are listed in tests/Pyboxtech.Med.Tests/mutation-rules.json;
# only those tests run. Not part of .ci/run: on 2 cores, 10 minutes for a pure rule, 27 to 70 minutes for two to
# four services portal tests cover, several hours for all (docs/testing.md, "Where the time goes").
#
#   bash scripts/mutation.sh                         every rule file
#   bash scripts/mutation.sh Auditing/AuditHash.cs   only the files given (paths under src/Pyboxtech.Med.Web/)
#   bash scripts/mutation.sh Auditing/               every rule file in a folder
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

# The run's configuration: Stryker's options, the files asked for (all by default) and a filter naming their guards.
python3 - "$root/tests/Pyboxtech.Med.Tests" "$output/stryker-config.json" "$@" <<'PY'
import json, sys
folder, target, asked = sys.argv[1], sys.argv[2], sys.argv[3:]
rules = json.load(open(f"{folder}/mutation-rules.json"))["rules"]
# A name ending in "/" asks for every rule file in that folder ("Auditing/", "Modules/Appointments/").
def picks(name, rule):
    return rule["file"].startswith(name) if name.endswith("/") else rule["file"] == name
unknown = [f for f in asked if not any(picks(f, r) for r in rules)]
if unknown:
    sys.exit(f"Not a rule file or a folder of rule files in mutation-rules.json: {', '.join(unknown)}")
chosen = [r for r in rules if not asked or any(picks(f, r) for f in asked)]
tests = sorted({t for r in chosen for t in r["tests"]})
config = json.load(open(f"{folder}/stryker-config.json"))
config["stryker-config"]["mutate"] = ["**/" + r["file"] for r in chosen]
config["stryker-config"]["test-case-filter"] = "|".join(f"FullyQualifiedName~.{t}." for t in tests)
json.dump(config, open(target, "w"), indent=2)
print(f"{len(chosen)} rule files, guarded by {len(tests)} test classes")
PY

# The test project builds for the Microsoft Testing Platform only here (see its .csproj): Stryker needs it for
# per-test coverage of xunit v3, while dotnet test stays on VSTest.
export PYBOX_TEST_RUNNER=mtp
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
started=$(date +%s)
status=0
# PYBOX_STRYKER_ARGS passes more options to Stryker, e.g. "--verbosity debug --log-to-file" to see, in
# artifacts/mutation/logs/, which test covered what and why a test's coverage was not captured.
read -ra extra <<<"${PYBOX_STRYKER_ARGS:-}"
(cd tests/Pyboxtech.Med.Tests && dotnet stryker --skip-version-check --config-file "$output/stryker-config.json" --output "$output" "${extra[@]}") || status=$?
elapsed=$(($(date +%s) - started))
if [ "$status" != 0 ] || [ ! -f "$output/reports/mutation-report.json" ]; then
  echo "Stryker failed (exit $status); its log: $output/logs/" >&2
  exit 1
fi

python3 - "$output/reports/mutation-report.json" "$elapsed" "${PYBOX_MUTATION_BREAK:-95}" <<'PY'
import json, sys
report, elapsed, limit = json.load(open(sys.argv[1])), int(sys.argv[2]), float(sys.argv[3])
columns = ["Killed", "Timeout", "Survived", "NoCoverage", "CompileError", "RuntimeError", "Marked"]
rows, survivors, total = [], [], {c: 0 for c in columns}
for path, file in sorted(report["files"].items()):
    counts = {c: 0 for c in columns}
    for m in file["mutants"]:
        # Ignored by a "// Stryker disable" comment in the code (an equivalent mutant, or one Stryker cannot switch on,
        # the reason beside it), as opposed to Stryker's own filters ("Removed by ..."): shown, not counted in the score.
        if m["status"] == "Ignored" and not (m.get("statusReason") or "").startswith("Removed by"):
            m["status"] = "Marked"
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

header = f'{"File":<44} {"killed":>6} {"timeout":>7} {"survived":>8} {"no cov":>6} {"compile":>7} {"marked":>6} {"score":>6}'
print(header)
print("-" * len(header))
for name, c in rows + [("All", total)]:
    print(f'{name:<44} {c["Killed"]:>6} {c["Timeout"]:>7} {c["Survived"]:>8} {c["NoCoverage"]:>6} {c["CompileError"]:>7} {c["Marked"]:>6} {score(c):>5.1f}%')
print("score: killed or timed out, of the mutants some test covers. marked: left out by a Stryker comment in the code")
print("that gives the reason (equivalent, or one Stryker cannot switch on): not tested, not counted. Run time: %d min %02d s." % divmod(elapsed, 60))
if survivors:
    print("\nNot caught by any test:")
    print("\n".join(survivors))

# A guard class none of whose tests reported coverage was never run against any mutant: the mutants it would have
# killed show as survivors or "no coverage". Stryker 5.1.0's per-test capture lost whole classes in runs with many of
# them (docs/testing.md); say so, so that nobody reads such a survivor as a missing test.
names = {t["id"]: t["name"] for f in report.get("testFiles", {}).values() for t in f["tests"]}
covering = {names.get(t) for f in report["files"].values() for m in f["mutants"] for t in (m.get("coveredBy") or [])}
classes = {}
for name in names.values():
    classes.setdefault(name.rsplit(".", 1)[0], set()).add(name)
silent = sorted(c.rsplit(".", 1)[-1] for c, tests in classes.items() if not tests & covering)
if silent:
    print("\nWARNING: these guard classes reported no coverage at all, so no mutant was tested against them; the")
    print("survivors and 'no coverage' of the files they guard are not to be trusted. Run those files alone:")
    print("  " + ", ".join(silent))
sys.exit(0 if score(total) >= limit and not silent else 1)
PY
