using System.Net;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Modules.Account;
using Pyboxtech.Med.Web.Platform;
using Pyboxtech.Med.Web.Security.Identity;

namespace Pyboxtech.Med.Tests.Security;

/// <summary>What an attacker or a confused browser sends gets a clear 4xx or a cleaned record, never a 500.</summary>
public sealed class HostileInputTests(PortalFactory portal) : IClassFixture<PortalFactory>, IAsyncLifetime
{
    public async ValueTask InitializeAsync()
    {
        if (await portal.UserCountAsync() == 0)
        {
            await portal.CreateUserAsync("hostile.admin", "Hal Admin", PortalFactory.StrongPassword, MedRole.SystemAdministrator);
            await portal.CreateUserAsync("plain.user", "Pia User");
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task Request_WithAUserAgentCutInsideAnEmoji_IsStoredCleanlyAndOthersGoOn()
    {
        var evil = portal.CreateBrowser();
        evil.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", new string('a', AuditLimits.UserAgent - 1) + "😀");
        var user = await portal.SignInAsync("plain.user");
        var before = await portal.LastAuditSequenceAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).SelectMany(_ => new[]
        {
            evil.GetAsync(new Uri("/Audit", UriKind.Relative)),
            user.GetAsync(new Uri("/", UriKind.Relative)),
        }));

        Assert.All(responses, r => Assert.NotEqual(HttpStatusCode.InternalServerError, r.StatusCode));
        var rows = await portal.AuditRowsAfterAsync(before);
        Assert.Equal(40, rows.Count);
        Assert.All(rows.Where(r => r.UserAgent?.StartsWith("aaa", StringComparison.Ordinal) == true), r => Assert.Equal(AuditLimits.UserAgent - 1, r.UserAgent!.Length));
    }

    [Fact]
    public async Task Login_FormWithANulCharacter_IsRefusedAsMalformed()
    {
        // ASP.NET Core will not even read such a form: the antiforgery check fails first and the 400 page says so.
        var form = await HtmlForm.LoadAsync(portal.CreateBrowser(), "/Account/Login");

        var response = await form.SubmitAsync(new() { ["UserName"] = "a\0b", ["Password"] = "whatever" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("That request could not be understood", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("admin\u202Enimda")]
    [InlineData("tab\tname")]
    public async Task Login_UserNameWithHiddenCharacters_IsRefusedAndRecorded(string userName)
    {
        var form = await HtmlForm.LoadAsync(portal.CreateBrowser(), "/Account/Login");
        var before = await portal.LastAuditSequenceAsync();

        var response = await form.SubmitAsync(new() { ["UserName"] = userName, ["Password"] = "whatever" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("cannot be typed", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var row = Assert.Single(await portal.AuditRowsAfterAsync(before));
        Assert.Equal(AuditEventType.LoginRejectedMalformed, row.EventType);
        Assert.DoesNotContain(row.UserName!, c => char.IsControl(c) || c == '\u202E');
    }

    [Theory]
    [InlineData("/é")]
    [InlineData("//evil.example")]
    [InlineData("/\\evil.example")]
    public async Task Login_WithAStrangeReturnAddress_GoesToTheDashboard(string returnUrl)
    {
        var client = portal.CreateBrowser();
        var form = await HtmlForm.LoadAsync(client, "/Account/Login?returnUrl=" + Uri.EscapeDataString(returnUrl));

        var response = await form.SubmitAsync(new() { ["UserName"] = "plain.user", ["Password"] = PortalFactory.StrongPassword });

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", response.Headers.Location?.OriginalString);
        Assert.EndsWith(", Pia User", HtmlForm.Heading(await client.GetStringAsync(response.Headers.Location)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/Audit?User=%00")]
    [InlineData("/Audit/Export?Ip=%00")]
    [InlineData("/Audit?To=9999-12-31")]
    [InlineData("/Audit/Reports?To=9999-12-31")]
    [InlineData("/Administration/Users?Search=%00")]
    [InlineData("/Audit?Outcome=99")]
    public async Task AdministratorPages_MalformedFilter_Answer400WithAMessage(string path)
    {
        var admin = await portal.SignInAsync("hostile.admin");

        var response = await admin.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.NotEmpty(HtmlForm.Errors(await response.Content.ReadAsStringAsync()));
    }

    [Fact]
    public async Task AnyResponse_PageErrorOrFile_CarriesTheSecurityHeaders()
    {
        var client = await portal.SignInAsync("plain.user");
        var anonymous = portal.CreateBrowser();

        var responses = new List<HttpResponseMessage>();
        foreach (var path in new[] { "/Account/Login", "/", "/no/such/page", "/css/site.css", "/Account/AccessDenied" })
        {
            responses.Add(await client.GetAsync(new Uri(path, UriKind.Relative)));
            responses.Add(await anonymous.GetAsync(new Uri(path, UriKind.Relative)));
        }

        // A form posted without its antiforgery token: the 400 page.
        responses.Add(await anonymous.PostAsync(new Uri("/Account/Login", UriKind.Relative), new FormUrlEncodedContent([])));

        Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.NotFound);
        Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.Forbidden);
        Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.BadRequest);
        Assert.Contains(responses, r => r.Content.Headers.ContentType?.MediaType == "text/css");
        foreach (var response in responses)
        {
            var request = $"{response.RequestMessage!.Method} {response.RequestMessage.RequestUri!.PathAndQuery} ({(int)response.StatusCode})";
            Assert.True(response.Headers.Contains("Permissions-Policy"), request);
            Assert.Equal(SecurityHeadersMiddleware.ContentSecurityPolicy, string.Join(';', response.Headers.GetValues("Content-Security-Policy")));
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
            Assert.DoesNotContain(response.Headers, h => h.Key == "Server");
            AssertNoBrowserFeatures(response);
        }
    }

    /// <summary>What the portal's pages may ask the browser for: camera, microphone, location, payment, devices all off.</summary>
    internal static void AssertNoBrowserFeatures(HttpResponseMessage response)
    {
        var policy = string.Join(',', response.Headers.GetValues("Permissions-Policy"));
        var features = policy.Split(',', StringSplitOptions.TrimEntries).Select(f => f.Split('=')).ToDictionary(f => f[0], f => f[1]);
        foreach (var feature in new[] { "camera", "microphone", "geolocation", "payment", "usb", "serial", "hid", "bluetooth", "display-capture", "browsing-topics" })
        {
            Assert.Equal("()", features.GetValueOrDefault(feature));
        }

        Assert.All(features.Values, v => Assert.Equal("()", v));
    }

    [Fact]
    public async Task Dashboard_SignedIn_IsNotCached()
    {
        var client = await portal.SignInAsync("plain.user");

        var page = await client.GetAsync(new Uri("/", UriKind.Relative));

        Assert.Contains("no-store", page.Headers.CacheControl?.ToString(), StringComparison.Ordinal);
    }
}
