using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Pyboxtech.Med.Web.Data.Migrations
{
    /// <inheritdoc />
    public partial class PermissionMatrixAndDefaultRoles : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.EnsureSchema(
                name: "security");

            migrationBuilder.AddColumn<bool>(
                name: "must_change_password",
                schema: "account",
                table: "users",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.CreateTable(
                name: "role_permissions",
                schema: "security",
                columns: table => new
                {
                    role_id = table.Column<Guid>(type: "uuid", nullable: false),
                    module = table.Column<int>(type: "integer", nullable: false),
                    level = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_role_permissions", x => new { x.role_id, x.module });
                    table.ForeignKey(
                        name: "fk_role_permissions_roles_role_id",
                        column: x => x.role_id,
                        principalSchema: "account",
                        principalTable: "roles",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "user_restrictions",
                schema: "security",
                columns: table => new
                {
                    user_id = table.Column<Guid>(type: "uuid", nullable: false),
                    module = table.Column<int>(type: "integer", nullable: false),
                    max_level = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_user_restrictions", x => new { x.user_id, x.module });
                    table.ForeignKey(
                        name: "fk_user_restrictions_users_user_id",
                        column: x => x.user_id,
                        principalSchema: "account",
                        principalTable: "users",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            // The default roles, seeded once with the least access each needs (RACGP 4.3 role functionality). An existing
            // role of the same name (the administrator's role made at first-run setup) is kept and given its cells.
            migrationBuilder.Sql("""
                INSERT INTO account.roles (id, name, normalized_name, concurrency_stamp, description) VALUES
                    ('3635513b-a3cf-5fdd-8122-f39c87a06bf3', 'System administrator', 'SYSTEM ADMINISTRATOR', '3635513b-a3cf-5fdd-8122-f39c87a06bf3', 'Manages users, roles, the permission matrix, settings and the audit trail; no clinical access.'),
                    ('470f8ae1-f4e1-5b65-bd38-5906e3e01e04', 'Practice manager', 'PRACTICE MANAGER', '470f8ae1-f4e1-5b65-bd38-5906e3e01e04', 'Runs the practice: patients'' administrative details, appointments, billing, reports and audit review; no clinical notes.'),
                    ('b7cb363b-0a05-511b-ab32-7167ef68953c', 'Receptionist', 'RECEPTIONIST', 'b7cb363b-0a05-511b-ab32-7167ef68953c', 'Registers patients, books and moves appointments, takes payments; no clinical notes or documents.'),
                    ('4a1d641e-8443-5cd6-b8e8-4104bcc921f9', 'Doctor', 'DOCTOR', '4a1d641e-8443-5cd6-b8e8-4104bcc921f9', 'Treats patients: reads and writes clinical notes and documents, updates patient details, sees appointments and billing.'),
                    ('940d1a2a-b023-56c9-90d7-0640440c5a30', 'Nurse', 'NURSE', '940d1a2a-b023-56c9-90d7-0640440c5a30', 'Cares for patients: reads patient details and appointments, writes clinical notes, reads documents.'),
                    ('c2b9068b-101f-5b50-b56d-9042ff9c74f4', 'Allied health', 'ALLIED HEALTH', 'c2b9068b-101f-5b50-b56d-9042ff9c74f4', 'Allied health professional: reads patient details and appointments, writes clinical notes, reads documents.'),
                    ('d8dd25e9-51d9-5270-aa36-36c2ad3f7864', 'Locum', 'LOCUM', 'd8dd25e9-51d9-5270-aa36-36c2ad3f7864', 'Visiting clinician: reads patient details and appointments, writes clinical notes, reads documents.'),
                    ('bce36b38-259b-5b30-b662-06e415056ad0', 'Student or researcher', 'STUDENT OR RESEARCHER', 'bce36b38-259b-5b30-b662-06e415056ad0', 'Supervised learner or approved researcher: reads patient details and clinical notes only.')
                ON CONFLICT (normalized_name) DO NOTHING;

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
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "role_permissions",
                schema: "security");

            migrationBuilder.DropTable(
                name: "user_restrictions",
                schema: "security");

            migrationBuilder.DropColumn(
                name: "must_change_password",
                schema: "account",
                table: "users");
        }
    }
}
