using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Migrations.Operations;
using Microsoft.EntityFrameworkCore.Migrations.Operations.Builders;

namespace Pyboxtech.Med.Web.Data;

/// <summary>
/// Applies hand-written SQL (functions, triggers, extensions, seeds) kept in a <c>Sql/</c> folder beside the code that
/// owns it and embedded in the assembly, so that a migration names the file instead of copying its text.
/// </summary>
internal static class SqlFiles
{
    /// <param name="path">The file's path in the project, e.g. <c>Modules/Patients/Sql/name_key.sql</c>.</param>
    public static OperationBuilder<SqlOperation> SqlFile(this MigrationBuilder migrationBuilder, string path) =>
        migrationBuilder.Sql(Read(path));

    public static string Read(string path)
    {
        var assembly = typeof(SqlFiles).Assembly;
        // MSBuild names an embedded file by the root namespace and its path, with dots for slashes.
        var resource = $"{assembly.GetName().Name}.{path.Replace('/', '.')}";
        using var stream = assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException(
                $"The SQL file {path} is not embedded in {assembly.GetName().Name} (no resource {resource}): "
                + "it must sit in a Sql/ folder, which the project file embeds.");
        using var reader = new StreamReader(stream);
        var sql = reader.ReadToEnd();
        return string.IsNullOrWhiteSpace(sql) ? throw new InvalidOperationException($"The SQL file {path} is empty.") : sql;
    }
}
