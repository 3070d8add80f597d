using System.Security.Claims;
using GanetiWebManager.Rapi.Requests;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Jobs;
using GanetiWebManager.Web.Features.Access;
using GanetiWebManager.Web.Features.Audit;
using GanetiWebManager.Web.Features.Jobs;
using GanetiWebManager.Web.Features.VirtualMachines.Actions;
using Microsoft.EntityFrameworkCore;
using DomainNodeRole = GanetiWebManager.Web.Domain.Clusters.NodeRole;
using RapiNodeRole = GanetiWebManager.Rapi.Models.NodeRole;

namespace GanetiWebManager.Web.Features.Nodes.Actions;

/// <summary>The roles a node can be given through the portal (the master role only through a master failover).</summary>
public enum NodeRoleChoice
{
    MasterCandidate,
    Regular,
    Drained,
    Offline,
}

/// <summary>
/// Node actions of product-spec §8 (cluster admins and holders of <c>migrate</c>): role change, migrate all
/// primaries, evacuate. Each is re-authorized on the cluster at the moment it runs (a refusal is audited and sends
/// nothing), refused on read-only clusters and while another portal job on the node runs, submitted through the
/// outbox and audited. Node migrate and evacuate answer with child jobs, which the job follower records under
/// the parent and follows (the node page lists them live).
/// </summary>
public sealed class NodeActionService(IDbContextFactory<AppDbContext> contexts, AccessGuard guard, JobSubmitter submitter, IAuditLog audit)
{
    private static readonly JobStatus[] Unfinished = [JobStatus.Pending, JobStatus.Queued, JobStatus.Waiting, JobStatus.Running, JobStatus.Canceling];

    /// <summary>Sets a node's role. The master's role is never changed here: Ganeti allows that only through <c>gnt-cluster master-failover</c>.</summary>
    public Task<VmActionResult> SetRoleAsync(ClaimsPrincipal user, int nodeId, NodeRoleChoice role, CancellationToken ct = default) =>
        RunAsync(user, nodeId, "node.role", node =>
            node.Role == DomainNodeRole.Master
                ? $"{node.Name} is the master: its role changes only by a master failover, run with gnt-cluster master-failover on the node that is to become master."
                : RoleOf(node) == role ? $"{node.Name} is {Describe(role)} already."
                : null,
            (node, _) => new SetNodeRole(node.Name, role switch
            {
                NodeRoleChoice.MasterCandidate => RapiNodeRole.MasterCandidate,
                NodeRoleChoice.Regular => RapiNodeRole.Regular,
                NodeRoleChoice.Drained => RapiNodeRole.Drained,
                _ => RapiNodeRole.Offline,
            }, Force: false),
            node => AuditEntries.State(new { role = RoleOf(node)?.ToString() ?? node.Role.ToString() }),
            _ => AuditEntries.State(new { role = role.ToString() }),
            ct);

    /// <summary>Migrates every primary instance of the node: to <paramref name="targetNode"/> (shared storage) or where the allocator chooses.</summary>
    public Task<VmActionResult> MigrateAsync(ClaimsPrincipal user, int nodeId, bool live, string? targetNode, CancellationToken ct = default) =>
        RunAsync(user, nodeId, "node.migrate", node =>
            node.PrimaryInstanceCount == 0 ? $"{node.Name} has no primary instances to migrate."
            : Blank(targetNode) == node.Name ? "Choose another node as the target."
            : null,
            (node, allocator) => new MigrateNode(node.Name, live, Blank(targetNode), Blank(targetNode) is null ? allocator : null),
            null,
            _ => AuditEntries.State(new { live, target = Blank(targetNode) ?? "allocator" }),
            ct);

    /// <summary>
    /// Moves instances off the node: primaries (always through the allocator: Ganeti refuses a target node for them)
    /// and/or secondaries (to <paramref name="targetNode"/> or the allocator's choice). Drain the node first so nothing lands back.
    /// </summary>
    public Task<VmActionResult> EvacuateAsync(ClaimsPrincipal user, int nodeId, NodeEvacuationMode mode, string? targetNode, CancellationToken ct = default) =>
        RunAsync(user, nodeId, "node.evacuate", node =>
            mode == NodeEvacuationMode.All ? "Choose primaries or secondaries: Ganeti evacuates one kind at a time."
            : mode == NodeEvacuationMode.PrimaryOnly && Blank(targetNode) is not null ? "Primary instances are placed by the allocator; a target node is only for secondaries."
            : Blank(targetNode) == node.Name ? "Choose another node as the target."
            : (mode == NodeEvacuationMode.PrimaryOnly ? node.PrimaryInstanceCount : node.SecondaryInstanceCount) == 0
                ? $"{node.Name} has no {(mode == NodeEvacuationMode.PrimaryOnly ? "primary" : "secondary")} instances."
            : null,
            (node, allocator) => new EvacuateNode(node.Name, mode, Blank(targetNode) is null ? allocator : null, Blank(targetNode)),
            null,
            _ => AuditEntries.State(new { mode = mode.ToString(), target = Blank(targetNode) ?? "allocator" }),
            ct);

