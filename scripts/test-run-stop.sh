#!/usr/bin/env bash
# Stop cases of scripts/run.sh (issue 13): however run.sh ends, no PostgreSQL it started keeps running, nothing listens
# on its ports, no process of it is left, and no half-written credentials file remains. Also the database commands
# (psql, verify-audit) with and without a running portal, and the cluster kept in /var/lib when the postgres user
# cannot enter the state folder.
#
# Each case runs the real run.sh on private ports with a private state folder (MED_STATE_DIR), so it never touches
# .local/ or a portal already running. Prints PASS or FAIL per case, then "run.sh stop cases: N passed, N failed"; exits
# non-zero on any
# failure. About a minute on an idle machine once the portal is built (it builds it first; scripts/test.sh runs it after
# the .NET tests, which have built it).
set -uo pipefail
# Job control: every run.sh started in the background gets its own process group, and SIGINT is not ignored in it,
# exactly as for a command typed in a terminal (Ctrl-C and a closed terminal signal the whole group). run.sh itself is
# started through `env --default-signal`: a signal ignored when this script started (a CI runner or a shell that
# launched it in the background ignores SIGINT, nohup ignores SIGHUP) stays ignored in every child, and bash cannot
# trap a signal ignored on entry, so the Ctrl-C and closed-terminal cases would test the launcher, not run.sh.
set -m
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$root/scripts/lib.sh"

bin=$(postgres_bin)
command -v ss >/dev/null || apt_install iproute2
command -v pgrep >/dev/null || apt_install procps

work=$(mktemp -d /tmp/med-run-stop.XXXXXX)
chmod 755 "$work"
state="$work/state"
mkdir -p "$state"
data="$state/postgres/data"
run_sh="$root/scripts/run.sh"

blocker=
groups=()
cleanup() {
  local g i
  [ -n "$blocker" ] && kill "$blocker" 2>/dev/null
  # A run.sh a failed case left running is stopped the way a user would, then for good. Only groups whose leader is
  # still one of ours: a process id of a finished case may belong to someone else by now.
  local ours=()
  for g in "${groups[@]}"; do
    case $({ tr '\0' ' ' <"/proc/$g/cmdline"; } 2>/dev/null) in
      *run.sh* | *run-stop.sh* | script\ -qfec*) ours+=("$g") ;;
    esac
  done
  for g in "${ours[@]}"; do kill -TERM -- "-$g" 2>/dev/null; done
  for g in "${ours[@]}"; do
    for ((i = 0; i < 150; i++)); do kill -0 -- "-$g" 2>/dev/null || break; sleep 0.2; done
    kill -KILL -- "-$g" 2>/dev/null
  done
  # Whatever a failed case left behind: stop it, so the machine stays clean.
  if [ -f "$data/postmaster.pid" ]; then
    as_postgres "$bin/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1
  fi
  if [ -n "${var_lib_dir:-}" ]; then
    [ -f "$var_lib_dir/data/postmaster.pid" ] && as_postgres "$bin/pg_ctl" -D "$var_lib_dir/data" -m immediate -w stop >/dev/null 2>&1
    rm -rf "$var_lib_dir" "$var_lib_dir.checkout"
    rmdir /var/lib/pyboxtech-med 2>/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 30000))
    [ -z "$(ss -Hltn "sport = :$p")" ] && [ "$p" != "${pg_port:-}" ] && echo "$p" && return
  done
}
pg_port=$(free_port)
web_port=$(free_port)
url="http://127.0.0.1:$web_port"
# The portal is built once below; each start then skips the build (MED_NO_BUILD), which keeps the cases quick.
export MED_STATE_DIR="$state" MED_PG_PORT="$pg_port" MED_URL="$url" MED_NO_BUILD=1

