using Microsoft.AspNetCore.Identity;

namespace Pyboxtech.Med.Web.Modules.Account;

/// <summary>Identity can demand upper or lower case but not "a letter"; RACGP 4.4 asks for letters, digits and a special character.</summary>
public sealed class LettersRequiredValidator : IPasswordValidator<MedUser>
{
    public Task<IdentityResult> ValidateAsync(UserManager<MedUser> manager, MedUser user, string? password) =>
        Task.FromResult(password is not null && password.Any(char.IsLetter)
            ? IdentityResult.Success
            : IdentityResult.Failed(new IdentityError
            {
                Code = "PasswordRequiresLetter",
                Description = "Passwords must contain at least one letter.",
            }));
}
