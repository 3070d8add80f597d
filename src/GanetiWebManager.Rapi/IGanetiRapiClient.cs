using System.Text.Json;
using GanetiWebManager.Rapi.Exceptions;
using GanetiWebManager.Rapi.Models;
using GanetiWebManager.Rapi.Requests;

namespace GanetiWebManager.Rapi;

/// <summary>
/// Typed client for one Ganeti cluster's Remote API, version 2. Every call can throw a <see cref="RapiException"/>
/// subclass (HTTP errors, connection, timeout, certificate, protocol); names that cannot appear in a RAPI path are
/// refused with <see cref="ArgumentException"/> before anything is sent. Calls that submit a job return its
/// <see cref="JobId"/>; follow it with <see cref="WaitForJobCompletionAsync"/>.
/// </summary>
public interface IGanetiRapiClient : IDisposable
{
    // ---- Cluster

    /// <summary><c>GET /version</c>: the RAPI version (2).</summary>
    Task<int> GetVersionAsync(CancellationToken ct = default);

    /// <summary><c>GET /2/features</c>; an old server's 404 gives an empty list.</summary>
    Task<IReadOnlyList<string>> GetFeaturesAsync(CancellationToken ct = default);

    /// <summary><c>GET /2/info</c>.</summary>
    Task<ClusterInfo> GetClusterInfoAsync(CancellationToken ct = default);

    /// <summary><c>GET /2/os</c>: OS names as <c>name+variant</c>. Slow (runs a diagnose job): cache it.</summary>
    Task<IReadOnlyList<string>> GetOperatingSystemsAsync(CancellationToken ct = default);

    /// <summary><c>GET /2/tags</c>.</summary>
    Task<IReadOnlyList<string>> GetClusterTagsAsync(CancellationToken ct = default);

    /// <summary><c>PUT /2/tags?tag=...</c>.</summary>
    Task<JobId> AddClusterTagsAsync(IEnumerable<string> tags, DryRunJobOptions? options = null, CancellationToken ct = default);

    /// <summary><c>DELETE /2/tags?tag=...</c>.</summary>
    Task<JobId> RemoveClusterTagsAsync(IEnumerable<string> tags, DryRunJobOptions? options = null, CancellationToken ct = default);

    /// <summary><c>PUT /2/redistribute-config</c>.</summary>
    Task<JobId> RedistributeConfigAsync(JobOptions? options = null, CancellationToken ct = default);

    // ---- Nodes

    /// <summary><c>GET /2/nodes?bulk=1</c>.</summary>
    Task<IReadOnlyList<NodeInfo>> GetNodesAsync(CancellationToken ct = default);

    /// <summary><c>GET /2/nodes</c>: names only.</summary>
    Task<IReadOnlyList<string>> GetNodeNamesAsync(CancellationToken ct = default);

    /// <summary><c>GET /2/nodes/{name}</c>.</summary>
    Task<NodeInfo> GetNodeAsync(string nodeName, CancellationToken ct = default);

    /// <summary><c>GET /2/nodes/{name}/role</c>.</summary>
    Task<NodeRole> GetNodeRoleAsync(string nodeName, CancellationToken ct = default);

    /// <summary><c>PUT /2/nodes/{name}/role</c> with the role as a bare JSON string. <see cref="NodeRole.Master"/>
    /// cannot be set through RAPI.</summary>
    Task<JobId> SetNodeRoleAsync(string nodeName, NodeRole role, SetNodeRoleOptions? options = null, CancellationToken ct = default);

    /// <summary><c>POST /2/nodes/{name}/evacuate</c>. The job's result names child jobs
    /// (<see cref="JobInfo.GetChildJobs"/>) that do the moves.</summary>
    Task<JobId> EvacuateNodeAsync(string nodeName, EvacuateNodeRequest request, CancellationToken ct = default);

    /// <summary><c>POST /2/nodes/{name}/migrate</c> with a body and no query arguments (RAPI would ignore the body
    /// otherwise). The job's result names child jobs.</summary>
    Task<JobId> MigrateNodeAsync(string nodeName, MigrateNodeRequest? request = null, CancellationToken ct = default);

    /// <summary><c>POST /2/nodes/{name}/modify</c>.</summary>
    Task<JobId> ModifyNodeAsync(string nodeName, ModifyNodeRequest request, CancellationToken ct = default);

    /// <summary><c>GET /2/nodes/{name}/tags</c>.</summary>
    Task<IReadOnlyList<string>> GetNodeTagsAsync(string nodeName, CancellationToken ct = default);

