using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using OtpNet;
using Pyboxtech.Med.Web.Data;
using Pyboxtech.Med.Web.Security.Identity;
using QRCoder;

namespace Pyboxtech.Med.Web.Security;

public enum TotpCheck
{
    Accepted,
    Rejected,
    Replayed,
}

/// <summary>
/// Time-based one-time passwords (RFC 6238, 30-second steps, 6 digits) with Otp.NET. Secrets are 160 bits, kept
/// encrypted with Data Protection. A code is accepted for the current step and one step either side, and only once:
/// the accepted step is stored with a conditional update, so the same code (or an older one) is refused afterwards,
/// from any device and even in a parallel request.
/// </summary>
public sealed class TotpService(IDataProtectionProvider protection, TimeProvider clock)
{
    public const string Issuer = "Pyboxtech-Med";

    private readonly IDataProtector _protector = protection.CreateProtector("Pyboxtech.Med.Totp.v1");

    public string NewProtectedSecret() => _protector.Protect(Base32Encoding.ToString(KeyGeneration.GenerateRandomKey(20)));

    public string Base32Secret(MedUser user) =>
        _protector.Unprotect(user.TotpSecret ?? throw new InvalidOperationException("No TOTP secret to show."));

    /// <summary>The key as people type it: groups of four.</summary>
    public static string Grouped(string base32) => string.Join(' ', base32.Chunk(4).Select(c => new string(c)));

    public string OtpauthUri(MedUser user, string clinic) =>
        $"otpauth://totp/{Uri.EscapeDataString($"{clinic}:{user.UserName}")}?secret={Base32Secret(user)}&issuer={Uri.EscapeDataString(clinic)}&algorithm=SHA1&digits=6&period=30";

    /// <summary>The QR code of the otpauth URI as a PNG data URI, drawn here (no outside service, allowed by the CSP).</summary>
    public static string QrDataUri(string otpauthUri)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(otpauthUri, QRCodeGenerator.ECCLevel.M);
        return "data:image/png;base64," + Convert.ToBase64String(new PngByteQRCode(data).GetGraphic(5));
    }

    /// <summary>A right code whose time step was already used (for instance, to sign in a moment ago).</summary>
    public bool IsAlreadyUsed(MedUser user, string code)
    {
        var digits = new string(code.Where(char.IsAsciiDigit).ToArray());
        return user.TotpSecret is not null && digits.Length == 6 && user.TotpLastStep is { } last
            && new Totp(Base32Encoding.ToBytes(Base32Secret(user))).VerifyTotp(clock.GetUtcNow().UtcDateTime, digits, out var step, new VerificationWindow(previous: 1, future: 1))
            && step <= last;
    }

    /// <summary>
    /// Checks a code and, when it is good and newer than the last one accepted, consumes its time step, on the
    /// caller's context (and transaction, if one is open).
    /// </summary>
    public async Task<TotpCheck> CheckAndConsumeAsync(MedUser user, string code, MedDbContext db)
    {
        var digits = new string(code.Where(char.IsAsciiDigit).ToArray());
        if (user.TotpSecret is null || digits.Length != 6)
        {
            return TotpCheck.Rejected;
        }

        var totp = new Totp(Base32Encoding.ToBytes(Base32Secret(user)));
        if (!totp.VerifyTotp(clock.GetUtcNow().UtcDateTime, digits, out var step, new VerificationWindow(previous: 1, future: 1)))
        {
            return TotpCheck.Rejected;
        }

        var consumed = await db.Users
            .Where(u => u.Id == user.Id && (u.TotpLastStep == null || u.TotpLastStep < step))
            .ExecuteUpdateAsync(u => u.SetProperty(x => x.TotpLastStep, step));
        if (consumed == 1)
        {
            user.TotpLastStep = step;
            return TotpCheck.Accepted;
        }

        return TotpCheck.Replayed;
    }
}
