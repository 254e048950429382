using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Pyboxtech.Med.Web.Security.Identity;

namespace Pyboxtech.Med.Tests.Infrastructure;

/// <summary>What the portal's password validators say about a password for a person, as the change page would show it.</summary>
public static class PasswordValidation
{
    public static async Task<List<string>> ErrorsAsync(PortalFactory portal, MedUser user, string password)
    {
        using var scope = portal.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<MedUser>>();
        var errors = new List<string>();
        foreach (var validator in users.PasswordValidators)
        {
            errors.AddRange((await validator.ValidateAsync(users, user, password)).Errors.Select(e => e.Description));
        }

        return errors;
    }

    /// <summary>The hash a person's current password would have, made with the portal's own hasher.</summary>
    public static string HashOf(PortalFactory portal, MedUser user, string password)
    {
        using var scope = portal.Services.CreateScope();
        return scope.ServiceProvider.GetRequiredService<UserManager<MedUser>>().PasswordHasher.HashPassword(user, password);
    }
}
