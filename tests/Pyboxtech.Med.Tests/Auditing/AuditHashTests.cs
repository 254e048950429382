using System.Net;
using AngleSharp.Html.Parser;
using Pyboxtech.Med.Web.Data;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Security.Identity;

namespace Pyboxtech.Med.Tests.Auditing;

/// <summary>
/// Rows as large as the trail holds: every text column filled to its limit, in characters of up to four UTF-8 bytes.
/// The verifier hashes each row in a buffer it sizes from the row; a buffer sized for a short row would make the
/// verifier fail on a long one, and the auditor could not check the trail at all.
/// </summary>
public sealed class AuditHashTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task VerifyButton_AfterSignInsFromABrowserWithAMaximalUserAgent_ReportsIntact()
    {
        await portal.CreateUserAsync("long.agent", "Lou Agent", PortalFactory.StrongPassword, MedRole.SystemAdministrator);
        // 512 characters of three UTF-8 bytes each: 1.5 KB in one field, the most the column keeps.
        var agent = new string('汉', AuditLimits.UserAgent);
        var browser = portal.CreateBrowser();
        Assert.True(browser.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", agent));
        var failed = await (await HtmlForm.LoadAsync(browser, "/Account/Login")).SubmitAsync(new() { ["UserName"] = "long.agent", ["Password"] = "Wrong-password-1" });
        Assert.Equal(HttpStatusCode.BadRequest, failed.StatusCode);
        var signedIn = await (await HtmlForm.LoadAsync(browser, "/Account/Login")).SubmitAsync(new() { ["UserName"] = "long.agent", ["Password"] = PortalFactory.StrongPassword });
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Assert.Contains(await portal.AuditRowsAsync(), r => r.EventType == AuditEventType.LoginSucceeded && r.UserAgent == agent);

        var page = await browser.GetStringAsync(new Uri("/Audit", UriKind.Relative));
        var response = await HtmlForm.Parse(browser, page, "/Audit", "form[action='/Audit/Verify']").SubmitAsync([]);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var html = await browser.GetStringAsync(new Uri(response.Headers.Location!.OriginalString, UriKind.Relative));

        var notice = new HtmlParser().ParseDocument(html).QuerySelector("[data-testid=verification]")!.TextContent;
        Assert.Contains("Intact", notice, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a")]
    [InlineData("é")]
    [InlineData("汉")]
    [InlineData("🩺")]
    public async Task Verify_RowsWithEveryFieldAtItsLimit_AreIntactAndHashedAsTheDatabaseDid(string character)
    {
        // A database of its own: the verifier's buffer, once grown for a longer row, would hide a short one.
        var db = await (await PostgresServer.InstanceAsync()).CreateDatabaseAsync();
        await using var audit = db.OpenRuntime();
        var verifier = new AuditChainVerifier(audit);
        var before = (await verifier.ReadHeadAsync())?.Sequence ?? 0;
        // Small, large, small: the verifier reuses one buffer from row to row, so it must grow, and still fit after.
        await AuditRows.InsertAsync(db.RuntimeConnection, [Small(), Full(character), Full(character) with { UserId = null }, Small()]);

        var result = await verifier.VerifyAsync([]);

        Assert.True(result.Intact, result.Summary);
        Assert.Equal(before + 4, result.LastSequence);
    }

    [Theory]
    [InlineData("a")]
    [InlineData("é")]
    [InlineData("汉")]
    [InlineData("🩺")]
    public void Compute_LongRowAfterShortRow_GivesTheSameHashAsAFreshBuffer(string character)
    {
        var shortRow = Fields(Small(), 1);
        var longRow = Fields(Full(character), 2);
        byte[] scratch = [];
        var reused = new byte[AuditHash.Length];

        AuditHash.Compute(AuditHash.Genesis, shortRow, reused, ref scratch);
        AuditHash.Compute(AuditHash.Genesis, longRow, reused, ref scratch);

        Assert.Equal(AuditHash.Compute(AuditHash.Genesis, longRow), reused);
        Assert.NotEqual(AuditHash.Compute(AuditHash.Genesis, shortRow), reused);
    }

    /// <summary>Every text column filled to its length limit (in characters, as PostgreSQL counts them).</summary>
    private static AuditRecord Full(string character) => new(
        DateTimeOffset.UtcNow,
        Guid.NewGuid(),
        Repeat(character, AuditLimits.UserName),
        Repeat(character, AuditLimits.ClientIp),
        Repeat(character, AuditLimits.UserAgent),
        AuditEventType.RequestGranted,
        Repeat(character, AuditLimits.Action),
        Repeat(character, AuditLimits.Name),
        AuditOutcome.Succeeded,
        Repeat(character, AuditLimits.Name),
        Repeat(character, AuditLimits.SubjectId),
        Repeat(character, AuditLimits.SubjectId),
        Repeat(character, AuditLimits.Details),
        Repeat(character, AuditLimits.PurposeOfUse),
        Repeat(character, AuditLimits.AccessBasis));

    private static AuditRecord Small() => new(
        DateTimeOffset.UtcNow, null, "u", null, null, AuditEventType.RequestGranted, "GET /", null, AuditOutcome.Succeeded, null, null, null, null);

    private static string Repeat(string character, int count) => string.Concat(Enumerable.Repeat(character, count));

    private static AuditHashFields Fields(AuditRecord r, long sequence) => new(
        sequence, r.OccurredAt.UtcDateTime, r.UserId, r.UserName, r.ClientIp, r.UserAgent, (int)r.EventType, r.Action, r.Module,
        (short)r.Outcome, r.SubjectType, r.SubjectId, r.CorrelationId, r.Details, r.PurposeOfUse, r.AccessBasis);
}
