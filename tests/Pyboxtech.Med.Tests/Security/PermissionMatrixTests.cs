using System.Net;
using Microsoft.AspNetCore.Routing;
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
/// The matrix is the access control: every default role against every gated endpoint gets exactly what the seeded
/// matrix says, and a change to the matrix or a restriction applies at the very next request.
/// </summary>
public sealed class PermissionMatrixTests(PortalFactory portal) : IClassFixture<PortalFactory>, IAsyncLifetime
{
    public static TheoryData<string> DefaultRoles =>
    [
        MedRole.SystemAdministrator, "Practice manager", "Receptionist", "Doctor", "Nurse", "Allied health", "Locum", "Student or researcher",
    ];

    public async ValueTask InitializeAsync()
    {
        if (await portal.UserCountAsync() == 0)
        {
            foreach (var role in DefaultRoles)
            {
                await portal.CreateUserAsync(UserNameFor(role), role, PortalFactory.StrongPassword, role);
            }
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Theory]
    [MemberData(nameof(DefaultRoles))]
    public async Task EveryGatedEndpoint_ForEachDefaultRole_AnswersAsTheMatrixSays(string role)
    {
        var client = await portal.SignInAsync(UserNameFor(role));
        var matrix = await portal.Services.GetRequiredService<PermissionMatrix>().CurrentAsync();
        var links = portal.Services.GetRequiredService<LinkGenerator>();
        var checkedEndpoints = 0;

        foreach (var endpoint in portal.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            if (endpoint.Metadata.GetMetadata<RequirePermissionAttribute>() is not { } permission
                || endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods is not ["GET"])
            {
                continue;
            }

            var path = EndpointPaths.SamplePath(endpoint, links);
            var response = await client.GetAsync(new Uri(path, UriKind.Relative));
            var allowed = matrix.RoleLevel(role, permission.Module) >= permission.Level;

            if (allowed)
            {
                Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.NotFound, $"{role} on {path}: {(int)response.StatusCode}");
            }
            else
            {
                Assert.True(response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location!.PathAndQuery.StartsWith("/Account/AccessDenied", StringComparison.Ordinal),
                    $"{role} on {path} should be refused but got {(int)response.StatusCode}");
            }

            checkedEndpoints++;
        }

        Assert.True(checkedEndpoints >= 5, $"only {checkedEndpoints} endpoints checked");
    }

    [Fact]
    public async Task SeededMatrix_KeepsClinicalModulesFromTheAdministratorAndNotesFromReception()
    {
        var matrix = await portal.Services.GetRequiredService<PermissionMatrix>().CurrentAsync();

        Assert.Equal(AccessLevel.Write, matrix.RoleLevel(MedRole.SystemAdministrator, AdministrationModule.Access));
        Assert.Equal(AccessLevel.None, matrix.RoleLevel(MedRole.SystemAdministrator, ClinicalNotesModule.Access));
        Assert.Equal(AccessLevel.None, matrix.RoleLevel(MedRole.SystemAdministrator, PatientsModule.Access));
        Assert.Equal(AccessLevel.None, matrix.RoleLevel("Receptionist", ClinicalNotesModule.Access));
        Assert.Equal(AccessLevel.Write, matrix.RoleLevel("Receptionist", PatientsModule.Access));
        Assert.Equal(AccessLevel.None, matrix.RoleLevel("Student or researcher", AdministrationModule.Access));
        Assert.All(DefaultRoles.Select(r => (string)r.Data), r => Assert.True(ModuleCatalog.MatrixModules.All(m => matrix.RoleLevel(r, m) <= AccessLevel.Write)));
    }

    [Fact]
    public async Task MatrixChange_AppliesAtTheNextRequestWithoutSigningInAgain()
    {
        await portal.CreateUserAsync("pm.change", "Pat Manager", PortalFactory.StrongPassword, "Practice manager");
        var client = await portal.SignInAsync("pm.change");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/Audit", UriKind.Relative))).StatusCode);

        var admin = await portal.SignInAsync(UserNameFor(MedRole.SystemAdministrator));
        await SetCellAsync(portal, admin, "Practice manager", AuditLogModule.Access, AccessLevel.None);
        try
        {
            var refused = await client.GetAsync(new Uri("/Audit", UriKind.Relative));
            Assert.Equal(HttpStatusCode.Redirect, refused.StatusCode);
            Assert.StartsWith("/Account/AccessDenied", refused.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
        }
        finally
        {
            await SetCellAsync(portal, admin, "Practice manager", AuditLogModule.Access, AccessLevel.Read);
        }

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/Audit", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task GivingARoleClinicalNotes_MakesTwoFactorRequiredForItsHolders()
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
