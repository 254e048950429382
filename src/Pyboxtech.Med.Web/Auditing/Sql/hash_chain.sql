-- Tamper-evident in the database itself. The trigger, not the application, assigns each row its gapless sequence and
-- its hash (SHA-256 of the previous row's hash and this row's canonical text, see Auditing/AuditHash.cs), under a
-- transaction-scoped lock, so that any number of concurrent writers and instances build one correct chain.
CREATE FUNCTION audit.field(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT CASE WHEN value IS NULL THEN '~' ELSE octet_length(value)::text || ':' || value END $$;

CREATE FUNCTION audit.chain_event() RETURNS trigger
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
        audit.field(NEW.details)), 'UTF8'));
    RETURN NEW;
END $$;

CREATE TRIGGER events_chain BEFORE INSERT ON audit.events
    FOR EACH ROW EXECUTE FUNCTION audit.chain_event();
