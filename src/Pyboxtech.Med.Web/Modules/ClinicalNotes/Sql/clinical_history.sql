-- A signed note is part of the medical record as it stood when signed: it is never changed or deleted, not even by a
-- bug or a hand-typed statement as the runtime role. A correction is a new note that amends it. Drafts are changed by
-- their author until signed; the runtime role has no DELETE on this schema, so nothing is discarded either.
CREATE FUNCTION clinicalnotes.keep_signed_notes() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status = 'Signed' THEN
        RAISE EXCEPTION 'a signed clinical note is never changed or deleted; amend it instead'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER notes_signed_kept BEFORE UPDATE OR DELETE ON clinicalnotes.notes
    FOR EACH ROW EXECUTE FUNCTION clinicalnotes.keep_signed_notes();

-- A summary line is history: it may be ended once (who, when) and is otherwise never changed or deleted.
CREATE FUNCTION clinicalnotes.keep_summary_history() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR OLD.ended_at IS NOT NULL
        OR (NEW.id, NEW.patient_id, NEW.kind, NEW.text, NEW.detail, NEW.severity, NEW.onset, NEW.problem_status, NEW.recorded_at, NEW.recorded_by)
            IS DISTINCT FROM (OLD.id, OLD.patient_id, OLD.kind, OLD.text, OLD.detail, OLD.severity, OLD.onset, OLD.problem_status, OLD.recorded_at, OLD.recorded_by) THEN
        RAISE EXCEPTION 'a clinical summary line is kept as history: it may only be ended, once'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER summary_items_kept BEFORE UPDATE OR DELETE ON clinicalnotes.summary_items
    FOR EACH ROW EXECUTE FUNCTION clinicalnotes.keep_summary_history();
