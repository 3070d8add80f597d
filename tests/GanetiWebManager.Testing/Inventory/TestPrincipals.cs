using System.Security.Claims;
using GanetiWebManager.Web.Domain.Accounts;
using GanetiWebManager.Web.Features.Accounts;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

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

    /// <summary>The principal a real sign-in of this user would give (the portal's own claims factory).</summary>
    public static async Task<ClaimsPrincipal> OfAsync(IServiceProvider services, string userName)
    {
        await using var scope = services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var user = await users.FindByNameAsync(userName) ?? throw new InvalidOperationException($"No user {userName}.");
        return await scope.ServiceProvider.GetRequiredService<IUserClaimsPrincipalFactory<AppUser>>().CreateAsync(user);
    }
}
