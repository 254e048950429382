using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Localization;
using Pyboxtech.Med.Web.Shared;

namespace Pyboxtech.Med.Web.Security.Identity;

/// <summary>Identity's own refusals in the reader's language (the codes, which the audit trail keeps, stay as they are).</summary>
public sealed class LocalizedIdentityErrorDescriber(IStringLocalizer<SharedResources> text) : IdentityErrorDescriber
{
    public override IdentityError DuplicateUserName(string userName) =>
        new() { Code = nameof(DuplicateUserName), Description = text["The user name {0} is already taken.", userName] };

    public override IdentityError InvalidUserName(string? userName) =>
        new() { Code = nameof(InvalidUserName), Description = text["The user name {0} is not valid: use letters, digits, dots, dashes and underscores.", userName ?? ""] };

    public override IdentityError DuplicateRoleName(string role) =>
        new() { Code = nameof(DuplicateRoleName), Description = text["The role name {0} is already taken.", role] };

    public override IdentityError InvalidRoleName(string? role) =>
        new() { Code = nameof(InvalidRoleName), Description = text["The role name {0} is not valid.", role ?? ""] };

    public override IdentityError PasswordMismatch() =>
        new() { Code = nameof(PasswordMismatch), Description = text["Your current password is not right."] };

    public override IdentityError PasswordTooShort(int length) =>
        new() { Code = nameof(PasswordTooShort), Description = text["Passwords must be at least {0} characters.", length] };

    public override IdentityError ConcurrencyFailure() =>
        new() { Code = nameof(ConcurrencyFailure), Description = text["Someone else changed this record at the same time. Open it again and repeat your change."] };

    public override IdentityError DefaultError() =>
        new() { Code = nameof(DefaultError), Description = text["The change could not be saved."] };
}
