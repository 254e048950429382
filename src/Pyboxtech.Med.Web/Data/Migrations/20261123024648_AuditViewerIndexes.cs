using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Pyboxtech.Med.Web.Data.Migrations
{
    /// <inheritdoc />
    public partial class AuditViewerIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_events_occurred_at",
                schema: "audit",
                table: "events");

            migrationBuilder.CreateIndex(
                name: "ix_events_module_sequence",
                schema: "audit",
                table: "events",
                columns: new[] { "module", "sequence" });

            migrationBuilder.CreateIndex(
                name: "ix_events_occurred_at",
                schema: "audit",
                table: "events",
                column: "occurred_at");

            migrationBuilder.CreateIndex(
                name: "ix_events_outcome_sequence",
                schema: "audit",
                table: "events",
                columns: new[] { "outcome", "sequence" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_events_module_sequence",
                schema: "audit",
                table: "events");

            migrationBuilder.DropIndex(
                name: "ix_events_occurred_at",
                schema: "audit",
                table: "events");

            migrationBuilder.DropIndex(
                name: "ix_events_outcome_sequence",
                schema: "audit",
                table: "events");

            migrationBuilder.CreateIndex(
                name: "ix_events_occurred_at",
                schema: "audit",
                table: "events",
                column: "occurred_at")
                .Annotation("Npgsql:IndexMethod", "brin");
        }
    }
}
