using System.Security.Claims;
using GanetiWebManager.Web.Domain.Accounts;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace GanetiWebManager.Web.Features.Accounts;

/// <summary>Adds the superuser flag as a claim so that navigation and policies need no database read.</summary>
internal sealed class AppUserClaimsPrincipalFactory(
    UserManager<AppUser> userManager,
    RoleManager<IdentityRole<Guid>> roleManager,
    IOptions<IdentityOptions> options)
    : UserClaimsPrincipalFactory<AppUser, IdentityRole<Guid>>(userManager, roleManager, options)
{
    protected override async Task<ClaimsIdentity> GenerateClaimsAsync(AppUser user)
    {
        var identity = await base.GenerateClaimsAsync(user);
        if (user.IsSuperuser)
        {
            identity.AddClaim(new Claim(PortalClaims.Superuser, "true"));
        }

        return identity;
    }
}
