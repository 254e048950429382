using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Data;

namespace Pyboxtech.Med.Tests.Auditing;

/// <summary>
/// What `verify-audit` prints about its own speed, and the limit a caller gives the list of breaks: small rules the
/// chain tests never look at, caught here without a portal.
/// </summary>
public sealed class AuditVerificationTests
{
    [Theory]
    [InlineData(10, 2000, 5)] // ten rows in two seconds
    [InlineData(10, 500, 20)] // ten rows in half a second
    [InlineData(7, 0, 7)] // too quick to time: the rows themselves, not a division by zero
    public void RowsPerSecond_IsRowsOverSeconds_OrTheRowsWhenNoTimePassed(long rows, int milliseconds, double perSecond) =>
        Assert.Equal(perSecond, new AuditVerification(true, rows, rows, null, "", TimeSpan.FromMilliseconds(milliseconds)).RowsPerSecond);

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public async Task Verify_WithNoRoomForABreak_IsRefusedBeforeReadingAnything(int maxBreaks)
    {
        // No database behind it: a refusal must come from the argument check, not from a failed connection.
        await using var audit = TestDatabase.RuntimeDatabaseAt("Host=127.0.0.1;Port=1;Database=none;Username=none;Timeout=1");

        var refusal = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => new AuditChainVerifier(audit).VerifyAsync([], maxBreaks));
        Assert.Equal("maxBreaks", refusal.ParamName);
    }
}
