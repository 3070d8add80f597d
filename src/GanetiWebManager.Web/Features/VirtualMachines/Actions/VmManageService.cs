using System.Security.Claims;
using System.Text.RegularExpressions;
using GanetiWebManager.Rapi.Requests;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Access;
using GanetiWebManager.Web.Domain.VirtualMachines;
using GanetiWebManager.Web.Features.Access;
using GanetiWebManager.Web.Features.Audit;
using GanetiWebManager.Web.Features.LiveUpdates;
using GanetiWebManager.Web.Features.Sync;
using Microsoft.EntityFrameworkCore;

namespace GanetiWebManager.Web.Features.VirtualMachines.Actions;

/// <summary>How a VM's disks can move between nodes (Ganeti's DTS_INT_MIRROR / DTS_EXT_MIRROR).</summary>
public enum VmMobility
{
    /// <summary>Node-local disks (plain, file): no migrate, no failover.</summary>
    None,

    /// <summary>DRBD: to its secondary node only.</summary>
    InternalMirror,

    /// <summary>Shared or no storage (sharedfile, blockdev, rbd, ext, gluster, diskless): to any node, or the allocator's choice.</summary>
    ExternalMirror,
}

/// <summary>The result of a change the portal makes itself (notes, lock): no job.</summary>
public sealed record VmEditResult(bool Succeeded, string Message);

