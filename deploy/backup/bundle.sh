# shellcheck shell=bash disable=SC2034  # bundle_error, bundle_path and bundle_age_args are read by the caller
# Pyboxtech-Med backups: the one implementation of a backup bundle, sourced by scripts/backup.sh and scripts/restore.sh
# (a run.sh install) and by deploy/backup/entrypoint.sh (the compose `backup` service).
#
# A bundle is a folder pyboxtech-med-YYYYMMDDTHHMMSSZ/ holding
#   MANIFEST               plain text: format, time, the database and the trail's last row (no health information)
#   database.dump.age      pg_dump --format=custom of the portal's database, streamed through age: never plain on disk
#   keyring.pfx.age        the key-ring certificate (DataProtection:CertificatePath): without it sessions and two-factor
#                          secrets in the database cannot be read
#   audit-heads.log.age    the audit chain-head file (Audit:HeadFile) as it was: `verify-audit --heads` against it
#                          tells a restore of this backup from a cut or rewritten trail
# each encrypted with age to the operator's public key(s); only the private key (kept OFF the server) opens them.
# The folder is written as .partial-NAME and renamed when complete, so a folder without that prefix is a whole backup.
#
# Functions set `bundle_error` to a message and return non-zero; the caller prints it and exits.

bundle_format="pyboxtech-med-backup 1"

