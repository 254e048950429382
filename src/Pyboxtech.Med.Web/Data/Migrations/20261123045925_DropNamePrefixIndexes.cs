using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Pyboxtech.Med.Web.Data.Migrations
{
    /// <summary>
    /// Search and the duplicate check now use the name key (migration PatientNameSearch); the lower(name) prefix
    /// indexes only slowed every registration and edit.
    /// </summary>
    public partial class DropNamePrefixIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP INDEX patients.ix_patients_family_name_prefix;");
            migrationBuilder.Sql("DROP INDEX patients.ix_patients_given_names_prefix;");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("CREATE INDEX ix_patients_family_name_prefix ON patients.patients (lower(family_name) text_pattern_ops);");
            migrationBuilder.Sql("CREATE INDEX ix_patients_given_names_prefix ON patients.patients (lower(given_names) text_pattern_ops);");
        }
    }
}
