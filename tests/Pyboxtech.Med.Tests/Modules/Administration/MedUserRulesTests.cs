using Pyboxtech.Med.Web.Security.Identity;

namespace Pyboxtech.Med.Tests.Modules.Administration;

/// <summary>The account rules Administration relies on, on the entity itself: no portal, no database.</summary>
public sealed class MedUserRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void IssueTemporaryPassword_LockedAccount_UnlocksRequiresAChangeAndHandsBackTheOldHash()
    {
        var user = MedUser.Create("locked.out", "Lou Locked", Now);
        user.PasswordHash = "old-hash";
        user.LockoutEnd = Now.AddYears(100);
        user.AccessFailedCount = 3;

        var retired = user.IssueTemporaryPassword("temporary-hash");

        Assert.Equal("old-hash", retired);
        Assert.Equal("temporary-hash", user.PasswordHash);
        Assert.True(user.MustChangePassword);
        Assert.Null(user.LockoutEnd);
        Assert.Equal(0, user.AccessFailedCount);
    }

    [Fact]
    public void IssueTemporaryPassword_AccountWithoutPassword_HasNothingForTheHistory()
    {
        var user = MedUser.Create("first.time", "Fay First", Now);

        Assert.Null(user.IssueTemporaryPassword("temporary-hash"));
    }

    [Fact]
    public void ResetTwoFactor_EnrolledAccount_LeavesNoSecretOrStepBehind()
    {
        var user = MedUser.Create("lost.phone", "Lin Phone", Now);
        user.TwoFactorEnabled = true;
        user.TotpSecret = "protected-secret";
        user.TotpLastStep = 42;

        user.ResetTwoFactor();

        Assert.False(user.TwoFactorEnabled);
        Assert.Null(user.TotpSecret);
        Assert.Null(user.TotpLastStep);
    }

    [Fact]
    public void Rename_WithSurroundingSpaces_KeepsTheTrimmedName()
    {
        var user = MedUser.Create("new.name", "Old Name", Now);

        user.Rename("  Nell Name ");

        Assert.Equal("Nell Name", user.DisplayName);
    }
}
