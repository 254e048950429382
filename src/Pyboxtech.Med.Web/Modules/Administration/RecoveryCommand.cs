using Microsoft.AspNetCore.Identity;
using Pyboxtech.Med.Web.Data;
using Pyboxtech.Med.Web.Security;
using Pyboxtech.Med.Web.Security.Identity;

namespace Pyboxtech.Med.Web.Modules.Administration;

/// <summary>
/// <c>recover-access USERNAME</c>, run by IT on the server when the last administrator is locked out or has lost the
/// password: reactivates that administrator and resets the password as the Users page does (<see cref="PasswordReset"/>:
/// a temporary password printed once to the console, to be changed at the next sign-in; unlocked; sessions ended).
/// Only accounts with Administration write access can be recovered this way; the run is recorded in the audit trail.
/// </summary>
public static class RecoveryCommand
{
    public static Task<int> RunAsync(IServiceProvider services, IReadOnlyList<string> arguments) =>
        RunAsync(services, arguments, Console.Out, Console.Error);

    /// <summary>Writes to the given writers, so a test reads its own output and not whatever else the process printed.</summary>
    public static async Task<int> RunAsync(IServiceProvider services, IReadOnlyList<string> arguments, TextWriter output, TextWriter error)
    {
        if (arguments is not [var userName])
        {
            await error.WriteLineAsync("usage: recover-access USERNAME");
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
            await error.WriteLineAsync($"No administrator named {userName}: only an account with Administration write access can be recovered.");
            return 3;
        }

        await using var transaction = await db.Database.BeginTransactionAsync();
        user.Reactivate();
        var password = await provider.GetRequiredService<PasswordReset>().IssueAsync(
            user,
            entry => entry with
            {
                Action = "recover-access command",
                UserName = Environment.UserName,
                Details = $"access recovered on the server for {user.UserName}: reactivated; {entry.Details}",
            },
            CancellationToken.None);
        await transaction.CommitAsync();

        await output.WriteLineAsync($"{user.UserName} is unlocked and active. Temporary password (shown once, must be changed at sign-in): {password}");
        return 0;
    }
}
