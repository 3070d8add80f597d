using System.Security.Claims;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Jobs;
using GanetiWebManager.Web.Domain.VirtualMachines;
using GanetiWebManager.Web.Features.Access;
using GanetiWebManager.Web.Features.Audit;
using GanetiWebManager.Web.Features.Jobs;
using GanetiWebManager.Web.Features.Quotas;
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
public sealed class VmActionRunner(IDbContextFactory<AppDbContext> contextFactory, JobSubmitter submitter, AccessGuard guard, IAuditLog audit, QuotaService quotas)
{
    private static readonly Domain.Jobs.JobStatus[] Unfinished =
        [Domain.Jobs.JobStatus.Pending, Domain.Jobs.JobStatus.Queued, Domain.Jobs.JobStatus.Waiting, Domain.Jobs.JobStatus.Running, Domain.Jobs.JobStatus.Canceling];

    public Task<VmActionResult> RunAsync(
        ClaimsPrincipal user, long vmId, VmOperation operation, string auditAction, Func<VirtualMachine, JobAction> action, CancellationToken ct = default) =>
        RunAsync(user, vmId, operation, auditAction, action, quota: null, ct);

    /// <summary>
    /// As above, and when <paramref name="quota"/> is given, what the action adds to the VM owner's usage is reserved
    /// against their quota after every other check and before the job is recorded (ADR 0008): a refusal names the
    /// resource, the need and what is left, is audited, and sends nothing; the reservation is linked to the job
    /// intent in its transaction, and released at once when the submission is refused. Orphans are charged to nobody.
    /// </summary>
    public Task<VmActionResult> RunAsync(
        ClaimsPrincipal user, long vmId, VmOperation operation, string auditAction, Func<VirtualMachine, JobAction> action, VmQuotaCharge? quota, CancellationToken ct = default) =>
        RunAsync(user, vmId, operation, auditAction, action, new VmActionOptions { Quota = quota }, ct);

    /// <summary>As above, with every option of <see cref="VmActionOptions"/> (state checks, rows written with the intent, audit details).</summary>
    public async Task<VmActionResult> RunAsync(
        ClaimsPrincipal user, long vmId, VmOperation operation, string auditAction, Func<VirtualMachine, JobAction> action, VmActionOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(action);
        ArgumentNullException.ThrowIfNull(options);

        if (!await guard.AllowsAsync(user, new VmResource(vmId), operation, auditAction, ct))
        {
            return VmActionResult.Refused($"You do not have the {operation.Name} permission on this virtual machine.");
        }

        return await RunAllowedAsync(user, vmId, auditAction, action, options, ct);
    }

    /// <summary>
    /// An action on a VM that a cluster-level permission allows (migrate, failover: <c>migrate</c>; replace disks:
    /// <c>replace_disks</c>; lock: <c>admin</c>), with every other check of the VM path. The lock does not stop these:
    /// it binds the VM's owners and VM-level grantees only (product-spec §3).
    /// </summary>
    public async Task<VmActionResult> RunAsync(
        ClaimsPrincipal user, long vmId, ClusterOperation operation, string auditAction, Func<VirtualMachine, JobAction> action, VmActionOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(action);
        ArgumentNullException.ThrowIfNull(options);

        int? clusterId;
        await using (var db = await contextFactory.CreateDbContextAsync(ct))
        {
            clusterId = await db.VirtualMachines.AsNoTracking().Where(v => v.Id == vmId).Select(v => (int?)v.ClusterId).SingleOrDefaultAsync(ct);
        }

        if (clusterId is null)
        {
            await audit.RecordRefusalAsync(user, auditAction, new VmResource(vmId), "no such virtual machine", ct);
            return VmActionResult.Refused("The virtual machine no longer exists in the portal.");
        }

        if (!await guard.AllowsAsync(user, new ClusterResource(clusterId.Value), operation, auditAction, ct))
        {
            return VmActionResult.Refused($"You do not have the {operation.Name} permission on this cluster.");
        }

        return await RunAllowedAsync(user, vmId, auditAction, action, options, ct);
    }

