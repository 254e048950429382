using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Pyboxtech.Med.Web.Data.Migrations
{
    /// <inheritdoc />
    public partial class TwoFactor : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "totp_last_step",
                schema: "account",
                table: "users",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "totp_secret",
                schema: "account",
                table: "users",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "requires_two_factor",
                schema: "account",
                table: "roles",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.CreateTable(
                name: "recovery_codes",
                schema: "account",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    user_id = table.Column<Guid>(type: "uuid", nullable: false),
                    hash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    used_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_recovery_codes", x => x.id);
                    table.ForeignKey(
                        name: "fk_recovery_codes_users_user_id",
                        column: x => x.user_id,
                        principalSchema: "account",
                        principalTable: "users",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_recovery_codes_user_id_hash",
                schema: "account",
                table: "recovery_codes",
                columns: new[] { "user_id", "hash" });

            // RACGP 4.3: two factors for the system administrator and for every role that reads clinical notes or documents.
            migrationBuilder.Sql("""
                UPDATE account.roles r SET requires_two_factor = true
                WHERE r.normalized_name = 'SYSTEM ADMINISTRATOR'
                   OR EXISTS (SELECT 1 FROM security.role_permissions p WHERE p.role_id = r.id AND p.module IN (3, 4) AND p.level >= 1);
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "recovery_codes",
                schema: "account");

            migrationBuilder.DropColumn(
                name: "totp_last_step",
                schema: "account",
                table: "users");

            migrationBuilder.DropColumn(
                name: "totp_secret",
                schema: "account",
                table: "users");

            migrationBuilder.DropColumn(
                name: "requires_two_factor",
                schema: "account",
                table: "roles");
        }
    }
}
