# shellcheck shell=bash disable=SC2154  # sourced by scripts/bench.sh peer, which defines root, dir, port, bin, bench, pids
# Issue 14: our portal beside the stock `dotnet new mvc --auth Individual` app and a one-INSERT floor, one invocation.
# bench.sh has made the durable throwaway cluster (with pg_stat_statements loaded), installed wrk and built the
# Benchmarks project. This part generates and publishes the stock app, publishes our portal, prepares both through
# their real pages, runs the same wrk command per case and prints a markdown table and the Targets' ratios.
#   PEER_PATIENTS (100000), PEER_ACCOUNTS (16), PEER_WARMUP (20s), PEER_DURATION (15s) size it.
# Issue 16 adds a care-team doctor's clinical record page (GET /Records/{id}) beside the patient page, for the same
# patient. PEER_CASES=records runs only those two cases (no stock app, no floor; about 5 minutes).
full=1
[ "${PEER_CASES:-all}" = records ] && full=
peer_patients=${PEER_PATIENTS:-100000}
peer_accounts=${PEER_ACCOUNTS:-16}
warmup=${PEER_WARMUP:-20s}
measure=${PEER_DURATION:-15s}
# The same for every case. The timeout is raised from wrk's 2 s because 32 sign-ins queued on one account's row lock
# take longer than that, and wrk leaves a response slower than its timeout out of the latency percentiles.
wrk_settings=(-t2 -c32 --timeout 60s)
lua="$root/scripts/bench-peer.lua"
# An idle PostgreSQL backend reports its counters (transactions) up to 10 s late; waiting this long settles them.
stats_settle=${PEER_SETTLE:-12}
started=$SECONDS
command -v sqlite3 >/dev/null || apt_install sqlite3
command -v ss >/dev/null || apt_install iproute2

say() { printf '%s\n' "$*"; }
fail() { say "FAILED: $*" >&2; exit 1; }
sql() { "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d "${2:-postgres}" -v ON_ERROR_STOP=1 -qAt -c "$1"; }
free_port() {
  local p
  for p in $(shuf -i 20000-40000 -n 100); do
    [ -z "$(ss -Hltn "sport = :$p")" ] && { echo "$p"; return 0; }
  done
  fail "no free port"
}
# NAME PORT PROBE_PATH DIR ENV... -- COMMAND...: starts a server in DIR, its output in $dir/NAME.log, and waits for PROBE_PATH
# to answer 200. Fails loudly (with the end of its log) when it exits or does not answer within 120 s.
start_server() {
  local name=$1 server_port=$2 probe=$3 workdir=$4
  shift 4
  (cd "$workdir" && exec env "$@") >"$dir/$name.log" 2>&1 </dev/null &
  local pid=$!
  pids+=("$pid")
  for _ in $(seq 1 240); do
    kill -0 "$pid" 2>/dev/null || { tail -n 40 "$dir/$name.log" >&2; fail "the $name server exited while starting"; }
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$server_port$probe" || true)" = 200 ] && { printf -v "${name}_pid" '%s' "$pid"; return 0; }
    sleep 0.5
  done
  tail -n 40 "$dir/$name.log" >&2
  fail "the $name server did not answer 200 on $probe within 120 s"
}
# Identity's hash format v3: 0x01, PRF (0 SHA1, 1 SHA256, 2 SHA512), iteration count, salt length, big-endian.
pbkdf2_of() {
  local hex
  hex=$(printf '%s' "$1" | base64 -d | od -An -tx1 -v -N13 | tr -d ' \n')
  [ "${hex:0:2}" = 01 ] || { echo "not Identity's v3 format ($1)"; return; }
  local prfs=(HMAC-SHA1 HMAC-SHA256 HMAC-SHA512)
  echo "PBKDF2-${prfs[$((16#${hex:2:8}))]}, $((16#${hex:10:8})) iterations, $((16#${hex:18:8}))-byte salt"
}

say "== issue 14: request cost beside the stock template; wrk ${wrk_settings[*]}, $warmup warm-up then $measure measured, per case"
say "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

