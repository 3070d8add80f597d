using GanetiWebManager.Rapi;
using GanetiWebManager.Rapi.Models;
using GanetiWebManager.Web.Domain.Jobs;
using GanetiWebManager.Web.Features.Jobs;

namespace GanetiWebManager.Web.Features.VirtualMachines.Actions;

/// <summary><c>PUT /2/instances/{name}/tags?tag=…</c>: adding a tag twice is harmless, so a resend is always safe.</summary>
[JobAction(JobOperations.InstanceTagsAdd)]
public sealed record AddInstanceTags(string InstanceName, IReadOnlyList<string> Tags) : JobAction
{
    public override Task<JobId> SubmitAsync(IGanetiRapiClient rapi, string? reason, CancellationToken ct) =>
        rapi.AddInstanceTagsAsync(InstanceName, Tags, new() { Reason = reason }, ct);
}

/// <summary><c>DELETE /2/instances/{name}/tags?tag=…</c>.</summary>
[JobAction(JobOperations.InstanceTagsRemove)]
public sealed record RemoveInstanceTags(string InstanceName, IReadOnlyList<string> Tags) : JobAction
{
    public override Task<JobId> SubmitAsync(IGanetiRapiClient rapi, string? reason, CancellationToken ct) =>
        rapi.RemoveInstanceTagsAsync(InstanceName, Tags, new() { Reason = reason }, ct);
}
