using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Pyboxtech.Med.Web.Data.Migrations
{
    /// <inheritdoc />
    public partial class SecuritySettingsAndPasswordAge : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "settings",
                schema: "security",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false),
                    preset = table.Column<int>(type: "integer", nullable: false),
                    max_age_days = table.Column<int>(type: "integer", nullable: false),
                    lockout_mode = table.Column<int>(type: "integer", nullable: false),
                    lockout_minutes = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_settings", x => x.id);
                });

            migrationBuilder.InsertData(
                schema: "security",
                table: "settings",
                columns: new[] { "id", "lockout_minutes", "lockout_mode", "max_age_days", "preset" },
                values: new object[] { 1, 30, 1, 90, 1 });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "settings",
                schema: "security");
        }
    }
}
