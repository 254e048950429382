#!/usr/bin/env bash
# Pyboxtech-Med on this machine, with its own PostgreSQL cluster (state in .local/, git-ignored).
#
#   bash scripts/run.sh                    start the portal on http://localhost:5000; Ctrl-C stops it and the database
#   bash scripts/run.sh psql [ARGS]        psql on the portal's database as the owner role med_owner (ARGS go to psql)
#   bash scripts/run.sh verify-audit [--heads FILE] [--max-breaks N]
#                                          check the audit chain against .local/audit-heads.log (or FILE): the compose
#                                          command `docker compose exec app dotnet Pyboxtech.Med.Web.dll verify-audit`;
#                                          its exit code is passed on: 0 intact, 2 broken, 3 intact but no saved head
#                                          to compare (only internal consistency checked), 4 intact but the head file
#                                          has malformed lines, 5 the trail ends before the saved heads (an older
#                                          backup restored, or rows removed from the end), 1 no trail or other
#                                          failure, 64 options not understood
#   bash scripts/run.sh with-database CMD [ARGS]
#                                          run CMD while the cluster is up (created first if need be: roles, empty
#                                          database), with MED_PG_BIN, MED_PG_SOCKET, MED_PG_PORT, MED_PG_ADMIN (the
#                                          superuser, over the socket with peer authentication: as_postgres) and
#                                          MED_STATE_DIR set; used by scripts/backup.sh and scripts/restore.sh
#
# psql and verify-audit use the cluster as it is while the portal runs; otherwise they start it for the command and
# stop it afterwards. Whichever run.sh is the last one using the cluster stops it, however it ends: Ctrl-C, SIGTERM,
# a closed terminal (SIGHUP), a closed pipe (`run.sh | head`), or a portal that cannot start.
#
# First run: installs PostgreSQL if missing, creates the cluster, the owner and runtime roles (random passwords kept in
# .local/credentials.env) and the database. Every start of the portal: builds it, applies migrations, starts it.
#
# Environment: MED_URL (portal address, default http://localhost:5000), MED_PG_PORT (cluster port, default 55432),
# MED_STATE_DIR (cluster, credentials, key ring certificate and audit heads; default .local/ in the checkout),
# MED_NO_BUILD=1 (start the portal as last built, e.g. by scripts/test.sh, instead of building it first).
# shellcheck disable=SC2317  # finish, on_signal and their helpers run from traps
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$root/scripts/lib.sh"

usage() {
  cat <<'EOF'
Usage: bash scripts/run.sh                      start the portal (Ctrl-C stops it and the database)
       bash scripts/run.sh psql [PSQL ARGS]     psql on the local database as med_owner
       bash scripts/run.sh verify-audit [--heads FILE] [--max-breaks N]
                                                check the audit chain against .local/audit-heads.log (or FILE)
       bash scripts/run.sh with-database CMD [ARGS] run CMD while the cluster is up (backup.sh, restore.sh)
Environment: MED_URL (http://localhost:5000), MED_PG_PORT (55432), MED_STATE_DIR (.local/ in the checkout),
             MED_NO_BUILD=1 (start the portal as last built)
EOF
}

command=serve
if [ $# -gt 0 ]; then
  case $1 in
    psql | verify-audit | with-database) command=$1; shift ;;
    -h | --help | help) usage; exit 0 ;;
    *) echo "run.sh: unknown command '$1'" >&2; usage >&2; exit 64 ;;
  esac
fi

