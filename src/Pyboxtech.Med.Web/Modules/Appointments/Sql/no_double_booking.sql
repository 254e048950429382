-- No double booking, kept by PostgreSQL itself: two appointments of one practitioner that hold their time (not
-- cancelled, not "did not attend") may not overlap, whoever writes them (two receptionists at once, psql, a bug).
-- Ranges are half-open, so 09:00-09:15 and 09:15-09:30 touch without overlapping. btree_gist gives GiST the "=" on
-- uuid; it is a trusted extension (PostgreSQL 13+), so the database owner that runs migrate installs it, like
-- unaccent and pg_trgm in Modules/Patients/Sql/name_key.sql, into the module's own schema.
CREATE EXTENSION IF NOT EXISTS btree_gist SCHEMA appointments;

ALTER TABLE appointments.appointments
    ADD CONSTRAINT ex_appointments_no_double_booking
    EXCLUDE USING gist (practitioner_id WITH =, tstzrange(starts_at, ends_at) WITH &&)
    WHERE (status NOT IN ('Cancelled', 'DidNotAttend'));

-- The runtime role may DELETE in this schema only because working-hours ranges and date exceptions really vanish
-- when a practice edits a week. Appointments and practitioners are cancelled or made inactive, never removed, and a
-- history line is never changed or removed: PostgreSQL refuses, whoever asks.
CREATE FUNCTION appointments.refuse_removal() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% of appointments.% refused: appointments, practitioners and their history are kept', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER status_changes_kept BEFORE UPDATE OR DELETE ON appointments.status_changes
    FOR EACH ROW EXECUTE FUNCTION appointments.refuse_removal();

CREATE TRIGGER appointments_kept BEFORE DELETE ON appointments.appointments
    FOR EACH ROW EXECUTE FUNCTION appointments.refuse_removal();

CREATE TRIGGER practitioners_kept BEFORE DELETE ON appointments.practitioners
    FOR EACH ROW EXECUTE FUNCTION appointments.refuse_removal();

-- One practitioner's appointments by start, covering what the free-slot finder and the booking/moving overlap check
-- read (issue 17 benchmark: the finder's statement 84 ms -> 0.2 ms with 1,000,000 appointments, together with the
-- lower bound on starts_at in AppointmentBook). Hand SQL, not in the EF model: the foreign key's own
-- ix_appointments_practitioner_id is created by EF from the model (convention) and stays, since the model may not
-- change in this issue.
CREATE INDEX ix_appointments_practitioner_starts ON appointments.appointments (practitioner_id, starts_at) INCLUDE (ends_at, status);
