-- The default roles' cells of the permission matrix, the least access each role needs (RACGP 4.3 role functionality).
-- Stored numbers (Security/Permissions.cs): modules 1 Patients, 2 Appointments, 3 Clinical notes, 4 Documents,
-- 5 Billing, 6 Reports, 7 Audit, 8 Administration; levels 1 Read, 2 Write. Kept apart from default_roles.sql so that
-- per-module declarations can replace it.
INSERT INTO security.role_permissions (role_id, module, level)
SELECT r.id, v.module, v.level
FROM (VALUES
    ('SYSTEM ADMINISTRATOR', 8, 2),
    ('SYSTEM ADMINISTRATOR', 7, 1),
    ('PRACTICE MANAGER', 1, 2),
    ('PRACTICE MANAGER', 2, 2),
    ('PRACTICE MANAGER', 5, 2),
    ('PRACTICE MANAGER', 6, 1),
    ('PRACTICE MANAGER', 7, 1),
    ('RECEPTIONIST', 1, 2),
    ('RECEPTIONIST', 2, 2),
    ('RECEPTIONIST', 5, 2),
    ('DOCTOR', 1, 2),
    ('DOCTOR', 2, 1),
    ('DOCTOR', 3, 2),
    ('DOCTOR', 4, 2),
    ('DOCTOR', 5, 1),
    ('NURSE', 1, 1),
    ('NURSE', 2, 1),
    ('NURSE', 3, 2),
    ('NURSE', 4, 1),
    ('ALLIED HEALTH', 1, 1),
    ('ALLIED HEALTH', 2, 1),
    ('ALLIED HEALTH', 3, 2),
    ('ALLIED HEALTH', 4, 1),
    ('LOCUM', 1, 1),
    ('LOCUM', 2, 1),
    ('LOCUM', 3, 2),
    ('LOCUM', 4, 1),
    ('STUDENT OR RESEARCHER', 1, 1),
    ('STUDENT OR RESEARCHER', 3, 1)
) AS v(role, module, level)
JOIN account.roles r ON r.normalized_name = v.role
ON CONFLICT DO NOTHING;
