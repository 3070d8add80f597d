using System.Security.Claims;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Access;
using GanetiWebManager.Web.Domain.Quotas;
using GanetiWebManager.Web.Domain.VirtualMachines;
using GanetiWebManager.Web.Features.Access;
using Microsoft.EntityFrameworkCore;

namespace GanetiWebManager.Web.Features.Quotas;

/// <summary>One owner's quota and usage on one cluster, as a usage bar shows it.</summary>
public sealed record QuotaUsageRow(QuotaOwner Owner, string Name, QuotaLimits Quota, ResourceAmounts Used, int VmsRunning, int VmsTotal)
{
    public bool IsGroup => Owner.IsGroup;

    /// <summary>"exceeded by 512 MiB of RAM, 1 vCPU" when an admin pushed the owner over; null otherwise.</summary>
    public string? Exceeded => QuotaText.Exceeded(Quota, Used);
}

/// <summary>The cluster's Quotas tab: its default and every owner with an override or usage.</summary>
public sealed record ClusterQuotasModel(int ClusterId, string ClusterSlug, QuotaLimits Default, IReadOnlyList<QuotaUsageRow> Owners);

/// <summary>One persona's usage on each cluster the user may see.</summary>
public sealed record PersonaUsage(Persona Persona, IReadOnlyList<PersonaClusterUsage> Clusters);

public sealed record PersonaClusterUsage(int ClusterId, string ClusterSlug, QuotaLimits Quota, ResourceAmounts Used, int VmsRunning, int VmsTotal)
{
    public string? Exceeded => QuotaText.Exceeded(Quota, Used);
}

/// <summary>A user or group to pick when adding an override.</summary>
public sealed record Principal(QuotaOwner Owner, string Name)
{
    public string Label => Owner.IsGroup ? $"group {Name}" : Name;

    public string Key => Owner.ToString();
}

/// <summary>
/// Reads for the quota tab and the usage panel, filtered by the reader's permissions on the server: the tab to
/// cluster admins, a persona's usage to the user acting as it (their own, their groups'; superusers any) on the
/// clusters they may see.
/// </summary>
public sealed class QuotaQueries(IDbContextFactory<AppDbContext> contextFactory, IPortalAccess access, PersonaService personas)
{
    /// <summary>The Quotas tab of a cluster; null when it does not exist or the user is not its admin.</summary>
    public async Task<ClusterQuotasModel?> GetClusterQuotasAsync(ClaimsPrincipal user, int clusterId, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var scope = await access.ScopeAsync(db, user, ct);
        if (!AccessRules.CanViewClusterAdminTabs(scope, clusterId))
        {
            return null;
        }

        var cluster = await db.Clusters.AsNoTracking().Where(c => c.Id == clusterId).Select(c => new { c.Slug, c.DefaultQuota }).SingleOrDefaultAsync(ct);
        if (cluster is null)
        {
            return null;
        }

        var defaults = QuotaLimits.From(cluster.DefaultQuota, isDefault: true);
        var usage = await UsageByOwnerAsync(db, clusterId, ct);
        var overrides = await db.QuotaOverrides.AsNoTracking().Where(q => q.ClusterId == clusterId).ToListAsync(ct);
        var owners = usage.Keys.Union(overrides.Select(o => new QuotaOwner(o.UserId, o.GroupId))).ToList();
        var names = await NamesAsync(db, owners, ct);
        var rows = owners.Select(o =>
            {
                var row = overrides.FirstOrDefault(q => q.UserId == o.UserId && q.GroupId == o.GroupId);
                var used = usage.GetValueOrDefault(o) ?? OwnerUsage.None;
                return new QuotaUsageRow(o, names.GetValueOrDefault(o, o.ToString()), row is null ? defaults : QuotaLimits.From(row), used.Amounts, used.Running, used.Total);
            })
            .OrderBy(r => r.IsGroup).ThenBy(r => r.Name, StringComparer.OrdinalIgnoreCase)
            .ToList();
        return new ClusterQuotasModel(clusterId, cluster.Slug, defaults, rows);
    }

