using GanetiWebManager.Web.Domain.Accounts;
using Microsoft.AspNetCore.Identity;

namespace GanetiWebManager.Web.Features.Accounts;

/// <summary>
/// Identity asks this before every sign-in (SignIn.RequireConfirmedAccount): a disabled user, and a
/// self-registered one still waiting for approval, get the "not allowed" result, and no cookie is issued.
/// </summary>
internal sealed class EnabledUserConfirmation : IUserConfirmation<AppUser>
{
    public Task<bool> IsConfirmedAsync(UserManager<AppUser> manager, AppUser user) => Task.FromResult(!user.IsDisabled && !user.IsAwaitingApproval);
}
