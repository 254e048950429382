-- The chain with purpose of use and access basis (see Auditing/AuditHash.cs). Both are appended to the canonical text
-- only when one is set: rows stored before these columns existed, and rows not about clinical access, keep exactly
-- the text and hash of Sql/hash_chain.sql. concat_ws skips a NULL argument, separator included.
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
