#!/usr/bin/env bash
# Benchmarks for docs/benchmarks.md, on a durable throwaway PostgreSQL cluster
# (fsync, synchronous_commit and full_page_writes at their defaults: on). Not part of the test suite: no timing
# belongs in a test.
#   bash scripts/bench.sh [all|audit|query|access|load|peer|clinical|appointments|documents]
#     audit:  the audit trail (issue 3), about 10 minutes; QUERY_ROWS (10000000) and VERIFY_ROWS (1000000) size it
#     query:  only the audit viewer queries on QUERY_ROWS rows
#     access: the permission check and patient search (issue 4), about 3 minutes; PATIENTS (100000) sizes it
#     load:   50 signed-in users for 2 minutes, PostgreSQL stopped for 10 s under load, the portal restarted under
#             load (issue 7), about 5 minutes
#     peer:   our portal beside the stock `dotnet new mvc --auth Individual` app and a one-INSERT floor, the same wrk
#             settings for every case (issue 14; scripts/bench-peer.sh), about 12 minutes; not part of "all";
#             PEER_CASES=records: only the patient page and the same patient's clinical record (issue 16), about 5 minutes
#     clinical: clinical records behind patient-level access (issue 16): PATIENTS (100000) patients, 50 clinicians in
#             8 care teams, NOTES (2000000) signed notes; opening a record, the "patients I may open" search, one
#             patient-level check, and the plans of their statements; about 10 minutes; not part of "all"
#     appointments: appointments and billing (issue 17): PATIENTS (100000) patients, 40 practitioners, APPOINTMENTS
#             (1000000) appointments over 3 years; day view, free-slot finder (then again with the proposed index),
#             32 bookings of one slot at once over HTTP, 1,000 invoices against a reference; ITERATIONS (40) timed runs;
#             a few minutes; not part of "all"
#     documents: documents in Nextcloud over WebDAV (issue 18): Apache mod_dav_fs (the tests' WebDavServer), the portal
#             in its own process; a 200 MB upload and download through the portal (its VmRSS/VmHWM over idle) against
#             curl straight to the WebDAV server, 2 alternating rounds; the list of a patient with 500 documents over
#             HTTP; about 2 minutes; not part of "all"
# BENCH_KEEP=1 keeps the run's folder (server logs, wrk outputs); BENCH_PG_PORT (55499) moves the cluster.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/scripts/lib.sh"
mode=${1:-all}
query_rows=${QUERY_ROWS:-10000000}
verify_rows=${VERIFY_ROWS:-1000000}
patients=${PATIENTS:-100000}
notes=${NOTES:-2000000}
appointments=${APPOINTMENTS:-1000000}
bin=$(postgres_bin)
export PYBOX_BENCH_RUNTIME PYBOX_BENCH_SUPERUSER
command -v wrk >/dev/null || apt_install wrk

