using System.Security.Claims;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Jobs;
using GanetiWebManager.Web.Features.Access;
using GanetiWebManager.Web.Features.Audit;
using GanetiWebManager.Web.Features.Jobs;
using GanetiWebManager.Web.Features.Sync;
using GanetiWebManager.Web.Features.VirtualMachines.Actions;
using Microsoft.EntityFrameworkCore;

namespace GanetiWebManager.Web.Features.Clusters.Actions;

/// <summary>
/// Cluster actions of product-spec §8: refresh (an on-demand sync) and redistribute config for the cluster's
/// admins, cluster tags for holders of <c>tags</c>. Re-authorized at the moment they run, audited, jobs through the outbox.
/// </summary>
public sealed class ClusterActionService(IDbContextFactory<AppDbContext> contexts, AccessGuard guard, JobSubmitter submitter, IAuditLog audit, SyncRequests syncRequests)
{
    /// <summary>Asks the sync to read the cluster now (no Ganeti job; the page updates when it has run).</summary>
    public async Task<VmActionResult> RefreshAsync(ClaimsPrincipal user, int clusterId, CancellationToken ct = default)
    {
        if (!await guard.AllowsAsync(user, new ClusterResource(clusterId), ClusterOperation.Admin, "cluster.refresh", ct))
        {
            return VmActionResult.Refused("You do not have the admin permission on this cluster: only its admins refresh it.");
        }

        syncRequests.Request(clusterId);
        var entry = AuditEntries.By(user, "cluster.refresh");
        entry.ClusterId = clusterId;
        await audit.RecordAsync(entry, CancellationToken.None);
        return new VmActionResult(VmActionOutcome.Accepted, null, "The cluster is being read now.");
    }

    public Task<VmActionResult> RedistributeConfigAsync(ClaimsPrincipal user, int clusterId, CancellationToken ct = default) =>
        RunAsync(user, clusterId, ClusterOperation.Admin, "cluster.redistribute-config", _ => null, new RedistributeConfig(), null, ct);

    /// <summary>Adds cluster tags (Ganeti's tag rule; the portal's <c>gwm:</c> tags are not for editing here either).</summary>
    public Task<VmActionResult> AddTagsAsync(ClaimsPrincipal user, int clusterId, IReadOnlyList<string> tags, CancellationToken ct = default)
    {
        var clean = Clean(tags);
        return RunAsync(user, clusterId, ClusterOperation.Tags, "cluster.tags.add",
            existing => VmManageService.WhyNotTags(clean) ?? (clean.All(existing.Contains) ? "The cluster has those tags already." : null),
            new AddClusterTags(clean), AuditEntries.State(new { added = clean }), ct);
    }

    public Task<VmActionResult> RemoveTagsAsync(ClaimsPrincipal user, int clusterId, IReadOnlyList<string> tags, CancellationToken ct = default)
    {
        var clean = Clean(tags);
        return RunAsync(user, clusterId, ClusterOperation.Tags, "cluster.tags.remove",
            existing => VmManageService.WhyNotTags(clean) ?? (!clean.Any(existing.Contains) ? "The cluster has none of those tags." : null),
            new RemoveClusterTags(clean), AuditEntries.State(new { removed = clean }), ct);
    }

    private static List<string> Clean(IReadOnlyList<string>? tags) =>
        [.. (tags ?? []).Select(t => (t ?? "").Trim()).Where(t => t.Length > 0).Distinct(StringComparer.Ordinal)];

    private async Task<VmActionResult> RunAsync(
        ClaimsPrincipal user, int clusterId, ClusterOperation operation, string auditAction, Func<IReadOnlyList<string>, string?> precheck, JobAction action, string? after, CancellationToken ct)
    {
        if (!await guard.AllowsAsync(user, new ClusterResource(clusterId), operation, auditAction, ct))
        {
            return VmActionResult.Refused($"You do not have the {operation.Name} permission on this cluster.");
        }

        Domain.Clusters.Cluster? cluster;
        await using (var db = await contexts.CreateDbContextAsync(ct))
        {
            cluster = await db.Clusters.AsNoTracking().SingleOrDefaultAsync(c => c.Id == clusterId, ct);
        }

        if (cluster is null)
        {
            return VmActionResult.Refused("The cluster no longer exists in the portal.");
        }

        if (cluster.RapiUsername is null)
        {
            return VmActionResult.Refused($"Cluster {cluster.Slug} is read-only: the portal mirrors it but changes nothing there.");
        }

        if (precheck(cluster.Info.Tags) is { } whyNot)
        {
            return VmActionResult.Refused(whyNot);
        }

        var result = await submitter.SubmitAsync(JobActionTarget.For(cluster), action, JobRequester.From(user), ct);
        var entry = AuditEntries.By(user, auditAction);
        entry.ClusterId = cluster.Id;
        entry.ClusterSlug = cluster.Slug;
        entry.JobId = result.JobId;
        entry.After = after;
        entry.Reason = result.Submission == JobSubmission.Rejected ? $"Ganeti refused: {result.Message}" : null;
        await audit.RecordAsync(entry, CancellationToken.None);
        return result.Submission switch
        {
            JobSubmission.Submitted => new VmActionResult(VmActionOutcome.Accepted, result.JobId, $"Ganeti job {result.GanetiJobId} was queued."),
            JobSubmission.Pending => new VmActionResult(VmActionOutcome.Unconfirmed, result.JobId, result.Message ?? "Waiting for the cluster to confirm the request."),
            _ => new VmActionResult(VmActionOutcome.Refused, result.JobId, result.Message ?? "The request was refused."),
        };
    }
}
