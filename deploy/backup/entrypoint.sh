#!/usr/bin/env bash
# The compose `backup` service (docker-compose.yml). Bundles as scripts/backup.sh makes them (deploy/backup/bundle.sh):
# the database (pg_dump streamed through age), the key-ring certificate and the audit head file, encrypted to
# MED_BACKUP_RECIPIENT, into /backups; then removes bundles beyond MED_BACKUP_KEEP or older than
# MED_BACKUP_MAX_AGE_DAYS (the newest always stays).
#
#   nightly                      (default) one backup every day at MED_BACKUP_AT (HH:MM, the container's TZ)
#   now                          one backup now (docker compose run --rm backup now)
#   restore BUNDLE IDENTITY      restore into the EMPTY database of a new stack (see the top of docker-compose.yml)
#
# The database is reached with PG* variables (PGHOST, PGUSER=postgres, PGPASSWORD, PGDATABASE); the certificate and
# head file are read from, and restored to, /var/lib/pyboxtech-med (the app's volume). The status of the last run is in
# /tmp/backup-status (ok, waiting or failed: MESSAGE), read by the health check.
set -uo pipefail
umask 077
# shellcheck source=deploy/backup/bundle.sh
. /usr/local/lib/pyboxtech-med-backup/bundle.sh
files=/var/lib/pyboxtech-med
dest=/backups
status() { printf '%s\n' "$*" >/tmp/backup-status; }
log() { printf '%s backup: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*"; }

backup_once() {
  local keep=${MED_BACKUP_KEEP:-14} max_age=${MED_BACKUP_MAX_AGE_DAYS:-35} removed
  read -ra recipients <<<"${MED_BACKUP_RECIPIENT:-}"
  if ! bundle_recipients "${recipients[@]}"; then
    log "NOT BACKING UP: $bundle_error Set MED_BACKUP_RECIPIENT in .env, then: docker compose up -d backup"
    status "failed: $bundle_error"
    return 64
  fi
  if ! bundle_write "$dest" "$files/keyring.pfx" "$files/audit-heads.log" pg_dump --format=custom; then
    log "FAILED: $bundle_error"
    status "failed: $bundle_error"
    return 1
  fi
  log "written: $bundle_path ($(du -sh "$bundle_path" | cut -f1))"
  removed=$(bundle_prune "$dest" "$keep" "$max_age")
  [ -z "$removed" ] || log "removed old backups: $(echo "$removed" | tr '\n' ' ')"
  status ok
}

case ${1:-nightly} in
  now) backup_once; exit $? ;;
  restore)
    [ $# -eq 3 ] || { echo "usage: restore /backups/pyboxtech-med-YYYYMMDDTHHMMSSZ /path/to/backup-key.txt" >&2; exit 64; }
    bundle=$2 identity=$3
    if ! bundle_check "$bundle" "$identity"; then
      echo "restore: $bundle_error" >&2
      case $bundle_error in *damaged* | *incomplete* | *"not a Pyboxtech-Med backup"*) exit 2 ;; *) exit 64 ;; esac
    fi
    export AUDIT_GUARD_SQL=/usr/local/share/pyboxtech-med/audit-owner-guard.sql
    if ! bundle_restore "$bundle" "$identity" psql -- pg_restore --dbname="${PGDATABASE:-pyboxtech_med}"; then
      echo "restore: $bundle_error" >&2
      case $bundle_error in "the target database already has data"*) exit 3 ;; *) exit 1 ;; esac
    fi
    # A new stack's volume may have been made by this container (root's); the app reads and appends as its own user.
    chown "${MED_APP_UID:-1654}" "$files"
    heads=$(bundle_files "$bundle" "$identity" "$files/keyring.pfx" "$files/audit-heads.log") || exit 1
    echo "Restored $(basename "$bundle"). Start the stack (docker compose up -d), then check the trail:"
    echo "  docker compose exec app dotnet Pyboxtech.Med.Web.dll verify-audit --heads $heads"
    exit 0
    ;;
  nightly) ;;
  *) echo "usage: nightly | now | restore BUNDLE IDENTITY" >&2; exit 64 ;;
esac

status waiting
log "nightly backups at ${MED_BACKUP_AT:-02:30} ($(date +%Z)) into $dest"
while true; do
  next=$(date -d "today ${MED_BACKUP_AT:-02:30}" +%s 2>/dev/null) || { log "MED_BACKUP_AT '${MED_BACKUP_AT}' is not HH:MM"; status "failed: MED_BACKUP_AT is not HH:MM"; sleep 3600; continue; }
  [ "$next" -gt "$(date +%s)" ] || next=$(date -d "tomorrow ${MED_BACKUP_AT:-02:30}" +%s)
  sleep $((next - $(date +%s)))
  backup_once
done