dir=$(mktemp -d /tmp/pybox-bench.XXXXXX)
[ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
port=${BENCH_PG_PORT:-55499}
if command -v ss >/dev/null && [ -n "$(ss -Hltn "sport = :$port")" ]; then
  echo "bench.sh: port $port is in use (another benchmark?); choose another with BENCH_PG_PORT." >&2
  exit 1
fi
# The peer benchmark counts statements per request with pg_stat_statements; the other modes run without it.
pg_extra=
[ "$mode" = peer ] && pg_extra="-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track_utility=on"
as_postgres "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
pids=()
cleanup() {
  # Only what this script started, by process id: each server, and the children of its subshell (sleep | dotnet).
  for p in "${pids[@]}"; do pkill -TERM -P "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done
  for _ in $(seq 1 40); do
    alive=0
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.25
  done
  for p in "${pids[@]}"; do pkill -KILL -P "$p" 2>/dev/null || true; kill -KILL "$p" 2>/dev/null || true; done
  as_postgres "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  if [ -n "${BENCH_KEEP:-}" ]; then
    echo "bench.sh: kept $dir (logs, wrk outputs, request files); remove it when done." >&2
  else
    rm -rf "$dir"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c shared_buffers=2GB -c max_connections=200 $pg_extra" start >/dev/null

psql_admin() { "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt "$@"; }
psql_admin -c "CREATE ROLE med_owner LOGIN PASSWORD 'bench'; CREATE ROLE med_app LOGIN PASSWORD 'bench';"
conn() { echo "Host=127.0.0.1;Port=$port;Database=$1;Username=$2;Password=bench;Maximum Pool Size=100"; }

cd "$root"
dotnet build -c Release -nologo -v quiet tests/Pyboxtech.Med.Benchmarks >/dev/null
web="src/Pyboxtech.Med.Web/bin/Release/net10.0/Pyboxtech.Med.Web.dll"
bench="tests/Pyboxtech.Med.Benchmarks/bin/Release/net10.0/Pyboxtech.Med.Benchmarks.dll"
make_db() {
  psql_admin -c "CREATE DATABASE $1 OWNER med_owner"
  psql_admin -d "$1" -c "REVOKE CREATE ON SCHEMA public FROM PUBLIC"
  ConnectionStrings__Owner="$(conn "$1" med_owner)" Database__RuntimeRole=med_app dotnet "$web" migrate >/dev/null
}

echo "== machine: $(nproc) cores, PostgreSQL $("$bin/postgres" --version | awk '{print $3}'), fsync on, $(date -u +%FT%TZ)"

if [ "$mode" = all ] || [ "$mode" = audit ]; then
make_db bench_append
PYBOX_BENCH_RUNTIME=$(conn bench_append med_app)
if [ -z "${SKIP_AB:-}" ]; then
echo "== (b) appending rows, 32 concurrent writers"
dotnet "$bench" append 32 10
echo "== (c) verifying the chain"
dotnet "$bench" verify "$verify_rows"
fi

echo "== (a) signed-in dashboard, wrk -t2 -c32 -d15s, auditing on vs off (after a 5 s warm-up each; alternating rounds, same database)"
start_server() { # on|off PORT: the portal on PORT, signed in once; its log holds the cookie
  (sleep 100000 | dotnet "$bench" serve "$1" "$2" >"$dir/serve-$1.log" 2>&1) >/dev/null 2>&1 &
  pids+=($!)
}
cookie_of() { # on|off
  for _ in $(seq 1 120); do grep -q READY "$dir/serve-$1.log" 2>/dev/null && break; sleep 0.5; done
  sed -n 's/^COOKIE=//p' "$dir/serve-$1.log"
}
start_server on 5601
cookie_on=$(cookie_of on)     # one after the other: the first creates the benchmark user
start_server off 5602
cookie_off=$(cookie_of off)
for audit_mode in on off; do   # not $mode: the sections below still read it
  grep -q READY "$dir/serve-$audit_mode.log" || { echo "the '$audit_mode' portal did not start:"; tail -n 30 "$dir/serve-$audit_mode.log"; exit 1; }
done
run_wrk() { wrk -t2 -c32 -d15s -H "Cookie: $2" "http://127.0.0.1:$1/" | awk -v label="$3" '
  /Requests\/sec/ {rps=$2} /Non-2xx/ {bad=$NF} /Latency/ && !lat {lat=$2}
  END {printf "%s: %s requests/s, average latency %s, non-2xx %s\n", label, rps, lat, (bad==""?0:bad)}'; }
wrk -t2 -c32 -d5s -H "Cookie: $cookie_on" "http://127.0.0.1:5601/" >/dev/null   # warm-up: JIT, pools, caches
wrk -t2 -c32 -d5s -H "Cookie: $cookie_off" "http://127.0.0.1:5602/" >/dev/null
for round in 1 2 3; do
  run_wrk 5601 "$cookie_on" "round $round audit on "
  run_wrk 5602 "$cookie_off" "round $round audit off"
done

fi

if [ "$mode" = all ] || [ "$mode" = audit ] || [ "$mode" = query ]; then
make_db bench_query
export PYBOX_BENCH_RUNTIME; PYBOX_BENCH_RUNTIME=$(conn bench_query med_app)
export PYBOX_BENCH_SUPERUSER="Host=127.0.0.1;Port=$port;Database=bench_query;Username=postgres"
echo "== (d) viewer queries, first page, on $query_rows rows"
dotnet "$bench" query "$query_rows"
fi

if [ "$mode" = all ] || [ "$mode" = access ]; then
  make_db bench_access
  PYBOX_BENCH_RUNTIME=$(conn bench_access med_app)
  export PYBOX_BENCH_SUPERUSER="Host=127.0.0.1;Port=$port;Database=bench_access;Username=postgres"
  echo "== issue 4: one permission check with the matrix cached (BenchmarkDotNet, in-process, short run)"
  (cd "$dir" && dotnet "$root/$bench" permission --filter '*' >"$dir/permission.log" 2>&1) || { tail -n 40 "$dir/permission.log"; exit 1; }
  grep -E '^\|' "$dir/permission.log" | grep -v '^\|-' || tail -n 40 "$dir/permission.log"
  echo "== issue 4: patient search on $patients patients, 40 timed runs per query"
  dotnet "$bench" patients "$patients"
fi

if [ "$mode" = all ] || [ "$mode" = load ]; then
  make_db bench_load
  PYBOX_BENCH_RUNTIME=$(conn bench_load med_app)
  sql_load() { "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d bench_load -qAt -c "$1"; }
  start_load_server() { # PORT LOG
    (sleep 100000 | dotnet "$bench" serve on "$1" 50 >"$2" 2>&1) >/dev/null 2>&1 &
    for _ in $(seq 1 240); do grep -q READY "$2" 2>/dev/null && break; sleep 0.5; done
    grep -q READY "$2" || { echo "the portal did not start:"; tail -n 30 "$2"; exit 1; }
  }
  granted() { sql_load "SELECT count(*) FROM audit.events WHERE event_type = 2000"; }
  start_load_server 5621 "$dir/load-1.log"
  sed -n 's/^COOKIE=//p' "$dir/load-1.log" >"$dir/cookies.txt"
  export COOKIES="$dir/cookies.txt"

  echo "== issue 7: 50 signed-in users browsing for 2 minutes (wrk -t2 -c50 -d120s)"
  before=$(granted)
  wrk -t2 -c50 -d120s -s "$root/scripts/bench-load.lua" http://127.0.0.1:5621/ | grep -E "requests in|Requests/sec|Latency|statuses|Non-2xx|errors"
  sleep 2
  echo "audit rows (request granted) written during the run: $(( $(granted) - before ))"

  echo "== issue 7: PostgreSQL stopped for 10 s under load (wrk -t2 -c50 -d40s; stop at 10 s, start at 20 s)"
  before=$(granted)
  (sleep 10; as_postgres "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null; echo "  postgres stopped at $(date +%T)"; sleep 10;
   as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c shared_buffers=2GB -c max_connections=200" start >/dev/null;
   echo "  postgres started at $(date +%T)") &
  outage=$!
  wrk -t2 -c50 -d40s -s "$root/scripts/bench-load.lua" http://127.0.0.1:5621/ | grep -E "requests in|statuses|errors"
  wait "$outage"
  sleep 2
  echo "audit rows (request granted) written during the run: $(( $(granted) - before ))"

  echo "== issue 7: the portal restarted under load (wrk -t2 -c50 -d40s; killed at 10 s, started again at once)"
  before=$(granted)
  (sleep 10; pkill -f "Benchmarks.dll serve on 5621" ; echo "  portal stopped at $(date +%T)";
   start_load_server 5621 "$dir/load-2.log"; echo "  portal serving again at $(date +%T)") &
  restart=$!
  wrk -t2 -c50 -d40s -s "$root/scripts/bench-load.lua" http://127.0.0.1:5621/ | grep -E "requests in|statuses|errors"
  wait "$restart"
  sleep 2
  echo "audit rows (request granted) written during the run: $(( $(granted) - before ))"
  echo "sessions still valid after the restart (the old cookies, one request each):"
  ok=0; while read -r cookie; do
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $cookie" http://127.0.0.1:5621/); [ "$code" = 200 ] && ok=$((ok + 1))
  done <"$dir/cookies.txt"; echo "  $ok of $(wc -l <"$dir/cookies.txt") answered 200"
fi

if [ "$mode" = clinical ]; then
  make_db bench_clinical
  PYBOX_BENCH_RUNTIME=$(conn bench_clinical med_app)
  export PYBOX_BENCH_SUPERUSER="Host=127.0.0.1;Port=$port;Database=bench_clinical;Username=postgres"
  echo "== issue 16: seeding $patients patients, 50 clinicians in 8 care teams, $notes signed notes (set-based SQL as the superuser)"
  dotnet "$bench" clinical-seed "$patients" "$notes" | grep -v 'setup token'
  echo "== issue 16: measurements in process on the seeded database (load average before: $(cut -d' ' -f1-3 /proc/loadavg))"
  dotnet "$bench" clinical
  echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
fi

if [ "$mode" = appointments ]; then
  make_db bench_appointments
  PYBOX_BENCH_RUNTIME=$(conn bench_appointments med_app)
  export PYBOX_BENCH_SUPERUSER="Host=127.0.0.1;Port=$port;Database=bench_appointments;Username=postgres"
  echo "== issue 17: seeding $patients patients, 40 practitioners, $appointments appointments (set-based SQL as the superuser); uptime: $(uptime)"
  dotnet "$bench" appointments-seed "$patients" "$appointments" | grep -v 'setup token'
  echo "== issue 17: measurements (in process and over HTTP on 127.0.0.1:${BENCH_WEB_PORT:-5641}); uptime: $(uptime)"
  dotnet "$bench" appointments "${BENCH_WEB_PORT:-5641}" "${ITERATIONS:-40}"
  # Which losers of the race reached the INSERT and were refused by the exclusion constraint itself (PostgreSQL logs each).
  echo "exclusion-constraint refusals in the PostgreSQL log: $(grep -c 'ex_appointments_no_double_booking' "$dir/log" || true)"
  echo "== uptime after: $(uptime)"
fi

if [ "$mode" = documents ]; then
  ensure_webdav
  command -v curl >/dev/null || apt_install curl
  make_db bench_documents
  PYBOX_BENCH_RUNTIME=$(conn bench_documents med_app)
  export PYBOX_BENCH_SUPERUSER="Host=127.0.0.1;Port=$port;Database=bench_documents;Username=postgres"
  echo "== issue 18: documents over WebDAV (portal on 127.0.0.1:${BENCH_WEB_PORT:-5651}); uptime: $(uptime)"
  dotnet "$bench" documents "${BENCH_WEB_PORT:-5651}"
  echo "== uptime after: $(uptime)"
fi

if [ "$mode" = peer ]; then
  # shellcheck source=scripts/bench-peer.sh
  . "$root/scripts/bench-peer.sh"
fi
