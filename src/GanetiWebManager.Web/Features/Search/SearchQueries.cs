using System.Security.Claims;
using GanetiWebManager.Web.Components.Shared;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Features.Access;
using GanetiWebManager.Web.Features.VirtualMachines;
using Microsoft.EntityFrameworkCore;

namespace GanetiWebManager.Web.Features.Search;

public enum SearchKind
{
    Cluster,
    Node,
    VirtualMachine,
    User,
    Group,
}

/// <summary>One thing found: what it is, its name, a line of context, and where it leads (null: nowhere the user may go).</summary>
public sealed record SearchHit(SearchKind Kind, string Label, string? Detail, string? Url);

/// <summary>The hits of one kind, at most the limit asked for; <see cref="More"/> when there were more.</summary>
public sealed record SearchGroup(SearchKind Kind, IReadOnlyList<SearchHit> Hits, bool More);

/// <summary>
/// The global search (product-spec §12) over clusters, nodes, VMs, users and groups, each kind filtered by what the
/// user may see with the same rules as the lists (AccessFilters), inside PostgreSQL. People (ADR 0013): superusers
/// find every user and group; everyone else themself, their groups and the members of their groups (cluster admins
/// included: the grant picker, not the search, is where they find other people). Nothing the user may not see is
/// counted either: <see cref="SearchGroup.More"/> is computed from the filtered rows.
/// </summary>
public sealed class SearchQueries(IDbContextFactory<AppDbContext> contexts, IPortalAccess access)
{
    /// <summary>Suggestions per kind in the header's autocomplete.</summary>
    public const int SuggestionsPerKind = 5;

    /// <summary>Hits per kind on the results page.</summary>
    public const int ResultsPerKind = 50;

    /// <summary>Shorter terms match too much to be useful and too slowly on the trigram index.</summary>
    public const int MinTermLength = 2;

    public const int MaxTermLength = 100;

    /// <summary>The autocomplete: the first <see cref="SuggestionsPerKind"/> of each kind, flattened.</summary>
    public async Task<IReadOnlyList<SearchHit>> SuggestAsync(ClaimsPrincipal user, string? term, CancellationToken ct) =>
        [.. (await RunAsync(user, term, SuggestionsPerKind, ct)).SelectMany(g => g.Hits)];

    /// <summary>The results page: up to <see cref="ResultsPerKind"/> of each kind.</summary>
    public Task<IReadOnlyList<SearchGroup>> SearchAsync(ClaimsPrincipal user, string? term, CancellationToken ct) =>
        RunAsync(user, term, ResultsPerKind, ct);

    private async Task<IReadOnlyList<SearchGroup>> RunAsync(ClaimsPrincipal user, string? term, int limit, CancellationToken ct)
    {
        var text = term?.Trim() ?? "";
        if (text.Length < MinTermLength)
        {
            return [];
        }

        text = text[..Math.Min(text.Length, MaxTermLength)];
        await using var db = await contexts.CreateDbContextAsync(ct);
        var scope = await access.ScopeAsync(db, user, ct);
        if (!scope.IsAuthenticated)
        {
            return [];
        }

        var pattern = "%" + VirtualMachineQueries.EscapeLike(text.ToLowerInvariant()) + "%";
        var take = limit + 1;
        List<SearchGroup> groups = [];

        var clusters = await db.Clusters.AsNoTracking().VisibleTo(db, scope)
            .Where(c => EF.Functions.ILike(c.Slug, pattern) || EF.Functions.ILike(c.Hostname, pattern) || EF.Functions.ILike(c.Description!, pattern))
            .OrderBy(c => c.Slug).Take(take)
            .Select(c => new { c.Slug, c.Hostname })
            .ToListAsync(ct);
        groups.Add(Group(SearchKind.Cluster, limit, clusters.Select(c => new SearchHit(SearchKind.Cluster, c.Slug, c.Hostname, PortalLinks.Cluster(c.Slug)))));

        var nodes = await db.Nodes.AsNoTracking().VisibleTo(scope)
            .Where(n => n.MissingSince == null && EF.Functions.Like(n.Name, pattern))
            .Join(db.Clusters, n => n.ClusterId, c => c.Id, (n, c) => new { n.Name, c.Slug })
            .OrderBy(n => n.Name).ThenBy(n => n.Slug).Take(take)
            .ToListAsync(ct);
        groups.Add(Group(SearchKind.Node, limit, nodes.Select(n => new SearchHit(SearchKind.Node, n.Name, "node of " + n.Slug, PortalLinks.Node(n.Slug, n.Name)))));

        // search_text is lower-case and carries the trigram index: LIKE on it, never ILIKE, keeps the index usable.
        var vms = await db.VirtualMachines.AsNoTracking().VisibleTo(db, scope)
            .Where(v => EF.Functions.Like(v.SearchText, pattern))
            .Join(db.Clusters, v => v.ClusterId, c => c.Id, (v, c) => new { v.Name, v.Status, c.Slug })
            .OrderBy(v => v.Name).ThenBy(v => v.Slug).Take(take)
            .ToListAsync(ct);
        groups.Add(Group(SearchKind.VirtualMachine, limit, vms.Select(v => new SearchHit(SearchKind.VirtualMachine, v.Name, $"{v.Status ?? "unknown"} · {v.Slug}", PortalLinks.Vm(v.Slug, v.Name)))));

        var me = scope.UserId;
        var myGroups = scope.GroupIds.ToList();
        var people = db.Users.AsNoTracking().Where(u => !u.IsAwaitingApproval);
        if (!scope.IsSuperuser)
        {
            people = people.Where(u => u.Id == me || db.GroupMembers.Any(m => m.UserId == u.Id && myGroups.Contains(m.GroupId)));
        }

        var users = await people
            .Where(u => EF.Functions.ILike(u.UserName!, pattern) || (scope.IsSuperuser && EF.Functions.ILike(u.Email!, pattern)))
            .OrderBy(u => u.UserName).Take(take)
            .Select(u => new { u.Id, u.UserName, u.IsDisabled })
            .ToListAsync(ct);
        groups.Add(Group(SearchKind.User, limit, users.Select(u => new SearchHit(
            SearchKind.User,
            u.UserName ?? "",
            u.IsDisabled ? "user (disabled)" : "user",
            scope.IsSuperuser ? "/admin/users/" + u.Id : VmListAddress.For(new VmQuery { Owner = VmQuery.OwnerKeyOfUser(u.UserName ?? "") })))));

        var teams = db.Groups.AsNoTracking().AsQueryable();
        if (!scope.IsSuperuser)
        {
            teams = teams.Where(g => myGroups.Contains(g.Id));
        }

        var found = await teams
            .Where(g => EF.Functions.ILike(g.Name, pattern) || EF.Functions.ILike(g.Slug, pattern))
            .OrderBy(g => g.Name).Take(take)
            .Select(g => new { g.Id, g.Name, g.Slug })
            .ToListAsync(ct);
        groups.Add(Group(SearchKind.Group, limit, found.Select(g => new SearchHit(
            SearchKind.Group,
            g.Name,
            "group " + g.Slug,
            AccessRules.CanManageGroup(scope, g.Id) ? "/admin/groups/" + g.Id : VmListAddress.For(new VmQuery { Owner = VmQuery.OwnerKeyOfGroup(g.Slug) })))));

        return [.. groups.Where(g => g.Hits.Count > 0)];
    }

    private static SearchGroup Group(SearchKind kind, int limit, IEnumerable<SearchHit> hits)
    {
        var list = hits.ToList();
        return new SearchGroup(kind, [.. list.Take(limit)], list.Count > limit);
    }
}
