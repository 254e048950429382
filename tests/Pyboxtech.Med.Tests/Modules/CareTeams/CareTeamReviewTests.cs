using System.Net;
using AngleSharp.Html.Parser;
using Microsoft.EntityFrameworkCore;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Modules.CareTeams;

namespace Pyboxtech.Med.Tests.Modules.CareTeams;

/// <summary>RACGP 4.9: a team's access is reviewed; a year without a review shows it overdue until someone marks it reviewed.</summary>
public sealed class CareTeamReviewTests(FakeClockPortal portal) : IClassFixture<FakeClockPortal>
{
    [Fact]
    public async Task Team_NotReviewedForAYear_IsFlaggedOverdue_UntilMarkedReviewed()
    {
        await portal.CreateUserAsync("review.manager", "Rey Manager", PortalFactory.StrongPassword, "Practice manager");
        var manager = await portal.SignInAsync("review.manager");
        var create = await (await HtmlForm.LoadAsync(manager, "/CareTeams/New", "form[action='/CareTeams/New']")).SubmitAsync(new() { ["Name"] = "Review clinic" });
        var id = Guid.Parse(create.Headers.Location!.OriginalString.Split('/')[^1]);
        Assert.Null(await OverdueFlagAsync(manager));

        portal.Clock.Advance(TimeSpan.FromDays(366));
        // A year on, the first manager's session and password have run out: a colleague with a current password looks.
        var colleague = await portal.CreateUserAsync("review.colleague", "Rae Colleague", PortalFactory.StrongPassword, "Practice manager");
        await portal.WithDbAsync(async db =>
        {
            var user = await db.Users.SingleAsync(u => u.Id == colleague.Id);
            user.PasswordChangedAt = portal.Clock.GetUtcNow();
            return await db.SaveChangesAsync();
        });
        manager = await portal.SignInAsync("review.colleague");
        Assert.NotNull(await OverdueFlagAsync(manager));

        var before = await portal.LastAuditSequenceAsync();
        var review = await HtmlForm.LoadAsync(manager, $"/CareTeams/{id}", $"form[action='/CareTeams/{id}/Review']");
        Assert.Equal(HttpStatusCode.Redirect, (await review.SubmitAsync([])).StatusCode);
        Assert.Null(await OverdueFlagAsync(manager));
        Assert.Contains(await portal.AuditRowsAfterAsync(before), r => (int)r.EventType == CareTeamsModule.TeamReviewed && r.SubjectId == id.ToString() && r.UserName == "review.colleague");
    }

    private static async Task<AngleSharp.Dom.IElement?> OverdueFlagAsync(HttpClient client) =>
        new HtmlParser().ParseDocument(await client.GetStringAsync(new Uri("/CareTeams", UriKind.Relative)))
            .QuerySelectorAll("[data-testid=team-row]")
            .Single(r => r.QuerySelector("[data-testid=team-name]")!.TextContent == "Review clinic")
            .QuerySelector("[data-testid=review-overdue]");
}