# Status code of GET $1 from the portal, or nothing when it does not answer.
http_status() {
  local line=""
  { exec 7<>"/dev/tcp/127.0.0.1/$web_port"; } 2>/dev/null || return 0
  printf 'GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n' "$1" >&7
  IFS=' ' read -r -t 10 _ line _ <&7 2>/dev/null || true
  exec 7<&-
  printf '%s' "$line"
}
alive() { kill -0 "$1" 2>/dev/null; }
# Waits until $1 is gone, at most $2 seconds.
wait_gone() {
  local i
  for ((i = 0; i < $2 * 5; i++)); do alive "$1" || return 0; sleep 0.2; done
  return 1
}
# Waits until the portal answers /health with 200 (while process $1 lives), at most 180 seconds.
wait_portal() {
  local i
  for ((i = 0; i < 360; i++)); do
    [ "$(http_status /health)" = 200 ] && return 0
    alive "$1" || return 1
    sleep 0.5
  done
  return 1
}
# Waits until file $1 contains $2 (while process $3 lives), at most 180 seconds.
wait_output() {
  local i
  for ((i = 0; i < 900; i++)); do
    grep -qF -- "$2" "$1" 2>/dev/null && return 0
    alive "$3" || return 1
    sleep 0.2
  done
  return 1
}
# Waits for job $1 to end by itself within $2 seconds (else stops it: a problem) and returns its exit status.
finish_job() {
  if ! wait_gone "$1" "$2"; then
    problem "process $1 did not end within $2 s; stopping it"
    kill -TERM -- "-$1" 2>/dev/null
    wait_gone "$1" 30 || kill -KILL -- "-$1" 2>/dev/null
  fi
  wait "$1"
}
start_blocker() {
  perl -MIO::Socket::INET -e 'my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => $ARGV[0], Listen => 5,
    ReuseAddr => 1) or die "listen: $!\n"; sleep 600' "$1" &
  blocker=$!
  local i
  for ((i = 0; i < 50; i++)); do [ -n "$(ss -Hltn "sport = :$1")" ] && return 0; sleep 0.1; done
  return 1
}
stop_blocker() { kill "$blocker" 2>/dev/null; wait "$blocker" 2>/dev/null; blocker=; }

problems=()
problem() { problems+=("$*"); }
# The common checks after a case: $1 process group of the run.sh job, $2 cluster data folder.
check_clean() {
  local group=$1 dir=${2:-$data} left status
  wait_gone "$group" 60 || problem "run.sh (process $group) still runs a minute later"
  status=0
  as_postgres "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1 || status=$?
  [ "$status" = 3 ] || problem "pg_ctl status says the cluster still runs (exit $status)"
  [ ! -e "$dir/postmaster.pid" ] || problem "postmaster.pid is still there"
  left=$(pgrep -f -- "$dir" || true)
  [ -z "$left" ] || problem "PostgreSQL processes left: $(pgrep -af -- "$dir" | tr '\n' ';')"
  # A child can still be on its way out the moment run.sh itself is gone (on a loaded CI machine one was listed two
  # seconds later and gone when ps looked): left means ps still lists it ten seconds later.
  for _ in $(seq 20); do
    left=$(ps -o pid=,args= -g "$group" | tr '\n' ';' || true)
    [ -z "$left" ] && break
    sleep 0.5
  done
  [ -z "$left" ] || problem "processes of run.sh left: $left"
  [ -z "$(ss -Hltn "sport = :$pg_port")" ] || problem "something still listens on PostgreSQL's port $pg_port"
  [ -z "$(ss -Hltn "sport = :$web_port")" ] || problem "something still listens on the portal's port $web_port"
  if compgen -G "$state/credentials.env.*" >/dev/null; then problem "temporary credentials left: $(ls "$state"/credentials.env.*)"; fi
  if [ -f "$state/credentials.env" ]; then
    if ! grep -Eq '^MED_OWNER_PASSWORD=[A-Za-z0-9]{20,}$' "$state/credentials.env" ||
      ! grep -Eq '^MED_APP_PASSWORD=[A-Za-z0-9]{20,}$' "$state/credentials.env"; then
      problem "credentials.env is incomplete"
    fi
  fi
  if compgen -G "$state/run.users/*" >/dev/null; then problem "run.users still lists $(ls "$state/run.users")"; fi
}

