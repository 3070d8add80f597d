using GanetiWebManager.Rapi;
using GanetiWebManager.Rapi.Models;
using GanetiWebManager.Rapi.Requests;
using GanetiWebManager.Web.Domain.Jobs;
using GanetiWebManager.Web.Features.Jobs;

namespace GanetiWebManager.Web.Features.VirtualMachines.Actions;

/// <summary><c>PUT /2/instances/{name}/startup</c>.</summary>
[JobAction(JobOperations.InstanceStartup)]
public sealed record StartInstance(string InstanceName) : JobAction
{
    public override Task<JobId> SubmitAsync(IGanetiRapiClient rapi, string? reason, CancellationToken ct) =>
        rapi.StartupInstanceAsync(InstanceName, new StartupInstanceOptions { Reason = reason }, ct);
}

/// <summary>
/// <c>PUT /2/instances/{name}/shutdown</c>: the guest is asked to power off and, after <see cref="TimeoutSeconds"/>,
/// stopped anyway; 0 stops it at once (pulling the plug).
/// </summary>
[JobAction(JobOperations.InstanceShutdown)]
public sealed record ShutdownInstance(string InstanceName, int TimeoutSeconds) : JobAction
{
    public override Task<JobId> SubmitAsync(IGanetiRapiClient rapi, string? reason, CancellationToken ct) =>
        rapi.ShutdownInstanceAsync(InstanceName, new ShutdownInstanceOptions { Timeout = TimeoutSeconds, Reason = reason }, ct);
}

/// <summary>
/// <c>POST /2/instances/{name}/reboot</c>: soft (the guest reboots itself) or hard (Ganeti stops and starts it; the
/// guest gets <see cref="ShutdownTimeoutSeconds"/> to shut down first).
/// </summary>
[JobAction(JobOperations.InstanceReboot)]
public sealed record RebootInstance(string InstanceName, bool Hard, int? ShutdownTimeoutSeconds = null) : JobAction
{
    public override Task<JobId> SubmitAsync(IGanetiRapiClient rapi, string? reason, CancellationToken ct) =>
        rapi.RebootInstanceAsync(
            InstanceName,
            new RebootInstanceOptions { Type = Hard ? RebootType.Hard : RebootType.Soft, ShutdownTimeout = ShutdownTimeoutSeconds, Reason = reason },
            ct);
}
