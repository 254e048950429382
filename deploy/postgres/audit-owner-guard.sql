-- Pyboxtech-Med: the audit trail's guard against its own table owner. Run as a SUPERUSER, in the portal's database:
--
--   compose (first start): deploy/postgres/init-roles.sh runs it;  an install made before:  docker compose exec -T db \
--       psql -U postgres -d pyboxtech_med -v ON_ERROR_STOP=1 < deploy/postgres/audit-owner-guard.sql
--   scripts/run.sh: runs it itself at every start, after migrate;  tests: the fixture, on its template database.
--
-- Idempotent: running it again rebuilds the same guard (see below), e.g. after a restore.
--
-- Why: med_owner owns audit.events and its triggers (migrations create them), and its password sits on the server
-- (.env, .local/credentials.env). As owner it could `ALTER TABLE audit.events DISABLE TRIGGER USER`, UPDATE rows and
-- switch the trigger back on, or replace audit.refuse_change() with a function that lets changes through. Only a
-- superuser can create an event trigger, and only a superuser can drop or disable one, so these three make the audit
-- schema unchangeable for every other role once the trail holds a row:
--   - before each DDL command, `audit_guard.note_before()` records a fingerprint of everything that keeps the trail
--     append-only and chained (the audit schema's tables, columns, indexes, defaults, constraints, triggers and
--     whether they are enabled, rules, row security and policies, functions with their bodies and settings, owners,
--     and the functions the triggers call wherever they live);
--   - after it, `audit_guard.check_after()` computes the fingerprint again and refuses the command (rolling it back)
--     when it changed: DISABLE TRIGGER, DROP TRIGGER, CREATE OR REPLACE of a trigger function, renaming or moving the
--     schema, table or functions, a new trigger, rule or policy, DROP SCHEMA ... CASCADE, DROP OWNED all end there.
-- A superuser session (session_user, so also a superuser who SET ROLE med_owner, e.g. pg_restore --role=med_owner)
-- is let through: a superuser can switch event triggers off anyway, which is why the saved chain heads exist.
-- While audit.events is empty (a new database being migrated for the first time) nothing is refused: there is
-- nothing to protect yet, and `migrate` creates the schema. A later migration that changes the audit schema must be
-- applied by a superuser session (see docs/architecture.md, "The audit trail's guarantees").

-- Rebuilt from nothing each time, in one transaction, so that whoever runs it ends up with exactly this, owned by the
-- superuser running it: never a schema or function left behind by someone else (a restore with --role=med_owner
-- would create the schema as med_owner; med_owner, owning the database, could have created one of that name).
-- Event triggers do not fire for DROP EVENT TRIGGER, and none is left when the schema is dropped.
BEGIN;
DROP EVENT TRIGGER IF EXISTS audit_guard_before;
DROP EVENT TRIGGER IF EXISTS audit_guard_after;
DROP EVENT TRIGGER IF EXISTS audit_guard_drop;
DROP SCHEMA IF EXISTS audit_guard CASCADE;
CREATE SCHEMA audit_guard AUTHORIZATION CURRENT_USER;
REVOKE ALL ON SCHEMA audit_guard FROM PUBLIC;

