using System.Security.Claims;
using GanetiWebManager.Web.Domain.Clusters;
using GanetiWebManager.Web.Domain.Jobs;
using GanetiWebManager.Web.Domain.VirtualMachines;

namespace GanetiWebManager.Web.Features.Jobs;

/// <summary>The object a job acts on: its cluster and, when there is one, the VM or node.</summary>
public sealed record JobActionTarget(int ClusterId, JobTargetKind Kind, string Name, long? VirtualMachineId = null, int? NodeId = null)
{
    public static JobActionTarget For(VirtualMachine vm) => new(vm.ClusterId, JobTargetKind.VirtualMachine, vm.Name, VirtualMachineId: vm.Id);

    public static JobActionTarget For(Node node) => new(node.ClusterId, JobTargetKind.Node, node.Name, NodeId: node.Id);

    public static JobActionTarget For(Cluster cluster) => new(cluster.Id, JobTargetKind.Cluster, cluster.Slug);
}

/// <summary>Who asks for a job (kept by name too, so the history survives the user).</summary>
public sealed record JobRequester(Guid? UserId, string? UserName)
{
    /// <summary>The portal itself (e.g. a maintenance task), not a person.</summary>
    public static JobRequester Portal { get; } = new(null, null);

    public static JobRequester From(ClaimsPrincipal user) => new(
        Guid.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var id) ? id : null,
        user.Identity?.Name);
}