    /// <summary><c>PUT /2/nodes/{name}/tags?tag=...</c>.</summary>
    Task<JobId> AddNodeTagsAsync(string nodeName, IEnumerable<string> tags, DryRunJobOptions? options = null, CancellationToken ct = default);

    /// <summary><c>DELETE /2/nodes/{name}/tags?tag=...</c>.</summary>
    Task<JobId> RemoveNodeTagsAsync(string nodeName, IEnumerable<string> tags, DryRunJobOptions? options = null, CancellationToken ct = default);

    // ---- Instances

    /// <summary><c>GET /2/instances?bulk=1</c>. Streams the answer into records without building a DOM of it.</summary>
    Task<IReadOnlyList<InstanceInfo>> GetInstancesAsync(CancellationToken ct = default);

    /// <summary><c>GET /2/instances</c>: names only (configuration data, cheap).</summary>
    Task<IReadOnlyList<string>> GetInstanceNamesAsync(CancellationToken ct = default);

    /// <summary><c>GET /2/instances/{name}</c>.</summary>
    Task<InstanceInfo> GetInstanceAsync(string instanceName, CancellationToken ct = default);

    /// <summary><c>POST /2/instances</c> with a <c>__version__: 1</c> body. The job's result lists the chosen nodes.</summary>
    Task<JobId> CreateInstanceAsync(CreateInstanceRequest request, CancellationToken ct = default);

    /// <summary><c>DELETE /2/instances/{name}</c>.</summary>
    Task<JobId> DeleteInstanceAsync(string instanceName, DeleteInstanceOptions? options = null, CancellationToken ct = default);

    /// <summary><c>PUT /2/instances/{name}/startup</c>.</summary>
    Task<JobId> StartupInstanceAsync(string instanceName, StartupInstanceOptions? options = null, CancellationToken ct = default);

    /// <summary><c>PUT /2/instances/{name}/shutdown</c>.</summary>
    Task<JobId> ShutdownInstanceAsync(string instanceName, ShutdownInstanceOptions? options = null, CancellationToken ct = default);

    /// <summary><c>POST /2/instances/{name}/reboot?type=...</c>.</summary>
    Task<JobId> RebootInstanceAsync(string instanceName, RebootInstanceOptions? options = null, CancellationToken ct = default);

    /// <summary><c>PUT /2/instances/{name}/rename</c>. The job's result is the new name.</summary>
    Task<JobId> RenameInstanceAsync(string instanceName, RenameInstanceRequest request, CancellationToken ct = default);

    /// <summary><c>POST /2/instances/{name}/reinstall</c> with a body and no query arguments: one job of shutdown,
    /// reinstall and (when starting) startup opcodes.</summary>
    Task<JobId> ReinstallInstanceAsync(string instanceName, ReinstallInstanceRequest? request = null, CancellationToken ct = default);

    /// <summary><c>PUT /2/instances/{name}/modify</c>.</summary>
    Task<JobId> ModifyInstanceAsync(string instanceName, ModifyInstanceRequest request, CancellationToken ct = default);

    /// <summary><c>PUT /2/instances/{name}/migrate</c>.</summary>
    Task<JobId> MigrateInstanceAsync(string instanceName, MigrateInstanceRequest? request = null, CancellationToken ct = default);

    /// <summary><c>PUT /2/instances/{name}/failover</c>.</summary>
    Task<JobId> FailoverInstanceAsync(string instanceName, FailoverInstanceRequest? request = null, CancellationToken ct = default);

    /// <summary><c>POST /2/instances/{name}/replace-disks</c>.</summary>
    Task<JobId> ReplaceInstanceDisksAsync(string instanceName, ReplaceDisksRequest request, CancellationToken ct = default);

    /// <summary><c>POST /2/instances/{name}/disk/{index}/grow</c>.</summary>
    Task<JobId> GrowInstanceDiskAsync(string instanceName, int diskIndex, GrowDiskRequest request, CancellationToken ct = default);

    /// <summary><c>PUT /2/instances/{name}/activate-disks</c>.</summary>
    Task<JobId> ActivateInstanceDisksAsync(string instanceName, ActivateDisksOptions? options = null, CancellationToken ct = default);

    /// <summary><c>PUT /2/instances/{name}/deactivate-disks</c>.</summary>
    Task<JobId> DeactivateInstanceDisksAsync(string instanceName, DeactivateDisksOptions? options = null, CancellationToken ct = default);

    /// <summary><c>GET /2/instances/{name}/console</c>. A stopped instance gives <see cref="RapiConsoleUnavailableException"/>;
    /// Ganeti 3.0.2 answers kvm+VNC instances with <see cref="RapiInternalServerErrorException"/> (build the VNC target
    /// from <see cref="InstanceInfo.NetworkPort"/> and <c>hvparams.vnc_bind_address</c> instead).</summary>
    Task<ConsoleInfo> GetInstanceConsoleAsync(string instanceName, CancellationToken ct = default);

