using System.Net;
using Microsoft.EntityFrameworkCore;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Modules.Account;
using Pyboxtech.Med.Web.Security.Identity;
using Pyboxtech.Med.Web.Security.Passwords;

namespace Pyboxtech.Med.Tests.Modules.Administration;

/// <summary>The password policy lives in the database, changes are audited, and expiry is enforced.</summary>
public sealed class SecuritySettingsTests(PortalFactory portal) : IClassFixture<PortalFactory>, IAsyncLifetime
{
    public async ValueTask InitializeAsync()
    {
        if (await portal.UserCountAsync() == 0)
        {
            await portal.CreateUserAsync("policy.admin", "Pol Admin", PortalFactory.StrongPassword, MedRole.SystemAdministrator);
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task SaveSettings_NistPreset_AcceptsALongPassphraseWithoutSymbolsAndIsAudited()
    {
        await portal.CreateUserAsync("phrase.user", "Phil Phrase");
        const string passphrase = "violet cactus harbour lantern";
        Assert.Contains("Add at least one digit (0 to 9).", await TryChangeAsync("phrase.user", passphrase));

        var admin = await portal.SignInAsync("policy.admin");
        await SaveAsync(admin, "Nist", "90", "AdministratorUnlock");
        try
        {
            Assert.Empty(await TryChangeAsync("phrase.user", passphrase));
            Assert.Contains("Passwords must be at least 15 characters.", await TryChangeAsync("phrase.user", "Tq7#vLm2-Rx9p"));
            var row = (await portal.AuditRowsAsync()).Last(r => r.EventType == AuditEventType.SettingsChanged);
            Assert.Contains("before: preset=Racgp", row.Details, StringComparison.Ordinal);
            Assert.Contains("after: preset=Nist", row.Details, StringComparison.Ordinal);
        }
        finally
        {
            await SaveAsync(admin, "Racgp", "90", "AdministratorUnlock");
        }
    }

    [Theory]
    [InlineData("0", "Racgp", "AdministratorUnlock")]
    [InlineData("91", "Racgp", "AdministratorUnlock")]
    [InlineData("30", "Loose", "AdministratorUnlock")]
    [InlineData("30", "Racgp", "Never")]
    public async Task SaveSettings_OutOfRange_IsRefusedAndChangesNothing(string maxAge, string preset, string lockout)
    {
        var admin = await portal.SignInAsync("policy.admin");
        var before = await portal.WithDbAsync(db => db.Set<Pyboxtech.Med.Web.Security.SecuritySettings>().AsNoTracking().SingleAsync());

        var response = await (await HtmlForm.LoadAsync(admin, "/Administration/Security"))
            .SubmitAsync(new() { ["Preset"] = preset, ["MaxAgeDays"] = maxAge, ["LockoutMode"] = lockout });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.NotEmpty(HtmlForm.Errors(await response.Content.ReadAsStringAsync()));
        var after = await portal.WithDbAsync(db => db.Set<Pyboxtech.Med.Web.Security.SecuritySettings>().AsNoTracking().SingleAsync());
        Assert.Equal(before.Describe(), after.Describe());
    }

    [Fact]
    public async Task AnyPage_PasswordOlderThanTheMaximumAge_MustChangeItFirstAfterTwoWeeksNotice()
    {
        await portal.CreateUserAsync("old.password", "Olga Old");
        await portal.CreateUserAsync("soon.expiring", "Sue Soon");
        await SetPasswordAgeAsync("old.password", days: 91);
        await SetPasswordAgeAsync("soon.expiring", days: 80);

        var expired = await portal.SignInAsync("old.password");
        var soon = await portal.SignInAsync("soon.expiring");

        Assert.Equal("/Account/ChangePassword", (await expired.GetAsync(new Uri("/", UriKind.Relative))).Headers.Location?.OriginalString);
        var dashboard = await soon.GetStringAsync(new Uri("/", UriKind.Relative));
        Assert.Contains("Your password expires in 10 days", dashboard, StringComparison.Ordinal);
    }

    private async Task SetPasswordAgeAsync(string userName, int days) =>
        await portal.WithDbAsync(db => db.Users.Where(u => u.UserName == userName)
            .ExecuteUpdateAsync(u => u.SetProperty(x => x.PasswordChangedAt, DateTimeOffset.UtcNow.AddDays(-days))));

    private async Task<IReadOnlyList<string>> TryChangeAsync(string userName, string newPassword)
    {
        var client = await portal.SignInAsync(userName);
        var form = await HtmlForm.LoadAsync(client, "/Account/ChangePassword");
        var response = await form.SubmitAsync(new() { ["CurrentPassword"] = PortalFactory.StrongPassword, ["NewPassword"] = newPassword, ["ConfirmNewPassword"] = newPassword });
        if (response.StatusCode == HttpStatusCode.Redirect)
        {
            // Put the known password back for the next attempt: the history forbids reusing it, so restore the hash.
            await portal.WithDbAsync(async db =>
            {
                var user = await db.Users.SingleAsync(u => u.UserName == userName);
                user.PasswordHash = new Microsoft.AspNetCore.Identity.PasswordHasher<MedUser>().HashPassword(user, PortalFactory.StrongPassword);
                await db.Set<PasswordHistoryEntry>().Where(h => h.UserId == user.Id).ExecuteDeleteAsync();
                return await db.SaveChangesAsync();
            });
            return [];
        }

        return HtmlForm.Errors(await response.Content.ReadAsStringAsync());
    }

    private static async Task SaveAsync(HttpClient admin, string preset, string maxAge, string lockout)
    {
        var response = await (await HtmlForm.LoadAsync(admin, "/Administration/Security"))
            .SubmitAsync(new() { ["Preset"] = preset, ["MaxAgeDays"] = maxAge, ["LockoutMode"] = lockout });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
    }
}