port=${MED_PG_PORT:-55432}
url=${MED_URL:-http://localhost:5000}
state_dir=${MED_STATE_DIR:-$root/.local}
mkdir -p "$state_dir"
state_dir=$(cd "$state_dir" && pwd)
pg_dir="$state_dir/postgres"
in_var_lib=0
if [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -x "$state_dir"; then
  # The postgres user cannot reach a checkout under a private home folder; keep the cluster in /var/lib instead, under
  # a hash of the checkout (of the state folder when MED_STATE_DIR moves it), so every checkout has its own.
  key=$root
  [ "$state_dir" = "$root/.local" ] || key=$state_dir
  pg_dir="/var/lib/pyboxtech-med/$(printf '%s' "$key" | sha1sum | cut -c1-12)"
  in_var_lib=1
fi
web="$root/src/Pyboxtech.Med.Web"
dll="$web/bin/Release/net10.0/Pyboxtech.Med.Web.dll"

# Messages of the script: on stdout while serving (with the portal's log), on stderr for psql and verify-audit so that
# their own output stays clean. A message that cannot be written (closed pipe, closed terminal) is no reason to stop
# half-way.
if [ "$command" = serve ]; then
  # Everything printed to stdout goes through this relay. When nobody reads any more (`run.sh | head` after its lines,
  # a closed terminal) its write fails and it asks the script to stop (USR1), then keeps draining so that the portal
  # and the script never block or fail on their output while they shut down. It ignores Ctrl-C and hang-ups: it ends
  # when the last writer is gone, after the last message.
  trap '' PIPE
  exec 3>&1
  exec > >(
    trap '' INT HUP TERM QUIT
    if ! cat >&3 2>/dev/null; then
      kill -USR1 "$$" 2>/dev/null
      cat >/dev/null
    fi
  )
  relay=$!
  exec 3>&- 5>&1
else
  relay=
  exec 5>&2
fi
note() { printf '%s\n' "$*" >&5 2>/dev/null || true; }
warn() { printf '%s\n' "$*" >&2 2>/dev/null || true; }

bin=$(postgres_bin)
data="$pg_dir/data"
credentials="$state_dir/credentials.env"
users_dir="$state_dir/run.users"

# --- Who uses the cluster -----------------------------------------------------------------------------------------
# Every run.sh (portal, psql, verify-audit) registers in run.users/ while it uses the cluster; the last one to leave
# stops it, so psql started before the portal cannot stop the database under it. run.lock serialises starting,
# registering, leaving and stopping. Entries hold the process start time, so a stale one (run.sh killed with
# SIGKILL) is recognised even when its process id has been reused.
exec 8>>"$state_dir/run.lock"
lock() {
  if ! flock -n 8; then
    note "Waiting for another run.sh of this checkout to finish starting or stopping the database..."
    flock 8
  fi
}
unlock() { flock -u 8; }
start_time() {
  local stat fields
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  read -ra fields <<<"${stat##*) }"
  printf '%s\n' "${fields[19]}"
}
other_users() {
  local entry pid count=0
  for entry in "$users_dir"/*; do
    [ -f "$entry" ] || continue
    pid=${entry##*/}
    [ "$pid" = "$$" ] && continue
    if [ "$(start_time "$pid" || true)" = "$(cat "$entry" 2>/dev/null)" ]; then
      count=$((count + 1))
    else
      rm -f "$entry"
    fi
  done
  echo "$count"
}
cluster_running() { as_postgres "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; }
port_in_use() {
  if command -v ss >/dev/null; then
    [ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]
  else
    (exec 6<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
  fi
}
# The cluster's superuser, reached over the socket with peer authentication: postgres when run as root (the cluster
# runs as postgres), the user's own name otherwise (peer authentication wants the two names equal).
admin_role=postgres
[ "$(id -u)" = 0 ] || admin_role=$(id -un)
psql_admin() { as_postgres "$bin/psql" -h "$pg_dir" -p "$port" -U "$admin_role" -d postgres -v ON_ERROR_STOP=1 -qAt; }

# Children that may outlive run.sh (PostgreSQL, build servers) are started without fds 5 (the relay, which would then
# hold the terminal or pipe open) and 8 (the lock).

# --- Stopping -------------------------------------------------------------------------------------------------------
registered=0
started_cluster=0
tmp_credentials=
child=
stop_requested=0
finish() {
  local status=$?
  set +e
  trap '' INT TERM HUP USR1
  if [ -n "$child" ] && kill -0 "$child" 2>/dev/null; then
    kill -TERM "$child" 2>/dev/null
    wait_child 30
  fi
  [ -n "$tmp_credentials" ] && rm -f "$tmp_credentials"
  if [ "$registered" = 1 ]; then
    lock
    rm -f "$users_dir/$$"
    if cluster_running; then
      if [ "$(other_users)" = 0 ]; then
        note "Stopping the local PostgreSQL cluster..."
        as_postgres "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null 8>&-
      elif [ "$command" = serve ]; then
        note "The local PostgreSQL cluster keeps running: another run.sh of this checkout uses it."
      fi
    fi
    unlock
  fi
  if [ -n "$relay" ]; then
    # Let the relay print the last lines before the shell prompt comes back (at most 5 s on a loaded machine).
    exec >&- 5>&-
    for _ in $(seq 50); do kill -0 "$relay" 2>/dev/null || break; sleep 0.1; done
  fi
  exit "$status"
}
trap finish EXIT

# A signal stops the current child (build, migrations, portal) at once; the script then ends through finish().
on_signal() {
  stop_requested=1
  [ "$1" = USR1 ] && warn "run.sh: nobody reads its output any more; stopping the portal and the database."
  if [ -n "$child" ] && kill -0 "$child" 2>/dev/null; then
    kill -TERM "$child" 2>/dev/null || true
  else
    exit "$2"
  fi
}
trap 'on_signal INT 130' INT
trap 'on_signal TERM 143' TERM
trap 'on_signal HUP 129' HUP
trap 'on_signal USR1 141' USR1

# Waits for the background child, through signals, for at most $1 seconds (0: no limit); returns its exit status.
wait_child() {
  local limit=${1:-0} waited=0 status=0
  while kill -0 "$child" 2>/dev/null; do
    if [ "$limit" -gt 0 ]; then
      sleep 1 & wait $! 2>/dev/null || true
      waited=$((waited + 1))
      if [ "$waited" -ge "$limit" ]; then
        kill -KILL "$child" 2>/dev/null || true
      fi
    else
      wait "$child" 2>/dev/null || true
    fi
  done
  wait "$child" 2>/dev/null || status=$?
  child=
  return "$status"
}

# Prints the ports of MED_URL (one or more addresses separated by ';').
url_ports() {
  local address hostport
  local -a addresses
  IFS=';' read -ra addresses <<<"$url"
  for address in "${addresses[@]}"; do
    hostport=${address#*://}
    hostport=${hostport%%/*}
    case $hostport in
      *\]:* | [!\[]*:*) echo "${hostport##*:}" ;;
      *) case $address in https:*) echo 443 ;; *) echo 80 ;; esac ;;
    esac
  done
}
portal_port_taken() {
  local p
  for p in $(url_ports); do
    if port_in_use "$p"; then
      warn "run.sh: port $p of the portal's address $url is in use by another program (or a portal already running)."
      warn "Stop that program, or start the portal elsewhere with MED_URL, e.g.: MED_URL=http://localhost:$((p + 1)) bash scripts/run.sh"
      return 0
    fi
  done
  return 1
}

if [ "$command" = serve ] && portal_port_taken; then
  exit 1
fi

# --- The cluster, the credentials, the roles and the database -------------------------------------------------------
lock
mkdir -p "$pg_dir" "$users_dir"
[ "$(id -u)" = 0 ] && chown postgres:postgres "$pg_dir"
[ "$in_var_lib" = 1 ] && printf '%s\n' "$state_dir" >"$pg_dir.checkout"
start_time $$ >"$users_dir/$$"
registered=1

if [ ! -f "$data/PG_VERSION" ]; then
  note "Creating the local PostgreSQL cluster in $pg_dir ..."
  rm -rf "$data"
  as_postgres "$bin/initdb" -D "$data" -U "$admin_role" --auth-local=peer --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
fi

if cluster_running; then
  running_port=$(sed -n 4p "$data/postmaster.pid" 2>/dev/null || true)
  if [ -n "$running_port" ] && [ "$running_port" != "$port" ]; then
    warn "run.sh: the local cluster already runs on port $running_port (not MED_PG_PORT=$port); using it."
    port=$running_port
  fi
else
  if port_in_use "$port"; then
    warn "run.sh: PostgreSQL's port $port is in use by another program."
    warn "Stop that program, or give the local cluster another port with MED_PG_PORT, e.g.: MED_PG_PORT=$((port + 1)) bash scripts/$(basename "$0")"
    exit 1
  fi
  [ "$command" = serve ] || note "Starting the local PostgreSQL cluster in $pg_dir for this command (it stops afterwards)..."
  started_cluster=1
  if ! as_postgres "$bin/pg_ctl" -D "$data" -l "$pg_dir/postgres.log" -w \
    -o "-p $port -k $pg_dir -c listen_addresses=127.0.0.1" start >/dev/null 5>&- 8>&-; then
    warn "run.sh: PostgreSQL did not start; its log is $pg_dir/postgres.log:"
    tail -n 5 "$pg_dir/postgres.log" >&2 || true
    exit 1
  fi
fi

# Written to a temporary file and renamed, so that an interruption never leaves half of it behind.
unset MED_OWNER_PASSWORD MED_APP_PASSWORD
# shellcheck source=/dev/null
. "$credentials" 2>/dev/null || true
if [ ! -f "$credentials" ] || [ -z "${MED_OWNER_PASSWORD:-}" ] || [ -z "${MED_APP_PASSWORD:-}" ]; then
  tmp_credentials=$(mktemp "$credentials.XXXXXX")
  {
    echo "MED_OWNER_PASSWORD=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')"
    echo "MED_APP_PASSWORD=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')"
  } >"$tmp_credentials"
  mv -f "$tmp_credentials" "$credentials"
  tmp_credentials=
  # shellcheck source=/dev/null
  . "$credentials"
fi

# Each step on its own, so that a run interrupted half-way is completed by the next one; the passwords are set every
# time, so the roles always match credentials.env.
{
  printf '\\set owner_pw %s\n\\set app_pw %s\n' "$MED_OWNER_PASSWORD" "$MED_APP_PASSWORD"
  cat <<'SQL'
SELECT NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'med_owner') AS missing_owner,
       NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'med_app') AS missing_app,
       NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'pyboxtech_med') AS missing_database \gset
\if :missing_owner
CREATE ROLE med_owner LOGIN;
\endif
\if :missing_app
CREATE ROLE med_app LOGIN;
\endif
ALTER ROLE med_owner LOGIN PASSWORD :'owner_pw';
ALTER ROLE med_app LOGIN PASSWORD :'app_pw';
\if :missing_database
\echo Creating the database pyboxtech_med...
CREATE DATABASE pyboxtech_med OWNER med_owner;
\c pyboxtech_med
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
\endif
SQL
} | psql_admin >&5
unlock

owner_connection="Host=127.0.0.1;Port=$port;Database=pyboxtech_med;Username=med_owner;Password=$MED_OWNER_PASSWORD"
runtime_connection="Host=127.0.0.1;Port=$port;Database=pyboxtech_med;Username=med_app;Password=$MED_APP_PASSWORD"
export ASPNETCORE_ENVIRONMENT=${ASPNETCORE_ENVIRONMENT:-Local}
export Audit__HeadFile="$state_dir/audit-heads.log"

# Builds the portal; the output goes to a file (shown when the build fails) so that no build server left behind can
# hold the terminal or a pipe open.
build() {
  dotnet build -c Release -nologo -v quiet --disable-build-servers >"$state_dir/build.log" 2>&1 </dev/null 5>&- 8>&- &
  child=$!
  if ! wait_child; then
    [ "$stop_requested" = 1 ] && exit 130
    cat "$state_dir/build.log" >&2
    warn "run.sh: the build failed (the output above is also in $state_dir/build.log)."
    exit 1
  fi
}

# --- with-database (scripts/backup.sh, scripts/restore.sh) -------------------------------------------------------------
if [ "$command" = with-database ]; then
  trap 'stop_requested=1' INT
  status=0
  MED_PG_BIN=$bin MED_PG_SOCKET=$pg_dir MED_PG_PORT=$port MED_PG_ADMIN=$admin_role MED_STATE_DIR=$state_dir \
    "$@" 8>&- || status=$?
  exit "$status"
fi

# --- psql ------------------------------------------------------------------------------------------------------------
if [ "$command" = psql ]; then
  # In the foreground and the caller's folder, so that psql has the terminal and \i finds files; Ctrl-C cancels the
  # query as usual.
  trap 'stop_requested=1' INT
  status=0
  PGPASSWORD=$MED_OWNER_PASSWORD PGAPPNAME="run.sh psql" \
    "$bin/psql" -h 127.0.0.1 -p "$port" -U med_owner -d pyboxtech_med "$@" 8>&- || status=$?
  exit "$status"
fi

# verify-audit and the portal run from the project folder, their content root.
cd "$web"

# --- verify-audit ----------------------------------------------------------------------------------------------------
if [ "$command" = verify-audit ]; then
  if [ "$(as_postgres "$bin/psql" -h "$pg_dir" -p "$port" -U "$admin_role" -d pyboxtech_med -qAt \
    -c "SELECT to_regclass('audit.events') IS NOT NULL")" != t ]; then
    warn "run.sh: the database has no audit trail yet: start the portal once (bash scripts/run.sh), which applies the migrations."
    exit 1
  fi
  # While the portal runs, its own build is used: rebuilding would replace the files it is running from.
  if [ ! -f "$dll" ] || [ "$started_cluster" = 1 ]; then
    note "Building the portal (a minute or two the first time)..."
    build
  fi
  ConnectionStrings__Runtime=$runtime_connection dotnet "$dll" verify-audit "$@" </dev/null 8>&- &
  child=$!
  status=0
  wait_child || status=$?
  exit "$status"
fi

# --- The portal ------------------------------------------------------------------------------------------------------
note "PostgreSQL cluster: $pg_dir (port $port)"
if [ "$in_var_lib" = 1 ]; then
  note "  (the postgres user cannot enter $state_dir, so the cluster is kept in /var/lib/pyboxtech-med; see the README)"
fi
if [ "${MED_NO_BUILD:-0}" = 1 ] && [ -f "$dll" ]; then
  note "Starting the portal as last built (MED_NO_BUILD=1)."
else
  note "Building the portal (a minute or two the first time)..."
  build
fi
export ConnectionStrings__Owner="$owner_connection"
export ConnectionStrings__Runtime="$runtime_connection"
export ASPNETCORE_URLS="$url"
export DataProtection__CertificatePath="$state_dir/keyring.pfx"

# The audit trail's owner guard (deploy/postgres/audit-owner-guard.sql): event triggers that stop med_owner, whose
# password is in credentials.env, from switching the audit triggers off or replacing them once the trail holds a row.
# Only a superuser can create them, and this script has the cluster's superuser at hand: on a new database before
# migrate (as compose's init script does), on every start after it (an install made before the guard existed gets it
# then; running it again changes nothing). A later migration that changes the audit schema needs a superuser session:
# see docs/architecture.md, "The audit trail's guarantees".
audit_guard() {
  as_postgres "$bin/psql" -h "$pg_dir" -p "$port" -U "$admin_role" -d pyboxtech_med -v ON_ERROR_STOP=1 -qAt \
    -c "SET client_min_messages = warning" -f - <"$root/deploy/postgres/audit-owner-guard.sql" >&5 8>&-
}
if [ "$(as_postgres "$bin/psql" -h "$pg_dir" -p "$port" -U "$admin_role" -d pyboxtech_med -qAt \
  -c "SELECT to_regclass('audit.events') IS NULL" 8>&-)" = t ] && ! audit_guard; then
  warn "run.sh: installing the audit trail's owner guard failed (see above)."
  exit 1
fi

note "Applying migrations..."
ConnectionStrings__Runtime="" Database__RuntimeRole=med_app dotnet "$dll" migrate </dev/null 8>&- &
child=$!
if ! wait_child; then
  [ "$stop_requested" = 1 ] && exit 0
  warn "run.sh: applying the migrations failed (see above)."
  exit 1
fi
if ! audit_guard; then
  warn "run.sh: installing the audit trail's owner guard failed (see above)."
  exit 1
fi
[ "$stop_requested" = 1 ] && exit 0

note "Starting Pyboxtech-Med on $url (Ctrl-C stops the portal and the database)."
note "On first start the log below prints the setup address with its one-time token."
# The portal runs as a child so that it stops first and PostgreSQL only after it has finished: on the way out it
# writes the last audit chain head, which needs the database. It ignores hang-ups itself: run.sh stops it in order.
(
  trap '' HUP
  exec dotnet "$dll"
) </dev/null 8>&- &
child=$!
status=0
wait_child || status=$?
[ "$stop_requested" = 1 ] && exit 0
if portal_port_taken; then
  exit 1
fi
warn "run.sh: the portal stopped by itself (exit status $status)."
exit $((status == 0 ? 1 : status))
