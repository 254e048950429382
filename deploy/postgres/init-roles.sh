#!/usr/bin/env bash
# Pyboxtech-Med: first-initialisation script for the PostgreSQL container.
#
# The official postgres image runs this file from /docker-entrypoint-initdb.d/ ONLY when the data volume is empty
# (first start). It creates:
#   - database  pyboxtech_med, owned by med_owner
#   - med_owner LOGIN, not superuser: owns the database and (through migrations) every table; used by `migrate` only
#   - med_app   LOGIN, not superuser, owns nothing: the app's runtime role; `migrate` grants it what it needs
#   - the audit owner guard in pyboxtech_med (deploy/postgres/audit-owner-guard.sql, mounted by docker-compose.yml)
#
# Passwords come from the container environment (MED_OWNER_PASSWORD, MED_APP_PASSWORD, set by docker-compose.yml)
# and are read into psql with \getenv, so they never appear on a command line, and are quoted by format('%L').
# Changing them in .env later does NOT change them in the database: rotate with ALTER ROLE ... PASSWORD.
#
# The image either executes this file (if it is executable) or sources it; both work: everything runs in a
# subshell so no shell option leaks into the image's entrypoint.

(
	set -euo pipefail

	: "${MED_OWNER_PASSWORD:?MED_OWNER_PASSWORD must be set (see .env.example)}"
	: "${MED_APP_PASSWORD:?MED_APP_PASSWORD must be set (see .env.example)}"
	if [ "$MED_OWNER_PASSWORD" = "$MED_APP_PASSWORD" ]; then
		echo "init-roles.sh: MED_OWNER_PASSWORD and MED_APP_PASSWORD must differ" >&2
		exit 1
	fi

	# The init-time server listens on the Unix socket only; connect as the bootstrap superuser.
	PGHOST='' PGHOSTADDR='' psql --no-psqlrc --no-password -v ON_ERROR_STOP=1 \
		--username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-${POSTGRES_USER:-postgres}}" <<'SQL'
-- Keep statements that carry a password out of the server log, even if one fails.
SET log_statement = 'none';
SET log_min_error_statement = 'panic';
SET password_encryption = 'scram-sha-256';

\getenv owner_password MED_OWNER_PASSWORD
\getenv app_password MED_APP_PASSWORD

SELECT format(
    'CREATE ROLE med_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD %L',
    :'owner_password') \gexec
SELECT format(
    'CREATE ROLE med_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT PASSWORD %L',
    :'app_password') \gexec
\unset owner_password
\unset app_password

CREATE DATABASE pyboxtech_med OWNER med_owner ENCODING 'UTF8' TEMPLATE template0;

-- Only the two application roles (and the superuser) may connect.
REVOKE ALL ON DATABASE pyboxtech_med FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE pyboxtech_med TO med_owner;
GRANT CONNECT ON DATABASE pyboxtech_med TO med_app;

\connect pyboxtech_med
SET log_statement = 'none';

-- Nobody but the owner creates objects in public; the runtime role may only look names up there.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
ALTER SCHEMA public OWNER TO med_owner;
GRANT USAGE ON SCHEMA public TO med_app;
SQL

	# The audit trail's owner guard: event triggers, which only a superuser can create, that keep med_owner (its
	# password is in .env) from switching the audit triggers off or replacing them once the trail holds a row. Made here,
	# before `migrate` builds the audit schema (allowed while the trail is empty). docker-compose.yml mounts the file.
	guard=/usr/local/share/pyboxtech-med/audit-owner-guard.sql
	if [ ! -r "$guard" ]; then
		echo "init-roles.sh: $guard is missing: docker-compose.yml mounts it from deploy/postgres/" >&2
		exit 1
	fi
	PGHOST='' PGHOSTADDR='' PGOPTIONS='-c client_min_messages=warning' psql --no-psqlrc --no-password -v ON_ERROR_STOP=1 -q \
		--username "${POSTGRES_USER:-postgres}" --dbname pyboxtech_med -f "$guard"

	echo "init-roles.sh: created database pyboxtech_med with roles med_owner (owner) and med_app (runtime), and the audit owner guard"
)
