using System.Net;
using Pyboxtech.Med.Tests.Infrastructure;

namespace Pyboxtech.Med.Tests.Auditing;

/// <summary>When the audit row cannot be written, the request fails and shows nothing it would have shown.</summary>
public sealed class FailClosedTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task Request_WhenTheAuditRowCannotBeWritten_FailsWithAnErrorPageAndNoContent()
    {
        await portal.CreateUserAsync("dr.closed", "Dr Casey Closed");
        var client = await portal.SignInAsync("dr.closed");
        Assert.Contains("Dr Casey Closed", await client.GetStringAsync(new Uri("/", UriKind.Relative)), StringComparison.Ordinal);

        await PostgresServer.ExecuteAsync(portal.Database.SuperuserConnection, $"REVOKE INSERT ON audit.events FROM {PostgresServer.RuntimeRole}");
        try
        {
            var response = await client.GetAsync(new Uri("/", UriKind.Relative));
            var body = await response.Content.ReadAsStringAsync();

            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Contains("The portal is temporarily unavailable", body, StringComparison.Ordinal);
            Assert.DoesNotContain("Dr Casey Closed", body, StringComparison.Ordinal);
            Assert.DoesNotContain("dr.closed", body, StringComparison.Ordinal);
            // The request log says what the person got: a 503, not the 500 of the exception on its way out.
            var reference = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(body).QuerySelector("code")!.TextContent;
            Assert.Contains(portal.Log.Entries, e => e.Contains("responded 503", StringComparison.Ordinal) && e.Contains(reference, StringComparison.Ordinal));
            Assert.DoesNotContain(portal.Log.Entries, e => e.Contains("responded 500", StringComparison.Ordinal));

            // A sign-in whose attempt cannot be recorded does not sign anyone in.
            var login = await HtmlForm.LoadAsync(portal.CreateBrowser(), "/Account/Login");
            var signIn = await login.SubmitAsync(new() { ["UserName"] = "dr.closed", ["Password"] = PortalFactory.StrongPassword });
            Assert.Equal(HttpStatusCode.ServiceUnavailable, signIn.StatusCode);
            Assert.DoesNotContain(signIn.Headers.TryGetValues("Set-Cookie", out var cookies) ? cookies : [], c => c.StartsWith("pyboxtech.session=", StringComparison.Ordinal) && !c.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase));
        }
        finally
        {
            await PostgresServer.ExecuteAsync(portal.Database.SuperuserConnection, $"GRANT INSERT ON audit.events TO {PostgresServer.RuntimeRole}");
        }

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/", UriKind.Relative))).StatusCode);
    }
}
