using GanetiWebManager.Rapi.Models;
using GanetiWebManager.Rapi.Requests;
using GanetiWebManager.Rapi.Serialization;

namespace GanetiWebManager.Rapi;

public sealed partial class GanetiRapiClient
{
    /// <inheritdoc />
    public Task<IReadOnlyList<NodeInfo>> GetNodesAsync(CancellationToken ct = default) =>
        GetAsync("/2/nodes?bulk=1", RapiJsonContext.Default.IReadOnlyListNodeInfo, ct);

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> GetNodeNamesAsync(CancellationToken ct = default) =>
        GetNamesAsync("/2/nodes", ct);

    /// <inheritdoc />
    public Task<NodeInfo> GetNodeAsync(string nodeName, CancellationToken ct = default) =>
        GetAsync(NodePath(nodeName), RapiJsonContext.Default.NodeInfo, ct);

    /// <inheritdoc />
    public Task<NodeRole> GetNodeRoleAsync(string nodeName, CancellationToken ct = default) =>
        GetAsync(NodePath(nodeName, "/role"), RapiJsonContext.Default.NodeRole, ct);

    /// <inheritdoc />
    public Task<JobId> SetNodeRoleAsync(string nodeName, NodeRole role, SetNodeRoleOptions? options = null, CancellationToken ct = default)
    {
        if (role is NodeRole.Master or NodeRole.Unknown)
        {
            throw new ArgumentException("Only master-candidate, regular, drained and offline can be set; the master changes only by master-failover.", nameof(role));
        }

        var query = new QueryString()
            .Flag("force", options?.Force ?? false)
            .Flag("auto-promote", options?.AutoPromote ?? false)
            .Reason(options?.Reason);
        // The body is a bare JSON string such as "drained".
        return SubmitAsync(HttpMethod.Put, query.AppendTo(NodePath(nodeName, "/role")), role.ToRapiString(), RapiJsonContext.Default.String, ct);
    }

    /// <inheritdoc />
    public Task<JobId> EvacuateNodeAsync(string nodeName, EvacuateNodeRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var query = new QueryString().DryRun(request.DryRun).Reason(request.Reason);
        return SubmitAsync(HttpMethod.Post, query.AppendTo(NodePath(nodeName, "/evacuate")), request, RapiJsonContext.Default.EvacuateNodeRequest, ct);
    }

    /// <inheritdoc />
    public Task<JobId> MigrateNodeAsync(string nodeName, MigrateNodeRequest? request = null, CancellationToken ct = default) =>
        // No query string at all: with any query argument RAPI falls back to the legacy form and drops the body.
        SubmitAsync(HttpMethod.Post, NodePath(nodeName, "/migrate"), request ?? new MigrateNodeRequest(), RapiJsonContext.Default.MigrateNodeRequest, ct);

    /// <inheritdoc />
    public Task<JobId> ModifyNodeAsync(string nodeName, ModifyNodeRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var query = new QueryString().Reason(request.Reason);
        return SubmitAsync(HttpMethod.Post, query.AppendTo(NodePath(nodeName, "/modify")), request, RapiJsonContext.Default.ModifyNodeRequest, ct);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> GetNodeTagsAsync(string nodeName, CancellationToken ct = default) =>
        GetTagsAsync(NodePath(nodeName, "/tags"), ct);

    /// <inheritdoc />
    public Task<JobId> AddNodeTagsAsync(string nodeName, IEnumerable<string> tags, DryRunJobOptions? options = null, CancellationToken ct = default) =>
        ChangeTagsAsync(HttpMethod.Put, NodePath(nodeName, "/tags"), tags, options, ct);

    /// <inheritdoc />
    public Task<JobId> RemoveNodeTagsAsync(string nodeName, IEnumerable<string> tags, DryRunJobOptions? options = null, CancellationToken ct = default) =>
        ChangeTagsAsync(HttpMethod.Delete, NodePath(nodeName, "/tags"), tags, options, ct);
}
