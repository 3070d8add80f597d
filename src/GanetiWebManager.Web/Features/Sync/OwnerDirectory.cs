using GanetiWebManager.Web.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace GanetiWebManager.Web.Features.Sync;

/// <summary>Resolves ownership tags to the users and groups that exist in the portal now.</summary>
public sealed class OwnerDirectory
{
    private static readonly OwnerDirectory Empty = new([], []);
    private readonly Dictionary<string, Guid> _users;
    private readonly Dictionary<string, int> _groups;

    private OwnerDirectory(Dictionary<string, Guid> users, Dictionary<string, int> groups)
    {
        _users = users;
        _groups = groups;
    }

    /// <summary>Loads users and groups only when there is some ownership tag to resolve.</summary>
    public static async Task<OwnerDirectory> LoadIfNeededAsync(IDbContextFactory<AppDbContext> contextFactory, IEnumerable<OwnershipTag?> tags, CancellationToken ct)
    {
        if (!tags.Any(t => t is not null))
        {
            return Empty;
        }

        await using var db = await contextFactory.CreateDbContextAsync(ct);
        // Identity's normalized (upper-case) names: tag and account may differ in case.
        var users = await db.Users.AsNoTracking().Where(u => u.NormalizedUserName != null)
            .ToDictionaryAsync(u => u.NormalizedUserName!, u => u.Id, ct);
        var groups = await db.Groups.AsNoTracking().ToDictionaryAsync(g => g.Slug, g => g.Id, StringComparer.OrdinalIgnoreCase, ct);
        return new OwnerDirectory(users, groups);
    }

    /// <summary>
    /// A value that changes whenever a user or group is added, removed or renamed (a counter kept by database
    /// triggers, see migration 0005): when it has not, orphans already checked need not be checked again.
    /// </summary>
    public static async Task<string> FingerprintAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("SELECT version FROM owner_directory_version WHERE id = 1");
        return Convert.ToString(await command.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture) ?? "";
    }

    public ResolvedOwner Resolve(OwnershipTag? tag) => tag switch
    {
        { Kind: OwnerKind.User } when _users.TryGetValue(tag.Name.ToUpperInvariant(), out var userId) => new(userId, null),
        { Kind: OwnerKind.Group } when _groups.TryGetValue(tag.Name, out var groupId) => new(null, groupId),
        _ => ResolvedOwner.Nobody,
    };
}

public readonly record struct ResolvedOwner(Guid? UserId, int? GroupId)
{
    public static ResolvedOwner Nobody => default;

    public bool IsSomeone => UserId is not null || GroupId is not null;
}