/// <summary>
/// The VM actions of product-spec §8 besides power and owner: modify (with its human diff and quota check), rename,
/// reinstall, migrate, failover, replace disks, delete, tags, notes and the admin lock. Every job goes through
/// <see cref="VmActionRunner"/> (permission again at this moment, state, busy VM, read-only cluster, quota, audit);
/// notes and the lock are the portal's own rows, audited with before and after. Input is checked after the
/// permission, so a refused caller learns nothing and changes nothing but the audit log.
/// </summary>
public sealed partial class VmManageService(
    VmActionRunner runner,
    IDbContextFactory<AppDbContext> contexts,
    AccessGuard guard,
    IPortalAccess access,
    IAuditLog audit,
    LiveUpdateHub liveUpdates)
{
    public const int MaxNotesLength = 4000;
    public const int MaxTagLength = 128;

    /// <summary>What the manage panel needs to know of a VM and of the user's rights on it; null when the user may not see it.</summary>
    public async Task<VmManageState?> GetStateAsync(ClaimsPrincipal user, long vmId, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var scope = await access.ScopeAsync(db, user, ct);
        var onVm = await access.OnVmAsync(db, scope, vmId, ct);
        if (!onVm.CanView)
        {
            return null;
        }

        var vm = await db.VirtualMachines.AsNoTracking().SingleOrDefaultAsync(v => v.Id == vmId, ct);
        if (vm is null)
        {
            return null;
        }

        var nodes = await db.Nodes.AsNoTracking().Where(n => n.ClusterId == vm.ClusterId && n.MissingSince == null && n.VmCapable)
            .OrderBy(n => n.Name).Select(n => n.Name).ToListAsync(ct);
        var operatingSystems = await db.Clusters.AsNoTracking().Where(c => c.Id == vm.ClusterId)
            .Select(c => c.Info.OperatingSystems).SingleAsync(ct);
        return new VmManageState(
            vm.Id,
            vm.ClusterId,
            vm.Name,
            vm.Os,
            vm.DiskTemplate,
            MobilityOf(vm.DiskTemplate),
            vm.PrimaryNode,
            vm.SecondaryNodes,
            [.. nodes.Where(n => n != vm.PrimaryNode)],
            vm.MaxMemoryMiB,
            vm.Vcpus,
            [.. vm.Disks.Select(d => d.SizeMiB)],
            vm.Nics.Count,
            VmModificationPlan.Parse(vm.HvParams),
            VmModificationPlan.Parse(vm.OsParams),
            vm.Tags,
            vm.Notes,
            vm.IsLocked,
            vm.PendingDelete,
            onVm.Permissions,
            AccessRules.HasOnCluster(scope, vm.ClusterId, ClusterPermissions.Migrate),
            AccessRules.HasOnCluster(scope, vm.ClusterId, ClusterPermissions.ReplaceDisks),
            scope.IsClusterAdmin(vm.ClusterId),
            operatingSystems);
    }

    /// <summary>
    /// The confirm page of a modify: the human diff, the problems that stop it, and what it adds to the owner's
    /// quota. Needs modify on the VM (the same rule as the change itself); null when not allowed.
    /// </summary>
    public async Task<VmModifyPreview?> PreviewModifyAsync(ClaimsPrincipal user, long vmId, VmModification change, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var onVm = await access.OnVmAsync(db, await access.ScopeAsync(db, user, ct), vmId, ct);
        if (!onVm.Has(VmPermissions.Modify))
        {
            return null;
        }

        var vm = await db.VirtualMachines.AsNoTracking().SingleOrDefaultAsync(v => v.Id == vmId, ct);
        if (vm is null)
        {
            return null;
        }

        var effective = VmModificationPlan.Effective(vm, change);
        var problems = VmModificationPlan.Problems(vm, effective);
        var lines = VmModificationPlan.Describe(vm, effective);
        return new VmModifyPreview(
            lines,
            VmModificationPlan.IsEmpty(effective) ? [.. problems, "Nothing would change."] : problems,
            VmModificationPlan.QuotaNeed(vm, effective),
            vm.Status == VmStates.Running && lines.Any(l => l.NeedsReboot));
    }

    /// <summary>
    /// Sends a modify (and, when <paramref name="rebootAfter"/>, a reboot queued behind it). Increases of memory,
    /// vCPUs (of a VM meant to run) and disk are reserved against the owner's quota first (product-spec §5).
    /// </summary>
    public Task<VmActionResult> ModifyAsync(ClaimsPrincipal user, long vmId, VmModification change, bool rebootAfter, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        return runner.RunAsync(
            user, vmId, VmOperation.Modify, "vm.modify",
            vm => VmModificationPlan.ToAction(vm, VmModificationPlan.Effective(vm, change), rebootAfter),
            new VmActionOptions
            {
                Precheck = vm =>
                {
                    var effective = VmModificationPlan.Effective(vm, change);
                    var problems = VmModificationPlan.Problems(vm, effective);
                    return problems.Count > 0 ? string.Join(" ", problems)
                        : VmModificationPlan.IsEmpty(effective) ? "Nothing would change."
                        : null;
                },
                Quota = new VmQuotaCharge(vm => VmModificationPlan.QuotaNeed(vm, VmModificationPlan.Effective(vm, change)), Domain.Quotas.QuotaPurpose.Modify),
                AuditBefore = vm => AuditEntries.State(new { memory = vm.MaxMemoryMiB, vcpus = vm.Vcpus, disks = vm.Disks.Select(d => d.SizeMiB), nics = vm.Nics.Count }),
                AuditAfter = vm => AuditEntries.State(new
                {
                    changes = VmModificationPlan.Describe(vm, VmModificationPlan.Effective(vm, change)).Select(l => l.Text),
                    reboot = rebootAfter,
                }),
            },
            ct);
    }

    /// <summary>
    /// Renames a VM: a valid host name (lower-case), not used by another VM of the cluster. Ganeti's name check
    /// (the name resolves) and IP check (its address is not in use) are sent as chosen.
    /// </summary>
    public Task<VmActionResult> RenameAsync(ClaimsPrincipal user, long vmId, string newName, bool nameCheck, bool ipCheck, CancellationToken ct = default)
    {
        var name = (newName ?? "").Trim().ToLowerInvariant();
        return RunWithNameCheckAsync(user, vmId, name, nameCheck, ipCheck, ct);
    }

    private async Task<VmActionResult> RunWithNameCheckAsync(ClaimsPrincipal user, long vmId, string name, bool nameCheck, bool ipCheck, CancellationToken ct)
    {
        // Read before the runner so the precheck (a plain function) can say "taken"; the runner reads the VM again.
        HashSet<string> taken;
        await using (var db = await contexts.CreateDbContextAsync(ct))
        {
            var clusterId = await db.VirtualMachines.AsNoTracking().Where(v => v.Id == vmId).Select(v => (int?)v.ClusterId).SingleOrDefaultAsync(ct);
            taken = clusterId is null ? []
                : [.. await db.VirtualMachines.AsNoTracking().Where(v => v.ClusterId == clusterId && v.Id != vmId && v.Name == name).Select(v => v.Name).ToListAsync(ct)];
        }

        return await runner.RunAsync(
            user, vmId, VmOperation.Modify, "vm.rename",
            vm => new RenameInstance(vm.Name, name, nameCheck, ipCheck),
            new VmActionOptions
            {
                Precheck = vm => !IsHostName(name) ? $"\"{name}\" is not a valid host name: letters, digits and hyphens in dot-separated labels of up to 63 characters."
                    : name == vm.Name ? "That is already its name."
                    : taken.Contains(name) ? $"Another virtual machine of this cluster is named {name}."
                    : vm.Status is VmStates.Running or VmStates.ErrorUp ? $"{vm.Name} is running: Ganeti renames only stopped instances. Shut it down first."
                    : null,
                AuditBefore = vm => AuditEntries.State(new { name = vm.Name }),
                AuditAfter = _ => AuditEntries.State(new { name, nameCheck, ipCheck }),
            },
            ct);
    }

    /// <summary>Reinstalls the OS (everything on the disks is lost): needs remove on the VM, like GWM.</summary>
    public async Task<VmActionResult> ReinstallAsync(ClaimsPrincipal user, long vmId, string? os, bool start, CancellationToken ct = default)
    {
        var chosen = string.IsNullOrWhiteSpace(os) ? null : os.Trim();

        // The cluster's OS list as last mirrored (/2/os). Read before the permission check, used only after it:
        // an empty list (a cluster not synced yet) leaves the choice to Ganeti, which refuses an unknown OS itself.
        List<string> offered;
        await using (var db = await contexts.CreateDbContextAsync(ct))
        {
            offered = await db.VirtualMachines.AsNoTracking().Where(v => v.Id == vmId)
                .Join(db.Clusters, v => v.ClusterId, c => c.Id, (v, c) => c.Info.OperatingSystems)
                .SingleOrDefaultAsync(ct) ?? [];
        }

        return await runner.RunAsync(
            user, vmId, VmOperation.Remove, "vm.reinstall",
            vm => new ReinstallInstance(vm.Name, chosen, start),
            new VmActionOptions
            {
                Precheck = vm => chosen is not null && !OsNamePattern().IsMatch(chosen) ? $"\"{chosen}\" is not an OS name (e.g. debootstrap+default)."
                    : chosen is not null && offered.Count > 0 && !offered.Contains(chosen, StringComparer.Ordinal) ? $"The cluster does not offer the OS \"{chosen}\"."
                    : vm.DiskTemplate is "diskless" ? "A diskless VM has no disk to install an OS on."
                    : null,
                AuditBefore = vm => AuditEntries.State(new { os = vm.Os }),
                AuditAfter = vm => AuditEntries.State(new { os = chosen ?? vm.Os, start }),
            },
            ct);
    }

    /// <summary>
    /// Migrates a running VM (live or not) to another node: DRBD to its secondary, shared storage to
    /// <paramref name="targetNode"/> or the allocator's choice. Needs migrate on the cluster; other disk templates are refused.
    /// </summary>
    public Task<VmActionResult> MigrateAsync(ClaimsPrincipal user, long vmId, bool live, string? targetNode, CancellationToken ct = default) =>
        runner.RunAsync(
            user, vmId, ClusterOperation.Migrate, "vm.migrate",
            vm => new MigrateInstance(vm.Name, live, MobilityOf(vm.DiskTemplate) == VmMobility.ExternalMirror ? Blank(targetNode) : null),
            new VmActionOptions
            {
                Precheck = vm => WhyNotMovable(vm, targetNode, "migrated") ?? (vm.Status != VmStates.Running ? $"{vm.Name} is not running: fail it over instead." : null),
                AuditBefore = vm => AuditEntries.State(new { node = vm.PrimaryNode }),
                AuditAfter = vm => AuditEntries.State(new { node = Blank(targetNode) ?? vm.SecondaryNodes.FirstOrDefault(), live }),
            },
            ct);

    /// <summary>Fails a VM over (stop, start on the other node): same rules as migrate, and it need not be running.</summary>
    public Task<VmActionResult> FailoverAsync(ClaimsPrincipal user, long vmId, string? targetNode, CancellationToken ct = default) =>
        runner.RunAsync(
            user, vmId, ClusterOperation.Migrate, "vm.failover",
            vm => new FailoverInstance(vm.Name, MobilityOf(vm.DiskTemplate) == VmMobility.ExternalMirror ? Blank(targetNode) : null),
            new VmActionOptions
            {
                Precheck = vm => WhyNotMovable(vm, targetNode, "failed over"),
                AuditBefore = vm => AuditEntries.State(new { node = vm.PrimaryNode }),
                AuditAfter = vm => AuditEntries.State(new { node = Blank(targetNode) ?? vm.SecondaryNodes.FirstOrDefault() }),
            },
            ct);

    /// <summary>Rebuilds a DRBD VM's disks (needs replace_disks on the cluster); other disk templates have nothing to replace.</summary>
    public Task<VmActionResult> ReplaceDisksAsync(ClaimsPrincipal user, long vmId, ReplaceDisksMode mode, string? newSecondary, CancellationToken ct = default) =>
        runner.RunAsync(
            user, vmId, ClusterOperation.ReplaceDisks, "vm.replace-disks",
            vm => new ReplaceInstanceDisks(vm.Name, mode, mode == ReplaceDisksMode.ReplaceNewSecondary ? Blank(newSecondary) : null,
                mode == ReplaceDisksMode.ReplaceNewSecondary && Blank(newSecondary) is null ? "hail" : null),
            new VmActionOptions
            {
                Precheck = vm => vm.DiskTemplate != "drbd" ? $"Disks are replaced only on DRBD; {vm.Name} uses {vm.DiskTemplate ?? "no known disk template"}."
                    : mode == ReplaceDisksMode.ReplaceNewSecondary && Blank(newSecondary) is { } node && (node == vm.PrimaryNode || vm.SecondaryNodes.Contains(node))
                        ? $"{node} already holds {vm.Name}'s disks: choose another node."
                    : null,
                AuditAfter = _ => AuditEntries.State(new { mode = mode.ToString(), newSecondary = Blank(newSecondary) }),
            },
            ct);

    /// <summary>
    /// Deletes a VM once its name is typed exactly. The VM shows "pending delete" from the moment the job is
    /// recorded (the flag commits with the intent) until the sync sees the instance gone and removes the row; its
    /// usage counts until then (product-spec §5). A failed delete clears the flag (<see cref="PendingDeleteReleaser"/>).
    /// </summary>
    public async Task<VmActionResult> DeleteAsync(ClaimsPrincipal user, long vmId, string typedName, CancellationToken ct = default)
    {
        int? flaggedIn = null;
        var result = await runner.RunAsync(
            user, vmId, VmOperation.Remove, "vm.delete",
            vm => new DeleteInstance(vm.Name, 120),
            new VmActionOptions
            {
                Precheck = vm => string.Equals((typedName ?? "").Trim(), vm.Name, StringComparison.OrdinalIgnoreCase)
                    ? null
                    : $"Type the name {vm.Name} exactly to delete it.",
                AlongIntent = async (db, vm, c) =>
                {
                    await db.VirtualMachines.Where(v => v.Id == vm.Id).ExecuteUpdateAsync(u => u.SetProperty(v => v.PendingDelete, true), c);
                    flaggedIn = vm.ClusterId;
                },
                UndoOnRefusal = (db, vm, c) => db.VirtualMachines.Where(v => v.Id == vm.Id).ExecuteUpdateAsync(u => u.SetProperty(v => v.PendingDelete, false), c),
                AuditBefore = vm => AuditEntries.State(new { name = vm.Name, os = vm.Os, node = vm.PrimaryNode, memory = vm.MaxMemoryMiB, disk = vm.DiskTotalMiB }),
            },
            ct);
        if (flaggedIn is { } clusterId)
        {
            liveUpdates.Publish(new VirtualMachinesChanged(clusterId, [vmId]));
        }

        return result;
    }

    /// <summary>Adds tags in Ganeti (needs tags on the VM). Ownership tags (<c>gwm:owner:…</c>) are the portal's: refused.</summary>
    public Task<VmActionResult> AddTagsAsync(ClaimsPrincipal user, long vmId, IReadOnlyList<string> tags, CancellationToken ct = default)
    {
        var clean = CleanTags(tags);
        return runner.RunAsync(
            user, vmId, VmOperation.Tags, "vm.tags.add",
            vm => new AddInstanceTags(vm.Name, [.. clean.Where(t => !vm.Tags.Contains(t))]),
            new VmActionOptions
            {
                Precheck = vm => WhyNotTags(clean) ?? (clean.All(vm.Tags.Contains) ? "It has those tags already." : null),
                AuditAfter = _ => AuditEntries.State(new { added = clean }),
            },
            ct);
    }

    /// <summary>Removes tags in Ganeti (needs tags on the VM); ownership tags are refused, as for adding.</summary>
    public Task<VmActionResult> RemoveTagsAsync(ClaimsPrincipal user, long vmId, IReadOnlyList<string> tags, CancellationToken ct = default)
    {
        var clean = CleanTags(tags);
        return runner.RunAsync(
            user, vmId, VmOperation.Tags, "vm.tags.remove",
            vm => new RemoveInstanceTags(vm.Name, [.. clean.Where(vm.Tags.Contains)]),
            new VmActionOptions
            {
                Precheck = vm => WhyNotTags(clean) ?? (!clean.Any(vm.Tags.Contains) ? "It has none of those tags." : null),
                AuditAfter = _ => AuditEntries.State(new { removed = clean }),
            },
            ct);
    }

    /// <summary>The portal's notes on a VM (never sent to Ganeti): needs modify; audited with before and after.</summary>
    public async Task<VmEditResult> SetNotesAsync(ClaimsPrincipal user, long vmId, string notes, CancellationToken ct = default)
    {
        if (!await guard.AllowsAsync(user, new VmResource(vmId), VmOperation.Modify, "vm.notes", ct))
        {
            return new VmEditResult(false, "You do not have the modify permission on this virtual machine.");
        }

        var text = (notes ?? "").Replace("\r\n", "\n", StringComparison.Ordinal).Trim();
        if (text.Length > MaxNotesLength)
        {
            return new VmEditResult(false, $"Notes are at most {MaxNotesLength} characters ({text.Length} given).");
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        var vm = await db.VirtualMachines.SingleOrDefaultAsync(v => v.Id == vmId, ct);
        if (vm is null)
        {
            return new VmEditResult(false, "The virtual machine no longer exists in the portal.");
        }

        if (vm.Notes == text)
        {
            return new VmEditResult(true, "Nothing changed.");
        }

        var entry = Entry(user, "vm.notes", vm);
        entry.Before = AuditEntries.State(new { notes = vm.Notes });
        entry.After = AuditEntries.State(new { notes = text });
        vm.Notes = text;
        audit.Add(db, entry);
        await db.SaveChangesAsync(ct);
        liveUpdates.Publish(new VirtualMachinesChanged(vm.ClusterId, [vm.Id]));
        return new VmEditResult(true, "Notes saved.");
    }

    /// <summary>
    /// Locks or unlocks a VM (cluster admins): while locked, its owners and VM-level grantees may only view it
    /// (<see cref="AccessRules.OnVm"/>), which every action and the console check at the moment they run.
    /// </summary>
    public async Task<VmEditResult> SetLockedAsync(ClaimsPrincipal user, long vmId, bool locked, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var vm = await db.VirtualMachines.SingleOrDefaultAsync(v => v.Id == vmId, ct);
        var action = locked ? "vm.lock" : "vm.unlock";
        if (vm is null || !await guard.AllowsAsync(user, new ClusterResource(vm.ClusterId), ClusterOperation.Admin, action, ct))
        {
            if (vm is null)
            {
                await audit.RecordRefusalAsync(user, action, new VmResource(vmId), "no such virtual machine", ct);
            }

            return new VmEditResult(false, "Only the cluster's admins may lock or unlock a virtual machine.");
        }

        if (vm.IsLocked == locked)
        {
            return new VmEditResult(true, locked ? "It is locked already." : "It is not locked.");
        }

        var entry = Entry(user, action, vm);
        entry.Before = AuditEntries.State(new { locked = vm.IsLocked });
        entry.After = AuditEntries.State(new { locked });
        vm.IsLocked = locked;
        audit.Add(db, entry);
        await db.SaveChangesAsync(ct);
        liveUpdates.Publish(new VirtualMachinesChanged(vm.ClusterId, [vm.Id]));
        // Open pages of its owners re-read their rights now (buttons go, an open console closes).
        liveUpdates.Publish(new AccessChanged());
        return new VmEditResult(true, locked ? $"{vm.Name} is locked: its owners can only view it." : $"{vm.Name} is unlocked.");
    }

    /// <summary>Ganeti's DTS_INT_MIRROR / DTS_EXT_MIRROR: which disk templates may migrate or fail over, and where to.</summary>
    public static VmMobility MobilityOf(string? diskTemplate) => diskTemplate switch
    {
        "drbd" => VmMobility.InternalMirror,
        "sharedfile" or "blockdev" or "rbd" or "ext" or "gluster" or "diskless" => VmMobility.ExternalMirror,
        _ => VmMobility.None,
    };

    internal static bool IsHostName(string name) =>
        name.Length is > 0 and <= 253 && name.Split('.').All(label => HostLabel().IsMatch(label));

    private static string? WhyNotMovable(VirtualMachine vm, string? targetNode, string verb)
    {
        var mobility = MobilityOf(vm.DiskTemplate);
        if (mobility == VmMobility.None)
        {
            return $"{vm.Name} cannot be {verb}: its disk template ({vm.DiskTemplate ?? "unknown"}) keeps the disks on one node.";
        }

        if (mobility == VmMobility.InternalMirror && vm.SecondaryNodes.Count == 0)
        {
            return $"{vm.Name} has no secondary node to move to.";
        }

        if (Blank(targetNode) is { } node && (mobility == VmMobility.InternalMirror ? !vm.SecondaryNodes.Contains(node) : node == vm.PrimaryNode))
        {
            return mobility == VmMobility.InternalMirror
                ? $"A DRBD VM moves to its secondary node only ({string.Join(", ", vm.SecondaryNodes)})."
                : $"{vm.Name} already runs on {node}.";
        }

        return null;
    }

    private static List<string> CleanTags(IReadOnlyList<string>? tags) =>
        [.. (tags ?? []).Select(t => (t ?? "").Trim()).Where(t => t.Length > 0).Distinct(StringComparer.Ordinal)];

    /// <summary>Ganeti's tag rule (letters, digits and <c>.+*/:@-_</c>, up to 128), and the portal's own tags kept out of reach.</summary>
    internal static string? WhyNotTags(IReadOnlyList<string> tags)
    {
        if (tags.Count == 0)
        {
            return "Give at least one tag.";
        }

        if (tags.FirstOrDefault(t => t.StartsWith(OwnershipTag.Prefix, StringComparison.OrdinalIgnoreCase)) is { } owner)
        {
            return $"{owner} records the owner for the portal: change the owner instead.";
        }

        if (tags.FirstOrDefault(t => t.Length > MaxTagLength || !TagPattern().IsMatch(t)) is { } bad)
        {
            return $"\"{bad}\" is not a Ganeti tag: up to {MaxTagLength} letters, digits and . + * / : @ - _.";
        }

        return null;
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static Domain.Audit.AuditEntry Entry(ClaimsPrincipal user, string action, VirtualMachine vm)
    {
        var entry = AuditEntries.By(user, action);
        entry.ClusterId = vm.ClusterId;
        entry.VirtualMachineId = vm.Id;
        entry.VmName = vm.Name;
        return entry;
    }

    [GeneratedRegex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")]
    private static partial Regex HostLabel();

    [GeneratedRegex(@"^[\w.+*/:@-]+$")]
    private static partial Regex TagPattern();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_.+-]{0,127}$")]
    private static partial Regex OsNamePattern();
}

/// <summary>A VM as the manage panel sees it, with what the user may do.</summary>
public sealed record VmManageState(
    long Id,
    int ClusterId,
    string Name,
    string? Os,
    string? DiskTemplate,
    VmMobility Mobility,
    string? PrimaryNode,
    IReadOnlyList<string> SecondaryNodes,
    IReadOnlyList<string> OtherNodes,
    long? MemoryMiB,
    int? Vcpus,
    IReadOnlyList<long> DiskSizesMiB,
    int NicCount,
    IReadOnlyDictionary<string, string> HvParams,
    IReadOnlyDictionary<string, string> OsParams,
    IReadOnlyList<string> Tags,
    string Notes,
    bool IsLocked,
    bool PendingDelete,
    VmPermissions Permissions,
    bool CanMigrate,
    bool CanReplaceDisks,
    bool IsClusterAdmin,
    IReadOnlyList<string> OperatingSystems)
{
    public bool Can(VmPermissions required) => (Permissions & required) == required;

    /// <summary>Migrate and failover are offered only where the disk template allows and the user holds migrate.</summary>
    public bool OffersMove => CanMigrate && Mobility != VmMobility.None;

    public bool OffersReplaceDisks => CanReplaceDisks && DiskTemplate == "drbd";

    /// <summary>Tags a user may edit: all but the portal's ownership tags.</summary>
    public IEnumerable<string> UserTags => Tags.Where(t => !t.StartsWith(OwnershipTag.Prefix, StringComparison.OrdinalIgnoreCase));
}

/// <summary>The confirm page of a modify.</summary>
public sealed record VmModifyPreview(IReadOnlyList<VmChangeLine> Lines, IReadOnlyList<string> Problems, Quotas.ResourceAmounts QuotaNeed, bool RebootSuggested);
