using GanetiWebManager.Rapi.Exceptions;
using GanetiWebManager.Rapi.Models;
using GanetiWebManager.Rapi.Requests;
using GanetiWebManager.Rapi.Serialization;

namespace GanetiWebManager.Rapi;

public sealed partial class GanetiRapiClient
{
    /// <inheritdoc />
    public Task<int> GetVersionAsync(CancellationToken ct = default) =>
        GetAsync("/version", RapiJsonContext.Default.Int32, ct);

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> GetFeaturesAsync(CancellationToken ct = default)
    {
        try
        {
            return await GetAsync("/2/features", RapiJsonContext.Default.IReadOnlyListString, ct);
        }
        catch (RapiNotFoundException)
        {
            // Servers older than the feature list have none of the features.
            return [];
        }
    }

    /// <inheritdoc />
    public Task<ClusterInfo> GetClusterInfoAsync(CancellationToken ct = default) =>
        GetAsync("/2/info", RapiJsonContext.Default.ClusterInfo, ct);

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> GetOperatingSystemsAsync(CancellationToken ct = default) =>
        GetAsync("/2/os", RapiJsonContext.Default.IReadOnlyListString, ct);

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> GetClusterTagsAsync(CancellationToken ct = default) =>
        GetTagsAsync("/2/tags", ct);

    /// <inheritdoc />
    public Task<JobId> AddClusterTagsAsync(IEnumerable<string> tags, DryRunJobOptions? options = null, CancellationToken ct = default) =>
        ChangeTagsAsync(HttpMethod.Put, "/2/tags", tags, options, ct);

    /// <inheritdoc />
    public Task<JobId> RemoveClusterTagsAsync(IEnumerable<string> tags, DryRunJobOptions? options = null, CancellationToken ct = default) =>
        ChangeTagsAsync(HttpMethod.Delete, "/2/tags", tags, options, ct);

    /// <inheritdoc />
    public Task<JobId> RedistributeConfigAsync(JobOptions? options = null, CancellationToken ct = default) =>
        SubmitAsync(HttpMethod.Put, new QueryString().Reason(options?.Reason).AppendTo("/2/redistribute-config"), null, ct);

    /// <inheritdoc />
    public Task<IReadOnlyList<GroupInfo>> GetGroupsAsync(CancellationToken ct = default) =>
        GetAsync("/2/groups?bulk=1", RapiJsonContext.Default.IReadOnlyListGroupInfo, ct);

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> GetGroupNamesAsync(CancellationToken ct = default) =>
        GetNamesAsync("/2/groups", ct);

    /// <inheritdoc />
    public Task<GroupInfo> GetGroupAsync(string groupName, CancellationToken ct = default) =>
        GetAsync($"/2/groups/{RapiPath.Name(groupName, nameof(groupName))}", RapiJsonContext.Default.GroupInfo, ct);

    /// <inheritdoc />
    public Task<IReadOnlyList<NetworkInfo>> GetNetworksAsync(CancellationToken ct = default) =>
        GetAsync("/2/networks?bulk=1", RapiJsonContext.Default.IReadOnlyListNetworkInfo, ct);

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> GetNetworkNamesAsync(CancellationToken ct = default) =>
        GetNamesAsync("/2/networks", ct);

    /// <inheritdoc />
    public Task<NetworkInfo> GetNetworkAsync(string networkName, CancellationToken ct = default) =>
        GetAsync($"/2/networks/{RapiPath.Name(networkName, nameof(networkName))}", RapiJsonContext.Default.NetworkInfo, ct);
}
