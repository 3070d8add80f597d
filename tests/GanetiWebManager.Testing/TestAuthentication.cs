using System.Security.Claims;
using GanetiWebManager.Web.Features.Accounts;
using Microsoft.AspNetCore.Components.Authorization;

namespace GanetiWebManager.Testing;

/// <summary>
/// The signed-in user as feature services see it (through <see cref="AuthenticationStateProvider"/>, as in a
/// Blazor circuit), switchable by a test: a superuser, an ordinary user, or nobody.
/// </summary>
public sealed class TestAuthenticationStateProvider : AuthenticationStateProvider
{
    private ClaimsPrincipal _user = Anonymous();

    public ClaimsPrincipal User
    {
        get => _user;
        set
        {
            _user = value;
            NotifyAuthenticationStateChanged(Task.FromResult(new AuthenticationState(value)));
        }
    }

    public override Task<AuthenticationState> GetAuthenticationStateAsync() => Task.FromResult(new AuthenticationState(_user));

    public static ClaimsPrincipal Superuser(string name = "admin") =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.Name, name), new Claim(PortalClaims.Superuser, "true")], "test"));

    public static ClaimsPrincipal OrdinaryUser(string name = "alice") =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.Name, name)], "test"));

    public static ClaimsPrincipal Anonymous() => new(new ClaimsIdentity());
}