    /// <summary>Every user and group, for the "add an override" picker: cluster admins and superusers only.</summary>
    public async Task<IReadOnlyList<Principal>> PrincipalsAsync(ClaimsPrincipal user, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var scope = await access.ScopeAsync(db, user, ct);
        if (!AccessRules.CanListAllPrincipals(scope))
        {
            return [];
        }

        var users = await db.Users.AsNoTracking().Select(u => new { u.Id, u.UserName }).ToListAsync(ct);
        var groups = await db.Groups.AsNoTracking().Select(g => new { g.Id, g.Name }).ToListAsync(ct);
        return [.. users.Select(u => new Principal(QuotaOwner.User(u.Id), u.UserName ?? ""))
                  .Concat(groups.Select(g => new Principal(QuotaOwner.Group(g.Id), g.Name)))
                  .OrderBy(p => p.Owner.IsGroup).ThenBy(p => p.Name, StringComparer.OrdinalIgnoreCase)];
    }

    /// <summary>
    /// Usage of each of the user's dashboard personas on the clusters the user may see where the persona owns
    /// something, holds a reservation or an override, or may create. Empty for someone else's persona.
    /// </summary>
    public async Task<IReadOnlyList<PersonaUsage>> PersonaUsageAsync(ClaimsPrincipal user, CancellationToken ct = default)
    {
        var mine = await personas.DashboardPersonasAsync(user, ct);
        if (mine.Count == 0)
        {
            return [];
        }

        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var scope = await access.ScopeAsync(db, user, ct);
        var clusters = await db.Clusters.AsNoTracking().VisibleTo(db, scope)
            .OrderBy(c => c.Slug)
            .Select(c => new { c.Id, c.Slug, c.DefaultQuota })
            .ToListAsync(ct);
        var clusterIds = clusters.Select(c => c.Id).ToList();
        var overrides = await db.QuotaOverrides.AsNoTracking().Where(q => clusterIds.Contains(q.ClusterId)).ToListAsync(ct);

        var result = new List<PersonaUsage>();
        foreach (var persona in mine)
        {
            var rows = new List<PersonaClusterUsage>();
            foreach (var cluster in clusters)
            {
                var usage = (await UsageByOwnerAsync(db, cluster.Id, ct, persona.Owner)).GetValueOrDefault(persona.Owner) ?? OwnerUsage.None;
                var row = overrides.FirstOrDefault(q => q.ClusterId == cluster.Id && q.UserId == persona.Owner.UserId && q.GroupId == persona.Owner.GroupId);
                var mayCreate = persona.IsSelf
                    ? AccessRules.AllowedOwners(scope, cluster.Id) is { } c && (c.Self || c.AnyOwner)
                    : scope.ClusterGrants.Any(g => g.ClusterId == cluster.Id && g.GroupId == persona.Owner.GroupId
                                                   && (g.Permissions & (ClusterPermissions.Admin | ClusterPermissions.CreateVm)) != 0);
                if (usage.Total == 0 && usage.Amounts.IsZero && row is null && !mayCreate)
                {
                    continue;
                }

                var quota = row is null ? QuotaLimits.From(cluster.DefaultQuota, isDefault: true) : QuotaLimits.From(row);
                rows.Add(new PersonaClusterUsage(cluster.Id, cluster.Slug, quota, usage.Amounts, usage.Running, usage.Total));
            }

            result.Add(new PersonaUsage(persona, rows));
        }

        return result;
    }

    private sealed record OwnerUsage(ResourceAmounts Amounts, int Running, int Total)
    {
        public static OwnerUsage None { get; } = new(ResourceAmounts.Zero, 0, 0);
    }

