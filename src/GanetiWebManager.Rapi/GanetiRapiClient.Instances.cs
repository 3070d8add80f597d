using GanetiWebManager.Rapi.Models;
using GanetiWebManager.Rapi.Requests;
using GanetiWebManager.Rapi.Serialization;

namespace GanetiWebManager.Rapi;

public sealed partial class GanetiRapiClient
{
    /// <inheritdoc />
    public Task<IReadOnlyList<InstanceInfo>> GetInstancesAsync(CancellationToken ct = default) =>
        GetAsync("/2/instances?bulk=1", RapiJsonContext.Default.IReadOnlyListInstanceInfo, ct);

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> GetInstanceNamesAsync(CancellationToken ct = default) =>
        GetNamesAsync("/2/instances", ct);

    /// <inheritdoc />
    public Task<InstanceInfo> GetInstanceAsync(string instanceName, CancellationToken ct = default) =>
        GetAsync(InstancePath(instanceName), RapiJsonContext.Default.InstanceInfo, ct);

    /// <inheritdoc />
    public Task<JobId> CreateInstanceAsync(CreateInstanceRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        RapiPath.Name(request.Name, nameof(request));
        var query = new QueryString().DryRun(request.DryRun).Reason(request.Reason);
        return SubmitAsync(HttpMethod.Post, query.AppendTo("/2/instances"), request, RapiJsonContext.Default.CreateInstanceRequest, ct);
    }

    /// <inheritdoc />
    public Task<JobId> DeleteInstanceAsync(string instanceName, DeleteInstanceOptions? options = null, CancellationToken ct = default)
    {
        options ??= new DeleteInstanceOptions();
        var query = new QueryString().DryRun(options.DryRun).Reason(options.Reason);
        return SubmitAsync(HttpMethod.Delete, query.AppendTo(InstancePath(instanceName)), options, RapiJsonContext.Default.DeleteInstanceOptions, ct);
    }

    /// <inheritdoc />
    public Task<JobId> StartupInstanceAsync(string instanceName, StartupInstanceOptions? options = null, CancellationToken ct = default)
    {
        options ??= new StartupInstanceOptions();
        var query = new QueryString()
            .Flag("force", options.Force)
            .Flag("no_remember", options.NoRemember)
            .DryRun(options.DryRun)
            .Reason(options.Reason);
        // RAPI ignores a startup body (no temporary parameters through RAPI), so none is sent.
        return SubmitAsync(HttpMethod.Put, query.AppendTo(InstancePath(instanceName, "/startup")), null, ct);
    }

    /// <inheritdoc />
    public Task<JobId> ShutdownInstanceAsync(string instanceName, ShutdownInstanceOptions? options = null, CancellationToken ct = default)
    {
        options ??= new ShutdownInstanceOptions();
        var query = new QueryString().Flag("no_remember", options.NoRemember).DryRun(options.DryRun).Reason(options.Reason);
        return SubmitAsync(HttpMethod.Put, query.AppendTo(InstancePath(instanceName, "/shutdown")), options, RapiJsonContext.Default.ShutdownInstanceOptions, ct);
    }

    /// <inheritdoc />
    public Task<JobId> RebootInstanceAsync(string instanceName, RebootInstanceOptions? options = null, CancellationToken ct = default)
    {
        options ??= new RebootInstanceOptions();
        var query = new QueryString()
            .Add("type", options.Type.ToRapiString())
            .Flag("ignore_secondaries", options.IgnoreSecondaries)
            .DryRun(options.DryRun)
            .Reason(options.Reason);
        return SubmitAsync(HttpMethod.Post, query.AppendTo(InstancePath(instanceName, "/reboot")), options, RapiJsonContext.Default.RebootInstanceOptions, ct);
    }

    /// <inheritdoc />
    public Task<JobId> RenameInstanceAsync(string instanceName, RenameInstanceRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        RapiPath.Name(request.NewName, nameof(request));
        var query = new QueryString().Reason(request.Reason);
        return SubmitAsync(HttpMethod.Put, query.AppendTo(InstancePath(instanceName, "/rename")), request, RapiJsonContext.Default.RenameInstanceRequest, ct);
    }

    /// <inheritdoc />
    public Task<JobId> ReinstallInstanceAsync(string instanceName, ReinstallInstanceRequest? request = null, CancellationToken ct = default) =>
        // RAPI answers 400 to a body combined with any query argument, the reason included.
        SubmitAsync(HttpMethod.Post, InstancePath(instanceName, "/reinstall"), request ?? new ReinstallInstanceRequest(), RapiJsonContext.Default.ReinstallInstanceRequest, ct);

