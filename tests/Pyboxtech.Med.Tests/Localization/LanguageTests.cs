using System.Net;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Modules.Patients;

namespace Pyboxtech.Med.Tests.Localization;

/// <summary>
/// The language of a page: the person's own choice, else the browser's Accept-Language, else the practice's default;
/// English when nothing asks for another. The choice is audited with codes, and the trail stores codes in any language.
/// </summary>
public sealed class LanguageTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task LoginPage_WithNoLanguageAsked_IsEnglish()
    {
        await AccountExistsAsync(portal);
        var page = await portal.CreateBrowser().GetStringAsync(new Uri("/Account/Login", UriKind.Relative));
        Assert.Contains("<html lang=\"en-AU\">", page, StringComparison.Ordinal);
        Assert.Contains(">Sign in</h1>", page, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("es-ES")]
    [InlineData("es-MX,es;q=0.9,en;q=0.5")]
    public async Task LoginPage_ForASpanishBrowser_IsSpanish(string acceptLanguage)
    {
        await AccountExistsAsync(portal);
        using var client = portal.CreateBrowser();
        client.DefaultRequestHeaders.Add("Accept-Language", acceptLanguage);
        var page = await client.GetStringAsync(new Uri("/Account/Login", UriKind.Relative));
        Assert.Contains("<html lang=\"es\">", page, StringComparison.Ordinal);
        Assert.Contains(">Iniciar sesión</h1>", page, StringComparison.Ordinal);
        Assert.Contains("Nombre de usuario", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RefusedRegistration_ForASpanishBrowser_SaysWhyInSpanish()
    {
        await portal.CreateUserAsync("lang.desk", "Lucía Recepción", PortalFactory.StrongPassword, "Receptionist");
        using var client = await portal.SignInAsync("lang.desk");
        client.DefaultRequestHeaders.Add("Accept-Language", "es");
        var form = await HtmlForm.LoadAsync(client, "/Patients/New", "form[action='/Patients/New']");
        var response = await form.SubmitAsync(new() { ["GivenNames"] = "Minh", ["Postcode"] = "12" });
        var page = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Escriba los apellidos.", page, StringComparison.Ordinal);
        Assert.Contains("El código postal tiene 4 dígitos.", page, StringComparison.Ordinal);
        Assert.Contains("Corrija lo siguiente", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChosenLanguage_OutranksTheBrowser_AndIsAuditedAsCodes()
    {
        var user = await portal.CreateUserAsync("lang.nurse", "Nora Nurse");
        using var client = await portal.SignInAsync("lang.nurse");
        client.DefaultRequestHeaders.Add("Accept-Language", "en-AU");
        var before = await portal.LastAuditSequenceAsync();

        var form = await HtmlForm.LoadAsync(client, "/", "form[action='/Account/Language']");
        var response = await form.SubmitAsync(new() { ["Language"] = "es" });

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var dashboard = await client.GetStringAsync(new Uri("/", UriKind.Relative));
        Assert.Contains("<html lang=\"es\">", dashboard, StringComparison.Ordinal);
        Assert.Contains("Su cuenta", dashboard, StringComparison.Ordinal);
        var change = Assert.Single(await portal.AuditRowsAfterAsync(before), e => e.EventType == AuditEventType.LanguageChanged);
        Assert.Equal(user.Id, change.UserId);
        Assert.Equal(AuditOutcome.Succeeded, change.Outcome);
        Assert.Equal("language: browser -> es", change.Details);

        // Back to following the browser.
        form = await HtmlForm.LoadAsync(client, "/", "form[action='/Account/Language']");
        await form.SubmitAsync(new() { ["Language"] = "" });
        Assert.Contains("Your account", await client.GetStringAsync(new Uri("/", UriKind.Relative)), StringComparison.Ordinal);
    }

    /// <summary>Until an account exists every page leads to first-run setup.</summary>
    internal static async Task AccountExistsAsync(PortalFactory portal)
    {
        if (await portal.UserCountAsync() == 0)
        {
            await portal.CreateUserAsync("lang.first." + Guid.NewGuid().ToString("N")[..6], "First Person");
        }
    }

    [Fact]
    public async Task AChoiceMadeInOneSession_ReachesThePersonsOtherSessionsAtTheirNextRequest()
    {
        await portal.CreateUserAsync("lang.two.desks", "Tomas Desks");
        using var desk = await portal.SignInAsync("lang.two.desks");
        using var ward = await portal.SignInAsync("lang.two.desks");
        Assert.Contains("Your account", await ward.GetStringAsync(new Uri("/", UriKind.Relative)), StringComparison.Ordinal);

        var form = await HtmlForm.LoadAsync(desk, "/", "form[action='/Account/Language']");
        await form.SubmitAsync(new() { ["Language"] = "es" });

        // No new sign-in on the ward's computer: its session reads the choice with the account (SessionStore).
        var ward2 = await ward.GetStringAsync(new Uri("/", UriKind.Relative));
        Assert.Contains("<html lang=\"es\">", ward2, StringComparison.Ordinal);
        Assert.Contains("Su cuenta", ward2, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownLanguage_IsRefused_AndChangesNothing()
    {
        await portal.CreateUserAsync("lang.locum", "Leo Locum");
        using var client = await portal.SignInAsync("lang.locum");
        var form = await HtmlForm.LoadAsync(client, "/", "form[action='/Account/Language']");
        var response = await form.SubmitAsync(new() { ["Language"] = "xx-YY" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("<html lang=\"en-AU\">", await client.GetStringAsync(new Uri("/", UriKind.Relative)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuditRows_OfTheSameJourney_AreTheSameCodesInBothLanguages()
    {
        async Task<List<string>> RegisterAsync(string userName, string language, string family)
        {
            await portal.CreateUserAsync(userName, "Desk " + language, PortalFactory.StrongPassword, "Receptionist");
            using var client = await portal.SignInAsync(userName);
            client.DefaultRequestHeaders.Add("Accept-Language", language);
            var before = await portal.LastAuditSequenceAsync();
            var form = await HtmlForm.LoadAsync(client, "/Patients/New", "form[action='/Patients/New']");
            await form.SubmitAsync(new() { ["FamilyName"] = family, ["GivenNames"] = "Ana", ["DateOfBirth"] = "1990-04-02", ["Sex"] = nameof(Sex.Female) });
            return (await portal.AuditRowsAfterAsync(before))
                .Where(e => e.UserName == userName)
                .Select(e => $"{(int)e.EventType} {e.Outcome} {e.Module} {e.SubjectType}")
                .ToList();
        }

        var english = await RegisterAsync("codes.en", "en-AU", "Smith");
        var spanish = await RegisterAsync("codes.es", "es-ES", "García");
        Assert.NotEmpty(english);
        Assert.Equal(english, spanish);
    }
}

/// <summary>A practice whose default is Spanish: a browser asking for a language the portal does not speak gets Spanish.</summary>
public sealed class PracticeDefaultLanguageTests(PracticeDefaultLanguageTests.Portal portal) : IClassFixture<PracticeDefaultLanguageTests.Portal>
{
    public sealed class Portal : PortalFactory
    {
        protected override IEnumerable<KeyValuePair<string, string>> Settings => [new("Clinic:DefaultLanguage", "es")];
    }

    [Fact]
    public async Task LoginPage_ForABrowserAskingForGerman_IsThePracticeDefault()
    {
        await LanguageTests.AccountExistsAsync(portal);
        using var client = portal.CreateBrowser();
        client.DefaultRequestHeaders.Add("Accept-Language", "de-DE");
        var page = await client.GetStringAsync(new Uri("/Account/Login", UriKind.Relative));
        Assert.Contains("<html lang=\"es\">", page, StringComparison.Ordinal);
        Assert.Contains(">Iniciar sesión</h1>", page, StringComparison.Ordinal);
    }
}
