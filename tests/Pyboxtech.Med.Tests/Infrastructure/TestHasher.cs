using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Pyboxtech.Med.Web.Security.Identity;

namespace Pyboxtech.Med.Tests.Infrastructure;

/// <summary>
/// The test hosts' hasher (their iteration count), put in the host's place by <see cref="Register"/>. It counts its
/// work: hashes made and checked, and the last hash checked. Equal work for unknown names and locked accounts is a
/// rule no timing test may show here; the work itself can be counted. And it can keep the next check of one password
/// waiting until the test lets it go on, so a test can look at the database while a request is inside its hash.
/// </summary>
public sealed class TestHasher(IOptions<PasswordHasherOptions> options) : IPasswordHasher<MedUser>
{
    private readonly PasswordHasher<MedUser> _hasher = new(options);
    private int _made;
    private int _checked;
    private Hold? _hold;

    public int Made => Volatile.Read(ref _made);

    public int Checked => Volatile.Read(ref _checked);

    public string? LastChecked { get; private set; }

    /// <summary>Keeps the next check of <paramref name="password"/> waiting until <see cref="Hold.Release"/>.</summary>
    public Hold Hold(string password) => _hold = new Hold(password);

    public string HashPassword(MedUser user, string password)
    {
        Interlocked.Increment(ref _made);
        return _hasher.HashPassword(user, password);
    }

    public PasswordVerificationResult VerifyHashedPassword(MedUser user, string hashedPassword, string providedPassword)
    {
        Interlocked.Increment(ref _checked);
        LastChecked = hashedPassword;
        var hold = _hold;
        if (hold is not null && hold.Password == providedPassword && Interlocked.CompareExchange(ref _hold, null, hold) == hold)
        {
            hold.Wait();
        }

        return _hasher.VerifyHashedPassword(user, hashedPassword, providedPassword);
    }

    public static void Register(IServiceCollection services) =>
        services.AddSingleton<TestHasher>().AddSingleton<IPasswordHasher<MedUser>>(provider => provider.GetRequiredService<TestHasher>());
}

public sealed class Hold(string password)
{
    private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Password => password;

    /// <summary>Completes once the held check has started (the request is inside its hash).</summary>
    public Task Entered => _entered.Task;

    public void Release() => _released.TrySetResult();

    internal void Wait()
    {
        _entered.TrySetResult();
        _released.Task.GetAwaiter().GetResult();
    }
}
