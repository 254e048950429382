using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Pyboxtech.Med.Web.Data.Migrations
{
    /// <summary>
    /// Statement triggers that announce a change to roles, the permission matrix, restrictions or the security
    /// settings on the channel every instance of the portal listens on (Security/ChangeListener). PostgreSQL delivers
    /// the notice only when the changing transaction commits, whoever made it: the portal, a recovery command or a
    /// person with psql.
    /// </summary>
    public partial class ChangeNotifications : Migration
    {
        private static readonly (string Table, string Topic)[] Watched =
        [
            ("account.roles", "permissions"),
            ("security.role_permissions", "permissions"),
            ("security.user_restrictions", "permissions"),
            ("security.settings", "settings"),
        ];

        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE FUNCTION security.announce_change() RETURNS trigger
                LANGUAGE plpgsql AS $$
                BEGIN
                    PERFORM pg_notify('pyboxtech_changes', TG_ARGV[0]);
                    RETURN NULL;
                END $$;
                """);
            foreach (var (table, topic) in Watched)
            {
                migrationBuilder.Sql($"""
                    CREATE TRIGGER announce_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
                        FOR EACH STATEMENT EXECUTE FUNCTION security.announce_change('{topic}');
                    """);
            }
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            foreach (var (table, _) in Watched)
            {
                migrationBuilder.Sql($"DROP TRIGGER announce_change ON {table};");
            }

            migrationBuilder.Sql("DROP FUNCTION security.announce_change();");
        }
    }
}