# --- The stock app ---------------------------------------------------------------------------------------------------
if [ -n "$full" ]; then
say "== generating and publishing the stock app (dotnet new mvc --auth Individual, SQLite)"
dotnet new mvc --auth Individual -n StockApp -o "$dir/stock-src" >"$dir/stock-new.log" 2>&1 || { cat "$dir/stock-new.log"; fail "dotnet new"; }
dotnet publish "$dir/stock-src" -c Release -o "$dir/stock" -nologo -v quiet >"$dir/stock-publish.log" 2>&1 || { cat "$dir/stock-publish.log"; fail "publishing the stock app"; }
fi

# --- Our portal --------------------------------------------------------------------------------------------------------
say "== publishing our portal (Release), migrating and seeding the bench_peer database"
dotnet publish src/Pyboxtech.Med.Web -c Release -o "$dir/ours" -nologo -v quiet >"$dir/ours-publish.log" 2>&1 || { cat "$dir/ours-publish.log"; fail "publishing the portal"; }
sql "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"
sql "CREATE DATABASE bench_peer OWNER med_owner"
sql "REVOKE CREATE ON SCHEMA public FROM PUBLIC" bench_peer
(cd "$dir/ours" && ConnectionStrings__Owner="$(conn bench_peer med_owner)" Database__RuntimeRole=med_app ASPNETCORE_ENVIRONMENT=Production \
  dotnet Pyboxtech.Med.Web.dll migrate) >"$dir/ours-migrate.log" 2>&1 || { cat "$dir/ours-migrate.log"; fail "migrating bench_peer"; }
export DataProtection__CertificatePath="$dir/keyring.pfx"
PYBOX_BENCH_RUNTIME=$(conn bench_peer med_app) PYBOX_BENCH_SUPERUSER="Host=127.0.0.1;Port=$port;Database=bench_peer;Username=postgres" \
  PYBOX_BENCH_HEADS="$dir/seed-heads.log" dotnet "$bench" peer-seed "$peer_patients" "$peer_accounts" >"$dir/ours-seed.log" 2>&1 || { cat "$dir/ours-seed.log"; fail "seeding"; }
grep -v 'setup token' "$dir/ours-seed.log" | sed 's/^/  /'   # the in-process portal announces first-run setup before the accounts exist
sql "CREATE DATABASE bench_floor OWNER med_owner"

# --- The servers -------------------------------------------------------------------------------------------------------
stock_port=- floor_port=- stock_pid=- floor_pid=-
if [ -n "$full" ]; then
stock_port=$(free_port)
start_server stock "$stock_port" / "$dir/stock" -u ASPNETCORE_ENVIRONMENT ASPNETCORE_URLS="http://127.0.0.1:$stock_port" dotnet StockApp.dll
fi
ours_port=$(free_port)
# Every sign-in of the load generator comes from one address: the limit on anonymous requests per address (a flood
# defence, 240 at once by default) would refuse most of them, so it is raised out of the way for this measurement.
start_server ours "$ours_port" /health "$dir/ours" ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS="http://127.0.0.1:$ours_port" \
  ConnectionStrings__Runtime="$(conn bench_peer med_app)" Audit__HeadFile="$dir/ours-heads.log" Network__TrustedProxies__0=127.0.0.1 \
  Security__AnonymousRateLimit__Burst=1000000 \
  dotnet Pyboxtech.Med.Web.dll
if [ -n "$full" ]; then
floor_port=$(free_port)
# Server GC like the two web apps (the Sdk.Web default); the Benchmarks project is a console app.
start_server floor "$floor_port" / "$dir" DOTNET_gcServer=1 \
  PYBOX_BENCH_FLOOR="Host=127.0.0.1;Port=$port;Database=bench_floor;Username=med_owner;Password=bench;Maximum Pool Size=100" \
  dotnet "$root/$bench" floor "$floor_port"
fi
say "servers: stock pid $stock_pid on :$stock_port (Production, its appsettings.json), ours pid $ours_pid on :$ours_port (Production, behind a stand-in proxy's X-Forwarded-For/-Proto), floor pid $floor_pid on :$floor_port"

