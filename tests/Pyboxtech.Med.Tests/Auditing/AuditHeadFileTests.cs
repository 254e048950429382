using Pyboxtech.Med.Web.Auditing;

namespace Pyboxtech.Med.Tests.Auditing;

/// <summary>Reading the saved chain heads back: a pure function of the file's lines, so no portal is started.</summary>
public sealed class AuditHeadFileTests
{
    [Fact]
    public void Parse_SavedHeadsWithBrokenLines_ReportsEachBrokenLineByNumber()
    {
        var content = AuditHeadFile.Parse(
        [
            "2026-11-23T00:00:00Z 0 " + new string('a', 64),
            "2026-11-23T00:00:00Z 5 " + new string('z', 64),
            "garbage",
            "2026-11-23T00:00:00Z 7 " + new string('b', 64),
            "2026-11-23T00:01:00Z 8 " + new string('c', 40),
            "",
            "not-a-time 9 " + new string('d', 64),
            "2026-11-23T00:02:00Z 10 " + new string('e', 64),
        ]);

        Assert.Equal([7L, 10L], content.Heads.Select(h => h.Sequence));
        Assert.Equal([1, 2, 3, 5, 6, 7], content.Malformed.Select(m => m.LineNumber));
        Assert.Equal("garbage", content.Malformed[2].Text);
    }

    [Fact]
    public void Malformed_LineWithControlCharacters_IsShownSafely()
    {
        var line = new MalformedHeadLine(3, "2026\u001b[2J" + new string('x', 200));

        Assert.DoesNotContain('\u001b', line.Shown);
        Assert.Equal(80, line.Shown.Length);
    }

    [Fact]
    public void HeadExportInterval_ByDefault_IsOneMinute()
    {
        Assert.Equal(TimeSpan.FromMinutes(1), new AuditOptions().HeadExportInterval);
    }
}
