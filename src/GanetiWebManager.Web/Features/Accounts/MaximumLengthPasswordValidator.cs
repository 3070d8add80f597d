using GanetiWebManager.Web.Domain.Accounts;
using Microsoft.AspNetCore.Identity;

namespace GanetiWebManager.Web.Features.Accounts;

/// <summary>Identity has a minimum length option but no maximum; very long inputs only cost hashing time.</summary>
internal sealed class MaximumLengthPasswordValidator : IPasswordValidator<AppUser>
{
    public Task<IdentityResult> ValidateAsync(UserManager<AppUser> manager, AppUser user, string? password) =>
        Task.FromResult(password is { Length: > PasswordRules.MaximumLength }
            ? IdentityResult.Failed(new IdentityError
            {
                Code = "PasswordTooLong",
                Description = $"Passwords must be at most {PasswordRules.MaximumLength} characters.",
            })
            : IdentityResult.Success);
}
