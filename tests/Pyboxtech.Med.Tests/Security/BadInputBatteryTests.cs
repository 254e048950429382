using System.Net;
using System.Text;
using AngleSharp.Html.Parser;
using Microsoft.EntityFrameworkCore;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Modules.Account;
using Pyboxtech.Med.Web.Modules.Patients;
using Pyboxtech.Med.Web.Security.Identity;

namespace Pyboxtech.Med.Tests.Security;

/// <summary>
/// Every form of the portal, every field, hostile values: no 500, no script rendered unescaped, nothing saved that
/// should not be. The forms are read from the pages themselves, so a new field is attacked without listing it here.
/// </summary>
public sealed class BadInputBatteryTests(PortalFactory portal) : IClassFixture<PortalFactory>, IAsyncLifetime
{
    private const string Script = "<script>alert('x')</script>";

    private static readonly string[] HostileValues =
    [
        "", "   ", new string('A', 10_000), "a\u0001b\u001bc", "\u202Eevil", Script, "\"><img src=x onerror=alert(1)>",
        "'; DROP TABLE account.users; --", "1 OR 1=1", "-1", "9999999999999999999999", "not-a-date", "2026-02-30",
        "😀😀😀", "\uFFFF", "../../etc/passwd",
    ];

    private HttpClient _admin = null!;
    private HttpClient _desk = null!;
    private Guid _patientId;
    private Guid _userId;

    public async ValueTask InitializeAsync()
    {
        if (await portal.UserCountAsync() == 0)
        {
            await portal.CreateUserAsync("battery.admin", "Tess Admin", PortalFactory.StrongPassword, MedRole.SystemAdministrator);
            await portal.CreateUserAsync("battery.desk", "Tess Desk", PortalFactory.StrongPassword, "Receptionist");
        }

        _admin = await portal.SignInAsync("battery.admin");
        _desk = await portal.SignInAsync("battery.desk");
        _userId = await portal.WithDbAsync(db => db.Users.Where(u => u.UserName == "battery.desk").Select(u => u.Id).SingleAsync());
        var register = await HtmlForm.LoadAsync(_desk, "/Patients/New");
        var created = await register.SubmitAsync(new()
        {
            ["FamilyName"] = "Battery", ["GivenNames"] = "Test", ["DateOfBirth"] = "1970-01-01", ["Sex"] = "Female", ["ConfirmNotDuplicate"] = "true",
        });
        _patientId = Guid.Parse(created.Headers.Location!.OriginalString.Split('/')[^1]);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task EveryFormAndField_WithHostileValues_NeverFailsAndNeverEchoesScript()
    {
        var forms = new (HttpClient Client, string Page, string? Selector)[]
        {
            (portal.CreateBrowser(), "/Account/Login", null),
            (_desk, "/Account/ChangePassword", null),
            (_desk, "/Patients/New", null),
            (_desk, $"/Patients/{_patientId}/Edit", null),
            (_admin, "/Administration/Users/New", null),
            (_admin, $"/Administration/Users/{_userId}", $"form[action='/Administration/Users/{_userId}']"),
            (_admin, "/Administration/Roles", "form[action='/Administration/Roles']"),
            (_admin, "/Administration/Security", null),
        };
        var cases = 0;
        var failures = new StringBuilder();

        foreach (var (client, page, selector) in forms)
        {
            var form = await HtmlForm.LoadAsync(client, page, selector);
            foreach (var field in form.Fields.Keys.Where(k => k != HtmlForm.AntiforgeryField).ToList())
            {
                foreach (var value in HostileValues)
                {
                    var fresh = await HtmlForm.LoadAsync(client, page, selector);
                    var response = await fresh.SubmitAsync(new() { [field] = value });
                    var body = await response.Content.ReadAsStringAsync();
                    cases++;
                    if ((int)response.StatusCode >= 500 || body.Contains(Script, StringComparison.Ordinal) || body.Contains("<img src=x", StringComparison.Ordinal))
                    {
                        failures.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"{page} {field}={Describe(value)}: {(int)response.StatusCode}");
                    }
                }
            }
        }

        Assert.True(failures.Length == 0, failures.ToString());
        Assert.True(cases >= 400, $"only {cases} cases ran");
        // Values that were valid were saved (a suburb may well read "1 OR 1=1"); nothing hidden or broken was.
        var stored = await portal.WithDbAsync(async db =>
            (await db.Users.Select(u => u.DisplayName).ToListAsync())
            .Concat(await db.Roles.Select(r => r.Name + r.Description).ToListAsync())
            .Concat(await db.Set<Patient>().Select(p => p.FamilyName + p.GivenNames + p.AddressLine + p.Suburb + p.InsuranceNumber + p.Email).ToListAsync())
            .ToList());
        Assert.All(stored, value => Assert.True(Pyboxtech.Med.Web.Shared.Text.PlainText.IsPlain(value ?? ""), $"stored hidden characters: {value}"));
        Console.WriteLine($"bad-input battery: {cases} cases");
    }

    [Fact]
    public async Task UnsafeRequests_WithoutOrWithAForeignAntiforgeryToken_AreRefusedAndChangeNothing()
    {
        var before = await portal.WithDbAsync(db => db.Set<Patient>().CountAsync());
        var valid = new Dictionary<string, string>
        {
            ["FamilyName"] = "Forged", ["GivenNames"] = "Request", ["DateOfBirth"] = "1980-01-01", ["Sex"] = "Male",
        };
        var otherToken = (await HtmlForm.LoadAsync(_admin, "/Administration/Users/New")).Fields[HtmlForm.AntiforgeryField];

        var missing = await _desk.PostAsync(new Uri("/Patients/New", UriKind.Relative), new FormUrlEncodedContent(valid));
        var foreign = await _desk.PostAsync(new Uri("/Patients/New", UriKind.Relative), new FormUrlEncodedContent(valid.Append(new(HtmlForm.AntiforgeryField, otherToken))));

        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, foreign.StatusCode);
        Assert.Equal("That request could not be understood", HtmlForm.Heading(await missing.Content.ReadAsStringAsync()));
        Assert.Equal("That request could not be understood", HtmlForm.Heading(await foreign.Content.ReadAsStringAsync()));
        Assert.Equal(before, await portal.WithDbAsync(db => db.Set<Patient>().CountAsync()));
    }

    [Fact]
    public async Task Submit_OversizedBody_IsRefusedWithoutError()
    {
        var form = await HtmlForm.LoadAsync(_desk, "/Patients/New");

        var response = await form.SubmitAsync(new() { ["FamilyName"] = new string('x', 40_000_000) });

        Assert.True((int)response.StatusCode is >= 400 and < 500, $"answered {(int)response.StatusCode}");
        Assert.Equal("That request could not be understood", HtmlForm.Heading(await response.Content.ReadAsStringAsync()));
    }

    private static string Describe(string value) =>
        value.Length > 30 ? $"<{value.Length} chars>" : new string(value.Select(c => char.IsControl(c) ? '?' : c).ToArray());
}
