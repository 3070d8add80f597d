using System.Security.Claims;
using GanetiWebManager.Web.Features.Accounts;
using GanetiWebManager.Web.Features.Accounts.Admin;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GanetiWebManager.Web.Tests.Features.Accounts;

/// <summary>Open pages (circuits) lose a disabled, deleted or re-passworded user within the 5 s the issue allows.</summary>
public sealed class CircuitUserRevalidatorTests : IAsyncLifetime
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(5);
    private AccountsWorld _world = null!;

    public async Task InitializeAsync()
    {
        _world = await AccountsWorld.CreateAsync("revalidate");
        await _world.CreateUserAsync("root", superuser: true);
        await _world.CreateUserAsync("alice");
    }

    public async Task DisposeAsync() => await _world.DisposeAsync();

    [Fact]
    public async Task DisabledByAnAdmin_OpenPageIsSignedOutAtOnce()
    {
        var (circuit, provider, changes) = await OpenPageAsync("alice");
        await using var _ = circuit;
        var alice = (await _world.SignInAsync("alice")).FindFirstValue(ClaimTypes.NameIdentifier)!;

        var started = TimeProvider.System.GetTimestamp();
        await _world.Get<UserAdminService>().SetDisabledAsync(await _world.SignInAsync("root"), Guid.Parse(alice), true, default);
        var state = await changes.Reader.ReadAsync(new CancellationTokenSource(Within).Token);

        state.User.Identity?.IsAuthenticated.ShouldNotBe(true);
        TimeProvider.System.GetElapsedTime(started).ShouldBeLessThan(TimeSpan.FromSeconds(2), "AccessChanged makes the check immediate");
        (await provider.GetAuthenticationStateAsync()).User.Identity?.IsAuthenticated.ShouldNotBe(true);
    }

    [Fact]
    public async Task StampChangedBehindThePortalsBack_SignedOutByTheIntervalCheck()
    {
        // No AccessChanged is published (another portal instance, or SQL by hand): the interval check finds it.
        var (circuit, _, changes) = await OpenPageAsync("alice");
        await using var _ = circuit;
        await using (var db = await _world.NewContextAsync())
        {
            await db.Users.Where(u => u.UserName == "alice").ExecuteUpdateAsync(s => s.SetProperty(u => u.SecurityStamp, "changed"));
        }

        var state = await changes.Reader.ReadAsync(new CancellationTokenSource(Within + TimeSpan.FromSeconds(1)).Token);

        state.User.Identity?.IsAuthenticated.ShouldNotBe(true);
    }

    [Fact]
    public async Task Deleted_OpenPageIsSignedOut()
    {
        var (circuit, _, changes) = await OpenPageAsync("alice");
        await using var _ = circuit;
        var aliceId = (await _world.ReloadUserByNameAsync("alice")).Id;

        await _world.Get<UserAdminService>().DeleteAsync(await _world.SignInAsync("root"), aliceId, default);
        var state = await changes.Reader.ReadAsync(new CancellationTokenSource(Within).Token);

        state.User.Identity?.IsAuthenticated.ShouldNotBe(true);
    }

    [Fact]
    public async Task MadeSuperuser_OpenPageGetsAFreshPrincipalWithoutSignOut()
    {
        var (circuit, _, changes) = await OpenPageAsync("alice");
        await using var _ = circuit;
        var aliceId = (await _world.ReloadUserByNameAsync("alice")).Id;

        await _world.Get<UserAdminService>().UpdateAsync(await _world.SignInAsync("root"), aliceId, new EditUserForm { IsSuperuser = true }, default);
        var state = await changes.Reader.ReadAsync(new CancellationTokenSource(Within).Token);

        state.User.Identity?.IsAuthenticated.ShouldBe(true);
        state.User.IsSuperuser().ShouldBeTrue();
    }

    [Fact]
    public async Task NothingChanged_StaysSignedIn()
    {
        var (circuit, provider, changes) = await OpenPageAsync("alice");
        await using var _ = circuit;

        await Task.Delay(TimeSpan.FromSeconds(1.5));

        changes.Reader.TryRead(out var _).ShouldBeFalse();
        (await provider.GetAuthenticationStateAsync()).User.Identity?.Name.ShouldBe("alice");
    }

    /// <summary>A circuit's authentication state provider holding <paramref name="userName"/>'s sign-in, and its changes.</summary>
    private async Task<(AsyncServiceScope Circuit, AuthenticationStateProvider Provider, System.Threading.Channels.Channel<AuthenticationState> Changes)> OpenPageAsync(string userName)
    {
        var circuit = _world.Services.CreateAsyncScope();
        var provider = circuit.ServiceProvider.GetRequiredService<AuthenticationStateProvider>();
        provider.ShouldBeOfType<CircuitUserRevalidator>();
        ((IHostEnvironmentAuthenticationStateProvider)provider).SetAuthenticationState(Task.FromResult(new AuthenticationState(await _world.SignInAsync(userName))));
        var changes = System.Threading.Channels.Channel.CreateUnbounded<AuthenticationState>();
        provider.AuthenticationStateChanged += async task => changes.Writer.TryWrite(await task);
        return (circuit, provider, changes);
    }
}

public sealed class CircuitUserRevalidatorRegistrationTests : IAsyncLifetime
{
    private GanetiWebManager.Testing.TestDatabase _database = null!;

    public async Task InitializeAsync() => _database = await GanetiWebManager.Testing.TestDatabase.CreateAsync("revalreg");

    public async Task DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public async Task Portal_CircuitsUseTheRevalidator()
    {
        await using var portal = new GanetiWebManager.Testing.PortalFactory(_database);
        await using var scope = portal.Services.CreateAsyncScope();

        scope.ServiceProvider.GetRequiredService<AuthenticationStateProvider>().ShouldBeOfType<CircuitUserRevalidator>();
    }
}
