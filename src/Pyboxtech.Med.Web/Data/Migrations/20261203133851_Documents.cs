using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Pyboxtech.Med.Web.Data.Migrations
{
    /// <inheritdoc />
    public partial class Documents : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.EnsureSchema(
                name: "documents");

            migrationBuilder.CreateTable(
                name: "connection",
                schema: "documents",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false),
                    base_url = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    user_name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    protected_password = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: false),
                    root_folder = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    max_upload_megabytes = table.Column<int>(type: "integer", nullable: false),
                    request_timeout_seconds = table.Column<int>(type: "integer", nullable: false),
                    transfer_timeout_seconds = table.Column<int>(type: "integer", nullable: false),
                    daily_integrity_check = table.Column<bool>(type: "boolean", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_by = table.Column<Guid>(type: "uuid", nullable: true),
                    xmin = table.Column<uint>(type: "xid", rowVersion: true, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_connection", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "documents",
                schema: "documents",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    patient_id = table.Column<Guid>(type: "uuid", nullable: false),
                    file_name = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    category = table.Column<string>(type: "character varying(12)", maxLength: 12, nullable: false),
                    description = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    media_type = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    size = table.Column<long>(type: "bigint", nullable: false),
                    sha256 = table.Column<string>(type: "character(64)", fixedLength: true, maxLength: 64, nullable: false),
                    uploaded_by = table.Column<Guid>(type: "uuid", nullable: false),
                    uploaded_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    remote_path = table.Column<string>(type: "character varying(400)", maxLength: 400, nullable: false),
                    e_tag = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    archived_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    archived_by = table.Column<Guid>(type: "uuid", nullable: true),
                    integrity = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: false),
                    integrity_checked_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    xmin = table.Column<uint>(type: "xid", rowVersion: true, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_documents", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_documents_patient_id_uploaded_at_id",
                schema: "documents",
                table: "documents",
                columns: new[] { "patient_id", "uploaded_at", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_documents_remote_path",
                schema: "documents",
                table: "documents",
                column: "remote_path",
                unique: true);

            // After the tables: checks EF cannot express (sizes, hash format, one connection row).
            migrationBuilder.SqlFile("Modules/Documents/Sql/documents_rules.sql");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // Would drop which document belongs to which patient and every file's hash. Restore a backup instead.
            throw new NotSupportedException("The documents migration cannot be reverted: document metadata and hashes are retained.");
        }
    }
}