# Checks the recipients (age public keys "age1..." or SSH public keys) given as arguments; fills bundle_age_args.
bundle_recipients() {
  local recipient
  bundle_age_args=()
  for recipient in "$@"; do
    [ -n "$recipient" ] || continue
    if ! age -r "$recipient" </dev/null >/dev/null 2>&1; then
      bundle_error="'$recipient' is not an age public key (age1..., printed by age-keygen; the private key file stays off this server)."
      return 1
    fi
    bundle_age_args+=(-r "$recipient")
  done
  if [ ${#bundle_age_args[@]} -eq 0 ]; then
    bundle_error="no age recipient: give the public key the backups are encrypted to (MED_BACKUP_RECIPIENT, or --recipient). Make one on another machine with 'age-keygen -o backup-key.txt' (it prints the public key) and keep backup-key.txt off this server: it is what opens the backups."
    return 1
  fi
}

# bundle_write DEST CERT HEADS DUMP_CMD...: writes a bundle into DEST and sets bundle_path to it. DUMP_CMD prints the custom
# format dump on stdout. A missing certificate or head file is an error (the backup would not restore whole).
bundle_write() {
  local dest=$1 cert=$2 heads=$3 name partial status
  shift 3
  umask 077
  if [ ! -r "$cert" ]; then
    bundle_error="the key-ring certificate $cert is missing or unreadable: a backup without it restores a portal whose sessions and two-factor secrets cannot be read. Start the portal once (it creates it) or point to it."
    return 1
  fi
  mkdir -p "$dest" || { bundle_error="cannot create the backup folder $dest."; return 1; }
  name="pyboxtech-med-$(date -u +%Y%m%dT%H%M%SZ)"
  partial="$dest/.partial-$name"
  rm -rf "$partial"
  if ! mkdir "$partial" 2>/dev/null; then
    bundle_error="cannot write to the backup folder $dest (permissions, or the disk is full)."
    return 1
  fi
  # Error messages go to a temporary file elsewhere: on a full disk the destination cannot hold them.
  local -a stages
  local errors free
  errors=$(mktemp)
  "$@" 2>"$errors.dump" | age "${bundle_age_args[@]}" -o "$partial/database.dump.age" 2>"$errors"
  stages=("${PIPESTATUS[@]}")
  free=$(df -h "$dest" 2>/dev/null | awk 'NR==2 {print $4 " free on " $6}')
  # age first: when it cannot write, pg_dump fails too (its pipe closes), and the cause is the destination.
  if [ "${stages[1]}" != 0 ]; then
    bundle_error="writing the encrypted dump to $dest failed: $(grep -v 'report unexpected' "$errors" | tail -n 2 | tr '\n' ' ')(disk full? $free). Nothing was kept."
    rm -rf "$partial" "$errors" "$errors.dump"
    return 1
  fi
  if [ "${stages[0]}" != 0 ]; then
    bundle_error="pg_dump failed (exit ${stages[0]}): $(tail -n 3 "$errors.dump" | tr '\n' ' ')Nothing was kept."
    rm -rf "$partial" "$errors" "$errors.dump"
    return 1
  fi
  rm -f "$errors" "$errors.dump"
  status=0
  age "${bundle_age_args[@]}" -o "$partial/keyring.pfx.age" "$cert" 2>/dev/null || status=1
  if [ -f "$heads" ]; then
    age "${bundle_age_args[@]}" -o "$partial/audit-heads.log.age" "$heads" 2>/dev/null || status=1
  else
    # No head exported yet (a new install): an empty file says so, rather than a missing member.
    age "${bundle_age_args[@]}" -o "$partial/audit-heads.log.age" </dev/null 2>/dev/null || status=1
  fi
  {
    echo "$bundle_format"
    echo "created $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "database.dump.age $(stat -c %s "$partial/database.dump.age")"
    echo "heads-lines $( [ -f "$heads" ] && wc -l <"$heads" || echo 0)"
  } >"$partial/MANIFEST" 2>/dev/null || status=1
  if [ "$status" != 0 ] || ! mv "$partial" "$dest/$name"; then
    bundle_error="writing the backup to $dest failed (disk full? $free). Nothing was kept."
    rm -rf "$partial"
    return 1
  fi
  bundle_path="$dest/$name"
}

# bundle_prune DEST KEEP MAX_AGE_DAYS: keeps the KEEP newest bundles, and of those drops any older than MAX_AGE_DAYS
# days, but never the newest one (an install that stopped backing up still has its last backup). 0 turns a limit off.
# Prints each folder it removes. Also removes .partial- folders left by a backup that was killed.
bundle_prune() {
  local dest=$1 keep=$2 max_age=$3 index=0 bundle created now age_days
  now=$(date -u +%s)
  find "$dest" -maxdepth 1 -name '.partial-pyboxtech-med-*' -mmin +60 -exec rm -rf {} + 2>/dev/null
  while IFS= read -r bundle; do
    index=$((index + 1))
    [ "$index" = 1 ] && continue
    created=$(date -u -d "$(basename "$bundle" | sed -E 's/^pyboxtech-med-([0-9]{4})([0-9]{2})([0-9]{2})T([0-9]{2})([0-9]{2})([0-9]{2})Z$/\1-\2-\3 \4:\5:\6/')" +%s 2>/dev/null) || continue
    age_days=$(((now - created) / 86400))
    if { [ "$keep" -gt 0 ] && [ "$index" -gt "$keep" ]; } || { [ "$max_age" -gt 0 ] && [ "$age_days" -ge "$max_age" ]; }; then
      rm -rf "$bundle" && echo "$bundle"
    fi
  done < <(find "$dest" -maxdepth 1 -type d -name 'pyboxtech-med-????????T??????Z' | sort -r)
}

# bundle_check BUNDLE IDENTITY: the bundle is whole and the identity opens it. Decrypts every member to nowhere: age
# authenticates each chunk, so a changed or cut-off byte anywhere is found before anything is restored.
bundle_check() {
  local bundle=$1 identity=$2 member out
  if [ ! -f "$bundle/MANIFEST" ] || [ "$(head -n 1 "$bundle/MANIFEST")" != "$bundle_format" ]; then
    bundle_error="$bundle is not a Pyboxtech-Med backup (no MANIFEST starting '$bundle_format')."
    return 1
  fi
  if [ ! -r "$identity" ]; then
    bundle_error="the age identity (private key) file $identity is missing or unreadable: give the file made with age-keygen whose public key the backups are encrypted to."
    return 1
  fi
  for member in keyring.pfx.age audit-heads.log.age database.dump.age; do
    if [ ! -f "$bundle/$member" ]; then
      bundle_error="$bundle/$member is missing: the backup is incomplete; use another one."
      return 1
    fi
    if ! out=$(age -d -i "$identity" "$bundle/$member" 2>&1 >/dev/null); then
      out=${out%%$'\n'*}
      case $out in
        *"no identity matched"* | *"no identities"*)
          bundle_error="the key $identity does not open this backup: it was encrypted to another public key. Use the private key whose public key was MED_BACKUP_RECIPIENT when it was made." ;;
        *"failed to read"*identit* | *"malformed"*identit* | *"identity"*"invalid"* | *"failed to parse"*)
          bundle_error="$identity is not an age identity (private key) file: $out" ;;
        *)
          bundle_error="$bundle/$member is damaged (it does not decrypt whole: $out). Nothing was restored; use another backup." ;;
      esac
      return 1
    fi
  done
}

