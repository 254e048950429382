-- The database stamps each row's time itself (issue 19, 0b): a caller's occurred_at is overwritten with
-- clock_timestamp(), taken after the chain lock, so that a row cannot be dated back (or ahead) by the runtime role, by
-- the owner role, or by anyone holding their passwords, and so that times rise with the sequence on one server.
-- One exception: a superuser session (session_user, also when it SET ROLE med_owner) keeps a time it gives, so that
-- rows copied in by hand from a plain SQL dump or another system keep their original times (pg_restore itself creates
-- triggers after loading the data, so it never passes through here). A superuser can switch triggers off anyway, so
-- this lets no one do what they could not do before.
-- user_name cannot be stamped: the database does not know who is signed in to the portal (one runtime role serves
-- everyone); see docs/architecture.md, "The audit trail's guarantees".
-- Otherwise exactly the chain of Sql/hash_chain_access.sql (the same canonical text and hash).
CREATE OR REPLACE FUNCTION audit.chain_event() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog
AS $$
DECLARE
    last_sequence bigint;
    last_hash bytea;
BEGIN
    PERFORM pg_advisory_xact_lock(71834473681920);
    SELECT e.sequence, e.hash INTO last_sequence, last_hash
    FROM audit.events e ORDER BY e.sequence DESC LIMIT 1;
    IF NEW.occurred_at IS NULL
       OR NOT coalesce((SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = session_user), false) THEN
        NEW.occurred_at := clock_timestamp();
    END IF;
    NEW.sequence := coalesce(last_sequence, 0) + 1;
    NEW.previous_hash := coalesce(last_hash, decode(repeat('00', 32), 'hex'));
    NEW.hash := sha256(NEW.previous_hash || convert_to(concat_ws('|',
        audit.field(NEW.sequence::text),
        audit.field(((extract(epoch FROM NEW.occurred_at) * 1000000)::bigint)::text),
        audit.field(NEW.user_id::text),
        audit.field(NEW.user_name),
        audit.field(NEW.client_ip),
        audit.field(NEW.user_agent),
        audit.field(NEW.event_type::text),
        audit.field(NEW.action),
        audit.field(NEW.module),
        audit.field(NEW.outcome::text),
        audit.field(NEW.subject_type),
        audit.field(NEW.subject_id),
        audit.field(NEW.correlation_id),
        audit.field(NEW.details),
        CASE WHEN NEW.purpose_of_use IS NULL AND NEW.access_basis IS NULL THEN NULL
             ELSE audit.field(NEW.purpose_of_use) || '|' || audit.field(NEW.access_basis) END), 'UTF8'));
    RETURN NEW;
END $$;