    /// <inheritdoc />
    public Task<JobId> ModifyInstanceAsync(string instanceName, ModifyInstanceRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var query = new QueryString().Reason(request.Reason);
        return SubmitAsync(HttpMethod.Put, query.AppendTo(InstancePath(instanceName, "/modify")), request, RapiJsonContext.Default.ModifyInstanceRequest, ct);
    }

    /// <inheritdoc />
    public Task<JobId> MigrateInstanceAsync(string instanceName, MigrateInstanceRequest? request = null, CancellationToken ct = default)
    {
        request ??= new MigrateInstanceRequest();
        var query = new QueryString().Reason(request.Reason);
        return SubmitAsync(HttpMethod.Put, query.AppendTo(InstancePath(instanceName, "/migrate")), request, RapiJsonContext.Default.MigrateInstanceRequest, ct);
    }

    /// <inheritdoc />
    public Task<JobId> FailoverInstanceAsync(string instanceName, FailoverInstanceRequest? request = null, CancellationToken ct = default)
    {
        request ??= new FailoverInstanceRequest();
        var query = new QueryString().Reason(request.Reason);
        return SubmitAsync(HttpMethod.Put, query.AppendTo(InstancePath(instanceName, "/failover")), request, RapiJsonContext.Default.FailoverInstanceRequest, ct);
    }

    /// <inheritdoc />
    public Task<JobId> ReplaceInstanceDisksAsync(string instanceName, ReplaceDisksRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var query = new QueryString().Reason(request.Reason);
        return SubmitAsync(HttpMethod.Post, query.AppendTo(InstancePath(instanceName, "/replace-disks")), request, RapiJsonContext.Default.ReplaceDisksRequest, ct);
    }

    /// <inheritdoc />
    public Task<JobId> GrowInstanceDiskAsync(string instanceName, int diskIndex, GrowDiskRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentOutOfRangeException.ThrowIfNegative(diskIndex);
        var query = new QueryString().Reason(request.Reason);
        var path = InstancePath(instanceName, $"/disk/{diskIndex.ToString(System.Globalization.CultureInfo.InvariantCulture)}/grow");
        return SubmitAsync(HttpMethod.Post, query.AppendTo(path), request, RapiJsonContext.Default.GrowDiskRequest, ct);
    }

    /// <inheritdoc />
    public Task<JobId> ActivateInstanceDisksAsync(string instanceName, ActivateDisksOptions? options = null, CancellationToken ct = default)
    {
        var query = new QueryString().Flag("ignore_size", options?.IgnoreSize ?? false).Reason(options?.Reason);
        return SubmitAsync(HttpMethod.Put, query.AppendTo(InstancePath(instanceName, "/activate-disks")), null, ct);
    }

    /// <inheritdoc />
    public Task<JobId> DeactivateInstanceDisksAsync(string instanceName, DeactivateDisksOptions? options = null, CancellationToken ct = default)
    {
        var query = new QueryString().Flag("force", options?.Force ?? false).Reason(options?.Reason);
        return SubmitAsync(HttpMethod.Put, query.AppendTo(InstancePath(instanceName, "/deactivate-disks")), null, ct);
    }

    /// <inheritdoc />
    public Task<ConsoleInfo> GetInstanceConsoleAsync(string instanceName, CancellationToken ct = default) =>
        GetAsync(InstancePath(instanceName, "/console"), RapiJsonContext.Default.ConsoleInfo, ct);

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> GetInstanceTagsAsync(string instanceName, CancellationToken ct = default) =>
        GetTagsAsync(InstancePath(instanceName, "/tags"), ct);

    /// <inheritdoc />
    public Task<JobId> AddInstanceTagsAsync(string instanceName, IEnumerable<string> tags, DryRunJobOptions? options = null, CancellationToken ct = default) =>
        ChangeTagsAsync(HttpMethod.Put, InstancePath(instanceName, "/tags"), tags, options, ct);

    /// <inheritdoc />
    public Task<JobId> RemoveInstanceTagsAsync(string instanceName, IEnumerable<string> tags, DryRunJobOptions? options = null, CancellationToken ct = default) =>
        ChangeTagsAsync(HttpMethod.Delete, InstancePath(instanceName, "/tags"), tags, options, ct);
}
