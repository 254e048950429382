#!/usr/bin/env bash
# Proves that two commits' migrations build the same database: each is applied to an empty database through the
# portal's own `migrate` command, then the schema dumps (tables, functions, triggers, indexes, extensions, grants)
# and the seeded rows are compared. The migration history is left out: it names the migrations, which differ.
#
#   scripts/compare-schema.sh [OLD_REF] [NEW_REF]     defaults: main and the working tree
#
# Uses a throwaway PostgreSQL cluster on MED_COMPARE_PORT (55491), removed on exit. Exits 0 when identical.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/scripts/lib.sh"

old_ref=${1:-main}
new_ref=${2:-}
port=${MED_COMPARE_PORT:-55491}
bin=$(postgres_bin)
work=$(mktemp -d /tmp/med-compare-XXXXXX)
chmod 755 "$work"
mkdir "$work/pg"
[ "$(id -u)" = 0 ] && chown postgres:postgres "$work/pg"

cleanup() {
  as_postgres "$bin/pg_ctl" -D "$work/pg/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

as_postgres "$bin/initdb" -D "$work/pg/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
as_postgres "$bin/pg_ctl" -D "$work/pg/data" -l "$work/pg/log" -w \
  -o "-p $port -k $work/pg -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
psql_admin() { "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -v ON_ERROR_STOP=1 -qAt "$@"; }
psql_admin -d postgres -c "CREATE ROLE med_owner LOGIN" -c "CREATE ROLE med_app LOGIN"

# Checks a commit out into its own folder, or uses this working tree when no commit is given.
source_of() {
  local ref=$1 dir=$2
  if [ -z "$ref" ]; then
    echo "$root"
  else
    git clone -q --no-checkout "$root" "$dir"
    git -C "$dir" -c advice.detachedHead=false checkout -q "$ref"
    echo "$dir"
  fi
}

migrate_and_dump() {
  local name=$1 source=$2 database="compare_$1"
  psql_admin -d postgres -c "CREATE DATABASE $database OWNER med_owner"
  psql_admin -d "$database" -c "REVOKE CREATE ON SCHEMA public FROM PUBLIC"
  echo "Migrating $database from ${source}..." >&2
  (cd "$source" && ConnectionStrings__Owner="Host=127.0.0.1;Port=$port;Database=$database;Username=med_owner" \
    ConnectionStrings__Runtime="" Database__RuntimeRole=med_app \
    dotnet run -c Release --project src/Pyboxtech.Med.Web -- migrate >"$work/$name.migrate.log" 2>&1) \
    || { cat "$work/$name.migrate.log" >&2; exit 1; }
  # A fixed restrict key: pg_dump otherwise writes a random one into each dump.
  local dump=("$bin/pg_dump" -h 127.0.0.1 -p "$port" -U postgres --restrict-key=compare)
  "${dump[@]}" --schema-only "$database" >"$work/$name.schema.sql"
  # One INSERT a row, sorted: the order of rows on disk differs (an UPDATE moves a row to the end) and means nothing.
  "${dump[@]}" --data-only --inserts \
    --exclude-table-data=migrations.ef_migrations_history "$database" | grep '^INSERT' | sort >"$work/$name.data.sql"
}

migrate_and_dump old "$(source_of "$old_ref" "$work/old-src")"
migrate_and_dump new "$(source_of "$new_ref" "$work/new-src")"

status=0
diff -u "$work/old.schema.sql" "$work/new.schema.sql" || status=1
diff -u "$work/old.data.sql" "$work/new.data.sql" || status=1
echo "Compared $(grep -cv '^--\|^$' "$work/new.schema.sql") schema lines (of them $(grep -c '^GRANT' "$work/new.schema.sql") GRANTs)" \
  "and $(wc -l <"$work/new.data.sql") seeded rows." >&2
if [ "$status" = 0 ]; then
  echo "Identical: ${old_ref} and ${new_ref:-the working tree} build the same schema, grants and seeded rows."
else
  echo "Different: see the diff above." >&2
fi
exit "$status"
