using System.Security.Claims;
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

    /// <summary>The test superuser; it counts only once it exists in the database (<see cref="Inventory.TestPrincipals.AddSuperuserAsync"/>).</summary>
    public static ClaimsPrincipal Superuser(string name = "admin") => Inventory.TestPrincipals.Superuser(name);

    /// <summary>A signed-in user the database does not know: it may do nothing.</summary>
    public static ClaimsPrincipal OrdinaryUser(string name = "alice") => Inventory.TestPrincipals.Regular(name);

    public static ClaimsPrincipal Anonymous() => new(new ClaimsIdentity());
}
