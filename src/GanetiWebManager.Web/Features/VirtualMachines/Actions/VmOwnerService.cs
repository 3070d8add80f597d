using System.Security.Claims;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Access;
using GanetiWebManager.Web.Features.Access;
using GanetiWebManager.Web.Features.Audit;
using GanetiWebManager.Web.Features.Jobs;
using GanetiWebManager.Web.Features.LiveUpdates;
using GanetiWebManager.Web.Features.Sync;
using Microsoft.EntityFrameworkCore;

namespace GanetiWebManager.Web.Features.VirtualMachines.Actions;

/// <summary>What became of an owner change.</summary>
public sealed record OwnerChangeResult(bool Succeeded, string Message, bool NeedsConfirmation = false);

/// <summary>
/// Changes who owns a VM (product-spec §3, §4: cluster admins and superusers choose any owner, or none). The
/// owner's implicit VM admin moves with it (ADR 0010). The portal's row changes at once, audited with before and
/// after; the ownership tag in Ganeti (<c>gwm:owner:…</c>, how a rebuilt portal recovers owners) follows through
/// two jobs of the outbox: the new tag is added before the old one is removed, so a crash in between leaves two
/// disagreeing tags (which the sync reads as "an admin decides"), never a VM that looks like an orphan.
/// </summary>
public sealed class VmOwnerService(
    IDbContextFactory<AppDbContext> contexts,
    AccessGuard guard,
    IAuditLog audit,
    JobSubmitter submitter,
    LiveUpdateHub liveUpdates)
{
    public async Task<OwnerChangeResult> ChangeOwnerAsync(ClaimsPrincipal user, long vmId, PrincipalRef? owner, bool confirmOverQuota, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var vm = await db.VirtualMachines.SingleOrDefaultAsync(v => v.Id == vmId, ct);
        // Reparenting is for the cluster's admins (gwm.md §13): the VM's own admins may not give it away.
        if (vm is null || !await guard.AllowsAsync(user, new ClusterResource(vm.ClusterId), ClusterOperation.Admin, "vm.owner.set", ct))
        {
            if (vm is null)
            {
                await audit.RecordRefusalAsync(user, "vm.owner.set", new VmResource(vmId), "no such virtual machine", ct);
            }

            return new OwnerChangeResult(false, "Only the cluster's admins may change who owns this virtual machine.");
        }

        if (owner is { } o && (o.UserId is null) == (o.GroupId is null))
        {
            return new OwnerChangeResult(false, "Choose one user or one group, or no owner.");
        }

        var before = await OwnerTagAsync(db, vm.OwnerUserId, vm.OwnerGroupId, ct);
        var after = owner is { } chosen ? await OwnerTagAsync(db, chosen.UserId, chosen.GroupId, ct) : null;
        if (owner is not null && after is null)
        {
            return new OwnerChangeResult(false, "That user or group no longer exists.");
        }

        if (vm.OwnerUserId == owner?.UserId && vm.OwnerGroupId == owner?.GroupId)
        {
            return new OwnerChangeResult(true, "Nothing changed.");
        }

        var cluster = await db.Clusters.Where(c => c.Id == vm.ClusterId).Select(c => new { c.Slug, c.RapiUsername }).SingleAsync(ct);
        vm.OwnerUserId = owner?.UserId;
        vm.OwnerGroupId = owner?.GroupId;
        var entry = AuditEntries.By(user, "vm.owner.set");
        entry.ClusterId = vm.ClusterId;
        entry.ClusterSlug = cluster.Slug;
        entry.VirtualMachineId = vm.Id;
        entry.VmName = vm.Name;
        entry.SubjectUserId = owner?.UserId;
        entry.GroupId = owner?.GroupId;
        entry.Before = AuditEntries.State(new { owner = before?.ToString() });
        entry.After = AuditEntries.State(new { owner = after?.ToString() });
        entry.Reason = confirmOverQuota ? "confirmed: may exceed the new owner's quota" : null;
        audit.Add(db, entry);
        await db.SaveChangesAsync(ct);
        liveUpdates.Publish(new VirtualMachinesChanged(vm.ClusterId, [vm.Id]));
        liveUpdates.Publish(new AccessChanged());

        if (cluster.RapiUsername is null)
        {
            return new OwnerChangeResult(true, "Owner changed. The cluster is read-only, so its ownership tag was left as it is.");
        }

        var requester = JobRequester.From(user);
        var jobTarget = JobActionTarget.For(vm);
        var tagNote = "";
        if (after is not null)
        {
            var added = await submitter.SubmitAsync(jobTarget, new AddInstanceTags(vm.Name, [after.ToString()]), requester, ct);
            tagNote = added.Submission == Domain.Jobs.JobSubmission.Rejected ? $" Ganeti refused the new ownership tag: {added.Message}" : "";
        }

        // Every ownership tag other than the new one goes: the old owner's, and any stray ones an admin left.
        var stale = vm.Tags.Where(t => t.StartsWith(OwnershipTag.Prefix, StringComparison.Ordinal) && t != after?.ToString()).ToList();
        if (before is not null && !stale.Contains(before.ToString()) && before.ToString() != after?.ToString())
        {
            stale.Add(before.ToString());
        }

        if (stale.Count > 0)
        {
            await submitter.SubmitAsync(jobTarget, new RemoveInstanceTags(vm.Name, stale), requester, ct);
        }

        return new OwnerChangeResult(true, $"Owner changed to {after?.Name ?? "nobody (orphan)"}.{tagNote}");
    }

    private static async Task<OwnershipTag?> OwnerTagAsync(AppDbContext db, Guid? userId, int? groupId, CancellationToken ct)
    {
        if (userId is { } u)
        {
            var name = await db.Users.Where(x => x.Id == u).Select(x => x.UserName).SingleOrDefaultAsync(ct);
            return name is null ? null : new OwnershipTag(Sync.OwnerKind.User, name);
        }

        if (groupId is { } g)
        {
            var slug = await db.Groups.Where(x => x.Id == g).Select(x => x.Slug).SingleOrDefaultAsync(ct);
            return slug is null ? null : new OwnershipTag(Sync.OwnerKind.Group, slug);
        }

        return null;
    }
}
