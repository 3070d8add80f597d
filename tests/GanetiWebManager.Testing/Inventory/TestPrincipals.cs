using System.Security.Claims;
using GanetiWebManager.Web.Domain.Accounts;
using GanetiWebManager.Web.Features.Accounts;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace GanetiWebManager.Testing.Inventory;

/// <summary>Signed-in users as the portal's services see them, without going through a sign-in.</summary>
public static class TestPrincipals
{
    /// <summary>The id <see cref="Superuser"/> carries; the portal honours it only once the user exists (<see cref="AddSuperuserAsync"/>).</summary>
    public static readonly Guid SuperuserId = new("00000000-0000-4000-8000-00000000a001");

    /// <summary>The id <see cref="Regular"/> carries: a user the database does not know unless a test adds it.</summary>
    public static readonly Guid RegularId = new("00000000-0000-4000-8000-00000000a002");

    /// <summary>
    /// A principal for the test superuser. The portal reads rights from the database, not from claims, so the
    /// user must exist: call <see cref="AddSuperuserAsync"/> once per database.
    /// </summary>
    public static ClaimsPrincipal Superuser(string name = "admin") =>
        new(new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, SuperuserId.ToString()), new Claim(ClaimTypes.Name, name), new Claim(PortalClaims.Superuser, "true")], "test"));

    /// <summary>A signed-in user without the superuser claim, unknown to the database: it may see nothing.</summary>
    public static ClaimsPrincipal Regular(string name = "alice") =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, RegularId.ToString()), new Claim(ClaimTypes.Name, name)], "test"));

    /// <summary>Adds the user behind <see cref="Superuser"/> (idempotent) and returns its principal.</summary>
    public static async Task<ClaimsPrincipal> AddSuperuserAsync(string connectionString, string name = "admin")
    {
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var insert = new Npgsql.NpgsqlCommand(
            "INSERT INTO users (id, is_superuser, is_disabled, is_awaiting_approval, created_at, user_name, normalized_user_name, email_confirmed, " +
            "phone_number_confirmed, two_factor_enabled, lockout_enabled, access_failed_count, security_stamp) " +
            "VALUES (@id, TRUE, FALSE, FALSE, now(), @name, upper(@name), FALSE, FALSE, FALSE, TRUE, 0, 'test') ON CONFLICT (id) DO NOTHING",
            connection);
        insert.Parameters.AddWithValue("id", SuperuserId);
        insert.Parameters.AddWithValue("name", name);
        await insert.ExecuteNonQueryAsync();
        return Superuser(name);
    }

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
