-- The default roles, seeded once with the least access each needs (RACGP 4.3 role functionality); their cells of the
-- permission matrix are declared by each module (DefaultAccess) and given by migrate. An existing role of the same
-- name is kept as it is.
-- RACGP 4.3: two factors for the system administrator and for every role that reads clinical notes or documents.
INSERT INTO account.roles (id, name, normalized_name, concurrency_stamp, description, requires_two_factor) VALUES
    ('3635513b-a3cf-5fdd-8122-f39c87a06bf3', 'System administrator', 'SYSTEM ADMINISTRATOR', '3635513b-a3cf-5fdd-8122-f39c87a06bf3', 'Manages users, roles, the permission matrix, settings and the audit trail; no clinical access.', true),
    ('470f8ae1-f4e1-5b65-bd38-5906e3e01e04', 'Practice manager', 'PRACTICE MANAGER', '470f8ae1-f4e1-5b65-bd38-5906e3e01e04', 'Runs the practice: patients'' administrative details, appointments, billing, reports and audit review; no clinical notes.', false),
    ('b7cb363b-0a05-511b-ab32-7167ef68953c', 'Receptionist', 'RECEPTIONIST', 'b7cb363b-0a05-511b-ab32-7167ef68953c', 'Registers patients, books and moves appointments, takes payments; no clinical notes or documents.', false),
    ('4a1d641e-8443-5cd6-b8e8-4104bcc921f9', 'Doctor', 'DOCTOR', '4a1d641e-8443-5cd6-b8e8-4104bcc921f9', 'Treats patients: reads and writes clinical notes and documents, updates patient details, sees appointments and billing.', true),
    ('940d1a2a-b023-56c9-90d7-0640440c5a30', 'Nurse', 'NURSE', '940d1a2a-b023-56c9-90d7-0640440c5a30', 'Cares for patients: reads patient details and appointments, writes clinical notes, reads documents.', true),
    ('c2b9068b-101f-5b50-b56d-9042ff9c74f4', 'Allied health', 'ALLIED HEALTH', 'c2b9068b-101f-5b50-b56d-9042ff9c74f4', 'Allied health professional: reads patient details and appointments, writes clinical notes, reads documents.', true),
    ('d8dd25e9-51d9-5270-aa36-36c2ad3f7864', 'Locum', 'LOCUM', 'd8dd25e9-51d9-5270-aa36-36c2ad3f7864', 'Visiting clinician: reads patient details and appointments, writes clinical notes, reads documents.', true),
    ('bce36b38-259b-5b30-b662-06e415056ad0', 'Student or researcher', 'STUDENT OR RESEARCHER', 'bce36b38-259b-5b30-b662-06e415056ad0', 'Supervised learner or approved researcher: reads patient details and clinical notes only.', true)
ON CONFLICT (normalized_name) DO NOTHING;