passed=0
failed=0
case_name=
case_number=0
begin() {
  case_name=$1
  problems=()
  case_number=$((case_number + 1))
  out="$work/case$case_number.out"
  err="$work/case$case_number.err"
  case_started=$SECONDS
}
end() {
  local p
  if [ "${#problems[@]}" = 0 ]; then
    passed=$((passed + 1))
    echo "PASS  $case_name ($((SECONDS - case_started)) s)"
  else
    failed=$((failed + 1))
    echo "FAIL  $case_name ($((SECONDS - case_started)) s)"
    for p in "${problems[@]}"; do echo "        $p"; done
    echo "      --- stdout (last lines) ---"
    tail -n 15 "$out" 2>/dev/null | sed 's/^/        /'
    echo "      --- stderr ---"
    tail -n 15 "$err" 2>/dev/null | sed 's/^/        /'
  fi
}
expect_output() { grep -qF -- "$2" "$1" 2>/dev/null || problem "no '$2' in $(basename "$1")"; }
start_portal() {
  env --default-signal bash "$run_sh" >"$out" 2>"$err" </dev/null &
  job=$!
  groups+=("$job")
  wait_portal "$job" || problem "the portal did not answer"
}

# run.sh in a pseudo-terminal, as typed in a terminal window: $job is script(1), which holds the terminal, $session the
# session run.sh leads there (its process group too); fd 6 is what is typed.
start_in_terminal() {
  local i
  rm -f "$work/tty-in"
  mkfifo "$work/tty-in"
  SHELL=/bin/bash script -qfec "env --default-signal bash '$run_sh'" /dev/null <"$work/tty-in" >"$out" 2>"$err" &
  job=$!
  exec 6>"$work/tty-in"
  groups+=("$job")
  session=
  for ((i = 0; i < 50; i++)); do
    session=$(pgrep -P "$job" | head -n 1)
    [ -n "$session" ] && break
    sleep 0.1
  done
  [ -n "$session" ] && groups+=("$session")
  wait_portal "$job" || problem "the portal did not answer"
}

echo "run.sh stop cases (PostgreSQL port $pg_port, portal $url, state $state)"
echo "Building the portal once for these cases..."
(cd "$root/src/Pyboxtech.Med.Web" && dotnet build -c Release -nologo -v quiet --disable-build-servers >"$work/build.log" 2>&1) ||
  { cat "$work/build.log"; echo "The build failed."; exit 1; }

# Ctrl-C in the terminal: SIGINT to the whole foreground process group.
# Ctrl-C typed in a real terminal: run.sh runs in a pseudo-terminal (script(1)), which sends SIGINT to its foreground
# process group when it reads ^C.
begin "Ctrl-C in a terminal while serving"
start_in_terminal
[ "$(http_status /)" = 302 ] || problem "GET / did not answer 302"
printf '\003' >&6
finish_job "$job" 60 >/dev/null
check_clean "$session"
exec 6>&-
expect_output "$out" "Application is shutting down..."
expect_output "$out" "Stopping the local PostgreSQL cluster..."
end

