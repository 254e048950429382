using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Pyboxtech.Med.Web.Data.Migrations
{
    /// <inheritdoc />
    public partial class Patients : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.EnsureSchema(
                name: "patients");

            migrationBuilder.CreateSequence(
                name: "medical_record_number_seq",
                schema: "patients",
                startValue: 100001L);

            migrationBuilder.CreateTable(
                name: "patients",
                schema: "patients",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    medical_record_number = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false, defaultValueSql: "'MRN' || nextval('patients.medical_record_number_seq')::text"),
                    family_name = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    given_names = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    date_of_birth = table.Column<DateOnly>(type: "date", nullable: false),
                    sex = table.Column<int>(type: "integer", nullable: false),
                    phone = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: true),
                    email = table.Column<string>(type: "character varying(254)", maxLength: 254, nullable: true),
                    address_line = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    suburb = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    state = table.Column<string>(type: "character varying(3)", maxLength: 3, nullable: true),
                    postcode = table.Column<string>(type: "character varying(4)", maxLength: 4, nullable: true),
                    medicare_number = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: true),
                    medicare_reference = table.Column<string>(type: "character varying(1)", maxLength: 1, nullable: true),
                    insurance_number = table.Column<string>(type: "character varying(30)", maxLength: 30, nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    created_by = table.Column<Guid>(type: "uuid", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_by = table.Column<Guid>(type: "uuid", nullable: false),
                    xmin = table.Column<uint>(type: "xid", rowVersion: true, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_patients", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_patients_date_of_birth",
                schema: "patients",
                table: "patients",
                column: "date_of_birth");

            migrationBuilder.CreateIndex(
                name: "ix_patients_medical_record_number",
                schema: "patients",
                table: "patients",
                column: "medical_record_number",
                unique: true);

            // Name search is by prefix, case-insensitive: these indexes serve lower(name) LIKE 'prefix%' in any collation.
            migrationBuilder.Sql("""
                CREATE INDEX ix_patients_family_name_prefix ON patients.patients (lower(family_name) text_pattern_ops);
                CREATE INDEX ix_patients_given_names_prefix ON patients.patients (lower(given_names) text_pattern_ops);
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "patients",
                schema: "patients");

            migrationBuilder.DropSequence(
                name: "medical_record_number_seq",
                schema: "patients");
        }
    }
}
