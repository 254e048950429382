using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Data;
using Pyboxtech.Med.Web.Security.Identity;
using Pyboxtech.Med.Web.Security.Passwords;
using Pyboxtech.Med.Web.Security;

namespace Pyboxtech.Med.Web.Modules.Administration;

/// <summary>
/// <c>recover-access USERNAME</c>, run by IT on the server when the last administrator is locked out or has lost the
/// password: reactivates and unlocks that administrator, issues a temporary password printed once to the console
/// (to be changed at the next sign-in) and ends their sessions. Only accounts with Administration write access can
/// be recovered this way; the run is recorded in the audit trail.
/// </summary>
public static class RecoveryCommand
{
    public static async Task<int> RunAsync(IServiceProvider services, IReadOnlyList<string> arguments)
    {
        if (arguments is not [var userName])
        {
            Console.Error.WriteLine("usage: recover-access USERNAME");
            return 2;
        }

        await using var scope = services.CreateAsyncScope();
        var provider = scope.ServiceProvider;
        var db = provider.GetRequiredService<MedDbContext>();
        var users = provider.GetRequiredService<UserManager<MedUser>>();
        var matrix = await provider.GetRequiredService<PermissionMatrix>().CurrentAsync();
        var user = await users.FindByNameAsync(userName);
        if (user is null || matrix.Effective(await users.GetRolesAsync(user), user.Id, AdministrationModule.Access) < AccessLevel.Write)
        {
            Console.Error.WriteLine($"No administrator named {userName}: only an account with Administration write access can be recovered.");
            return 3;
        }

        var password = TemporaryPassword.Generate();
        var now = provider.GetRequiredService<TimeProvider>().GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync();
        if (user.PasswordHash is { } old)
        {
            db.Set<PasswordHistoryEntry>().Add(new PasswordHistoryEntry { UserId = user.Id, PasswordHash = old, RetiredAt = now });
        }

        user.Reactivate();
        user.PasswordHash = users.PasswordHasher.HashPassword(user, password);
        user.MustChangePassword = true;
        user.LockoutEnd = null;
        user.AccessFailedCount = 0;
        await users.UpdateSecurityStampAsync(user);
        await provider.GetRequiredService<AuditTrail>().RecordAsync(
            new AuditEntry(AuditEventType.PasswordResetByAdministrator, AuditOutcome.Succeeded)
            {
                Action = "recover-access command",
                Module = AdministrationModule.Access.Key,
                UserName = Environment.UserName,
                SubjectType = IdentityModel.UserSubject,
                SubjectId = user.Id.ToString(),
                Details = $"access recovered on the server for {user.UserName}: reactivated, unlocked, temporary password issued, sessions ended",
            },
            db);
        await transaction.CommitAsync();

        Console.WriteLine($"{user.UserName} is unlocked and active. Temporary password (shown once, must be changed at sign-in): {password}");
        return 0;
    }
}
