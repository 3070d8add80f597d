using GanetiWebManager.Rapi;
using GanetiWebManager.Rapi.Models;
using GanetiWebManager.Rapi.Requests;
using GanetiWebManager.Web.Domain.Jobs;
using GanetiWebManager.Web.Features.Jobs;

namespace GanetiWebManager.Web.Features.VirtualMachines.Actions;

/// <summary>
/// <c>POST /2/instances</c>. Never sent again after a crash when an instance of that name exists: the first request
/// may have run, and its job been archived since (product-spec §6).
/// </summary>
[JobAction(JobOperations.InstanceCreate)]
public sealed record CreateInstance(CreateInstanceRequest Request) : JobAction
{
    public override Task<JobId> SubmitAsync(IGanetiRapiClient rapi, string? reason, CancellationToken ct) =>
        rapi.CreateInstanceAsync(Request with { Reason = reason }, ct);

    public override async Task<string?> WhyNotResendAsync(IGanetiRapiClient rapi, CancellationToken ct)
    {
        var names = await rapi.GetInstanceNamesAsync(ct);
        return names.Contains(Request.Name, StringComparer.OrdinalIgnoreCase)
            ? $"The create request could not be confirmed, and an instance named {Request.Name} exists on the cluster: " +
              "it was not sent again. Check whether that instance is the one you asked for."
            : null;
    }
}