# --- Accounts, cookies and sign-in forms, through the real pages -------------------------------------------------------
say "== registering $peer_accounts stock accounts through Register + the RegisterConfirmation link; signing in on both"
if [ -n "$full" ]; then
dotnet "$bench" peer-client stock "http://127.0.0.1:$stock_port" "$peer_accounts" >"$dir/stock-client.out" 2>&1 || { cat "$dir/stock-client.out"; fail "preparing the stock app"; }
else
  : >"$dir/stock-client.out"
fi
dotnet "$bench" peer-client ours "http://127.0.0.1:$ours_port" "$peer_accounts" >"$dir/ours-client.out" 2>&1 || { cat "$dir/ours-client.out"; fail "preparing our portal"; }
stock_cookie=$(sed -n 's/^COOKIE=//p' "$dir/stock-client.out")
ours_cookie=$(sed -n 's/^COOKIE=//p' "$dir/ours-client.out")
[ -n "$full" ] && say "password hashes: stock $(pbkdf2_of "$(sqlite3 "$dir/stock/app.db" "SELECT PasswordHash FROM AspNetUsers LIMIT 1")")"
say "                 ours  $(pbkdf2_of "$(sql "SELECT password_hash FROM account.users WHERE user_name = 'peer.reception'" bench_peer)")"

# One request file per case (see bench-peer.lua).
printf 'GET\t/\n' >"$dir/root.req"
printf 'GET\t/Identity/Account/Manage\n' >"$dir/manage.req"
printf 'GET\t/Patients?q=smi\n' >"$dir/search.req"
sql "SELECT 'GET' || chr(9) || '/Patients/' || id FROM patients.patients ORDER BY random() LIMIT 1000" bench_peer >"$dir/patients.req"
head -n 1 "$dir/patients.req" >"$dir/patient.req"
# Issue 16: the same patient's clinical record, as a doctor of its care team. The doctor's team ("Peer team", made by
# peer-seed) holds an eighth of the patients and this one; the record has 45 signed notes (a first page of 20 and
# more) and three summary lines by the doctor. Notes are Write for the Doctor role in the default matrix.
record_patient=$(cut -f2 "$dir/patient.req" | sed 's|^/Patients/||')
sql "INSERT INTO access.patient_care_teams (patient_id, team_id, assigned_at, assigned_by)
     SELECT p.id, t.id, now(), t.lead_user_id FROM patients.patients p, access.care_teams t
     WHERE t.name = 'Peer team' AND (abs(hashtext(p.id::text)) % 8 = 0 OR p.id = '$record_patient') ON CONFLICT DO NOTHING;
     INSERT INTO clinicalnotes.notes (id, patient_id, author_id, subjective, objective, assessment, plan, status, created_at, updated_at, signed_at, signed_by)
     SELECT gen_random_uuid(), '$record_patient', t.lead_user_id,
            'Presents with intermittent cough for ' || g || ' days, worse at night, no fever; sleeping poorly, appetite normal.',
            'T 36.8, HR 78 regular, BP 128/82. Chest clear bilaterally, no wheeze; throat mildly erythematous.',
            'Likely viral upper respiratory tract infection.',
            'Fluids, paracetamol as needed; return if worsening or fever; review in two weeks if not settled.',
            'Signed', now() - make_interval(days => g * 9), now() - make_interval(days => g * 9), now() - make_interval(days => g * 9), t.lead_user_id
     FROM access.care_teams t, generate_series(1, 45) g WHERE t.name = 'Peer team';
     INSERT INTO clinicalnotes.summary_items (id, patient_id, kind, text, detail, severity, onset, problem_status, recorded_at, recorded_by)
     SELECT gen_random_uuid(), '$record_patient', k, x, d, s, o::date, ps, now(), t.lead_user_id
     FROM access.care_teams t, (VALUES ('Allergy', 'Penicillin', 'Rash', 'Moderate', NULL, NULL), ('Problem', 'Asthma', NULL, NULL, '2009-04-01', 'Active'),
                                      ('Medication', 'Salbutamol', '2 puffs as needed', NULL, NULL, NULL)) AS v(k, x, d, s, o, ps)
     WHERE t.name = 'Peer team';
     ANALYZE access.patient_care_teams; ANALYZE clinicalnotes.notes" bench_peer
