using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Modules.Account;
using Pyboxtech.Med.Web.Security.Identity;

namespace Pyboxtech.Med.Tests.Security;

/// <summary>
/// The password policy's rules one by one under the RACGP preset (the default): letter, digit and symbol each required,
/// no part of the person's name, nothing zxcvbn finds guessable, never the current password again; and every broken
/// rule named at once, so a person fixes them in one go. Each password below breaks only the rule its case names.
/// </summary>
public sealed class PasswordRulesTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    private const string NoLetter = "Add at least one letter.";
    private const string NoDigit = "Add at least one digit (0 to 9).";
    private const string NoSymbol = "Add at least one symbol, such as - ! or #.";
    private const string HasName = "Passwords must not contain your user name or a part of your name.";
    private const string Guessable = "This password is too easy to guess: it is a common password or built from common words, names, dates or keyboard patterns.";
    private const string Reused = "You have used this password before. Choose one you have never used here.";

    [Theory]
    [InlineData("Qv7#mZp2!xLw", new string[0])]
    [InlineData("7#92!4@81%63&", new[] { NoLetter })]
    [InlineData("Qv#mZp!xLwKt", new[] { NoDigit })]
    // A digit of another script is not one of 0 to 9.
    [InlineData("Qv#mZp!xLw\u0663Kt", new[] { NoDigit })]
    [InlineData("Qv7mZp2xLw9K", new[] { NoSymbol })]
    public async Task Composition_EachMissingKind_IsNamed(string password, string[] expected) =>
        Assert.Equal(expected, await PasswordValidation.ErrorsAsync(portal, Person("composition.user", "Cora Composition"), password));

    [Theory]
    // The user name and every part of the name of three letters or more, in any case, wherever it appears.
    [InlineData("Xq9#CHEN.wei!Rv", HasName)]
    [InlineData("Xq9#rv-ling!Tz4", HasName)]
    [InlineData("Xq9#Obrien!Tz4", HasName)]
    [InlineData("Xq9#Rv!WEI-Mw7", HasName)]
    [InlineData("Xq9#Rv!Tz4-Mw7", null)]
    // Parts shorter than three letters ("Li") would refuse half of all passwords: they do not count.
    [InlineData("Xq9#Li!Tz4-Mw7", null)]
    public async Task NameParts_AnyOfThemInThePassword_IsRefused(string password, string? expected) =>
        Assert.Equal(expected is null ? [] : [expected], await PasswordValidation.ErrorsAsync(portal, Person("chen.wei", "Li Chen Wei-Ling O'Brien"), password));

    [Fact]
    public async Task AGuessablePassword_ThatMeetsEveryOtherRule_IsRefused() =>
        Assert.Equal([Guessable], await PasswordValidation.ErrorsAsync(portal, Person("guess.user", "Gus Guess"), "Password123!"));

    [Theory]
    // zxcvbn is told the person's user name and whole name, and the product's own words, as words a guesser tries
    // first: each password below scores 3 or 4 without them and under 3 with them (scores checked one by one).
    [InlineData("qzvkrt.mwpx", "Vera Vet", "qzvkrt.mwpx1!", new[] { HasName, Guessable })]
    [InlineData("dn.user", "Qzvkrt Mwpxj", "Qzvkrt Mwpxj7!", new[] { HasName, Guessable })]
    [InlineData("word.user", "Wendy Word", "Pyboxtech2026!", new[] { Guessable })]
    [InlineData("word.user", "Wendy Word", "Clinic#2026!x", new[] { Guessable })]
    [InlineData("word.user", "Wendy Word", "Medical#2026!x", new[] { Guessable })]
    // A score of exactly 3, the least accepted, passes.
    [InlineData("word.user", "Wendy Word", "Horse#Battery7", new string[0])]
    public async Task Guessable_CountsThePersonsNamesAndTheProductsWords_AndAcceptsAScoreOfThree(string userName, string displayName, string password, string[] expected) =>
        Assert.Equal(expected, await PasswordValidation.ErrorsAsync(portal, Person(userName, displayName), password));

    [Theory]
    // What the trail keeps of a refused change: each broken rule by its code, in the order the page names them, and
    // never the password.
    [InlineData("tara", "PasswordTooShort, PasswordRequiresDigit, PasswordRequiresNonAlphanumeric, PasswordContainsName, PasswordTooGuessable")]
    [InlineData("1234567", "PasswordTooShort, PasswordRequiresLetter, PasswordRequiresNonAlphanumeric, PasswordTooGuessable")]
    [InlineData(PortalFactory.StrongPassword, "PasswordReused")]
    [InlineData(null, "PasswordTooLong")]
    public async Task ARefusedChange_IsInTheTrail_NamingEachBrokenRuleByItsCode(string? newPassword, string codes)
    {
        // Null: a password over the limit, made of base-64 text and a digit and a symbol so no other rule is broken.
        newPassword ??= Convert.ToBase64String(System.Security.Cryptography.SHA512.HashData([1, 2, 3])).Replace("/", "k").Replace("+", "q") + "7!" + new string('x', 40);
        var userName = "trail." + Guid.NewGuid().ToString("N")[..8];
        await portal.CreateUserAsync(userName, "Tara Trail");
        var before = await portal.LastAuditSequenceAsync();

        using (var scope = portal.Services.CreateScope())
        {
            var user = (await scope.ServiceProvider.GetRequiredService<UserManager<MedUser>>().FindByNameAsync(userName))!;
            var form = new ChangePasswordForm { CurrentPassword = PortalFactory.StrongPassword, NewPassword = newPassword, ConfirmNewPassword = newPassword };
            Assert.NotEmpty(await scope.ServiceProvider.GetRequiredService<PasswordChangeService>().ChangeAsync(user, form));
        }

        var row = Assert.Single(await portal.AuditRowsAfterAsync(before));
        Assert.Equal((AuditEventType.PasswordChangeFailed, AuditOutcome.Failed, userName, codes), (row.EventType, row.Outcome, row.UserName, row.Details));
        Assert.DoesNotContain(newPassword, row.Details, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task ThePersonsCurrentPassword_IsRefusedAsUsedBefore_AnotherIsNot()
    {
        var person = Person("reuse.user", "Rita Reuse");
        person.PasswordHash = PasswordValidation.HashOf(portal, person, "Qv7#mZp2!xLw");

        Assert.Equal([Reused], await PasswordValidation.ErrorsAsync(portal, person, "Qv7#mZp2!xLw"));
        Assert.Empty(await PasswordValidation.ErrorsAsync(portal, person, "Tz4!wN8#rKq2"));
    }

    [Fact]
    public async Task EveryBrokenRule_IsNamedAtOnce()
    {
        var errors = await PasswordValidation.ErrorsAsync(portal, Person("chen.wei", "Chen Wei"), "chenwei");

        Assert.Equal(["Passwords must be at least 12 characters.", NoDigit, NoSymbol, HasName, Guessable], errors);
    }

    private static MedUser Person(string userName, string displayName) => MedUser.Create(userName, displayName, DateTimeOffset.UtcNow);
}
