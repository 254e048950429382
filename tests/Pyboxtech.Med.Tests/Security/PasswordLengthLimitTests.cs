using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Security;
using Pyboxtech.Med.Web.Security.Identity;

namespace Pyboxtech.Med.Tests.Security;

/// <summary>
/// The password policy's length limits at their exact edges (RACGP preset: 12 to 128 characters): a person who picks
/// a password of exactly the minimum or the maximum length must not be refused, one character less or more must be.
/// </summary>
public sealed class PasswordLengthLimitTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Theory]
    [InlineData("Qv7#mZp2!xLw", null)]
    [InlineData("Qv7#mZp2!xL", "Passwords must be at least 12 characters.")]
    public async Task Validate_AtTheMinimumLength_IsAcceptedAndOneLessIsRefused(string password, string? refusal) =>
        Assert.Equal(refusal is null ? [] : [refusal], await ErrorsAsync(password));

    [Theory]
    [InlineData(SecuritySettings.MaxPasswordLength, null)]
    [InlineData(SecuritySettings.MaxPasswordLength + 1, "Passwords must be at most 128 characters.")]
    public async Task Validate_AtTheMaximumLength_IsAcceptedAndOneMoreIsRefused(int length, string? refusal)
    {
        var password = string.Concat(Enumerable.Repeat("Qv7#mZp2!xLw", 11))[..length];

        Assert.Equal(refusal is null ? [] : [refusal], await ErrorsAsync(password));
    }

    private Task<List<string>> ErrorsAsync(string password) =>
        PasswordValidation.ErrorsAsync(portal, MedUser.Create("length.user", "Lena Length", DateTimeOffset.UtcNow), password);
}
