using Pyboxtech.Med.Web.Data;

namespace Pyboxtech.Med.Tests.Data;

public sealed class SqlFilesTests
{
    [Fact]
    public void Read_EmbeddedFile_ReturnsItsText()
    {
        var sql = SqlFiles.Read("Modules/Patients/Sql/name_key.sql");

        Assert.Contains("CREATE FUNCTION patients.name_key(family text, given text)", sql, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_FileNotEmbedded_FailsNamingIt()
    {
        var missing = Assert.Throws<InvalidOperationException>(() => SqlFiles.Read("Modules/Patients/Sql/no_such_file.sql"));

        Assert.Contains("Modules/Patients/Sql/no_such_file.sql", missing.Message, StringComparison.Ordinal);
    }
}
