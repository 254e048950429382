using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Pyboxtech.Med.Web.Data.Migrations
{
    /// <summary>
    /// Name search as people type: any word of the given names, no accents ("sean" finds Seán), no apostrophes
    /// ("obrien" finds O'Brien). A stored column holds the names in that form, indexed by trigrams (pg_trgm) so a
    /// prefix of any word is found without reading every patient. Both extensions are "trusted": the database owner
    /// installs them, into the patients schema.
    /// </summary>
    public partial class PatientNameSearch : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA patients;");
            migrationBuilder.Sql("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA patients;");
            // Lower case, accents off, apostrophes dropped, other runs of non-alphanumerics one space, a space before
            // every word. Queries call this same function on what was typed (PatientModel.NameKey).
            migrationBuilder.Sql("""
                CREATE FUNCTION patients.name_key(family text, given text) RETURNS text
                LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
                    SELECT ' ' || btrim(regexp_replace(
                        lower(patients.unaccent('patients.unaccent'::regdictionary, translate(family || ' ' || given, '''’`', ''))),
                        '[^[:alnum:]]+', ' ', 'g'))
                $$;
                """);
            migrationBuilder.AddColumn<string>(
                name: "name_key",
                schema: "patients",
                table: "patients",
                type: "text",
                nullable: false,
                computedColumnSql: "patients.name_key(family_name, given_names)",
                stored: true);

            migrationBuilder.CreateIndex(
                name: "ix_patients_name_key",
                schema: "patients",
                table: "patients",
                column: "name_key")
                .Annotation("Npgsql:IndexMethod", "gin")
                .Annotation("Npgsql:IndexOperators", new[] { "patients.gin_trgm_ops" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_patients_name_key",
                schema: "patients",
                table: "patients");

            migrationBuilder.DropColumn(
                name: "name_key",
                schema: "patients",
                table: "patients");

            migrationBuilder.Sql("DROP FUNCTION patients.name_key(text, text);");
            migrationBuilder.Sql("DROP EXTENSION IF EXISTS pg_trgm;");
            migrationBuilder.Sql("DROP EXTENSION IF EXISTS unaccent;");
        }
    }
}
