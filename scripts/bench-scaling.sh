#!/usr/bin/env bash
# Throughput of one and two portal instances behind Caddy on this machine, for docs/scaling.md. A SHORT run (about
# 2 minutes in all): the machine is shared, so compare the rows of one run with each other, not with other runs.
#   bash scripts/bench-scaling.sh            (SECONDS_PER_CASE=15 by default; BENCH_PG_PORT=55497)
# A durable throwaway PostgreSQL cluster (fsync on), two portals (`Pyboxtech.Med.Benchmarks serve on PORT 50`: the real
# portal with 50 signed-in users, on one database and one key ring), Debian's Caddy with TLS from its internal CA
# balancing round robin as deploy/caddy/Caddyfile does, and wrk -t2 -c50 with the same Lua script as `bench.sh load`
# (each request one of the 50 people opening one of their pages).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/scripts/lib.sh"
seconds=${SECONDS_PER_CASE:-15}
port=${BENCH_PG_PORT:-55497}
bin=$(postgres_bin)
command -v wrk >/dev/null || apt_install wrk
ensure_caddy

dir=$(mktemp -d /tmp/pybox-scaling.XXXXXX)
[ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
pids=()
cleanup() {
  for p in "${pids[@]}"; do pkill -TERM -P "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done
  sleep 1
  for p in "${pids[@]}"; do pkill -KILL -P "$p" 2>/dev/null || true; kill -KILL "$p" 2>/dev/null || true; done
  as_postgres "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
as_postgres "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c shared_buffers=1GB -c max_connections=250" start >/dev/null
"$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qAt -v ON_ERROR_STOP=1 \
  -c "CREATE ROLE med_owner LOGIN PASSWORD 'bench'; CREATE ROLE med_app LOGIN PASSWORD 'bench';" -c "CREATE DATABASE bench OWNER med_owner"
conn() { echo "Host=127.0.0.1;Port=$port;Database=bench;Username=$1;Password=bench;Maximum Pool Size=100"; }

cd "$root"
dotnet build -c Release -nologo -v quiet tests/Pyboxtech.Med.Benchmarks >/dev/null
ConnectionStrings__Owner=$(conn med_owner) Database__RuntimeRole=med_app \
  dotnet src/Pyboxtech.Med.Web/bin/Release/net10.0/Pyboxtech.Med.Web.dll migrate >"$dir/migrate.log" 2>&1
bench="tests/Pyboxtech.Med.Benchmarks/bin/Release/net10.0/Pyboxtech.Med.Benchmarks.dll"
export PYBOX_BENCH_RUNTIME PYBOX_BENCH_HEADS="$dir/heads.log" DataProtection__CertificatePath="$dir/keyring.pfx"
PYBOX_BENCH_RUNTIME=$(conn med_app)

serve() { # PORT LOG: one instance; the first one creates the users and the key ring, the second reuses them
  (sleep 100000 | dotnet "$bench" serve on "$1" 50 >"$2" 2>&1) >/dev/null 2>&1 &
  pids+=($!)
  for _ in $(seq 1 240); do grep -q READY "$2" 2>/dev/null && break; sleep 0.5; done
  grep -q READY "$2" || { echo "the portal did not start:"; tail -n 30 "$2"; exit 1; }
}
serve 5631 "$dir/first.log"
serve 5632 "$dir/second.log"
sed -n 's/^COOKIE=//p' "$dir/first.log" >"$dir/cookies.txt"
export COOKIES="$dir/cookies.txt"

cat >"$dir/Caddyfile" <<EOF
{
	admin off
	skip_install_trust
	default_bind 127.0.0.1
	http_port 5640
	https_port 5643
	storage file_system $dir/caddy
}
https://localhost:5641 {
	tls internal
	reverse_proxy 127.0.0.1:5631
}
https://localhost:5642 {
	tls internal
	reverse_proxy 127.0.0.1:5631 127.0.0.1:5632 {
		lb_policy round_robin
		lb_try_duration 10s
		fail_duration 30s
	}
}
EOF
(HOME=$dir XDG_DATA_HOME=$dir/caddy-data XDG_CONFIG_HOME=$dir/caddy-config caddy run --config "$dir/Caddyfile" --adapter caddyfile >"$dir/caddy.log" 2>&1) &
pids+=($!)
for _ in $(seq 1 50); do curl -sk -o /dev/null https://localhost:5642/health && break; sleep 0.2; done

run() { # TITLE URL
  echo "== $1 (wrk -t2 -c50 -d${seconds}s; load average before: $(cut -d' ' -f1-3 /proc/loadavg))"
  wrk -t2 -c50 -d"${seconds}s" -s "$root/scripts/bench-load.lua" "$2" | grep -E "Requests/sec|Latency|statuses|Non-2xx|errors"
}
echo "Machine: $(nproc) cores; the load generator, Caddy, PostgreSQL and the portals all share them."
run "one instance, no proxy" http://127.0.0.1:5631/
run "one instance behind Caddy (TLS)" https://localhost:5641/
run "two instances behind Caddy (TLS, round robin)" https://localhost:5642/
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
