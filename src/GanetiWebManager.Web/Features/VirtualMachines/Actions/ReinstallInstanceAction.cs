using GanetiWebManager.Rapi;
using GanetiWebManager.Rapi.Models;
using GanetiWebManager.Rapi.Requests;
using GanetiWebManager.Web.Domain.Jobs;
using GanetiWebManager.Web.Features.Jobs;

namespace GanetiWebManager.Web.Features.VirtualMachines.Actions;

/// <summary>
/// <c>POST /2/instances/{name}/reinstall</c>: one job of shutdown, reinstall and (optionally) startup. RAPI refuses
/// any query argument with this body, the reason included, so the job carries no marker: after a crash it is
/// recognised by its <c>INSTANCE_REINSTALL(name)</c> opcode and the time it was received.
/// </summary>
[JobAction(JobOperations.InstanceReinstall)]
public sealed record ReinstallInstance(string InstanceName, string? Os, bool Start) : JobAction
{
    public override bool CarriesMarker => false;

    public override string ExpectedSummary => $"INSTANCE_REINSTALL({InstanceName})";

    public override Task<JobId> SubmitAsync(IGanetiRapiClient rapi, string? reason, CancellationToken ct) =>
        rapi.ReinstallInstanceAsync(InstanceName, new ReinstallInstanceRequest { Os = Os, Start = Start }, ct);
}
