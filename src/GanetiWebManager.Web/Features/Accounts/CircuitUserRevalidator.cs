using System.Security.Claims;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Accounts;
using GanetiWebManager.Web.Features.LiveUpdates;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GanetiWebManager.Web.Features.Accounts;

/// <summary>
/// Keeps the user of an open page (a Blazor circuit, which outlives the cookie check of the request that
/// opened it) in step with the database: every <see cref="AccountsOptions.RevalidationInterval"/>, and at once
/// when access changes (<see cref="AccessChanged"/>), a user who was disabled, deleted, put back to approval or
/// whose security stamp changed (password changed or reset) is signed out of the page; a user whose
/// superuser flag changed gets a fresh principal (navigation and admin pages follow it).
/// The interval loop is the framework's; it waits with Task.Delay and takes no TimeProvider.
/// </summary>
internal sealed partial class CircuitUserRevalidator : RevalidatingServerAuthenticationStateProvider, IHostEnvironmentAuthenticationStateProvider
{
    private static readonly AuthenticationState SignedOut = new(new ClaimsPrincipal(new ClaimsIdentity()));

    private readonly IDbContextFactory<AppDbContext> _contexts;
    private readonly IServiceScopeFactory _scopes;
    private readonly IdentityOptions _identity;
    private readonly TimeSpan _interval;
    private readonly IDisposable _subscription;
    private readonly ILogger<CircuitUserRevalidator> _logger;

    public CircuitUserRevalidator(
        ILoggerFactory loggerFactory,
        IDbContextFactory<AppDbContext> contexts,
        IServiceScopeFactory scopes,
        IOptions<IdentityOptions> identity,
        IOptions<AccountsOptions> options,
        LiveUpdateHub liveUpdates)
        : base(loggerFactory)
    {
        _contexts = contexts;
        _scopes = scopes;
        _identity = identity.Value;
        _interval = options.Value.RevalidationInterval;
        _logger = loggerFactory.CreateLogger<CircuitUserRevalidator>();
        _subscription = liveUpdates.Subscribe(c => c is AccessChanged, RevalidateNowAsync, TimeSpan.Zero);
    }

    protected override TimeSpan RevalidationInterval => _interval;

    /// <summary>
    /// The framework hands the circuit the user of the connection's HTTP request at its start and again later (root
    /// component updates of enhanced navigation carry the cookie's principal, possibly from before a sign-out here;
    /// seen in the browser tests). Each one is checked at once rather than after a full interval, so a signed-out
    /// user never gets an open page back.
    /// </summary>
    void IHostEnvironmentAuthenticationStateProvider.SetAuthenticationState(Task<AuthenticationState> authenticationStateTask)
    {
        SetAuthenticationState(authenticationStateTask);
        _ = RevalidateNowAsync();
    }

    /// <summary>What the database says about a page's user now.</summary>
    internal enum Verdict
    {
        Valid,
        Refresh,
        SignOut,
    }

    protected override async Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken)
    {
        Verdict verdict;
        try
        {
            verdict = await JudgeAsync(authenticationState.User, cancellationToken);
        }
        catch (ObjectDisposedException)
        {
            // The portal is shutting down under the circuit: nothing left to protect.
            return true;
        }

        if (verdict == Verdict.Refresh)
        {
            await RefreshAsync(authenticationState.User, cancellationToken);
        }

        return verdict != Verdict.SignOut;
    }

    internal async Task<Verdict> JudgeAsync(ClaimsPrincipal principal, CancellationToken ct)
    {
        if (principal.Identity?.IsAuthenticated != true)
        {
            return Verdict.Valid;
        }

        if (!Guid.TryParse(principal.FindFirstValue(_identity.ClaimsIdentity.UserIdClaimType), out var userId))
        {
            return Verdict.SignOut;
        }

        await using var db = await _contexts.CreateDbContextAsync(ct);
        var user = await db.Users.AsNoTracking()
            .Where(u => u.Id == userId)
            .Select(u => new { u.IsDisabled, u.IsAwaitingApproval, u.IsSuperuser, u.SecurityStamp })
            .SingleOrDefaultAsync(ct);
        if (user is null || user.IsDisabled || user.IsAwaitingApproval
            || principal.FindFirstValue(_identity.ClaimsIdentity.SecurityStampClaimType) != user.SecurityStamp)
        {
            return Verdict.SignOut;
        }

        return principal.IsSuperuser() == user.IsSuperuser ? Verdict.Valid : Verdict.Refresh;
    }

    private async Task RevalidateNowAsync()
    {
        try
        {
            var state = await GetAuthenticationStateAsync();
            switch (await JudgeAsync(state.User, CancellationToken.None))
            {
                case Verdict.SignOut:
                    SetAuthenticationState(Task.FromResult(SignedOut));
                    break;
                case Verdict.Refresh:
                    await RefreshAsync(state.User, CancellationToken.None);
                    break;
            }
        }
        catch (ObjectDisposedException)
        {
            // The circuit or the portal is going away.
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The interval check still runs: a failed immediate check only delays the sign-out a little.
            LogImmediateCheckFailed(e);
        }
    }

    /// <summary>A new principal built from the database (the claims a new sign-in would give).</summary>
    private async Task RefreshAsync(ClaimsPrincipal principal, CancellationToken ct)
    {
        await using var scope = _scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var user = await users.GetUserAsync(principal);
        ct.ThrowIfCancellationRequested();
        if (user is null)
        {
            SetAuthenticationState(Task.FromResult(SignedOut));
            return;
        }

        var fresh = await scope.ServiceProvider.GetRequiredService<IUserClaimsPrincipalFactory<AppUser>>().CreateAsync(user);
        SetAuthenticationState(Task.FromResult(new AuthenticationState(fresh)));
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _subscription.Dispose();
        }

        base.Dispose(disposing);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Re-checking a page's user after an access change failed")]
    private partial void LogImmediateCheckFailed(Exception exception);
}
