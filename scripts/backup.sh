#!/usr/bin/env bash
# Backs up a run.sh install (its database, key-ring certificate and audit chain-head file) into one encrypted bundle,
# then removes old bundles. Run it from cron; copy the bundles off this machine. The format: deploy/backup/bundle.sh.
#
#   bash scripts/backup.sh [--recipient AGE_PUBLIC_KEY]... [--to DIR] [--keep N] [--max-age DAYS]
#
# Environment (the options win): MED_BACKUP_RECIPIENT (one or more age public keys, space-separated), MED_BACKUP_DIR
# (default: backups/ in the state folder), MED_BACKUP_KEEP (how many bundles to keep, default 14; 0: no limit),
# MED_BACKUP_MAX_AGE_DAYS (remove bundles older than this, default 35; 0: no limit; the newest is always kept),
# MED_STATE_DIR and MED_PG_PORT as for run.sh.
# Nothing is ever written unencrypted: pg_dump streams through age into the bundle (umask 077).
# Exit codes: 0 done, 1 the backup failed (nothing kept), 64 options or key not usable.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$root/scripts/lib.sh"
# shellcheck source=deploy/backup/bundle.sh
. "$root/deploy/backup/bundle.sh"

fail() { echo "backup.sh: $*" >&2; exit "${code:-1}"; }

if [ "${1:-}" = --inside-run-sh ]; then
  umask 077
  # Called back by run.sh with-database: the cluster is up and MED_PG_* name it.
  shift
  dest=$1 keep=$2 max_age=$3
  shift 3
  bundle_age_args=("$@")
  heads="$MED_STATE_DIR/audit-heads.log"
  cert="$MED_STATE_DIR/keyring.pfx"
  if [ "$(as_postgres "$MED_PG_BIN/psql" -h "$MED_PG_SOCKET" -p "$MED_PG_PORT" -U "$MED_PG_ADMIN" -d pyboxtech_med -qAt \
    -c "SELECT to_regclass('audit.events') IS NOT NULL")" != t ]; then
    fail "the database in $MED_STATE_DIR has no tables yet: start the portal once (bash scripts/run.sh) before backing it up."
  fi
  bundle_write "$dest" "$cert" "$heads" \
    as_postgres "$MED_PG_BIN/pg_dump" -h "$MED_PG_SOCKET" -p "$MED_PG_PORT" -U "$MED_PG_ADMIN" --format=custom pyboxtech_med \
    || fail "$bundle_error"
  echo "Backup written: $bundle_path ($(du -sh "$bundle_path" | cut -f1))"
  removed=$(bundle_prune "$dest" "$keep" "$max_age")
  [ -z "$removed" ] || printf 'Removed old backup: %s\n' "$removed"
  exit 0
fi

read -ra recipients <<<"${MED_BACKUP_RECIPIENT:-}"
dest=${MED_BACKUP_DIR:-}
keep=${MED_BACKUP_KEEP:-14}
max_age=${MED_BACKUP_MAX_AGE_DAYS:-35}
given_recipients=()
while [ $# -gt 0 ]; do
  case $1 in
    --recipient) [ $# -ge 2 ] || code=64 fail "--recipient needs a value"; given_recipients+=("$2"); shift 2 ;;
    --to) [ $# -ge 2 ] || code=64 fail "--to needs a folder"; dest=$2; shift 2 ;;
    --keep) [ $# -ge 2 ] || code=64 fail "--keep needs a number"; keep=$2; shift 2 ;;
    --max-age) [ $# -ge 2 ] || code=64 fail "--max-age needs a number of days"; max_age=$2; shift 2 ;;
    -h | --help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) code=64 fail "unknown option '$1' (see --help)" ;;
  esac
done
[ ${#given_recipients[@]} -eq 0 ] || recipients=("${given_recipients[@]}")
[[ $keep =~ ^[0-9]+$ ]] || code=64 fail "--keep / MED_BACKUP_KEEP must be a whole number, not '$keep'"
[[ $max_age =~ ^[0-9]+$ ]] || code=64 fail "--max-age / MED_BACKUP_MAX_AGE_DAYS must be a whole number of days, not '$max_age'"

ensure_age
bundle_recipients "${recipients[@]}" || code=64 fail "$bundle_error"

state_dir=${MED_STATE_DIR:-$root/.local}
[ -d "$state_dir" ] || fail "no run.sh install in $state_dir (MED_STATE_DIR): nothing to back up."
state_dir=$(cd "$state_dir" && pwd)
dest=${dest:-$state_dir/backups}
(umask 077 && mkdir -p "$dest") || fail "cannot create the backup folder $dest"
dest=$(cd "$dest" && pwd)
MED_STATE_DIR=$state_dir exec bash "$root/scripts/run.sh" with-database \
  bash "$root/scripts/backup.sh" --inside-run-sh "$dest" "$keep" "$max_age" "${bundle_age_args[@]}"
