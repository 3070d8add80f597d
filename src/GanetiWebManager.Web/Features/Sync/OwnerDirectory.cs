using GanetiWebManager.Web.Data;
using Microsoft.EntityFrameworkCore;

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

    /// <summary>Loads users and groups only when some of the given tag lists holds an ownership tag.</summary>
    public static async Task<OwnerDirectory> LoadIfNeededAsync(IDbContextFactory<AppDbContext> contextFactory, IEnumerable<IReadOnlyList<string>> tagLists, CancellationToken ct)
    {
        if (!tagLists.Any(tags => tags.Any(t => t.StartsWith(OwnershipTag.Prefix, StringComparison.Ordinal))))
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
    /// A value that changes whenever a user or group is added, removed or renamed: when it has not, orphans
    /// already checked against their tags need not be checked again.
    /// </summary>
    public static async Task<string> FingerprintAsync(IDbContextFactory<AppDbContext> contextFactory, CancellationToken ct)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        return await db.Database.SqlQueryRaw<string>(
            """
            SELECT md5(coalesce((SELECT string_agg(normalized_user_name, ',' ORDER BY normalized_user_name) FROM users), '')
                || '/' || coalesce((SELECT string_agg(slug, ',' ORDER BY slug) FROM groups), '')) AS "Value"
            """).SingleAsync(ct);
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
