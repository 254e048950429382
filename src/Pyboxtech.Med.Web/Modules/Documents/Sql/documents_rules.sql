-- Documents module: facts EF cannot express. The portal never deletes a document row (the runtime role has no
-- DELETE on the schema); these checks keep a bad write from ever storing a row that would mislead an integrity check.
ALTER TABLE documents.documents
    ADD CONSTRAINT ck_documents_size_positive CHECK (size > 0),
    ADD CONSTRAINT ck_documents_sha256_hex CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    ADD CONSTRAINT ck_documents_category CHECK (category IN ('Referral', 'Result', 'Letter', 'Image', 'Consent', 'Other')),
    ADD CONSTRAINT ck_documents_integrity CHECK (integrity IN ('Unchecked', 'Intact', 'Changed', 'Missing')),
    ADD CONSTRAINT ck_documents_remote_path CHECK (remote_path !~ '(^|/)\.\.?(/|$)' AND remote_path NOT LIKE '/%'),
    ADD CONSTRAINT ck_documents_archived_together CHECK ((archived_at IS NULL) = (archived_by IS NULL));

-- One connection for the practice.
ALTER TABLE documents.connection
    ADD CONSTRAINT ck_connection_single CHECK (id = 1),
    ADD CONSTRAINT ck_connection_limits CHECK (max_upload_megabytes BETWEEN 1 AND 2048
        AND request_timeout_seconds BETWEEN 5 AND 600 AND transfer_timeout_seconds BETWEEN 30 AND 14400);