    /// <summary>Usage per owner on a cluster (product-spec §5), as <see cref="QuotaService"/> counts it; optionally of one owner.</summary>
    private static async Task<Dictionary<QuotaOwner, OwnerUsage>> UsageByOwnerAsync(AppDbContext db, int clusterId, CancellationToken ct, QuotaOwner? only = null)
    {
        var vms = db.VirtualMachines.AsNoTracking().Where(v => v.ClusterId == clusterId && v.MissingSince == null && (v.OwnerUserId != null || v.OwnerGroupId != null));
        var held = db.QuotaReservations.AsNoTracking().Where(r => r.ClusterId == clusterId && r.State == QuotaReservationState.Held);
        if (only is { } o)
        {
            vms = o.UserId is { } u ? vms.Where(v => v.OwnerUserId == u) : vms.Where(v => v.OwnerGroupId == o.GroupId);
            held = o.UserId is { } u2 ? held.Where(r => r.OwnerUserId == u2) : held.Where(r => r.OwnerGroupId == o.GroupId);
        }

        var fromVms = await vms
            .GroupBy(v => new { v.OwnerUserId, v.OwnerGroupId })
            .Select(g => new
            {
                g.Key.OwnerUserId,
                g.Key.OwnerGroupId,
                Ram = g.Sum(v => v.AdminState == VmStates.AdminUp ? v.MaxMemoryMiB ?? 0 : 0),
                Disk = g.Sum(v => v.DiskTotalMiB),
                Vcpus = g.Sum(v => v.AdminState == VmStates.AdminUp ? v.Vcpus ?? 0 : 0),
                Running = g.Count(v => v.Status == VmStates.Running),
                Total = g.Count(),
            })
            .ToListAsync(ct);
        var fromHeld = await held
            .GroupBy(r => new { r.OwnerUserId, r.OwnerGroupId })
            .Select(g => new { g.Key.OwnerUserId, g.Key.OwnerGroupId, Ram = g.Sum(r => r.RamMiB), Disk = g.Sum(r => r.DiskMiB), Vcpus = g.Sum(r => (long)r.Vcpus) })
            .ToListAsync(ct);

        var result = new Dictionary<QuotaOwner, OwnerUsage>();
        foreach (var v in fromVms)
        {
            result[new QuotaOwner(v.OwnerUserId, v.OwnerUserId is null ? v.OwnerGroupId : null)] = new OwnerUsage(new ResourceAmounts(v.Ram, v.Disk, v.Vcpus), v.Running, v.Total);
        }

        foreach (var r in fromHeld)
        {
            var key = new QuotaOwner(r.OwnerUserId, r.OwnerGroupId);
            var before = result.GetValueOrDefault(key) ?? new OwnerUsage(ResourceAmounts.Zero, 0, 0);
            result[key] = before with { Amounts = before.Amounts + new ResourceAmounts(r.Ram, r.Disk, r.Vcpus) };
        }

        return result;
    }

    private static async Task<Dictionary<QuotaOwner, string>> NamesAsync(AppDbContext db, IReadOnlyCollection<QuotaOwner> owners, CancellationToken ct)
    {
        var userIds = owners.Where(o => o.UserId is not null).Select(o => o.UserId!.Value).ToList();
        var groupIds = owners.Where(o => o.GroupId is not null).Select(o => o.GroupId!.Value).ToList();
        var users = await db.Users.AsNoTracking().Where(u => userIds.Contains(u.Id)).Select(u => new { u.Id, u.UserName }).ToListAsync(ct);
        var groups = await db.Groups.AsNoTracking().Where(g => groupIds.Contains(g.Id)).Select(g => new { g.Id, g.Name }).ToListAsync(ct);
        var names = users.ToDictionary(u => QuotaOwner.User(u.Id), u => u.UserName ?? "");
        foreach (var g in groups)
        {
            names[QuotaOwner.Group(g.Id)] = g.Name;
        }

        return names;
    }
}

/// <summary>How quotas read in the UI.</summary>
public static class QuotaText
{
    public static string Limit(long? value, string unit = "MiB") => value is null ? "unlimited" : unit.Length == 0 ? $"{value}" : $"{value} {unit}";

    /// <summary>The resources over their quota and by how much, or null.</summary>
    public static string? Exceeded(QuotaLimits quota, ResourceAmounts used)
    {
        var parts = new List<string>();
        if (quota.RamMiB is { } ram && used.RamMiB > ram)
        {
            parts.Add($"{used.RamMiB - ram} MiB of RAM");
        }

        if (quota.DiskMiB is { } disk && used.DiskMiB > disk)
        {
            parts.Add($"{used.DiskMiB - disk} MiB of disk");
        }

        if (quota.Vcpus is { } vcpus && used.Vcpus > vcpus)
        {
            var over = used.Vcpus - vcpus;
            parts.Add($"{over} vCPU{(over == 1 ? "" : "s")}");
        }

        return parts.Count == 0 ? null : "exceeded by " + string.Join(", ", parts);
    }
}
