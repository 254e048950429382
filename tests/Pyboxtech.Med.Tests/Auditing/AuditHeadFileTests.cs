using Pyboxtech.Med.Web.Auditing;

namespace Pyboxtech.Med.Tests.Auditing;

/// <summary>Reading the saved chain heads back: a pure function of the file's lines, so no portal is started.</summary>
public sealed class AuditHeadFileTests
{
    [Fact]
    public void Parse_SavedHeadsWithBrokenLines_SkipsThoseLines()
    {
        var heads = AuditHeadFile.Parse(
        [
            "2026-11-23T00:00:00Z 0 " + new string('a', 64),
            "2026-11-23T00:00:00Z 5 " + new string('z', 64),
            "garbage",
            "2026-11-23T00:00:00Z 7 " + new string('b', 64),
        ]);

        var head = Assert.Single(heads);
        Assert.Equal(7, head.Sequence);
    }
}
