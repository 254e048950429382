using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Modules.Account;
using Pyboxtech.Med.Web.Security.Identity;
using Pyboxtech.Med.Web.Security;
using Pyboxtech.Med.Web.Modules.Patients;
using Pyboxtech.Med.Web.Modules.ClinicalNotes;
using Pyboxtech.Med.Web.Modules.AuditLog;
using Pyboxtech.Med.Web.Modules.Administration;
using Pyboxtech.Med.Web.Modules;

namespace Pyboxtech.Med.Tests.Security;

/// <summary>
/// The matrix is the access control: it is seeded as the practice expects, and a change to it applies at the very
/// next request. Every role against every endpoint is <see cref="EndpointPermissionTests"/>.
/// </summary>
public sealed class PermissionMatrixTests(PortalFactory portal) : IClassFixture<PortalFactory>, IAsyncLifetime
{
    internal static readonly string[] RoleNames =
    [
        MedRole.SystemAdministrator, "Practice manager", "Receptionist", "Doctor", "Nurse", "Allied health", "Locum", "Student or researcher",
    ];

    public async ValueTask InitializeAsync()
    {
        if (await portal.UserCountAsync() == 0)
        {
            foreach (var role in RoleNames)
            {
                await portal.CreateUserAsync(UserNameFor(role), role, PortalFactory.StrongPassword, role);
            }
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task Migrate_DefaultMatrix_KeepsClinicalModulesFromTheAdministratorAndNotesFromReception()
    {
        var matrix = await portal.Services.GetRequiredService<PermissionMatrix>().CurrentAsync();

        Assert.Equal(AccessLevel.Write, matrix.RoleLevel(MedRole.SystemAdministrator, AdministrationModule.Access));
        Assert.Equal(AccessLevel.None, matrix.RoleLevel(MedRole.SystemAdministrator, ClinicalNotesModule.Access));
        Assert.Equal(AccessLevel.None, matrix.RoleLevel(MedRole.SystemAdministrator, PatientsModule.Access));
        Assert.Equal(AccessLevel.None, matrix.RoleLevel("Receptionist", ClinicalNotesModule.Access));
        Assert.Equal(AccessLevel.Write, matrix.RoleLevel("Receptionist", PatientsModule.Access));
        Assert.Equal(AccessLevel.None, matrix.RoleLevel("Student or researcher", AdministrationModule.Access));
        Assert.All(RoleNames, r => Assert.True(ModuleCatalog.MatrixModules.All(m => matrix.RoleLevel(r, m) <= AccessLevel.Write)));
    }

    [Fact]
    public async Task Can_ReachesExactlyTheLevelTheMatrixGives_AndNoHigher()
    {
        var matrix = portal.Services.GetRequiredService<PermissionMatrix>();
        var receptionist = new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity(
            [new(System.Security.Claims.ClaimTypes.NameIdentifier, Guid.NewGuid().ToString()), new(System.Security.Claims.ClaimTypes.Role, "Receptionist")], "test"));
        var level = (await matrix.CurrentAsync()).RoleLevel("Receptionist", PatientsModule.Access);

        Assert.Equal(AccessLevel.Write, level);
        Assert.True(await matrix.CanAsync(receptionist, PatientsModule.Access, AccessLevel.Write));
        Assert.True(await matrix.CanAsync(receptionist, PatientsModule.Access, AccessLevel.Read));
        Assert.False(await matrix.CanAsync(receptionist, ClinicalNotesModule.Access, AccessLevel.Read));
    }

    [Fact]
    public async Task ARoleWithoutAName_MadeByHandInTheDatabase_GrantsNothing_AndLeavesEveryoneElsesAccess()
    {
        var nameless = await portal.WithDbAsync(async db =>
        {
            var role = MedRole.Create("To be unnamed", "To be unnamed");
            db.Roles.Add(role);
            await db.SaveChangesAsync();
            return role.Id;
        });
        await PostgresServer.ExecuteAsync(portal.Database.SuperuserConnection, $"UPDATE account.roles SET name = NULL, normalized_name = NULL WHERE id = '{nameless}'");
        var matrix = portal.Services.GetRequiredService<PermissionMatrix>();
        matrix.Invalidate();
        try
        {
            var snapshot = await matrix.CurrentAsync();

            Assert.Equal(AccessLevel.Write, snapshot.RoleLevel("Receptionist", PatientsModule.Access));
            Assert.All(ModuleCatalog.MatrixModules, m => Assert.Equal(AccessLevel.None, snapshot.RoleLevel("", m)));
        }
        finally
        {
            await PostgresServer.ExecuteAsync(portal.Database.SuperuserConnection, $"DELETE FROM account.roles WHERE id = '{nameless}'");
            matrix.Invalidate();
        }
    }

    [Fact]
    public async Task MatrixChange_WhileSignedIn_AppliesAtTheNextRequest()
    {
        await portal.CreateUserAsync("pm.change", "Pat Manager", PortalFactory.StrongPassword, "Practice manager");
        var client = await portal.SignInAsync("pm.change");
        Assert.Equal("Audit trail", HtmlForm.Heading(await client.GetStringAsync(new Uri("/Audit", UriKind.Relative))));

        var admin = await portal.SignInAsync(UserNameFor(MedRole.SystemAdministrator));
        await SetCellAsync(portal, admin, "Practice manager", AuditLogModule.Access, AccessLevel.None);
        try
        {
            var refused = await client.GetAsync(new Uri("/Audit", UriKind.Relative));
            Assert.Equal(HttpStatusCode.Redirect, refused.StatusCode);
            Assert.StartsWith("/Account/AccessDenied", refused.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
            Assert.Equal("You do not have access to this page", HtmlForm.Heading(await (await client.GetAsync(refused.Headers.Location)).Content.ReadAsStringAsync()));
        }
        finally
        {
            await SetCellAsync(portal, admin, "Practice manager", AuditLogModule.Access, AccessLevel.Read);
        }

        Assert.Equal("Audit trail", HtmlForm.Heading(await client.GetStringAsync(new Uri("/Audit", UriKind.Relative))));
    }

    [Fact]
    public async Task MatrixChange_GivingARoleClinicalNotes_MakesTwoFactorRequiredForItsHolders()
    {
        await portal.CreateUserAsync("front.counter", "Flo Counter", PortalFactory.StrongPassword, "Receptionist");
        var receptionist = await portal.SignInAsync("front.counter");
        Assert.Equal(HttpStatusCode.OK, (await receptionist.GetAsync(new Uri("/", UriKind.Relative))).StatusCode);
        var admin = await portal.SignInAsync(UserNameFor(MedRole.SystemAdministrator));
        var before = await portal.LastAuditSequenceAsync();

        await SetCellAsync(portal, admin, "Receptionist", ClinicalNotesModule.Access, AccessLevel.Read);
        try
        {
            Assert.True(await portal.WithDbAsync(db => db.Roles.Where(r => r.Name == "Receptionist").Select(r => r.RequiresTwoFactor).SingleAsync()));
            Assert.Equal("/Account/TwoFactor", (await receptionist.GetAsync(new Uri("/", UriKind.Relative))).Headers.Location?.OriginalString);
            var change = Assert.Single(await portal.AuditRowsAfterAsync(before), r => r.EventType == AuditEventType.PermissionsChanged);
            Assert.Contains("Receptionist: two-factor sign-in now required", change.Details, StringComparison.Ordinal);
            Assert.Contains("data-testid=\"requires-two-factor\"", await admin.GetStringAsync(new Uri("/Administration/Roles", UriKind.Relative)), StringComparison.Ordinal);
        }
        finally
        {
            await SetCellAsync(portal, admin, "Receptionist", ClinicalNotesModule.Access, AccessLevel.None);
            await PostgresServer.ExecuteAsync(portal.Database.SuperuserConnection, "UPDATE account.roles SET requires_two_factor = false WHERE name = 'Receptionist'");
        }
    }

    /// <summary>Sets one cell of the matrix as an administrator does, on the Roles and permissions page.</summary>
    internal static async Task SetCellAsync(PortalFactory portal, HttpClient admin, string role, MatrixModule module, AccessLevel level)
    {
        var page = await admin.GetStringAsync(new Uri("/Administration/Roles", UriKind.Relative));
        var form = HtmlForm.Parse(admin, page, "/Administration/Roles", "form[action='/Administration/Roles/Matrix']");
        var roleId = await portal.WithDbAsync(db => db.Roles.Where(r => r.Name == role).Select(r => r.Id).SingleAsync());
        var fields = form.Fields.ToDictionary(f => f.Key, f => f.Value);
        var cell = fields.First(f => f.Key.EndsWith(".RoleId", StringComparison.Ordinal) && f.Value == roleId.ToString()
                                     && fields[f.Key.Replace(".RoleId", ".Module", StringComparison.Ordinal)] == module.Key).Key;
        var response = await form.SubmitAsync(new() { [cell.Replace(".RoleId", ".Level", StringComparison.Ordinal)] = level.ToString() });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
    }

    internal static string UserNameFor(string role) => "as." + role.ToLowerInvariant().Replace(' ', '.');
}
