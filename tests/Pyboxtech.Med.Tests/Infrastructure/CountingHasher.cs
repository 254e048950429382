using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Pyboxtech.Med.Web.Security.Identity;

namespace Pyboxtech.Med.Tests.Infrastructure;

/// <summary>
/// The test hosts' hasher (its iteration count), counting its work: how many hashes were made and checked, and the
/// last hash checked. Equal work for unknown names and locked accounts is a rule no timing test may show here; the
/// work itself can be counted.
/// </summary>
public sealed class CountingHasher(IOptions<PasswordHasherOptions> options) : IPasswordHasher<MedUser>
{
    private readonly PasswordHasher<MedUser> _hasher = new(options);
    private int _made;
    private int _checked;

    public int Made => Volatile.Read(ref _made);

    public int Checked => Volatile.Read(ref _checked);

    public string? LastChecked { get; private set; }

    public string HashPassword(MedUser user, string password)
    {
        Interlocked.Increment(ref _made);
        return _hasher.HashPassword(user, password);
    }

    public PasswordVerificationResult VerifyHashedPassword(MedUser user, string hashedPassword, string providedPassword)
    {
        Interlocked.Increment(ref _checked);
        LastChecked = hashedPassword;
        return _hasher.VerifyHashedPassword(user, hashedPassword, providedPassword);
    }

    /// <summary>Puts this hasher in place of the host's, reachable as itself from the host's services.</summary>
    public static void Register(IServiceCollection services) =>
        services.AddSingleton<CountingHasher>().AddSingleton<IPasswordHasher<MedUser>>(provider => provider.GetRequiredService<CountingHasher>());
}
