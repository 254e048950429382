using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Pyboxtech.Med.Web.Data.Migrations
{
    /// <summary>
    /// Purpose of use and access basis on audit rows, and the chain function that hashes them when set (rows without
    /// them hash as before, so the existing trail still verifies).
    /// </summary>
    public partial class AuditAccessPurpose : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "purpose_of_use",
                schema: "audit",
                table: "events",
                type: "character varying(16)",
                maxLength: 16,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "access_basis",
                schema: "audit",
                table: "events",
                type: "character varying(32)",
                maxLength: 32,
                nullable: true);

            // After the columns: the new chain function reads them.
            migrationBuilder.SqlFile("Auditing/Sql/hash_chain_access.sql");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // Dropping the columns would break the hash of every row that carries them: the trail is retained indefinitely.
            throw new NotSupportedException("The AuditAccessPurpose migration cannot be reverted: audit.events is retained indefinitely.");
        }
    }
}
