using System.Net;
using AngleSharp.Html.Parser;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Auditing;

namespace Pyboxtech.Med.Tests.Platform;

/// <summary>
/// A fault in the portal (here the database refusing a permission the portal should have) answers a plain 500 page
/// with a reference, and that reference finds the request's log line and its audit row.
/// </summary>
public sealed class ErrorPageTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task Request_ThatFaults_AnswersA500PageWithAReferenceInTheLogAndTheAuditRow()
    {
        await portal.CreateUserAsync("dr.fault", "Dr Fay Fault", PortalFactory.StrongPassword, "Doctor");
        var client = await portal.SignInAsync("dr.fault");
        var before = await portal.LastAuditSequenceAsync();

        await PostgresServer.ExecuteAsync(portal.Database.SuperuserConnection, $"REVOKE SELECT ON patients.patients FROM {PostgresServer.RuntimeRole}");
        HttpResponseMessage response;
        string body;
        try
        {
            response = await client.GetAsync(new Uri("/Patients?q=Smith", UriKind.Relative));
            body = await response.Content.ReadAsStringAsync();
        }
        finally
        {
            await PostgresServer.ExecuteAsync(portal.Database.SuperuserConnection, $"GRANT SELECT ON patients.patients TO {PostgresServer.RuntimeRole}");
        }

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Contains("Something went wrong", body, StringComparison.Ordinal);
        Assert.DoesNotContain("permission denied", body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Exception", body, StringComparison.Ordinal);
        Assert.DoesNotContain("Dr Fay Fault", body, StringComparison.Ordinal);
        var reference = new HtmlParser().ParseDocument(body).QuerySelector(".error-page code")?.TextContent;
        Assert.False(string.IsNullOrWhiteSpace(reference));

        Assert.Contains(portal.Log.Entries, e => e.Contains("responded 500", StringComparison.Ordinal) && e.Contains(reference, StringComparison.Ordinal));
        var row = Assert.Single(await portal.AuditRowsAfterAsync(before), r => r.CorrelationId == reference);
        Assert.Equal(AuditEventType.RequestGranted, row.EventType);
        Assert.Equal("dr.fault", row.UserName);
        Assert.Equal("GET /Patients", row.Action);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/Patients?q=Smith", UriKind.Relative))).StatusCode);
    }
}