# A service manager's stop: SIGTERM to run.sh alone. Before it, the database commands while the portal runs, and a
# psql that started the cluster before the portal and ends while the portal runs: the cluster must stay up for it.
begin "SIGTERM to run.sh while serving; psql and verify-audit beside it"
bash "$run_sh" psql -c 'select pg_sleep(6)' >"$work/psql-first.out" 2>&1 </dev/null &
psql_job=$!
groups+=("$psql_job")
wait_output "$work/psql-first.out" "for this command" "$psql_job" || problem "psql did not start the cluster"
start_portal
finish_job "$psql_job" 30 || problem "the first psql failed: $(cat "$work/psql-first.out")"
[ "$(http_status /health)" = 200 ] || problem "the database stopped under the portal when the first psql ended"
count=$(bash "$run_sh" psql -qAt -c 'select count(*) >= 0 from audit.events' 2>>"$err")
[ "$count" = t ] || problem "run.sh psql -c 'select count(*) from audit.events' printed '$count'"
# A fresh trail may have no saved head yet: then it is intact but says only its internal consistency was checked (3).
status=0
bash "$run_sh" verify-audit >"$work/verify.out" 2>>"$err" || status=$?
[ "$status" = 0 ] || [ "$status" = 3 ] || problem "verify-audit exited with $status: $(cat "$work/verify.out")"
if [ "$status" = 3 ]; then
  grep -q "^Only the chain's internal consistency was checked" "$work/verify.out" || problem "verify-audit exited 3 without saying why"
fi
grep -q '^Intact' "$work/verify.out" || problem "verify-audit did not say Intact: $(cat "$work/verify.out")"
[ "$(http_status /health)" = 200 ] || problem "the database stopped under the portal after psql or verify-audit"
kill -TERM "$job"
check_clean "$job"
expect_output "$out" "Application is shutting down..."
end

# A closed terminal: SIGHUP to the foreground process group.
# The portal that started the cluster ends while a psql session still uses it: the portal's run.sh ends completely
# (nothing of it may hold the terminal), the cluster stays up for psql, and psql's run.sh stops it when it ends.
begin "SIGTERM to the portal while psql uses the cluster it started"
start_portal
bash "$run_sh" psql -qAt -c 'select pg_sleep(10)' >"$work/psql-last.out" 2>&1 </dev/null &
psql_job=$!
groups+=("$psql_job")
for ((i = 0; i < 100; i++)); do
  [ "$(bash "$run_sh" psql -qAt -c "select count(*) from pg_stat_activity where query like '%pg_sleep(10)%' and pid <> pg_backend_pid()" 2>/dev/null)" = 1 ] && break
  sleep 0.1
done
kill -TERM "$job"
wait_gone "$job" 30 || problem "the portal's run.sh did not end"
left=$(pgrep -g "$job" || true)
[ -z "$left" ] || problem "processes of the portal's run.sh left: $(ps -o pid=,args= -g "$job" | tr '\n' ';')"
as_postgres "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1 || problem "the cluster stopped under psql"
expect_output "$out" "keeps running: another run.sh of this checkout uses it"
finish_job "$psql_job" 60 || problem "psql failed: $(cat "$work/psql-last.out")"
check_clean "$psql_job"
end

# A closed terminal window: the terminal's side of the pseudo-terminal goes away, and the kernel sends SIGHUP to
# run.sh (the session leader) and its process group.
begin "closed terminal while serving"
start_in_terminal
kill -KILL "$job"
{ wait "$job"; } 2>/dev/null
exec 6>&-
check_clean "$session"
end

# The same signal sent by hand to the whole process group.
begin "SIGHUP to the process group while serving"
start_portal
kill -HUP -- "-$job" 2>/dev/null
check_clean "$job"
expect_output "$out" "Application is shutting down..."
end

# `run.sh | head`: head leaves after ten lines; the next line run.sh or the portal prints finds nobody reading. While
# the portal is quiet, a request makes it print one (a browser would).
begin "bash scripts/run.sh | head"
(bash "$run_sh" 2>"$err" </dev/null | head >"$out") &
job=$!
groups+=("$job")
for ((i = 0; i < 360; i++)); do
  alive "$job" || break
  [ "$(http_status /)" = 302 ] && sleep 1
  sleep 0.5
done
check_clean "$job"
[ "$(wc -l <"$out")" = 10 ] || problem "head printed $(wc -l <"$out") lines, not 10"
expect_output "$err" "nobody reads its output any more"
end