printf 'GET\t/Records/%s\n' "$record_patient" >"$dir/record.req"
say "== signing the care-team doctor in (peer.doctor), checking that the record page answers 200"
dotnet "$bench" peer-signin "http://127.0.0.1:$ours_port" peer.doctor "/Records/$record_patient" >"$dir/doctor-client.out" 2>&1 || { cat "$dir/doctor-client.out"; fail "signing the doctor in"; }
doctor_cookie=$(sed -n 's/^COOKIE=//p' "$dir/doctor-client.out")
for app in stock ours; do
  [ -z "$full" ] && [ "$app" = stock ] && continue
  page=/Account/Login; [ "$app" = stock ] && page=/Identity/Account/Login
  sed -n 's/^LOGIN=//p' "$dir/$app-client.out" | awk -v page="$page" '{print "POST\t" page "\t" $0}' >"$dir/$app-logins.req"
  head -n 1 "$dir/$app-logins.req" >"$dir/$app-login.req"
  [ "$(wc -l <"$dir/$app-logins.req")" = "$peer_accounts" ] || fail "expected $peer_accounts sign-in forms for $app"
done
proxy=(-H "X-Forwarded-For: 127.0.0.1" -H "X-Forwarded-Proto: https")

# --- The cases -----------------------------------------------------------------------------------------------------------
cases=()
failed=()
declare -A rps rate p50 p99 bad errs rss stmts xacts checkouts writes dbms cpu pgcpu
# SLUG LABEL APP PORT DATABASE(or -) REQUESTS ORDER EXPECTED [wrk headers...]
run_case() {
  local slug=$1 label=$2 app=$3 server_port=$4 db=$5 reqs=$6 order=$7 expected=$8
  shift 8
  local pid_var="${app}_pid"
  local pid=${!pid_var}
  local url="http://127.0.0.1:$server_port/"
  cases+=("$slug")
  labels[$slug]=$label
  apps[$slug]=$app
  say "-- $label"
  # Peak RSS of this case alone: writing 5 to clear_refs resets VmHWM to the current RSS.
  echo 5 >"/proc/$pid/clear_refs" 2>/dev/null || say "   (cannot reset VmHWM: peak RSS is since the server started)"
  PEER_REQUESTS="$dir/$reqs" PEER_ORDER=$order wrk "${wrk_settings[@]}" -d "$warmup" -s "$lua" "$@" "$url" >"$dir/$slug-warmup.txt"
  local xact0=0
  if [ "$db" != - ]; then
    sleep "$stats_settle"
    sql "SELECT pg_stat_statements_reset()" >/dev/null
    xact0=$(sql "SELECT xact_commit FROM pg_stat_database WHERE datname = '$db'")
  fi
  local cpu0 pg0 cpu1 pg1
  cpu0=$(cpu_of "$pid") pg0=$(postgres_cpu)
  PEER_REQUESTS="$dir/$reqs" PEER_ORDER=$order wrk "${wrk_settings[@]}" -d "$measure" --latency -s "$lua" "$@" "$url" >"$dir/$slug.txt"
  kill -0 "$pid" 2>/dev/null || { tail -n 40 "$dir/$app.log" >&2; fail "the $app server died during '$label'"; }
  cpu1=$(cpu_of "$pid") pg1=$(postgres_cpu)
  rss[$slug]=$(awk '/^VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$pid/status")
  local requests
  requests=$(awk '/requests in/ {print $1}' "$dir/$slug.txt")
  if [ "${requests:-0}" = 0 ]; then
    # Reported as a failure at the end, after the table: the other cases' figures are still worth having.
    say "   no request completed in $measure (each took longer?); see $dir/$app.log"
    failed+=("$label: no request completed in $measure")
    rps[$slug]=0 rate[$slug]=0 p50[$slug]=- p99[$slug]=- bad[$slug]=- errs[$slug]=-
    return 0
  fi
  cpu[$slug]=$(awk -v t="$((cpu1 - cpu0))" -v r="$requests" -v hz="$ticks" 'BEGIN {printf "%.2f", t * 1000 / hz / r}')
  [ "$db" != - ] && pgcpu[$slug]=$(awk -v t="$((pg1 - pg0))" -v r="$requests" -v hz="$ticks" 'BEGIN {printf "%.2f", t * 1000 / hz / r}')
  rate[$slug]=$(awk '/^Requests\/sec/ {print $2}' "$dir/$slug.txt")
  rps[$slug]=$(awk -v r="${rate[$slug]}" 'BEGIN {printf (r < 100 ? "%.1f" : "%.0f"), r}')
  p50[$slug]=$(awk -v want=50% "$latency_awk" "$dir/$slug.txt")
  p99[$slug]=$(awk -v want=99% "$latency_awk" "$dir/$slug.txt")
  errs[$slug]=$(awk '/Socket errors/ {gsub(",", ""); print $4 + $6 + $8 + $10; found=1} END {if (!found) print 0}' "$dir/$slug.txt")
  # Statuses other than the expected one (200 for a page, 302 to / for a sign-in), from the Lua counts.
  bad[$slug]=$(awk -v expected="$expected" '/^statuses:/ {for (i = 2; i <= NF; i++) {n = split($i, kv, "="); key = kv[1]; for (j = 2; j < n; j++) key = key "=" kv[j]; if (key != expected) sum += kv[n]}} END {print sum + 0}' "$dir/$slug.txt")
  if [ "$db" != - ]; then
    local filter="FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = '$db'"
    local counts
    # A pooled connection checked out again is reset first: with DISCARD ALL, or (when it holds prepared statements)
    # with the seven commands Npgsql sends instead, CLOSE ALL first. Those are checkouts, not the app's statements.
    local reset="query IN ('DISCARD ALL', 'CLOSE ALL', 'SET SESSION AUTHORIZATION DEFAULT', 'RESET ALL', 'UNLISTEN *',
                           'SELECT pg_advisory_unlock_all()', 'DISCARD SEQUENCES', 'DISCARD TEMP')"
    counts=$(sql "SELECT coalesce(sum(calls) FILTER (WHERE NOT $reset), 0), coalesce(sum(calls) FILTER (WHERE query IN ('DISCARD ALL', 'CLOSE ALL')), 0),
                         coalesce(sum(calls) FILTER (WHERE query ~* '^\s*(INSERT|UPDATE|DELETE|MERGE)'), 0), coalesce(sum(total_exec_time), 0) $filter")
    sql "SELECT round(calls::numeric / $requests, 2) || E'\t' || round(total_exec_time::numeric / calls, 3) || E'\t' || left(regexp_replace(query, '\s+', ' ', 'g'), 150)
         $filter ORDER BY calls DESC, query LIMIT 25" >"$dir/$slug-statements.tsv"
    sleep "$stats_settle"
    local xact1
    xact1=$(sql "SELECT xact_commit FROM pg_stat_database WHERE datname = '$db'")
    IFS='|' read -r all discards written exec_ms <<<"$counts"
    writes[$slug]=$(awk -v a="$written" -v r="$requests" 'BEGIN {printf "%.1f", a / r}')
    stmts[$slug]=$(awk -v a="$all" -v r="$requests" 'BEGIN {printf "%.1f", a / r}')
    checkouts[$slug]=$(awk -v a="$discards" -v r="$requests" 'BEGIN {printf "%.1f", a / r}')
    xacts[$slug]=$(awk -v a="$((xact1 - xact0))" -v r="$requests" 'BEGIN {printf "%.1f", a / r}')
    dbms[$slug]=$(awk -v a="$exec_ms" -v r="$requests" 'BEGIN {printf "%.2f", a / r}')
  fi
  say "   $(grep -E '^statuses:' "$dir/$slug.txt" || echo 'statuses: none counted') | ${rps[$slug]} req/s, p50 ${p50[$slug]} ms, p99 ${p99[$slug]} ms, peak RSS ${rss[$slug]} MiB, server CPU ${cpu[$slug]} ms${pgcpu[$slug]:+, PostgreSQL CPU ${pgcpu[$slug]} ms} per request${stmts[$slug]:+, ${stmts[$slug]} statements (${writes[$slug]} writes), ${xacts[$slug]} transactions, ${checkouts[$slug]} checkouts, ${dbms[$slug]} ms PostgreSQL execution per request}"
  if [ "${bad[$slug]}" != 0 ] || [ "${errs[$slug]}" != 0 ]; then
    failed+=("$label: ${bad[$slug]} unexpected responses, ${errs[$slug]} socket errors")
  fi
}
declare -A labels apps
# CPU time of a process (user + system), and of the whole cluster, in clock ticks: the postmaster with the backends
# it has reaped (a pool closing an idle connection ends its backend) plus the backends alive now.
ticks=$(getconf CLK_TCK)
cpu_of() { awk '{print $14 + $15}' "/proc/$1/stat"; }
postgres_cpu() {
  local postmaster child total
  postmaster=$(head -n 1 "$dir/data/postmaster.pid")
  total=$(awk '{print $14 + $15 + $16 + $17}' "/proc/$postmaster/stat")
  for child in $(pgrep -P "$postmaster"); do
    total=$((total + $(awk '{print $14 + $15}' "/proc/$child/stat" 2>/dev/null || echo 0)))
  done
  echo "$total"
}
# wrk prints latencies as 812.00us, 4.82ms or 1.20s: in milliseconds.
# shellcheck disable=SC2016  # an awk program
latency_awk='$1 == want {v = $2; f = 1; if (v ~ /us$/) f = 0.001; else if (v ~ /ms$/) f = 1; else if (v ~ /s$/) f = 1000; else if (v ~ /m$/) f = 60000; printf "%.1f", v * f}'

say "== the cases (stock and ours interleaved, so that the machine's other load falls on both alike)"
if [ -z "$full" ]; then
  run_case ours_patient "ours, one patient's page" ours "$ours_port" bench_peer patient.req roundrobin 200 -H "Cookie: $ours_cookie" "${proxy[@]}"
  run_case ours_record "ours, the same patient's clinical record, care-team doctor" ours "$ours_port" bench_peer record.req roundrobin 200 -H "Cookie: $doctor_cookie" "${proxy[@]}"
else
run_case stock_root "stock template, signed-in GET /" stock "$stock_port" - root.req roundrobin 200 -H "Cookie: $stock_cookie"
run_case ours_dashboard "ours, dashboard /" ours "$ours_port" bench_peer root.req roundrobin 200 -H "Cookie: $ours_cookie" "${proxy[@]}"
run_case stock_manage "stock template, Manage page" stock "$stock_port" - manage.req roundrobin 200 -H "Cookie: $stock_cookie"
run_case ours_patient "ours, one patient's page" ours "$ours_port" bench_peer patient.req roundrobin 200 -H "Cookie: $ours_cookie" "${proxy[@]}"
run_case ours_record "ours, the same patient's clinical record, care-team doctor" ours "$ours_port" bench_peer record.req roundrobin 200 -H "Cookie: $doctor_cookie" "${proxy[@]}"
run_case ours_patients "ours, 1,000 random patients' pages" ours "$ours_port" bench_peer patients.req random 200 -H "Cookie: $ours_cookie" "${proxy[@]}"
run_case ours_search "ours, patient search ?q=smi" ours "$ours_port" bench_peer search.req roundrobin 200 -H "Cookie: $ours_cookie" "${proxy[@]}"
run_case floor "floor: GET + one durable INSERT" floor "$floor_port" bench_floor root.req roundrobin 200
run_case stock_login "stock template, sign-in, one account" stock "$stock_port" - stock-login.req roundrobin '302>/'
run_case ours_login "ours, sign-in, one account" ours "$ours_port" bench_peer ours-login.req roundrobin '302>/' "${proxy[@]}"
run_case stock_logins "stock template, sign-in, $peer_accounts accounts round robin" stock "$stock_port" - stock-logins.req roundrobin '302>/'
run_case ours_logins "ours, sign-in, $peer_accounts accounts round robin" ours "$ours_port" bench_peer ours-logins.req roundrobin '302>/' "${proxy[@]}"
fi

# --- Where ours' statements go ---------------------------------------------------------------------------------------------
statement_cases=(ours_dashboard ours_patient ours_record ours_search ours_login ours_logins)
[ -z "$full" ] && statement_cases=(ours_patient ours_record)
for slug in "${statement_cases[@]}"; do
  say ""
  say "== statements per request, ${labels[$slug]} (calls per request, mean ms, statement; pg_stat_statements, top level)"
  sed 's/^/  /' "$dir/$slug-statements.tsv"
done

# --- The table and the ratios ------------------------------------------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2f", a / b; else print "n/a"}'; }
max_rss() {
  local app=$1 slug best=0
  for slug in "${cases[@]}"; do [ "${apps[$slug]}" = "$app" ] && [ "${rss[$slug]}" -gt "$best" ] && best=${rss[$slug]}; done
  echo "$best"
}
say ""
say "== Results ($(date -u '+%F %H:%M UTC'), commit $(git -C "$root" rev-parse --short HEAD), $(nproc) cores, load average after: $(cut -d' ' -f1-3 /proc/loadavg), $(( (SECONDS - started) / 60 )) min)"
say ""
say "| case | req/s | p50 ms | p99 ms | non-2xx¹ | socket errors | peak RSS MiB | server CPU ms/req | PostgreSQL CPU ms/req | statements/req² | writes/req | transactions/req³ | checkouts/req⁴ |"
say "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for slug in "${cases[@]}"; do
  say "| ${labels[$slug]} | ${rps[$slug]} | ${p50[$slug]} | ${p99[$slug]} | ${bad[$slug]} | ${errs[$slug]} | ${rss[$slug]} | ${cpu[$slug]:--} | ${pgcpu[$slug]:--} | ${stmts[$slug]:--} | ${writes[$slug]:--} | ${xacts[$slug]:--} | ${checkouts[$slug]:--} |"
done
say ""
say "¹ responses other than the expected one: 200 for a page, a 302 to / for a sign-in."
say "² top-level statements in pg_stat_statements (BEGIN and COMMIT included), without the connection resets; writes: INSERT, UPDATE, DELETE."
say "³ pg_stat_database.xact_commit; a connection's reset is a transaction of its own. ⁴ connection resets (DISCARD ALL, or Npgsql's CLOSE ALL sequence)."
say ""
say "| ratio (Targets of issues 14 and 16) | target | measured |"
say "|---|---:|---:|"
say "| clinical record page (care-team doctor) / patient page, same patient (issue 16) | >= 0.8 | $(ratio "${rate[ours_record]}" "${rate[ours_patient]}") |"
if [ -n "$full" ]; then
say "| patient page / stock Manage page | >= 1.5 | $(ratio "${rate[ours_patient]}" "${rate[stock_manage]}") |"
say "| patient page / floor | >= 0.5 | $(ratio "${rate[ours_patient]}" "${rate[floor]}") |"
say "| 1,000 random patient pages / stock Manage page | | $(ratio "${rate[ours_patients]}" "${rate[stock_manage]}") |"
say "| dashboard / stock signed-in GET / | >= 0.5 | $(ratio "${rate[ours_dashboard]}" "${rate[stock_root]}") |"
say "| patient search / stock Manage page | >= 1.0 | $(ratio "${rate[ours_search]}" "${rate[stock_manage]}") |"
say "| sign-ins ours / stock, one account | >= 0.9 | $(ratio "${rate[ours_login]}" "${rate[stock_login]}") |"
say "| sign-ins ours / stock, $peer_accounts accounts | >= 0.9 | $(ratio "${rate[ours_logins]}" "${rate[stock_logins]}") |"
say "| peak RSS ours / stock (highest of each app's cases: $(max_rss ours) / $(max_rss stock) MiB) | <= 1.1 | $(ratio "$(max_rss ours)" "$(max_rss stock)") |"
fi

if [ "${#failed[@]}" -gt 0 ]; then
  say ""
  for f in "${failed[@]}"; do say "FAILED: $f" >&2; done
  exit 1
fi
