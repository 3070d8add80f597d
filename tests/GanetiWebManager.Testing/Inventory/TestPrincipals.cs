using System.Security.Claims;
using GanetiWebManager.Web.Features.Accounts;

namespace GanetiWebManager.Testing.Inventory;

/// <summary>Signed-in users as the portal's services see them, without going through a sign-in.</summary>
public static class TestPrincipals
{
    public static ClaimsPrincipal Superuser(string name = "admin") =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.Name, name), new Claim(PortalClaims.Superuser, "true")], "test"));

    /// <summary>A signed-in user without the superuser claim.</summary>
    public static ClaimsPrincipal Regular(string name = "alice") =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.Name, name)], "test"));

    public static ClaimsPrincipal Anonymous() => new(new ClaimsIdentity());
}
