using System.Globalization;
using System.Security.Claims;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Access;
using GanetiWebManager.Web.Domain.Audit;
using GanetiWebManager.Web.Features.Access;
using GanetiWebManager.Web.Features.VirtualMachines;
using Microsoft.EntityFrameworkCore;

namespace GanetiWebManager.Web.Features.Audit;

/// <summary>One audit entry as the log views and the CSV export show it (names as recorded, never looked up again).</summary>
public sealed record AuditRow(
    long Id,
    DateTimeOffset At,
    string ActorName,
    string? Persona,
    string Action,
    AuditOutcome Outcome,
    string? Reason,
    string? ClusterSlug,
    string? VmName,
    string? NodeName,
    string? SubjectUserName,
    string? GroupSlug,
    string? Before,
    string? After,
    long? JobId);

/// <summary>
/// Reads the audit log (product-spec §11) for the log views and the CSV export. What a user sees: superusers every
/// entry; a cluster's admins the entries of that cluster; a group's admins the entries about that group that concern
/// no cluster (its members and admins); a VM's admins the entries of that VM when they ask for its log; everyone their
/// own actions. Filters narrow that, never widen it.
/// </summary>
public sealed class AuditQueries(IDbContextFactory<AppDbContext> contexts, IPortalAccess access)
{
    /// <summary>The export stops here: a file bigger than this is not something anyone reads; narrow the filters.</summary>
    public const int MaxExportRows = 1_000_000;

    public async Task<PagedResult<AuditRow>> ListAsync(ClaimsPrincipal user, AuditQuery query, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var pageSize = Paging.ClampPageSize(query.PageSize);
        var entries = await FilteredAsync(db, user, query, ct);
        if (entries is null)
        {
            return PagedResult.Empty<AuditRow>(pageSize);
        }

        var total = await entries.CountAsync(ct);
        var page = Paging.ClampPage(query.Page, total, pageSize);
        var rows = await Project(entries.OrderByDescending(a => a.Id).Skip((page - 1) * pageSize).Take(pageSize)).ToListAsync(ct);
        return new PagedResult<AuditRow>(rows, total, page, pageSize);
    }

    /// <summary>
    /// Writes the entries the user may see that match <paramref name="query"/> (every page of them, newest first) as
    /// CSV, row by row from the database to <paramref name="output"/>, so a large log never sits in memory.
    /// </summary>
    public async Task<int> ExportCsvAsync(ClaimsPrincipal user, AuditQuery query, TextWriter output, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await output.WriteAsync(AuditCsv.Header);
        var entries = await FilteredAsync(db, user, query, ct);
        if (entries is null)
        {
            return 0;
        }

        var count = 0;
        await foreach (var row in Project(entries.OrderByDescending(a => a.Id).Take(MaxExportRows)).AsAsyncEnumerable().WithCancellation(ct))
        {
            await output.WriteAsync(AuditCsv.Line(row));
            count++;
        }

        return count;
    }

    private static IQueryable<AuditRow> Project(IQueryable<AuditEntry> entries) =>
        entries.Select(a => new AuditRow(
            a.Id, a.At, a.ActorName, a.Persona, a.Action, a.Outcome, a.Reason, a.ClusterSlug, a.VmName, a.NodeName,
            a.SubjectUserName, a.GroupSlug, a.Before, a.After, a.JobId));

    /// <summary>The entries the user may see, narrowed by the query; null when they may see none at all.</summary>
    private async Task<IQueryable<AuditEntry>?> FilteredAsync(AppDbContext db, ClaimsPrincipal user, AuditQuery query, CancellationToken ct)
    {
        var scope = await access.ScopeAsync(db, user, ct);
        if (!scope.IsAuthenticated)
        {
            return null;
        }

        var entries = db.AuditLog.AsNoTracking();
        if (!scope.IsSuperuser)
        {
            var me = scope.UserId;
            var adminClusters = scope.AdminClusterIds.ToList();
            var groups = scope.GroupIds.ToList();
            var managedGroups = await db.GroupGrants.AsNoTracking()
                .Where(g => (g.UserId == me || (g.GroupId != null && groups.Contains(g.GroupId.Value)))
                    && (g.Permissions & GroupPermissions.Admin) == GroupPermissions.Admin)
                .Select(g => g.TargetGroupId)
                .Distinct()
                .ToListAsync(ct);

            // A VM's own admins (its owner, an admin grant) see that VM's log on its page, not in the global list.
            long? vmOfItsAdmin = null;
            if (query.VirtualMachineId is { } vmId && (await access.OnVmAsync(db, scope, vmId, ct)).Has(VmPermissions.Admin))
            {
                vmOfItsAdmin = vmId;
            }

            entries = entries.Where(a =>
                a.ActorUserId == me
                || (a.ClusterId != null && adminClusters.Contains(a.ClusterId.Value))
                || (a.ClusterId == null && a.GroupId != null && managedGroups.Contains(a.GroupId.Value))
                || (vmOfItsAdmin != null && a.VirtualMachineId == vmOfItsAdmin));
        }

        if (query.VirtualMachineId is { } vm)
        {
            entries = entries.Where(a => a.VirtualMachineId == vm);
        }

        if (query.ClusterId is { } cluster)
        {
            entries = entries.Where(a => a.ClusterId == cluster);
        }

        if (!string.IsNullOrWhiteSpace(query.NodeName))
        {
            var node = query.NodeName.Trim().ToLowerInvariant();
            entries = entries.Where(a => a.NodeName == node);
        }

        if (query.UserId is { } subject)
        {
            // A user's log: what they did and what was done to them.
            entries = entries.Where(a => a.ActorUserId == subject || a.SubjectUserId == subject);
        }

        if (query.GroupId is { } group)
        {
            entries = entries.Where(a => a.GroupId == group);
        }

        if (query.From is { } from)
        {
            entries = entries.Where(a => a.At >= from);
        }

        if (query.To is { } to)
        {
            entries = entries.Where(a => a.At < to);
        }

        if (!string.IsNullOrWhiteSpace(query.Actor))
        {
            var pattern = "%" + VirtualMachineQueries.EscapeLike(query.Actor.Trim()) + "%";
            entries = entries.Where(a => EF.Functions.ILike(a.ActorName, pattern));
        }

        if (!string.IsNullOrWhiteSpace(query.Action))
        {
            // "vm" finds every vm.* action; "vm.start" that one.
            var action = query.Action.Trim().ToLowerInvariant();
            var prefix = VirtualMachineQueries.EscapeLike(action) + ".%";
            entries = entries.Where(a => a.Action == action || EF.Functions.Like(a.Action, prefix));
        }

        if (query.Outcome is { } outcome)
        {
            entries = entries.Where(a => a.Outcome == outcome);
        }

        if (!string.IsNullOrWhiteSpace(query.ObjectName))
        {
            var pattern = "%" + VirtualMachineQueries.EscapeLike(query.ObjectName.Trim()) + "%";
            entries = entries.Where(a =>
                EF.Functions.ILike(a.VmName!, pattern) || EF.Functions.ILike(a.NodeName!, pattern) || EF.Functions.ILike(a.ClusterSlug!, pattern)
                || EF.Functions.ILike(a.SubjectUserName!, pattern) || EF.Functions.ILike(a.GroupSlug!, pattern));
        }

        return entries;
    }
}

