using System.Security.Claims;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Access;
using GanetiWebManager.Web.Domain.Audit;
using GanetiWebManager.Web.Features.Access;
using GanetiWebManager.Web.Features.Audit;
using GanetiWebManager.Web.Features.LiveUpdates;
using GanetiWebManager.Web.Features.VirtualMachines.Actions;
using Microsoft.EntityFrameworkCore;

namespace GanetiWebManager.Web.Features.Import;

public enum ImportOutcome
{
    /// <summary>Done as asked.</summary>
    Done,

    /// <summary>Nothing to do any more (adopted meanwhile, back in Ganeti): left as it is.</summary>
    Skipped,

    /// <summary>Not done: a failed check other than permission (quota needing confirmation, owner gone).</summary>
    Failed,

    /// <summary>The user may not do this here; audited.</summary>
    Refused,
}

/// <summary>What became of one object of a (bulk) import action.</summary>
public sealed record ImportItemResult(long Id, string Name, ImportOutcome Outcome, string Message)
{
    public bool NeedsConfirmation { get; init; }
}

/// <summary>
/// The import tools' changes (product-spec §9), for the admins of the cluster concerned (superusers anywhere), each
/// object checked and audited on its own (one entry per object), so a bulk action reports one line per object and
/// hides nothing partial:
/// adopting an orphan (owner set in the portal, ownership tag written to Ganeti through the job outbox, by
/// <see cref="VmOwnerService"/>: the owner then holds VM admin implicitly, ADR 0010, so no separate grant is needed);
/// removing VMs and nodes that are gone from Ganeti (only while they are still missing: one that came back is kept).
/// Keeping a missing VM or node needs no action: it stays, flagged, until an admin removes it or it comes back.
/// </summary>
public sealed class ImportService(
    IDbContextFactory<AppDbContext> contexts,
    IPortalAccess access,
    IAuditLog audit,
    VmOwnerService owners,
    LiveUpdateHub liveUpdates)
{
    /// <summary>A bulk action takes at most this many objects at once (one page of the list, and then some).</summary>
    public const int MaxBatch = 500;

    /// <summary>Gives each orphan in <paramref name="vmIds"/> the owner <paramref name="owner"/>.</summary>
    public async Task<IReadOnlyList<ImportItemResult>> AdoptAsync(
        ClaimsPrincipal user, IReadOnlyCollection<long> vmIds, PrincipalRef owner, bool confirmOverQuota, CancellationToken ct)
    {
        List<ImportItemResult> results = [];
        foreach (var vmId in vmIds.Distinct().Take(MaxBatch))
        {
            var vm = await VmAsync(vmId, ct);
            if (!await AdministersAsync(user, vm?.ClusterId, "import.adopt", e => { e.VirtualMachineId = vmId; e.VmName = vm?.Name; }, ct) || vm is null)
            {
                results.Add(new(vmId, vm?.Name ?? "", ImportOutcome.Refused, "Only the cluster's admins may adopt its virtual machines."));
                continue;
            }

            // Adopted by someone else, or gone, since the list was read: an owner is never overwritten from here.
            if (!vm.IsOrphan || vm.MissingSince is not null)
            {
                results.Add(new(vmId, vm.Name, ImportOutcome.Skipped, vm.IsOrphan ? "No longer in Ganeti: not adopted." : "Has an owner already: left as it is."));
                continue;
            }

            var changed = await owners.ChangeOwnerAsync(user, vmId, owner, confirmOverQuota, ct);
            results.Add(new(vmId, vm.Name, changed.Succeeded ? ImportOutcome.Done : ImportOutcome.Failed, changed.Message)
            {
                NeedsConfirmation = changed.NeedsConfirmation,
            });
        }

        return results;
    }

    /// <summary>Removes from the portal each VM in <paramref name="vmIds"/> that Ganeti no longer has.</summary>
    public async Task<IReadOnlyList<ImportItemResult>> RemoveMissingVmsAsync(ClaimsPrincipal user, IReadOnlyCollection<long> vmIds, CancellationToken ct)
    {
        List<ImportItemResult> results = [];
        foreach (var vmId in vmIds.Distinct().Take(MaxBatch))
        {
            var vm = await VmAsync(vmId, ct);
            if (!await AdministersAsync(user, vm?.ClusterId, "import.vm.remove", e => { e.VirtualMachineId = vmId; e.VmName = vm?.Name; }, ct) || vm is null)
            {
                results.Add(new(vmId, vm?.Name ?? "", ImportOutcome.Refused, "Only the cluster's admins may remove its virtual machines."));
                continue;
            }

            if (vm.MissingSince is null)
            {
                results.Add(new(vmId, vm.Name, ImportOutcome.Skipped, "Is in Ganeti: kept."));
                continue;
            }

            await using var db = await contexts.CreateDbContextAsync(ct);
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            // Only while still missing: a sync that found it again in between wins.
            var removed = await db.VirtualMachines.Where(v => v.Id == vmId && v.MissingSince != null).ExecuteDeleteAsync(ct);
            if (removed == 0)
            {
                results.Add(new(vmId, vm.Name, ImportOutcome.Skipped, "Is in Ganeti again: kept."));
                continue;
            }

            var entry = AuditEntries.By(user, "import.vm.remove");
            entry.ClusterId = vm.ClusterId;
            entry.ClusterSlug = vm.ClusterSlug;
            entry.VirtualMachineId = vm.Id;
            entry.VmName = vm.Name;
            entry.SubjectUserId = vm.OwnerUserId;
            entry.GroupId = vm.OwnerGroupId;
            entry.Before = AuditEntries.State(new { vm.Name, vm.PrimaryNode, vm.Os, missingSince = vm.MissingSince, ownerUserId = vm.OwnerUserId, ownerGroupId = vm.OwnerGroupId });
            audit.Add(db, entry);
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
            liveUpdates.Publish(new VirtualMachinesChanged(vm.ClusterId, [vm.Id]));
            results.Add(new(vmId, vm.Name, ImportOutcome.Done, "Removed from the portal."));
        }

        return results;
    }

    /// <summary>Removes from the portal each node in <paramref name="nodeIds"/> that Ganeti no longer has.</summary>
    public async Task<IReadOnlyList<ImportItemResult>> RemoveMissingNodesAsync(ClaimsPrincipal user, IReadOnlyCollection<int> nodeIds, CancellationToken ct)
    {
        List<ImportItemResult> results = [];
        foreach (var nodeId in nodeIds.Distinct().Take(MaxBatch))
        {
            await using var db = await contexts.CreateDbContextAsync(ct);
            var node = await db.Nodes.AsNoTracking()
                .Where(n => n.Id == nodeId)
                .Select(n => new { n.Id, n.ClusterId, n.Name, n.MissingSince, n.PrimaryIp, Slug = db.Clusters.Where(c => c.Id == n.ClusterId).Select(c => c.Slug).FirstOrDefault() })
                .SingleOrDefaultAsync(ct);
            if (!await AdministersAsync(user, node?.ClusterId, "import.node.remove", e => e.NodeName = node?.Name ?? $"(node id {nodeId})", ct) || node is null)
            {
                results.Add(new(nodeId, node?.Name ?? "", ImportOutcome.Refused, "Only the cluster's admins may remove its nodes."));
                continue;
            }

            if (node.MissingSince is null)
            {
                results.Add(new(nodeId, node.Name, ImportOutcome.Skipped, "Is in Ganeti: kept."));
                continue;
            }

            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            var removed = await db.Nodes.Where(n => n.Id == nodeId && n.MissingSince != null).ExecuteDeleteAsync(ct);
            if (removed == 0)
            {
                results.Add(new(nodeId, node.Name, ImportOutcome.Skipped, "Is in Ganeti again: kept."));
                continue;
            }

            var entry = AuditEntries.By(user, "import.node.remove");
            entry.ClusterId = node.ClusterId;
            entry.ClusterSlug = node.Slug;
            entry.NodeName = node.Name;
            entry.Before = AuditEntries.State(new { node.Name, node.PrimaryIp, missingSince = node.MissingSince });
            audit.Add(db, entry);
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
            liveUpdates.Publish(new NodesChanged(node.ClusterId));
            results.Add(new(nodeId, node.Name, ImportOutcome.Done, "Removed from the portal."));
        }

        return results;
    }

    /// <summary>
    /// Whether the user administers the cluster (superusers: every one), read fresh now. A refusal, or an object that
    /// does not exist (null cluster), is audited with the object's names, like AccessGuard does for VMs and clusters
    /// (it has no resource for nodes), and nothing else happens.
    /// </summary>
    private async Task<bool> AdministersAsync(ClaimsPrincipal user, int? clusterId, string action, Action<AuditEntry> names, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var scope = await access.ScopeAsync(db, user, ct);
        if (clusterId is { } id && AccessRules.CanViewClusterAdminTabs(scope, id))
        {
            return true;
        }

        var entry = AuditEntries.By(user, action, AuditOutcome.Refused);
        entry.Reason = clusterId is null ? "no such object" : "needs admin on the cluster";
        entry.ClusterId = clusterId;
        entry.ClusterSlug = clusterId is null ? null : await db.Clusters.Where(c => c.Id == clusterId).Select(c => c.Slug).SingleOrDefaultAsync(ct);
        names(entry);
        await audit.RecordAsync(entry, ct);
        return false;
    }

    private sealed record VmFactsRow(
        long Id, int ClusterId, string ClusterSlug, string Name, Guid? OwnerUserId, int? OwnerGroupId, DateTimeOffset? MissingSince, string? PrimaryNode, string? Os)
    {
        public bool IsOrphan => OwnerUserId is null && OwnerGroupId is null;
    }

    private async Task<VmFactsRow?> VmAsync(long vmId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.VirtualMachines.AsNoTracking()
            .Where(v => v.Id == vmId)
            .Select(v => new VmFactsRow(
                v.Id, v.ClusterId, db.Clusters.Where(c => c.Id == v.ClusterId).Select(c => c.Slug).First(), v.Name,
                v.OwnerUserId, v.OwnerGroupId, v.MissingSince, v.PrimaryNode, v.Os))
            .SingleOrDefaultAsync(ct);
    }
}
