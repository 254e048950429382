using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Pyboxtech.Med.Web.Data.Migrations
{
    /// <inheritdoc />
    public partial class AuditGuarantees : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // The chain trigger stamps occurred_at with the database clock (issue 19, 0b); no table changes.
            migrationBuilder.SqlFile("Auditing/Sql/database_clock.sql");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // Back to the chain that keeps the caller's time; rows stamped meanwhile keep their times and hashes.
            migrationBuilder.SqlFile("Auditing/Sql/hash_chain_access.sql");
        }
    }
}
