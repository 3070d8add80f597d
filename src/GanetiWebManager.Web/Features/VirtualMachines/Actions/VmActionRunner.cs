using System.Security.Claims;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Jobs;
using GanetiWebManager.Web.Domain.VirtualMachines;
using GanetiWebManager.Web.Features.Access;
using GanetiWebManager.Web.Features.Audit;
using GanetiWebManager.Web.Features.Jobs;
using Microsoft.EntityFrameworkCore;

namespace GanetiWebManager.Web.Features.VirtualMachines.Actions;

public enum VmActionOutcome
{
    /// <summary>Ganeti queued the job; it is followed live.</summary>
    Accepted,

    /// <summary>Sent, but the cluster did not answer; the portal checks its queue before anything else happens.</summary>
    Unconfirmed,

    /// <summary>Refused by the portal or by Ganeti; nothing runs.</summary>
    Refused,
}

/// <summary>What became of a VM action, in a sentence for the user.</summary>
public sealed record VmActionResult(VmActionOutcome Outcome, long? JobId, string Message)
{
    public static VmActionResult Refused(string message) => new(VmActionOutcome.Refused, null, message);
}

/// <summary>
/// The one path every VM action takes: the user's permission is checked again on the server at this moment
/// (<see cref="AccessGuard"/>; a refusal is audited and makes no RAPI request), the VM must exist in Ganeti and not be on its way out, its cluster must accept changes, no other
/// portal action on it may still be running; then the job goes through the outbox (<see cref="JobSubmitter"/>).
/// No RAPI request is made for a refused action. A new action is one line:
/// <c>runner.RunAsync(user, vmId, VmOperation.Modify, "vm.rename", vm =&gt; new RenameInstance(vm.Name, newName), ct)</c>.
/// Every submitted action is audited with its job.
/// </summary>
public sealed class VmActionRunner(IDbContextFactory<AppDbContext> contextFactory, JobSubmitter submitter, AccessGuard guard, IAuditLog audit)
{
    private static readonly Domain.Jobs.JobStatus[] Unfinished =
        [Domain.Jobs.JobStatus.Pending, Domain.Jobs.JobStatus.Queued, Domain.Jobs.JobStatus.Waiting, Domain.Jobs.JobStatus.Running, Domain.Jobs.JobStatus.Canceling];

    public async Task<VmActionResult> RunAsync(
        ClaimsPrincipal user, long vmId, VmOperation operation, string auditAction, Func<VirtualMachine, JobAction> action, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(action);

        if (!await guard.AllowsAsync(user, new VmResource(vmId), operation, auditAction, ct))
        {
            return VmActionResult.Refused($"You do not have the {operation.Name} permission on this virtual machine.");
        }

        VirtualMachine? vm;
        await using (var db = await contextFactory.CreateDbContextAsync(ct))
        {

            vm = await db.VirtualMachines.AsNoTracking().SingleOrDefaultAsync(v => v.Id == vmId, ct);
            if (vm is null)
            {
                return VmActionResult.Refused("The virtual machine no longer exists in the portal.");
            }

            if (vm.PendingDelete)
            {
                return VmActionResult.Refused($"{vm.Name} is being deleted.");
            }

            if (vm.MissingSince is not null)
            {
                return VmActionResult.Refused($"{vm.Name} no longer exists in Ganeti (missing since the sync of {vm.MissingSince:yyyy-MM-dd HH:mm} UTC).");
            }

            var cluster = await db.Clusters.AsNoTracking().Where(c => c.Id == vm.ClusterId)
                .Select(c => new { c.Slug, c.RapiUsername }).SingleAsync(ct);
            if (cluster.RapiUsername is null)
            {
                return VmActionResult.Refused($"Cluster {cluster.Slug} is read-only: the portal mirrors it but changes nothing there.");
            }

            var busy = await db.Jobs.AsNoTracking()
                .Where(j => j.VirtualMachineId == vm.Id && j.Source == JobSource.Portal && Unfinished.Contains(j.Status))
                .OrderByDescending(j => j.Id)
                .Select(j => new { j.Id, j.Operation, j.Summary })
                .FirstOrDefaultAsync(ct);
            if (busy is not null)
            {
                return VmActionResult.Refused($"Another action on {vm.Name} has not finished yet ({JobDescriptions.Describe(busy.Operation, busy.Summary)}, job {busy.Id}). Wait for it to end.");
            }
        }

        var result = await submitter.SubmitAsync(JobActionTarget.For(vm), action(vm), JobRequester.From(user), ct);
        // Allowed by the portal; if Ganeti itself refused the job, the entry says why.
        var entry = AuditEntries.By(user, auditAction);
        entry.ClusterId = vm.ClusterId;
        entry.VirtualMachineId = vm.Id;
        entry.VmName = vm.Name;
        entry.JobId = result.JobId;
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