-- Everything the append-only rule and the chain depend on, as one hash. Empty string when there is no audit schema.
CREATE OR REPLACE FUNCTION audit_guard.fingerprint() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog
AS $$
    WITH nsp AS (SELECT oid, nspowner FROM pg_namespace WHERE nspname = 'audit'),
    rel AS (SELECT c.* FROM pg_class c JOIN nsp ON c.relnamespace = nsp.oid),
    trig AS (SELECT t.* FROM pg_trigger t JOIN rel ON t.tgrelid = rel.oid),
    parts AS (
        SELECT concat_ws(':', 'n', oid, nspowner) AS part FROM nsp
        UNION ALL SELECT concat_ws(':', 'c', oid, relname, relkind, relowner, relrowsecurity, relforcerowsecurity,
                                   relpersistence, relhasrules) FROM rel
        UNION ALL SELECT concat_ws(':', 'a', a.attrelid, a.attnum, a.attname, a.atttypid, a.attnotnull, a.attisdropped,
                                   a.attgenerated)
                  FROM pg_attribute a JOIN rel ON a.attrelid = rel.oid WHERE a.attnum > 0
        UNION ALL SELECT concat_ws(':', 'd', d.adrelid, d.adnum, pg_get_expr(d.adbin, d.adrelid))
                  FROM pg_attrdef d JOIN rel ON d.adrelid = rel.oid
        UNION ALL SELECT concat_ws(':', 'k', k.conrelid, k.conname, pg_get_constraintdef(k.oid))
                  FROM pg_constraint k JOIN rel ON k.conrelid = rel.oid
        UNION ALL SELECT concat_ws(':', 't', t.oid, t.tgname, t.tgenabled, t.tgtype, t.tgfoid, t.tgisinternal,
                                   pg_get_triggerdef(t.oid)) FROM trig t
        UNION ALL SELECT concat_ws(':', 'r', r.oid, r.rulename, r.ev_enabled, pg_get_ruledef(r.oid))
                  FROM pg_rewrite r JOIN rel ON r.ev_class = rel.oid
        UNION ALL SELECT concat_ws(':', 'p', p.oid, p.polname, p.polcmd, p.polpermissive)
                  FROM pg_policy p JOIN rel ON p.polrelid = rel.oid
        UNION ALL SELECT concat_ws(':', 'f', f.oid, f.pronamespace, f.proname, f.proowner, f.prosecdef, f.provolatile,
                                   array_to_string(f.proconfig, ','), md5(f.prosrc))
                  FROM pg_proc f
                  WHERE f.pronamespace IN (SELECT oid FROM nsp) OR f.oid IN (SELECT tgfoid FROM trig))
    SELECT coalesce(md5(string_agg(part, '|' ORDER BY part)), '') FROM parts
$$;

-- Whether the trail holds a row: from then on its schema is frozen for everyone but superusers.
CREATE OR REPLACE FUNCTION audit_guard.armed() RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog
AS $$
DECLARE
    found boolean;
BEGIN
    IF to_regclass('audit.events') IS NULL THEN
        RETURN false;
    END IF;
    EXECUTE 'SELECT EXISTS (SELECT FROM audit.events)' INTO found;
    RETURN found;
END $$;

CREATE OR REPLACE FUNCTION audit_guard.superuser_session() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog
AS $$ SELECT coalesce((SELECT rolsuper FROM pg_roles WHERE rolname = session_user), false) $$;

CREATE OR REPLACE FUNCTION audit_guard.note_before() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog
AS $$
BEGIN
    IF audit_guard.superuser_session() THEN
        RETURN;
    END IF;
    -- Transaction-local; set anew before every command, so a value set by the session itself never counts.
    PERFORM set_config('audit_guard.before',
        CASE WHEN audit_guard.armed() THEN audit_guard.fingerprint() ELSE 'unarmed' END, true);
END $$;

CREATE OR REPLACE FUNCTION audit_guard.check_after() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog
AS $$
DECLARE
    before text := coalesce(current_setting('audit_guard.before', true), '');
BEGIN
    IF audit_guard.superuser_session() OR before = 'unarmed' THEN
        RETURN;
    END IF;
    IF before = '' OR before IS DISTINCT FROM audit_guard.fingerprint() THEN
        RAISE EXCEPTION 'the audit trail is append-only: % may not change the audit schema, its triggers or their functions', TG_TAG
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Only a superuser session may change the audit schema (see docs/architecture.md, "The audit trail''s guarantees").';
    END IF;
END $$;

REVOKE ALL ON ALL FUNCTIONS IN SCHEMA audit_guard FROM PUBLIC;

CREATE EVENT TRIGGER audit_guard_before ON ddl_command_start EXECUTE FUNCTION audit_guard.note_before();
CREATE EVENT TRIGGER audit_guard_after ON ddl_command_end EXECUTE FUNCTION audit_guard.check_after();
CREATE EVENT TRIGGER audit_guard_drop ON sql_drop EXECUTE FUNCTION audit_guard.check_after();
COMMIT;
