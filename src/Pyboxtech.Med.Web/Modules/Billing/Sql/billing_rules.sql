-- Billing's rules kept by PostgreSQL itself, so that psql, a second instance or a bug cannot break them. The runtime
-- role has DELETE on this schema only so that a draft's lines can be removed; every other DELETE is refused here.

-- Invoice numbers come from billing.invoice_counter, incremented with UPDATE ... RETURNING inside the issuing
-- transaction: a rolled-back issue gives its number back and two issues queue on the counter row, so numbers have no
-- gaps. A sequence would leave gaps: nextval is never rolled back. The counter is never deleted.
CREATE FUNCTION billing.keep_counter() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR NEW.last_number <> OLD.last_number + 1 THEN
        RAISE EXCEPTION 'the invoice counter only moves on by one, as an invoice is issued'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER invoice_counter_kept BEFORE UPDATE OR DELETE ON billing.invoice_counter
    FOR EACH ROW EXECUTE FUNCTION billing.keep_counter();

-- An issued invoice is a tax document: never deleted, and its facts never change. What may happen to it: issued ->
-- paid (when its payments reach the total) and issued -> void (with a reason; the number is kept). A draft may be
-- issued (with a number) or voided; paid and void are final.
CREATE FUNCTION billing.keep_issued_invoices() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'an invoice is never deleted; void it instead'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF (NEW.id, NEW.patient_id, NEW.appointment_id, NEW.created_at, NEW.created_by)
        IS DISTINCT FROM (OLD.id, OLD.patient_id, OLD.appointment_id, OLD.created_at, OLD.created_by) THEN
        RAISE EXCEPTION 'an invoice keeps its patient and appointment'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF OLD.state = 'Draft' THEN
        IF NEW.state NOT IN ('Draft', 'Issued', 'Void') THEN
            RAISE EXCEPTION 'a draft invoice is issued or voided before anything else'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
    END IF;
    IF OLD.state = 'Issued' AND NEW.state IN ('Paid', 'Void')
        AND (NEW.number, NEW.issued_at, NEW.issued_by, NEW.lines_changed_at) IS NOT DISTINCT FROM (OLD.number, OLD.issued_at, OLD.issued_by, OLD.lines_changed_at)
        AND (NEW.state = 'Void' OR (NEW.void_reason, NEW.voided_at, NEW.voided_by) IS NOT DISTINCT FROM (OLD.void_reason, OLD.voided_at, OLD.voided_by)) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'an issued invoice is never changed: it may only become paid or void, keeping its number'
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER invoices_issued_kept BEFORE UPDATE OR DELETE ON billing.invoices
    FOR EACH ROW EXECUTE FUNCTION billing.keep_issued_invoices();

-- Lines are added and removed only while their invoice is a draft; a line itself is never edited (remove and add).
-- The invoice row is locked, so a line cannot slip in beside the issue that freezes it.
CREATE FUNCTION billing.keep_issued_lines() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    invoice_state text;
BEGIN
    SELECT state INTO invoice_state FROM billing.invoices
        WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.invoice_id ELSE NEW.invoice_id END FOR UPDATE;
    IF TG_OP = 'UPDATE' OR invoice_state IS DISTINCT FROM 'Draft' THEN
        RAISE EXCEPTION 'the lines of an issued invoice are never changed'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER invoice_lines_kept BEFORE INSERT OR UPDATE OR DELETE ON billing.invoice_lines
    FOR EACH ROW EXECUTE FUNCTION billing.keep_issued_lines();

-- A payment is money received: never changed or deleted. It is taken only on an issued invoice, and all payments of an
-- invoice together never exceed its total. The invoice row is locked first, so two payments at once queue and the
-- second sees the first.
CREATE FUNCTION billing.keep_payments() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    invoice_state text;
    invoice_total numeric;
    already_paid numeric;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        RAISE EXCEPTION 'a payment is never changed or deleted'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT state INTO invoice_state FROM billing.invoices WHERE id = NEW.invoice_id FOR UPDATE;
    IF invoice_state IS DISTINCT FROM 'Issued' THEN
        RAISE EXCEPTION 'payments are taken on issued invoices only'
            USING ERRCODE = 'check_violation';
    END IF;
    SELECT coalesce(sum(line_total), 0) INTO invoice_total FROM billing.invoice_lines WHERE invoice_id = NEW.invoice_id;
    SELECT coalesce(sum(amount), 0) INTO already_paid FROM billing.payments WHERE invoice_id = NEW.invoice_id;
    IF already_paid + NEW.amount > invoice_total THEN
        RAISE EXCEPTION 'payments would exceed the invoice total'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER payments_kept BEFORE INSERT OR UPDATE OR DELETE ON billing.payments
    FOR EACH ROW EXECUTE FUNCTION billing.keep_payments();

-- The practice's details and its fee schedule are edited, never deleted (old invoices copied their words).
CREATE FUNCTION billing.refuse_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'this billing record is never deleted'
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER practice_details_kept BEFORE DELETE ON billing.practice_details
    FOR EACH ROW EXECUTE FUNCTION billing.refuse_delete();
CREATE TRIGGER fee_items_kept BEFORE DELETE ON billing.fee_items
    FOR EACH ROW EXECUTE FUNCTION billing.refuse_delete();

-- An invoice is for a patient the portal knows (the Patients module's table; named here in SQL only).
ALTER TABLE billing.invoices ADD CONSTRAINT fk_invoices_patient
    FOREIGN KEY (patient_id) REFERENCES patients.patients (id) ON DELETE RESTRICT;