# bundle_restore BUNDLE IDENTITY PSQL_CMD... -- PG_RESTORE_CMD...: restores the database of a checked bundle into an
# EMPTY database (PSQL_CMD and PG_RESTORE_CMD connect to it as a superuser; PG_RESTORE_CMD reads the dump on stdin),
# in one transaction, then installs the audit owner guard again (AUDIT_GUARD_SQL names its file). A target that holds
# any table is refused: restoring over data mixes two databases (pg_restore then reports errors yet loads rows).
bundle_restore() {
  local bundle=$1 identity=$2 tables
  shift 2
  local -a psql_cmd=() restore_cmd=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do psql_cmd+=("$1"); shift; done
  shift
  restore_cmd=("$@")
  if ! tables=$("${psql_cmd[@]}" -qAt -c "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S') AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'audit_guard')
        AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'" 2>&1); then
    bundle_error="cannot reach the target database: $tables"
    return 1
  fi
  if [ "$tables" != 0 ]; then
    bundle_error="the target database already has data ($tables tables and sequences, e.g. $("${psql_cmd[@]}" -qAt -c "SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'audit_guard') AND n.nspname NOT LIKE 'pg_toast%' ORDER BY 1 LIMIT 3" | paste -sd, -)). A restore goes into a fresh, empty database only; nothing was changed."
    return 1
  fi
  # The guard a new database may already have (compose's init script installs it) would collide with the one in the
  # dump; both are rebuilt from the file below once the data is in.
  "${psql_cmd[@]}" -q -v ON_ERROR_STOP=1 -c "SET client_min_messages = warning" -c "DROP EVENT TRIGGER IF EXISTS audit_guard_before" \
    -c "DROP EVENT TRIGGER IF EXISTS audit_guard_after" -c "DROP EVENT TRIGGER IF EXISTS audit_guard_drop" \
    -c "DROP SCHEMA IF EXISTS audit_guard CASCADE" >/dev/null || { bundle_error="could not prepare the target database"; return 1; }
  local -a stages
  local errors
  errors=$(mktemp)
  age -d -i "$identity" "$bundle/database.dump.age" 2>>"$errors" \
    | "${restore_cmd[@]}" --single-transaction --exit-on-error 2>>"$errors"
  stages=("${PIPESTATUS[@]}")
  if [ "${stages[0]}" != 0 ] || [ "${stages[1]}" != 0 ]; then
    bundle_error="the restore failed and was rolled back (the target database is as empty as before): $(grep -v 'report unexpected' "$errors" | tail -n 3 | tr '\n' ' ')"
    rm -f "$errors"
    return 1
  fi
  rm -f "$errors"
  if ! "${psql_cmd[@]}" -q -v ON_ERROR_STOP=1 -c "SET client_min_messages = warning" -f "$AUDIT_GUARD_SQL" >/dev/null; then
    bundle_error="the data is restored, but installing the audit owner guard failed: run $AUDIT_GUARD_SQL as the superuser in the database before starting the portal."
    return 1
  fi
}

# bundle_files BUNDLE IDENTITY CERT HEADS: puts the key-ring certificate and the head file back. A certificate already
# there that differs is moved aside (NAME.before-restore-TIME). A head file already there is kept: it may know rows
# newer than this backup, which verify-audit then reports as "ends before the saved heads"; the backup's copy is
# written beside it as HEADS.backup-NAME and is what `verify-audit --heads` should be given to check the restore.
# Prints the head file to verify against; errors go to stderr (it runs in a command substitution).
bundle_files() {
  local bundle=$1 identity=$2 cert=$3 heads=$4 stamp tmp
  stamp=$(basename "$bundle")
  stamp=${stamp#pyboxtech-med-}
  umask 077
  mkdir -p "$(dirname "$cert")" "$(dirname "$heads")"
  tmp="$cert.restoring"
  age -d -i "$identity" -o "$tmp" "$bundle/keyring.pfx.age" || { echo "could not write $cert" >&2; rm -f "$tmp"; return 1; }
  if [ -f "$cert" ] && ! cmp -s "$tmp" "$cert"; then
    mv "$cert" "$cert.before-restore-$stamp"
    echo "The key-ring certificate that was at $cert is kept as $cert.before-restore-$stamp." >&2
  fi
  mv "$tmp" "$cert"
  # Owned like the folder it is in: in compose the app reads it as its own non-root user.
  [ "$(id -u)" != 0 ] || chown --reference="$(dirname "$cert")" "$cert"
  if [ -s "$heads" ]; then
    age -d -i "$identity" -o "$heads.backup-$stamp" "$bundle/audit-heads.log.age" || { echo "could not write $heads.backup-$stamp" >&2; return 1; }
    echo "The head file $heads was kept (it may know rows newer than this backup); the backup's copy is $heads.backup-$stamp." >&2
    echo "$heads.backup-$stamp"
  else
    age -d -i "$identity" -o "$heads" "$bundle/audit-heads.log.age" || { echo "could not write $heads" >&2; return 1; }
    echo "$heads"
  fi
  [ "$(id -u)" != 0 ] || chown --reference="$(dirname "$heads")" "$heads"*
}
