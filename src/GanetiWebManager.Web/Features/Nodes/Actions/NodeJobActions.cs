using GanetiWebManager.Rapi;
using GanetiWebManager.Rapi.Models;
using GanetiWebManager.Rapi.Requests;
using GanetiWebManager.Web.Domain.Jobs;
using GanetiWebManager.Web.Features.Jobs;

namespace GanetiWebManager.Web.Features.Nodes.Actions;

/// <summary>
/// <c>PUT /2/nodes/{name}/role</c>: master candidate, regular, drained or offline. The master role is not set here
/// (only <c>gnt-cluster master-failover</c> on the new master does that). Auto-promote lets Ganeti keep enough
/// master candidates when this one steps down.
/// </summary>
[JobAction(JobOperations.NodeSetRole)]
public sealed record SetNodeRole(string NodeName, NodeRole Role, bool Force) : JobAction
{
    public override Task<JobId> SubmitAsync(IGanetiRapiClient rapi, string? reason, CancellationToken ct) =>
        rapi.SetNodeRoleAsync(NodeName, Role, new SetNodeRoleOptions { Force = Force, AutoPromote = true, Reason = reason }, ct);
}

/// <summary>
/// <c>POST /2/nodes/{name}/migrate</c>: every primary instance of the node moves (its job's result lists the child
/// jobs that do the moves). RAPI ignores the body once the URL has a query argument, so no marker is carried: the
/// job is recognised by its <c>NODE_MIGRATE(name)</c> opcode and the time it was received.
/// </summary>
[JobAction(JobOperations.NodeMigrate)]
public sealed record MigrateNode(string NodeName, bool Live, string? TargetNode, string? IAllocator) : JobAction
{
    public override bool CarriesMarker => false;

    public override string ExpectedSummary => $"NODE_MIGRATE({NodeName})";

    public override Task<JobId> SubmitAsync(IGanetiRapiClient rapi, string? reason, CancellationToken ct) =>
        rapi.MigrateNodeAsync(
            NodeName,
            new MigrateNodeRequest { Mode = Live ? MigrationMode.Live : MigrationMode.NonLive, TargetNode = TargetNode, IAllocator = IAllocator },
            ct);
}

/// <summary>
/// <c>POST /2/nodes/{name}/evacuate</c>: primaries and/or secondaries move off the node, to the allocator's choice or
/// (secondaries, or primaries of externally mirrored disks) a target node. The job's result lists the child jobs.
/// </summary>
[JobAction(JobOperations.NodeEvacuate)]
public sealed record EvacuateNode(string NodeName, NodeEvacuationMode Mode, string? IAllocator, string? TargetNode) : JobAction
{
    public override Task<JobId> SubmitAsync(IGanetiRapiClient rapi, string? reason, CancellationToken ct) =>
        rapi.EvacuateNodeAsync(NodeName, new EvacuateNodeRequest { Mode = Mode, IAllocator = IAllocator, RemoteNode = TargetNode, Reason = reason }, ct);
}
