using System.Security.Cryptography;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Accounts;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GanetiWebManager.Web.Features.Accounts;

/// <summary>
/// On the first start (no user in the database) creates the superuser from <see cref="BootstrapOptions"/>.
/// Without a configured password it generates one and prints it once on standard output, never to the
/// log: logs are kept and shipped, and a password does not belong in them.
/// </summary>
public sealed partial class SuperuserBootstrapper(
    IServiceScopeFactory scopeFactory,
    IDbContextFactory<AppDbContext> contextFactory,
    IOptions<BootstrapOptions> options,
    TimeProvider timeProvider,
    ILogger<SuperuserBootstrapper> logger)
{
    private const string PasswordAlphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

    /// <summary>Creates the first superuser if there is no user at all; returns whether it did.</summary>
    public async Task<bool> EnsureSuperuserAsync(TextWriter console, CancellationToken ct)
    {
        await using (var db = await contextFactory.CreateDbContextAsync(ct))
        {
            if (await db.Users.AnyAsync(ct))
            {
                return false;
            }
        }

        var settings = options.Value;
        var generated = string.IsNullOrEmpty(settings.SuperuserPassword);
        var password = generated ? RandomNumberGenerator.GetString(PasswordAlphabet, 20) : settings.SuperuserPassword!;

        await using var scope = scopeFactory.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var user = new AppUser
        {
            UserName = settings.SuperuserName,
            Email = settings.SuperuserEmail,
            EmailConfirmed = settings.SuperuserEmail is not null,
            IsSuperuser = true,
            CreatedAt = timeProvider.GetUtcNow(),
        };
        var result = await users.CreateAsync(user, password);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(
                "Could not create the first superuser: " + string.Join(" ", result.Errors.Select(e => e.Description)));
        }

        LogCreated(settings.SuperuserName);
        if (generated)
        {
            await console.WriteLineAsync($"""

                ================================================================
                 First start: superuser '{settings.SuperuserName}' created with password

                     {password}

                 It is shown only this once. Sign in and change it.
                ================================================================

                """);
            await console.FlushAsync(ct);
        }

        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "No user existed: created the superuser {UserName}")]
    private partial void LogCreated(string userName);
}
