using System.Security.Claims;

namespace GanetiWebManager.Web.Features.Accounts;

/// <summary>Claims the portal adds to a signed-in user, and the policies built on them.</summary>
public static class PortalClaims
{
    public const string Superuser = "gwm:superuser";

    public const string SuperuserPolicy = "Superuser";

    public static bool IsSuperuser(this ClaimsPrincipal principal) => principal.HasClaim(Superuser, "true");
}