    public static string Describe(NodeRoleChoice role) => role switch
    {
        NodeRoleChoice.MasterCandidate => "a master candidate",
        NodeRoleChoice.Regular => "regular",
        NodeRoleChoice.Drained => "drained",
        _ => "offline",
    };

    private static NodeRoleChoice? RoleOf(Domain.Clusters.Node node) => node.Role switch
    {
        DomainNodeRole.Candidate => NodeRoleChoice.MasterCandidate,
        DomainNodeRole.Regular => NodeRoleChoice.Regular,
        DomainNodeRole.Drained => NodeRoleChoice.Drained,
        DomainNodeRole.Offline => NodeRoleChoice.Offline,
        _ => null,
    };

    private async Task<VmActionResult> RunAsync(
        ClaimsPrincipal user,
        int nodeId,
        string auditAction,
        Func<Domain.Clusters.Node, string?> precheck,
        Func<Domain.Clusters.Node, string, JobAction> action,
        Func<Domain.Clusters.Node, string?>? before,
        Func<Domain.Clusters.Node, string?> after,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(user);
        Domain.Clusters.Node? node;
        await using (var db = await contexts.CreateDbContextAsync(ct))
        {
            node = await db.Nodes.AsNoTracking().SingleOrDefaultAsync(n => n.Id == nodeId, ct);
        }

        if (node is null)
        {
            await audit.RecordRefusalAsync(user, auditAction, null, $"no such node ({nodeId})", ct);
            return VmActionResult.Refused("The node no longer exists in the portal.");
        }

        if (!await guard.AllowsAsync(user, new ClusterResource(node.ClusterId), ClusterOperation.Migrate, auditAction, ct))
        {
            return VmActionResult.Refused("You do not have the migrate permission on this cluster.");
        }

        string allocator;
        await using (var db = await contexts.CreateDbContextAsync(ct))
        {
            var cluster = await db.Clusters.AsNoTracking().Where(c => c.Id == node.ClusterId).Select(c => new { c.Slug, c.RapiUsername, c.Info.DefaultIallocator }).SingleAsync(ct);
            // Moving primaries needs an allocator: the cluster's default, else hail (Ganeti's standard one).
            allocator = string.IsNullOrWhiteSpace(cluster.DefaultIallocator) ? "hail" : cluster.DefaultIallocator;
            if (cluster.RapiUsername is null)
            {
                return VmActionResult.Refused($"Cluster {cluster.Slug} is read-only: the portal mirrors it but changes nothing there.");
            }

            if (node.MissingSince is not null)
            {
                return VmActionResult.Refused($"{node.Name} no longer exists in Ganeti.");
            }

            var busy = await db.Jobs.AsNoTracking()
                .Where(j => j.NodeId == node.Id && j.Source == JobSource.Portal && j.ParentJobId == null && Unfinished.Contains(j.Status))
                .Select(j => new { j.Id, j.Operation, j.Summary })
                .FirstOrDefaultAsync(ct);
            if (busy is not null)
            {
                return VmActionResult.Refused($"Another action on {node.Name} has not finished yet ({JobDescriptions.Describe(busy.Operation, busy.Summary)}, job {busy.Id}). Wait for it to end.");
            }
        }

        if (precheck(node) is { } whyNot)
        {
            return VmActionResult.Refused(whyNot);
        }

        var result = await submitter.SubmitAsync(JobActionTarget.For(node), action(node, allocator), JobRequester.From(user), ct);
        var entry = AuditEntries.By(user, auditAction);
        entry.ClusterId = node.ClusterId;
        entry.NodeName = node.Name;
        entry.JobId = result.JobId;
        entry.Before = before?.Invoke(node);
        entry.After = after(node);
        entry.Reason = result.Submission == JobSubmission.Rejected ? $"Ganeti refused: {result.Message}" : null;
        await audit.RecordAsync(entry, CancellationToken.None);
        return result.Submission switch
        {
            JobSubmission.Submitted => new VmActionResult(VmActionOutcome.Accepted, result.JobId, $"Ganeti job {result.GanetiJobId} was queued."),
            JobSubmission.Pending => new VmActionResult(VmActionOutcome.Unconfirmed, result.JobId, result.Message ?? "Waiting for the cluster to confirm the request."),
            _ => new VmActionResult(VmActionOutcome.Refused, result.JobId, result.Message ?? "The request was refused."),
        };
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