    private async Task<VmActionResult> RunAllowedAsync(
        ClaimsPrincipal user, long vmId, string auditAction, Func<VirtualMachine, JobAction> action, VmActionOptions options, CancellationToken ct)
    {
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

        // The action's own conditions (state, disk template, a name still free), on the row as it is now.
        if (options.Precheck is not null && options.Precheck(vm) is { } whyNot)
        {
            return VmActionResult.Refused(whyNot);
        }

        QuotaHold? hold = null;
        var quota = options.Quota;
        if (quota is not null && QuotaOwner.Of(vm.OwnerUserId, vm.OwnerGroupId) is { } owner)
        {
            var decision = await quotas.TryReserveAsync(
                user, new QuotaRequest(vm.ClusterId, owner, quota.Need(vm), quota.Purpose, vm.Name, vm.Id, auditAction, quota.ConfirmOverQuota), ct);
            if (!decision.Granted)
            {
                return VmActionResult.Refused(decision.Message ?? "Not enough quota.");
            }

            hold = decision.Hold;
        }

        Func<AppDbContext, Job, CancellationToken, Task>? alongIntent = (hold, options.AlongIntent) switch
        {
            (null, null) => null,
            ({ } h, null) => h.LinkIntentAsync,
            (null, { } a) => (db, job, c) => a(db, vm, c),
            ({ } h, { } a) => async (db, job, c) =>
            {
                await h.LinkIntentAsync(db, job, c);
                await a(db, vm, c);
            },
        };
        var result = await submitter.SubmitAsync(JobActionTarget.For(vm), action(vm), JobRequester.From(user), alongIntent, ct);
        var refused = result.JobId is null || result.Submission == JobSubmission.Rejected;
        if (hold is not null && refused)
        {
            await quotas.ReleaseAsync(hold, "the submission was refused", CancellationToken.None);
        }

        if (refused && options.UndoOnRefusal is not null && result.JobId is not null)
        {
            // The rows written with the intent stand for a job that will never run.
            await using var db = await contextFactory.CreateDbContextAsync(CancellationToken.None);
            await options.UndoOnRefusal(db, vm, CancellationToken.None);
        }

        // Allowed by the portal; if Ganeti itself refused the job, the entry says why.
        var entry = AuditEntries.By(user, auditAction);
        entry.ClusterId = vm.ClusterId;
        entry.VirtualMachineId = vm.Id;
        entry.VmName = vm.Name;
        entry.JobId = result.JobId;
        entry.Before = options.AuditBefore?.Invoke(vm);
        entry.After = options.AuditAfter?.Invoke(vm);
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

/// <summary>What else a VM action needs besides its permission and job (see <see cref="VmActionRunner"/>).</summary>
public sealed record VmActionOptions
{
    /// <summary>What the action adds to the owner's usage (reserved against their quota), or null.</summary>
    public VmQuotaCharge? Quota { get; init; }

    /// <summary>Why the action cannot run on the VM as it is now (wrong state, disk template...), or null when it can.</summary>
    public Func<VirtualMachine, string?>? Precheck { get; init; }

    /// <summary>Rows written in the job intent's transaction (e.g. the pending-delete flag): both commit or neither.</summary>
    public Func<AppDbContext, VirtualMachine, CancellationToken, Task>? AlongIntent { get; init; }

    /// <summary>Undoes <see cref="AlongIntent"/> when the submission is refused outright.</summary>
    public Func<AppDbContext, VirtualMachine, CancellationToken, Task>? UndoOnRefusal { get; init; }

    /// <summary>The audit entry's before and after (JSON), from the VM as it was read.</summary>
    public Func<VirtualMachine, string?>? AuditBefore { get; init; }

    public Func<VirtualMachine, string?>? AuditAfter { get; init; }
}

/// <summary>What a VM action charges to the VM owner's quota (see <see cref="VmActionRunner"/>).</summary>
/// <param name="Need">What the action adds to usage, computed from the VM as it is now.</param>
/// <param name="Purpose">Decides when a successful job counts as mirrored.</param>
/// <param name="ConfirmOverQuota">A cluster admin's explicit confirmation to exceed the quota (audited).</param>
public sealed record VmQuotaCharge(Func<VirtualMachine, ResourceAmounts> Need, Domain.Quotas.QuotaPurpose Purpose, bool ConfirmOverQuota = false);
