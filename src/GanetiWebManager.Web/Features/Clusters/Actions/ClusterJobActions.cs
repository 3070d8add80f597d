using GanetiWebManager.Rapi;
using GanetiWebManager.Rapi.Models;
using GanetiWebManager.Rapi.Requests;
using GanetiWebManager.Web.Domain.Jobs;
using GanetiWebManager.Web.Features.Jobs;

namespace GanetiWebManager.Web.Features.Clusters.Actions;

/// <summary><c>PUT /2/redistribute-config</c>: pushes the configuration to every node again (harmless to repeat).</summary>
[JobAction(JobOperations.ClusterRedistributeConfig)]
public sealed record RedistributeConfig : JobAction
{
    public override Task<JobId> SubmitAsync(IGanetiRapiClient rapi, string? reason, CancellationToken ct) =>
        rapi.RedistributeConfigAsync(new JobOptions { Reason = reason }, ct);
}

/// <summary><c>PUT /2/tags?tag=…</c>.</summary>
[JobAction(JobOperations.ClusterTagsAdd)]
public sealed record AddClusterTags(IReadOnlyList<string> Tags) : JobAction
{
    public override Task<JobId> SubmitAsync(IGanetiRapiClient rapi, string? reason, CancellationToken ct) =>
        rapi.AddClusterTagsAsync(Tags, new DryRunJobOptions { Reason = reason }, ct);
}

/// <summary><c>DELETE /2/tags?tag=…</c>.</summary>
[JobAction(JobOperations.ClusterTagsRemove)]
public sealed record RemoveClusterTags(IReadOnlyList<string> Tags) : JobAction
{
    public override Task<JobId> SubmitAsync(IGanetiRapiClient rapi, string? reason, CancellationToken ct) =>
        rapi.RemoveClusterTagsAsync(Tags, new DryRunJobOptions { Reason = reason }, ct);
}
