using System;
using Microsoft.EntityFrameworkCore.Migrations;
using NpgsqlTypes;

#nullable disable

namespace Pyboxtech.Med.Web.Data.Migrations
{
    /// <inheritdoc />
    /// <summary>
    /// Patient-level access (care teams, grants, emergency access, restricted records), the audit trail's purpose of use
    /// and access basis, and clinical notes.
    /// </summary>
    public partial class ClinicalRecords : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.EnsureSchema(
                name: "access");

            migrationBuilder.AddColumn<bool>(
                name: "sees_whole_practice",
                schema: "account",
                table: "roles",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "access_basis",
                schema: "audit",
                table: "events",
                type: "character varying(32)",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "purpose_of_use",
                schema: "audit",
                table: "events",
                type: "character varying(16)",
                maxLength: 16,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "care_teams",
                schema: "access",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    name = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    description = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    lead_user_id = table.Column<Guid>(type: "uuid", nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    created_by = table.Column<Guid>(type: "uuid", nullable: false),
                    reviewed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    reviewed_by = table.Column<Guid>(type: "uuid", nullable: false),
                    archived_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    xmin = table.Column<uint>(type: "xid", rowVersion: true, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_care_teams", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "emergency_accesses",
                schema: "access",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    patient_id = table.Column<Guid>(type: "uuid", nullable: false),
                    user_id = table.Column<Guid>(type: "uuid", nullable: false),
                    purpose_of_use = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    reason = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false),
                    started_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    ends_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    reviewed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    reviewed_by = table.Column<Guid>(type: "uuid", nullable: true),
                    review_outcome = table.Column<short>(type: "smallint", nullable: true),
                    review_note = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true),
                    xmin = table.Column<uint>(type: "xid", rowVersion: true, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_emergency_accesses", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "grants",
                schema: "access",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    patient_id = table.Column<Guid>(type: "uuid", nullable: false),
                    grantee_id = table.Column<Guid>(type: "uuid", nullable: false),
                    granted_by = table.Column<Guid>(type: "uuid", nullable: false),
                    level = table.Column<short>(type: "smallint", nullable: false),
                    reason = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    granted_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    expires_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    revoked_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    revoked_by = table.Column<Guid>(type: "uuid", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_grants", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "restricted_records",
                schema: "access",
                columns: table => new
                {
                    patient_id = table.Column<Guid>(type: "uuid", nullable: false),
                    reason = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    restricted_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    restricted_by = table.Column<Guid>(type: "uuid", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_restricted_records", x => x.patient_id);
                });

            migrationBuilder.CreateTable(
                name: "care_team_members",
                schema: "access",
                columns: table => new
                {
                    team_id = table.Column<Guid>(type: "uuid", nullable: false),
                    user_id = table.Column<Guid>(type: "uuid", nullable: false),
                    is_default_team = table.Column<bool>(type: "boolean", nullable: false),
                    added_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    added_by = table.Column<Guid>(type: "uuid", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_care_team_members", x => new { x.team_id, x.user_id });
                    table.ForeignKey(
                        name: "fk_care_team_members_care_teams_team_id",
                        column: x => x.team_id,
                        principalSchema: "access",
                        principalTable: "care_teams",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "patient_care_teams",
                schema: "access",
                columns: table => new
                {
                    patient_id = table.Column<Guid>(type: "uuid", nullable: false),
                    team_id = table.Column<Guid>(type: "uuid", nullable: false),
                    assigned_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    assigned_by = table.Column<Guid>(type: "uuid", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_patient_care_teams", x => new { x.patient_id, x.team_id });
                    table.ForeignKey(
                        name: "fk_patient_care_teams_care_teams_team_id",
                        column: x => x.team_id,
                        principalSchema: "access",
                        principalTable: "care_teams",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_care_team_members_one_default",
                schema: "access",
                table: "care_team_members",
                column: "user_id",
                unique: true,
                filter: "is_default_team");

            migrationBuilder.CreateIndex(
                name: "ix_care_team_members_user_id_team_id",
                schema: "access",
                table: "care_team_members",
                columns: new[] { "user_id", "team_id" });

            migrationBuilder.CreateIndex(
                name: "ix_care_teams_name",
                schema: "access",
                table: "care_teams",
                column: "name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_emergency_accesses_patient_id",
                schema: "access",
                table: "emergency_accesses",
                column: "patient_id");

            migrationBuilder.CreateIndex(
                name: "ix_emergency_accesses_unreviewed",
                schema: "access",
                table: "emergency_accesses",
                column: "started_at",
                filter: "reviewed_at IS NULL");

            migrationBuilder.CreateIndex(
                name: "ix_emergency_accesses_user_id_patient_id",
                schema: "access",
                table: "emergency_accesses",
                columns: new[] { "user_id", "patient_id" });

            migrationBuilder.CreateIndex(
                name: "ix_grants_expires_at",
                schema: "access",
                table: "grants",
                column: "expires_at");

            migrationBuilder.CreateIndex(
                name: "ix_grants_grantee_id_patient_id",
                schema: "access",
                table: "grants",
                columns: new[] { "grantee_id", "patient_id" });

            migrationBuilder.CreateIndex(
                name: "ix_grants_patient_id",
                schema: "access",
                table: "grants",
                column: "patient_id");

            migrationBuilder.CreateIndex(
                name: "ix_patient_care_teams_team_id",
                schema: "access",
                table: "patient_care_teams",
                column: "team_id");

            migrationBuilder.EnsureSchema(
                name: "clinicalnotes");

            migrationBuilder.CreateTable(
                name: "notes",
                schema: "clinicalnotes",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    patient_id = table.Column<Guid>(type: "uuid", nullable: false),
                    author_id = table.Column<Guid>(type: "uuid", nullable: false),
                    subjective = table.Column<string>(type: "character varying(10000)", maxLength: 10000, nullable: true),
                    objective = table.Column<string>(type: "character varying(10000)", maxLength: 10000, nullable: true),
                    assessment = table.Column<string>(type: "character varying(10000)", maxLength: 10000, nullable: true),
                    plan = table.Column<string>(type: "character varying(10000)", maxLength: 10000, nullable: true),
                    status = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    signed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    signed_by = table.Column<Guid>(type: "uuid", nullable: true),
                    amends_note_id = table.Column<Guid>(type: "uuid", nullable: true),
                    amendment_reason = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    search_vector = table.Column<NpgsqlTsVector>(type: "tsvector", nullable: false)
                        .Annotation("Npgsql:TsVectorConfig", "english")
                        .Annotation("Npgsql:TsVectorProperties", new[] { "subjective", "objective", "assessment", "plan" }),
                    xmin = table.Column<uint>(type: "xid", rowVersion: true, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_notes", x => x.id);
                    table.ForeignKey(
                        name: "fk_notes_notes_amends_note_id",
                        column: x => x.amends_note_id,
                        principalSchema: "clinicalnotes",
                        principalTable: "notes",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "summary_items",
                schema: "clinicalnotes",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    patient_id = table.Column<Guid>(type: "uuid", nullable: false),
                    kind = table.Column<string>(type: "character varying(12)", maxLength: 12, nullable: false),
                    text = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    detail = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    severity = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: true),
                    onset = table.Column<DateOnly>(type: "date", nullable: true),
                    problem_status = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: true),
                    recorded_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    recorded_by = table.Column<Guid>(type: "uuid", nullable: false),
                    ended_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    ended_by = table.Column<Guid>(type: "uuid", nullable: true),
                    xmin = table.Column<uint>(type: "xid", rowVersion: true, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_summary_items", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_notes_amends_note_id",
                schema: "clinicalnotes",
                table: "notes",
                column: "amends_note_id");

            migrationBuilder.CreateIndex(
                name: "ix_notes_drafts_by_author",
                schema: "clinicalnotes",
                table: "notes",
                columns: new[] { "author_id", "created_at" },
                filter: "status = 'Draft'");

            migrationBuilder.CreateIndex(
                name: "ix_notes_patient_id_created_at_id",
                schema: "clinicalnotes",
                table: "notes",
                columns: new[] { "patient_id", "created_at", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_notes_search_vector",
                schema: "clinicalnotes",
                table: "notes",
                column: "search_vector")
                .Annotation("Npgsql:IndexMethod", "GIN");

            migrationBuilder.CreateIndex(
                name: "ix_summary_items_patient_id_kind_recorded_at",
                schema: "clinicalnotes",
                table: "summary_items",
                columns: new[] { "patient_id", "kind", "recorded_at" });

            // After the columns: the chain now covers purpose of use and access basis (rows without them hash as before).
            migrationBuilder.SqlFile("Auditing/Sql/hash_chain_access.sql");
            // After the tables: the triggers that keep grants and emergency uses for review.
            migrationBuilder.SqlFile("Security/Sql/access_history.sql");
            // After the notes and summary tables: signed notes and summary history never change (clinical notes module).
            migrationBuilder.SqlFile("Modules/ClinicalNotes/Sql/clinical_history.sql");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // Would drop who was given access to which patient, every emergency use and the audit rows' purposes. Restore a backup instead.
            throw new NotSupportedException("The clinical records migration cannot be reverted: access grants, emergency uses and audit rows are retained.");
        }
    }
}