/// <summary>
/// What a log view asks for: the object whose log it is (any of VM, cluster, node of a cluster, user, group) and
/// the filters of product-spec §11. Parsed from, and written to, a query string so the CSV link carries the view.
/// </summary>
public sealed record AuditQuery
{
    public long? VirtualMachineId { get; init; }

    public int? ClusterId { get; init; }

    /// <summary>A node's log; give <see cref="ClusterId"/> too, node names are unique per cluster only.</summary>
    public string? NodeName { get; init; }

    /// <summary>A user's log: their actions and the actions on them.</summary>
    public Guid? UserId { get; init; }

    public int? GroupId { get; init; }

    /// <summary>Inclusive lower bound.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>Exclusive upper bound.</summary>
    public DateTimeOffset? To { get; init; }

    /// <summary>Part of the actor's name.</summary>
    public string? Actor { get; init; }

    /// <summary>An action (<c>vm.start</c>) or a family of them (<c>vm</c>).</summary>
    public string? Action { get; init; }

    public AuditOutcome? Outcome { get; init; }

    /// <summary>Part of the name of the VM, node, cluster, user or group an entry names.</summary>
    public string? ObjectName { get; init; }

    public int Page { get; init; } = 1;

    public int PageSize { get; init; } = Paging.DefaultPageSize;

    /// <summary>The query as a query string (without page), for the CSV export link.</summary>
    public string ToQueryString()
    {
        var parts = new List<KeyValuePair<string, string?>>();
        void Add(string key, string? value)
        {
            if (!string.IsNullOrWhiteSpace(value))
            {
                parts.Add(new(key, value));
            }
        }

        Add("vm", VirtualMachineId?.ToString(CultureInfo.InvariantCulture));
        Add("cluster", ClusterId?.ToString(CultureInfo.InvariantCulture));
        Add("node", NodeName);
        Add("user", UserId?.ToString());
        Add("group", GroupId?.ToString(CultureInfo.InvariantCulture));
        Add("from", From?.ToString("O", CultureInfo.InvariantCulture));
        Add("to", To?.ToString("O", CultureInfo.InvariantCulture));
        Add("actor", Actor);
        Add("action", Action);
        Add("outcome", Outcome?.ToString().ToLowerInvariant());
        Add("object", ObjectName);
        return Microsoft.AspNetCore.Http.QueryString.Create(parts).ToString();
    }

    /// <summary>Reads a query string; values that do not parse are ignored (links outlive what they were made for).</summary>
    public static AuditQuery Parse(Func<string, string?> get) => new()
    {
        VirtualMachineId = long.TryParse(get("vm"), NumberStyles.None, CultureInfo.InvariantCulture, out var vm) ? vm : null,
        ClusterId = int.TryParse(get("cluster"), NumberStyles.None, CultureInfo.InvariantCulture, out var cluster) ? cluster : null,
        NodeName = Trimmed(get("node")),
        UserId = Guid.TryParse(get("user"), out var user) ? user : null,
        GroupId = int.TryParse(get("group"), NumberStyles.None, CultureInfo.InvariantCulture, out var group) ? group : null,
        From = DateTimeOffset.TryParse(get("from"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var from) ? from.ToUniversalTime() : null,
        To = DateTimeOffset.TryParse(get("to"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var to) ? to.ToUniversalTime() : null,
        Actor = Trimmed(get("actor")),
        Action = Trimmed(get("action")),
        Outcome = Enum.TryParse<AuditOutcome>(get("outcome"), ignoreCase: true, out var outcome) && Enum.IsDefined(outcome) ? outcome : null,
        ObjectName = Trimmed(get("object")),
        Page = int.TryParse(get("page"), NumberStyles.None, CultureInfo.InvariantCulture, out var page) && page > 0 ? page : 1,
    };

    private static string? Trimmed(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim()[..Math.Min(value.Trim().Length, 200)];
}
