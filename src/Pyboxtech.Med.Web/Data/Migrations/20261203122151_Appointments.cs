using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Pyboxtech.Med.Web.Data.Migrations
{
    /// <inheritdoc />
    /// <summary>
    /// The appointment book: practitioners, their weekly hours and date changes, appointments and their history; no
    /// double booking kept by PostgreSQL (Modules/Appointments/Sql/no_double_booking.sql).
    /// </summary>
    public partial class Appointments : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.EnsureSchema(
                name: "appointments");

            migrationBuilder.CreateTable(
                name: "practitioners",
                schema: "appointments",
                columns: table => new
                {
                    user_id = table.Column<Guid>(type: "uuid", nullable: false),
                    display_name = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    provider_number = table.Column<string>(type: "character varying(8)", maxLength: 8, nullable: true),
                    default_minutes = table.Column<int>(type: "integer", nullable: false),
                    is_active = table.Column<bool>(type: "boolean", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    created_by = table.Column<Guid>(type: "uuid", nullable: false),
                    xmin = table.Column<uint>(type: "xid", rowVersion: true, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_practitioners", x => x.user_id);
                    table.CheckConstraint("ck_practitioners_default_minutes", "default_minutes BETWEEN 5 AND 480");
                });

            migrationBuilder.CreateTable(
                name: "appointments",
                schema: "appointments",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    patient_id = table.Column<Guid>(type: "uuid", nullable: false),
                    practitioner_id = table.Column<Guid>(type: "uuid", nullable: false),
                    starts_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    ends_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    type = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    reason = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    booked_by = table.Column<Guid>(type: "uuid", nullable: false),
                    booked_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    outside_hours = table.Column<bool>(type: "boolean", nullable: false),
                    xmin = table.Column<uint>(type: "xid", rowVersion: true, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_appointments", x => x.id);
                    table.CheckConstraint("ck_appointments_length", "ends_at > starts_at AND ends_at - starts_at < interval '24 hours'");
                    table.ForeignKey(
                        name: "fk_appointments_practitioners_practitioner_id",
                        column: x => x.practitioner_id,
                        principalSchema: "appointments",
                        principalTable: "practitioners",
                        principalColumn: "user_id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "hours_changes",
                schema: "appointments",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    practitioner_id = table.Column<Guid>(type: "uuid", nullable: false),
                    date = table.Column<DateOnly>(type: "date", nullable: false),
                    kind = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    starts_at = table.Column<TimeOnly>(type: "time without time zone", nullable: true),
                    ends_at = table.Column<TimeOnly>(type: "time without time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_hours_changes", x => x.id);
                    table.CheckConstraint("ck_hours_changes_order", "ends_at IS NULL OR starts_at IS NULL OR ends_at > starts_at");
                    table.ForeignKey(
                        name: "fk_hours_changes_practitioners_practitioner_id",
                        column: x => x.practitioner_id,
                        principalSchema: "appointments",
                        principalTable: "practitioners",
                        principalColumn: "user_id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "working_hours",
                schema: "appointments",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    practitioner_id = table.Column<Guid>(type: "uuid", nullable: false),
                    day_of_week = table.Column<int>(type: "integer", nullable: false),
                    starts_at = table.Column<TimeOnly>(type: "time without time zone", nullable: false),
                    ends_at = table.Column<TimeOnly>(type: "time without time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_working_hours", x => x.id);
                    table.CheckConstraint("ck_working_hours_order", "ends_at > starts_at");
                    table.ForeignKey(
                        name: "fk_working_hours_practitioners_practitioner_id",
                        column: x => x.practitioner_id,
                        principalSchema: "appointments",
                        principalTable: "practitioners",
                        principalColumn: "user_id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "status_changes",
                schema: "appointments",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    appointment_id = table.Column<Guid>(type: "uuid", nullable: false),
                    from_status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: true),
                    to_status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    changed_by = table.Column<Guid>(type: "uuid", nullable: false),
                    changed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    cancel_reason = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    previous_starts_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_status_changes", x => x.id);
                    table.ForeignKey(
                        name: "fk_status_changes_appointments_appointment_id",
                        column: x => x.appointment_id,
                        principalSchema: "appointments",
                        principalTable: "appointments",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_appointments_patient_id_starts_at",
                schema: "appointments",
                table: "appointments",
                columns: new[] { "patient_id", "starts_at" });

            migrationBuilder.CreateIndex(
                name: "ix_appointments_practitioner_id",
                schema: "appointments",
                table: "appointments",
                column: "practitioner_id");

            migrationBuilder.CreateIndex(
                name: "ix_appointments_starts_at_practitioner_id",
                schema: "appointments",
                table: "appointments",
                columns: new[] { "starts_at", "practitioner_id" });

            migrationBuilder.CreateIndex(
                name: "ix_hours_changes_practitioner_id_date",
                schema: "appointments",
                table: "hours_changes",
                columns: new[] { "practitioner_id", "date" });

            migrationBuilder.CreateIndex(
                name: "ix_status_changes_appointment_id",
                schema: "appointments",
                table: "status_changes",
                column: "appointment_id");

            migrationBuilder.CreateIndex(
                name: "ix_working_hours_practitioner_id_day_of_week",
                schema: "appointments",
                table: "working_hours",
                columns: new[] { "practitioner_id", "day_of_week" });

            migrationBuilder.SqlFile("Modules/Appointments/Sql/no_double_booking.sql");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // Would drop every appointment and its history. Restore a backup instead.
            throw new NotSupportedException("The appointments migration cannot be reverted: appointments and their history are retained.");
        }
    }
}
