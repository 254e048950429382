using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Time.Testing;
using OtpNet;
using Pyboxtech.Med.Web.Security;
using Pyboxtech.Med.Web.Security.Identity;

namespace Pyboxtech.Med.Tests.Security;

/// <summary>
/// The TOTP rules that need no database: which codes are even looked at, when a right code counts as already used,
/// and what the authenticator app is given. The consuming update is tested through the portal in TwoFactorTests.
/// </summary>
public sealed class TotpRulesTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 3, 9, 0, 0, TimeSpan.Zero));
    private readonly TotpService _totp;

    private readonly EphemeralDataProtectionProvider _protection = new();

    public TotpRulesTests() => _totp = new TotpService(_protection, _clock);

    /// <summary>
    /// The protector's purpose is part of every stored secret: a secret enrolled by any earlier release (under
    /// "Pyboxtech.Med.Totp.v1") must still open, and one protected for another purpose must not.
    /// </summary>
    [Fact]
    public void StoredSecrets_OpenOnlyUnderTheTotpPurpose()
    {
        var enrolledEarlier = new MedUser { UserName = "dr.enrolled", TotpSecret = _protection.CreateProtector("Pyboxtech.Med.Totp.v1").Protect("JBSWY3DPEHPK3PXP") };
        var otherPurpose = new MedUser { UserName = "dr.other", TotpSecret = _protection.CreateProtector("Pyboxtech.Med.Something.else").Protect("JBSWY3DPEHPK3PXP") };

        Assert.Equal("JBSWY3DPEHPK3PXP", _totp.Base32Secret(enrolledEarlier));
        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => _totp.Base32Secret(otherPurpose));
    }

    [Fact]
    public async Task CheckAndConsume_WithoutASecretOrWithoutSixDigits_IsRejectedBeforeAnyLookup()
    {
        var user = new MedUser { UserName = "dr.rules", TotpSecret = _totp.NewProtectedSecret() };
        var code = Now(user);

        // No database is given: a rejection here must come before the code is checked or consumed.
        Assert.Equal(TotpCheck.Rejected, await _totp.CheckAndConsumeAsync(new MedUser { UserName = "no.secret" }, code, null!));
        Assert.Equal(TotpCheck.Rejected, await _totp.CheckAndConsumeAsync(user, code[..5], null!));
        Assert.Equal(TotpCheck.Rejected, await _totp.CheckAndConsumeAsync(user, code + "1", null!));
    }

    [Fact]
    public void IsAlreadyUsed_OnlyForARightCodeOfAStepAlreadyConsumed()
    {
        var user = new MedUser { UserName = "dr.rules", TotpSecret = _totp.NewProtectedSecret() };
        var code = Now(user);
        var step = _clock.GetUtcNow().ToUnixTimeSeconds() / 30;

        Assert.False(_totp.IsAlreadyUsed(user, code)); // nothing consumed yet
        user.TotpLastStep = step - 1;
        Assert.False(_totp.IsAlreadyUsed(user, code)); // an older step was used, not this one
        user.TotpLastStep = step;
        Assert.True(_totp.IsAlreadyUsed(user, code));
        Assert.True(_totp.IsAlreadyUsed(user, code[..3] + " " + code[3..])); // typed with a space
        Assert.False(_totp.IsAlreadyUsed(user, code[..5]));
        Assert.False(_totp.IsAlreadyUsed(user, Wrong(code)));
        Assert.False(_totp.IsAlreadyUsed(new MedUser { UserName = "no.secret", TotpLastStep = step }, code));
    }

    [Fact]
    public void WhatTheAppIsGiven_TheKeyInGroupsOfFour_AndAnOtpauthUriNamingTheClinic()
    {
        var user = new MedUser { UserName = "dr.o'neil", TotpSecret = _totp.NewProtectedSecret() };
        var secret = _totp.Base32Secret(user);

        Assert.Equal(32, secret.Length);
        Assert.Equal(string.Join(' ', Enumerable.Range(0, 8).Select(i => secret.Substring(i * 4, 4))), TotpService.Grouped(secret));
        Assert.Equal(
            $"otpauth://totp/Bay%20Clinic%3Adr.o%27neil?secret={secret}&issuer=Bay%20Clinic&algorithm=SHA1&digits=6&period=30",
            _totp.OtpauthUri(user, "Bay Clinic"));
        Assert.StartsWith("data:image/png;base64,iVBOR", TotpService.QrDataUri("otpauth://totp/x"), StringComparison.Ordinal);
        var refusal = Assert.Throws<InvalidOperationException>(() => _totp.Base32Secret(new MedUser { UserName = "no.secret" }));
        Assert.Equal("No TOTP secret to show.", refusal.Message);
    }

    private string Now(MedUser user) => new Totp(Base32Encoding.ToBytes(_totp.Base32Secret(user))).ComputeTotp(_clock.GetUtcNow().UtcDateTime);

    private static string Wrong(string code) => ((int.Parse(code, System.Globalization.CultureInfo.InvariantCulture) + 500_000) % 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
}