    /// <summary><c>GET /2/instances/{name}/tags</c>.</summary>
    Task<IReadOnlyList<string>> GetInstanceTagsAsync(string instanceName, CancellationToken ct = default);

    /// <summary><c>PUT /2/instances/{name}/tags?tag=...</c>.</summary>
    Task<JobId> AddInstanceTagsAsync(string instanceName, IEnumerable<string> tags, DryRunJobOptions? options = null, CancellationToken ct = default);

    /// <summary><c>DELETE /2/instances/{name}/tags?tag=...</c>.</summary>
    Task<JobId> RemoveInstanceTagsAsync(string instanceName, IEnumerable<string> tags, DryRunJobOptions? options = null, CancellationToken ct = default);

    // ---- Groups and networks (read only)

    /// <summary><c>GET /2/groups?bulk=1</c>.</summary>
    Task<IReadOnlyList<GroupInfo>> GetGroupsAsync(CancellationToken ct = default);

    /// <summary><c>GET /2/groups</c>: names only.</summary>
    Task<IReadOnlyList<string>> GetGroupNamesAsync(CancellationToken ct = default);

    /// <summary><c>GET /2/groups/{name}</c>.</summary>
    Task<GroupInfo> GetGroupAsync(string groupName, CancellationToken ct = default);

    /// <summary><c>GET /2/networks?bulk=1</c>.</summary>
    Task<IReadOnlyList<NetworkInfo>> GetNetworksAsync(CancellationToken ct = default);

    /// <summary><c>GET /2/networks</c>: names only.</summary>
    Task<IReadOnlyList<string>> GetNetworkNamesAsync(CancellationToken ct = default);

    /// <summary><c>GET /2/networks/{name}</c>.</summary>
    Task<NetworkInfo> GetNetworkAsync(string networkName, CancellationToken ct = default);

    // ---- Jobs

    /// <summary><c>GET /2/jobs</c>: ids of the jobs not yet archived.</summary>
    Task<IReadOnlyList<JobId>> GetJobIdsAsync(CancellationToken ct = default);

    /// <summary><c>GET /2/jobs?bulk=1</c> (without logs and results).</summary>
    Task<IReadOnlyList<JobInfo>> GetJobsAsync(CancellationToken ct = default);

    /// <summary><c>GET /2/jobs/{id}</c>.</summary>
    Task<JobInfo> GetJobAsync(JobId jobId, CancellationToken ct = default);

    /// <summary>
    /// One <c>GET /2/jobs/{id}/wait</c> long-poll (needs a <c>write</c> user): blocks up to ~10 s until the job
    /// differs from <paramref name="previousJobInfo"/> or has log lines after <paramref name="previousLogSerial"/>.
    /// Null when the server says "no change" (older servers); newer ones answer the same info and no log lines.
    /// </summary>
    Task<JobChange?> WaitForJobChangeAsync(
        JobId jobId,
        IReadOnlyList<string> fields,
        IReadOnlyList<JsonElement>? previousJobInfo,
        long? previousLogSerial,
        CancellationToken ct = default);

    /// <summary><c>DELETE /2/jobs/{id}</c>: cancels a queued or waiting job. An unknown job gives
    /// <c>Success = false</c>, not an exception.</summary>
    Task<JobCancelResult> CancelJobAsync(JobId jobId, CancellationToken ct = default);

    /// <summary>
    /// Follows a job until it is finalized and returns it in full (check <see cref="JobInfo.Status"/> and
    /// <see cref="JobInfo.GetFailure"/>). Uses the long-poll while a slot is free and the user may, otherwise polls
    /// with back-off; new log lines go to <paramref name="progress"/>. Survives a few transient errors in a row.
    /// </summary>
    Task<JobInfo> WaitForJobCompletionAsync(JobId jobId, IProgress<JobLogEntry>? progress = null, CancellationToken ct = default);

    // ---- Generic query

    /// <summary>
    /// <c>/2/query/{resource}</c> (<c>instance</c>, <c>node</c>, <c>group</c>, <c>network</c>, <c>job</c>,
    /// <c>export</c>, <c>lock</c>, <c>filter</c>): a GET with <c>?fields=</c> without a filter, else a PUT whose body
    /// carries the filter as both <c>qfilter</c> and <c>filter</c>. Needs a <c>read</c> or <c>write</c> user.
    /// </summary>
    Task<QueryResult> QueryAsync(string resource, IEnumerable<string> fields, QueryFilter? filter = null, CancellationToken ct = default);
}