begin "bash scripts/run.sh | head -n 1 (the pipe closes before the portal starts)"
(bash "$run_sh" 2>"$err" </dev/null | head -n 1 >"$out") &
job=$!
groups+=("$job")
check_clean "$job"
expect_output "$out" "PostgreSQL cluster: $state/postgres"
end

# The end of a refused start: run.sh exits 1 naming the taken port and the variable that moves it, and leaves nothing.
expect_refused_start() {
  local job=$1 seconds=$2 message=$3 variable=$4 status=0
  finish_job "$job" "$seconds" || status=$?
  stop_blocker
  [ "$status" = 1 ] || problem "run.sh exited with $status, not 1"
  expect_output "$err" "$message"
  expect_output "$err" "$variable"
  check_clean "$job"
}

begin "portal port taken before the start"
start_blocker "$web_port" || problem "could not take port $web_port"
bash "$run_sh" >"$out" 2>"$err" </dev/null & job=$!
groups+=("$job")
expect_refused_start "$job" 60 "port $web_port of the portal's address $url is in use" MED_URL
end

begin "portal fails to start (port taken while the migrations run)"
bash "$run_sh" >"$out" 2>"$err" </dev/null &
job=$!
groups+=("$job")
wait_output "$out" "Applying migrations..." "$job" || problem "run.sh did not get to the migrations"
start_blocker "$web_port" || problem "could not take port $web_port"
expect_refused_start "$job" 120 "port $web_port of the portal's address $url is in use" MED_URL
end

begin "PostgreSQL port taken"
start_blocker "$pg_port" || problem "could not take port $pg_port"
bash "$run_sh" >"$out" 2>"$err" </dev/null & job=$!
groups+=("$job")
expect_refused_start "$job" 60 "port $pg_port is in use" MED_PG_PORT
end

begin "psql and verify-audit while nothing runs (start and stop the cluster)"
count=$(bash "$run_sh" psql -qAt -c 'select count(*) > 0 from audit.events' 2>"$err" </dev/null)
[ "$count" = t ] || problem "run.sh psql printed '$count'"
status=0
bash "$run_sh" verify-audit >"$out" 2>>"$err" </dev/null & job=$!
groups+=("$job")
finish_job "$job" 60 || status=$?
[ "$status" = 0 ] || problem "verify-audit exited with $status"
grep -q '^Intact' "$out" || problem "verify-audit did not say Intact"
grep -Eq ' [1-9][0-9]* saved head\(s\) compared' "$out" || problem "verify-audit compared no saved heads: $(cat "$out")"
check_clean "$job"
end

if [ "$(id -u)" = 0 ]; then
  begin "state folder the postgres user cannot enter: the cluster in /var/lib/pyboxtech-med"
  private="$work/private"
  mkdir -m 700 "$private"
  var_lib_dir="/var/lib/pyboxtech-med/$(printf '%s' "$private" | sha1sum | cut -c1-12)"
  status=0
  MED_STATE_DIR="$private" bash "$run_sh" psql -qAt -c 'select 1' >"$out" 2>"$err" </dev/null & job=$!
  groups+=("$job")
  finish_job "$job" 60 || status=$?
  [ "$status" = 0 ] || problem "run.sh psql exited with $status"
  expect_output "$err" "Starting the local PostgreSQL cluster in $var_lib_dir "
  [ "$(cat "$out")" = 1 ] || problem "psql printed '$(cat "$out")'"
  [ -f "$var_lib_dir/data/PG_VERSION" ] || problem "no cluster in $var_lib_dir"
  [ "$(cat "$var_lib_dir.checkout" 2>/dev/null)" = "$private" ] || problem "$var_lib_dir.checkout does not name $private"
  state_saved=$state
  state=$private
  check_clean "$job" "$var_lib_dir/data"
  state=$state_saved
  end
fi

# scripts/test.sh adds these counts to its own closing line.
echo "run.sh stop cases: $passed passed, $failed failed"
[ "$failed" = 0 ]
