-- Who was given access to a patient's record, and who broke the glass, is kept for the periodic review and for good:
-- a grant ends by its expiry or a revocation, an emergency use by its window; neither row is ever deleted, and the
-- facts of an emergency use (who, which patient, why, when) never change once written. Only its review is added.
CREATE FUNCTION access.refuse_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'rows of %.% are kept for review and are never deleted', TG_TABLE_SCHEMA, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER grants_kept BEFORE DELETE ON access.grants
    FOR EACH ROW EXECUTE FUNCTION access.refuse_delete();
CREATE TRIGGER emergency_accesses_kept BEFORE DELETE ON access.emergency_accesses
    FOR EACH ROW EXECUTE FUNCTION access.refuse_delete();

CREATE FUNCTION access.keep_emergency_facts() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.id, NEW.patient_id, NEW.user_id, NEW.purpose_of_use, NEW.reason, NEW.started_at, NEW.ends_at)
        IS DISTINCT FROM (OLD.id, OLD.patient_id, OLD.user_id, OLD.purpose_of_use, OLD.reason, OLD.started_at, OLD.ends_at) THEN
        RAISE EXCEPTION 'an emergency access is never changed once written; only its review is recorded'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER emergency_accesses_facts BEFORE UPDATE ON access.emergency_accesses
    FOR EACH ROW EXECUTE FUNCTION access.keep_emergency_facts();
