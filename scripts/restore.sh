#!/usr/bin/env bash
# Restores a backup made by scripts/backup.sh (or by the compose backup service) into a run.sh install whose database is
# still empty: a new state folder (MED_STATE_DIR) on this or another machine, or .local/ after moving the old one away.
#
#   bash scripts/restore.sh BACKUP_FOLDER IDENTITY_FILE
#
# IDENTITY_FILE is the age private key (age-keygen's file) whose public key the backup was encrypted to. Steps: checks
# that the key opens every part and that nothing in it is damaged; creates the cluster, roles and empty database if
# need be (as run.sh does); refuses a database that already holds tables; restores in one transaction (a failure
# leaves the database empty); installs the audit owner guard again; puts the key-ring certificate and the audit head
# file back. Then start the portal (bash scripts/run.sh) and check the trail: bash scripts/run.sh verify-audit
# --heads FILE, with the head file it names.
# Exit codes: 0 restored; 1 the restore failed (nothing restored); 2 the backup is damaged or incomplete; 3 the target
# database already has data; 64 usage, or a missing or wrong key.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$root/scripts/lib.sh"
# shellcheck source=deploy/backup/bundle.sh
. "$root/deploy/backup/bundle.sh"
export AUDIT_GUARD_SQL="$root/deploy/postgres/audit-owner-guard.sql"

fail() { echo "restore.sh: $*" >&2; exit "${code:-1}"; }
usage() { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; }

if [ "${1:-}" = --inside-run-sh ]; then
  umask 077
  bundle=$2 identity=$3
  sql() { as_postgres "$MED_PG_BIN/psql" -h "$MED_PG_SOCKET" -p "$MED_PG_PORT" -U "$MED_PG_ADMIN" -d pyboxtech_med "$@"; }
  if ! bundle_restore "$bundle" "$identity" sql -- \
    as_postgres "$MED_PG_BIN/pg_restore" -h "$MED_PG_SOCKET" -p "$MED_PG_PORT" -U "$MED_PG_ADMIN" -d pyboxtech_med; then
    case $bundle_error in "the target database already has data"*) code=3 ;; esac
    fail "$bundle_error"
  fi
  heads=$(bundle_files "$bundle" "$identity" "$MED_STATE_DIR/keyring.pfx" "$MED_STATE_DIR/audit-heads.log") \
    || fail "the database is restored, but the key-ring certificate or the head file could not be written to $MED_STATE_DIR (see above)."
  rows=$(sql -qAt -c "SELECT count(*) || ' audit rows, last ' || coalesce(max(sequence), 0) FROM audit.events")
  echo "Restored $(basename "$bundle") into $MED_STATE_DIR ($rows)."
  echo "Next: start the portal (MED_STATE_DIR=$MED_STATE_DIR bash scripts/run.sh), then check the trail:"
  echo "  MED_STATE_DIR=$MED_STATE_DIR bash scripts/run.sh verify-audit --heads $heads"
  exit 0
fi

case ${1:-} in -h | --help) usage; exit 0 ;; esac
[ $# -eq 2 ] || { usage >&2; exit 64; }
bundle=$1 identity=$2
[ -d "$bundle" ] || fail "no backup folder at $bundle (a pyboxtech-med-YYYYMMDDTHHMMSSZ folder made by backup.sh)"
bundle=$(cd "$bundle" && pwd)
ensure_age
if ! bundle_check "$bundle" "$identity"; then
  case $bundle_error in *"damaged"* | *"incomplete"* | *"not a Pyboxtech-Med backup"*) code=2 ;; *) code=64 ;; esac
  fail "$bundle_error"
fi
identity=$(cd "$(dirname "$identity")" && pwd)/$(basename "$identity")
state_dir=${MED_STATE_DIR:-$root/.local}
mkdir -p "$state_dir"
state_dir=$(cd "$state_dir" && pwd)
# The postgres user reads the dump from a pipe; only the bundle's path and the key stay with the caller.
MED_STATE_DIR=$state_dir exec bash "$root/scripts/run.sh" with-database \
  bash "$root/scripts/restore.sh" --inside-run-sh "$bundle" "$identity"
