#!/usr/bin/env bash
# Starts Pyboxtech-Med locally on http://localhost:5000 with its own PostgreSQL cluster in .local/ (git-ignored).
# First run: installs PostgreSQL if missing, creates the cluster, the owner and runtime roles (random passwords kept
# in .local/credentials.env) and the database. Every run: applies migrations, starts the portal. Ctrl-C stops both.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/scripts/lib.sh"

port=${MED_PG_PORT:-55432}
url=${MED_URL:-http://localhost:5000}
local_dir="$root/.local"
mkdir -p "$local_dir"
pg_dir="$local_dir/postgres"
bin=$(postgres_bin)

if [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -x "$local_dir"; then
  # The postgres user cannot reach a checkout under a private home folder; keep the cluster beside it in /var/lib.
  pg_dir="/var/lib/pyboxtech-med/$(printf '%s' "$root" | sha1sum | cut -c1-12)"
  echo "Note: the postgres user cannot enter $root; the cluster lives in $pg_dir" >&2
fi
mkdir -p "$pg_dir"
[ "$(id -u)" = 0 ] && chown postgres:postgres "$pg_dir"

psql_admin() { as_postgres "$bin/psql" -h "$pg_dir" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt "$@"; }

if [ ! -f "$pg_dir/data/PG_VERSION" ]; then
  echo "Creating the local PostgreSQL cluster in $pg_dir ..."
  as_postgres "$bin/initdb" -D "$pg_dir/data" -U postgres --auth-local=peer --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
fi

started_here=0
stop_postgres() {
  if [ "$started_here" = 1 ]; then
    echo "Stopping the local PostgreSQL cluster..."
    as_postgres "$bin/pg_ctl" -D "$pg_dir/data" -m fast -w stop >/dev/null || true
  fi
}
trap stop_postgres EXIT

if ! as_postgres "$bin/pg_ctl" -D "$pg_dir/data" status >/dev/null 2>&1; then
  as_postgres "$bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/postgres.log" -w \
    -o "-p $port -k $pg_dir -c listen_addresses=127.0.0.1" start >/dev/null
  started_here=1
fi

credentials="$local_dir/credentials.env"
if [ ! -f "$credentials" ]; then
  umask 077
  {
    echo "MED_OWNER_PASSWORD=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')"
    echo "MED_APP_PASSWORD=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')"
  } >"$credentials"
fi
. "$credentials"

if [ "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = 'med_owner'")" != 1 ]; then
  echo "Creating database roles and the database..."
  psql_admin -v owner_pw="$MED_OWNER_PASSWORD" -v app_pw="$MED_APP_PASSWORD" <<'SQL'
CREATE ROLE med_owner LOGIN PASSWORD :'owner_pw';
CREATE ROLE med_app LOGIN PASSWORD :'app_pw';
CREATE DATABASE pyboxtech_med OWNER med_owner;
\c pyboxtech_med
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
SQL
fi

export ConnectionStrings__Owner="Host=127.0.0.1;Port=$port;Database=pyboxtech_med;Username=med_owner;Password=$MED_OWNER_PASSWORD"
export ConnectionStrings__Runtime="Host=127.0.0.1;Port=$port;Database=pyboxtech_med;Username=med_app;Password=$MED_APP_PASSWORD"
# "Local": plain HTTP on localhost and readable logs, but the same friendly error pages as production (Development
# would show stack traces to whoever hits an error).
export ASPNETCORE_ENVIRONMENT=${ASPNETCORE_ENVIRONMENT:-Local}
export ASPNETCORE_URLS="$url"
export Audit__HeadFile="$local_dir/audit-heads.log"
export DataProtection__CertificatePath="$local_dir/keyring.pfx"

cd "$root/src/Pyboxtech.Med.Web"
dotnet build -c Release -nologo -v quiet
echo "Applying migrations..."
ConnectionStrings__Runtime="" Database__RuntimeRole=med_app dotnet run -c Release --no-build --no-launch-profile -- migrate
echo "Starting Pyboxtech-Med on $url (Ctrl-C stops the portal and the database)."
echo "On first start the log below prints the setup address with its one-time token."
# The portal runs as a child so that Ctrl-C stops it first and PostgreSQL only after it has finished: on the way out
# it writes the last audit chain head, which needs the database.
dotnet bin/Release/net10.0/Pyboxtech.Med.Web.dll &
portal=$!
trap 'kill -TERM "$portal" 2>/dev/null || true' INT TERM
wait "$portal" || true
wait "$portal" 2>/dev/null || true
