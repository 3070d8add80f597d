using System.Globalization;
using GanetiWebManager.Rapi;
using GanetiWebManager.Rapi.Exceptions;
using GanetiWebManager.Rapi.Models;
using GanetiWebManager.Rapi.Requests;
using GanetiWebManager.Web.Domain.Jobs;
using GanetiWebManager.Web.Features.Jobs;

namespace GanetiWebManager.Web.Features.VirtualMachines.Actions;

/// <summary>A disk grown to a new size (absolute, so a resend after a crash grows nothing twice).</summary>
public sealed record DiskGrowth(int Index, long NewSizeMiB);

/// <summary>A NIC to add: a Ganeti network, or a mode (bridged/routed/openvswitch) and link.</summary>
public sealed record NicSpec(string? Network, string? Mode, string? Link);

/// <summary>
/// <c>PUT /2/instances/{name}/modify</c>, then <c>POST …/disk/N/grow</c> per grown disk, then (for "save and reboot")
/// a hard reboot: Ganeti applies memory and vCPU changes of a running instance only when it restarts. Every call
/// carries the intent's marker, so the jobs after the first are recorded as its children when the queue is read.
/// Values are strings where Ganeti type-checks them itself (hvparams, osparams), so the intent survives as JSON.
/// </summary>
[JobAction(JobOperations.InstanceModify)]
public sealed record ModifyInstance(
    string InstanceName,
    long? MemoryMiB,
    int? Vcpus,
    IReadOnlyDictionary<string, string>? HvParams,
    IReadOnlyDictionary<string, string>? OsParams,
    IReadOnlyList<long> AddDisksMiB,
    IReadOnlyList<DiskGrowth> GrowDisks,
    IReadOnlyList<NicSpec> AddNics,
    IReadOnlyList<int> RemoveNics,
    bool RebootAfter) : JobAction
{
    public bool ChangesSettings =>
        MemoryMiB is not null || Vcpus is not null || HvParams is { Count: > 0 } || OsParams is { Count: > 0 }
        || AddDisksMiB.Count > 0 || AddNics.Count > 0 || RemoveNics.Count > 0;

    public override async Task<JobId> SubmitAsync(IGanetiRapiClient rapi, string? reason, CancellationToken ct)
    {
        JobId? first = null;
        if (ChangesSettings)
        {
            first = await rapi.ModifyInstanceAsync(InstanceName, BuildRequest(reason), ct);
        }

        foreach (var growth in GrowDisks)
        {
            var id = await rapi.GrowInstanceDiskAsync(
                InstanceName, growth.Index, new GrowDiskRequest { Amount = growth.NewSizeMiB, Absolute = true, Reason = reason }, ct);
            first ??= id;
        }

        if (RebootAfter)
        {
            // Queued behind the modify (Ganeti locks the instance), so it restarts with the new settings.
            var id = await rapi.RebootInstanceAsync(InstanceName, new RebootInstanceOptions { Type = RebootType.Hard, ShutdownTimeout = 120, Reason = reason }, ct);
            first ??= id;
        }

        return first ?? throw new InvalidOperationException("A modification with nothing to change was submitted.");
    }

    /// <summary>Adding a disk or NIC twice would add two: not resent when its first call may have run.</summary>
    public override Task<string?> WhyNotResendAsync(IGanetiRapiClient rapi, CancellationToken ct) =>
        Task.FromResult(AddDisksMiB.Count > 0 || AddNics.Count > 0 || RemoveNics.Count > 0
            ? "it adds or removes devices, and the first request may have run"
            : null);

    internal ModifyInstanceRequest BuildRequest(string? reason)
    {
        Dictionary<string, object?>? be = null;
        if (MemoryMiB is { } memory)
        {
            // One memory figure, as GWM had: ballooning bounds set equal (Ganeti refuses minmem above maxmem).
            be = new() { ["maxmem"] = memory, ["minmem"] = memory };
        }

        if (Vcpus is { } vcpus)
        {
            be ??= [];
            be["vcpus"] = vcpus;
        }

        List<DeviceModification>? disks = AddDisksMiB.Count == 0 ? null
            : [.. AddDisksMiB.Select(size => DeviceModification.Create("add", -1, new Dictionary<string, object?> { ["size"] = size }))];
        List<DeviceModification>? nics = null;
        if (AddNics.Count > 0 || RemoveNics.Count > 0)
        {
            nics = [];
            // Highest index first: removing one does not shift the indexes of the others still to remove.
            nics.AddRange(RemoveNics.OrderDescending().Select(i => DeviceModification.Create("remove", i)));
            nics.AddRange(AddNics.Select(n => DeviceModification.Create("add", -1, NicParameters(n))));
        }

        return new ModifyInstanceRequest
        {
            BeParams = be,
            HvParams = HvParams is { Count: > 0 } ? HvParams.ToDictionary(p => p.Key, p => (object?)p.Value) : null,
            OsParams = OsParams is { Count: > 0 } ? OsParams.ToDictionary(p => p.Key, p => (object?)p.Value) : null,
            Disks = disks,
            Nics = nics,
            Reason = reason,
        };
    }

    private static Dictionary<string, object?> NicParameters(NicSpec nic)
    {
        var parameters = new Dictionary<string, object?>();
        if (!string.IsNullOrWhiteSpace(nic.Network))
        {
            parameters["network"] = nic.Network;
        }
        else
        {
            if (!string.IsNullOrWhiteSpace(nic.Mode))
            {
                parameters["mode"] = nic.Mode;
            }

            if (!string.IsNullOrWhiteSpace(nic.Link))
            {
                parameters["link"] = nic.Link;
            }
        }

        return parameters;
    }
}

/// <summary><c>PUT /2/instances/{name}/rename</c>; the name and IP checks are sent as chosen (their defaults changed in 3.1).</summary>
[JobAction(JobOperations.InstanceRename)]
public sealed record RenameInstance(string InstanceName, string NewName, bool NameCheck, bool IpCheck) : JobAction
{
    public override Task<JobId> SubmitAsync(IGanetiRapiClient rapi, string? reason, CancellationToken ct) =>
        rapi.RenameInstanceAsync(InstanceName, new RenameInstanceRequest { NewName = NewName, NameCheck = NameCheck, IpCheck = IpCheck, Reason = reason }, ct);

    /// <summary>When the new name already exists, the first request ran: sending it again would fail or rename something else.</summary>
    public override async Task<string?> WhyNotResendAsync(IGanetiRapiClient rapi, CancellationToken ct)
    {
        try
        {
            await rapi.GetInstanceAsync(NewName, ct);
            return $"an instance named {NewName} exists";
        }
        catch (RapiNotFoundException)
        {
            return null;
        }
    }
}

/// <summary><c>DELETE /2/instances/{name}</c>: the guest gets <see cref="ShutdownTimeoutSeconds"/> to shut down first.</summary>
[JobAction(JobOperations.InstanceRemove)]
public sealed record DeleteInstance(string InstanceName, int ShutdownTimeoutSeconds) : JobAction
{
    public override Task<JobId> SubmitAsync(IGanetiRapiClient rapi, string? reason, CancellationToken ct) =>
        rapi.DeleteInstanceAsync(InstanceName, new DeleteInstanceOptions { ShutdownTimeout = ShutdownTimeoutSeconds, Reason = reason }, ct);
}

/// <summary><c>PUT /2/instances/{name}/migrate</c>: live or non-live; a target node only for externally mirrored disks.</summary>
[JobAction(JobOperations.InstanceMigrate)]
public sealed record MigrateInstance(string InstanceName, bool Live, string? TargetNode) : JobAction
{
    public override Task<JobId> SubmitAsync(IGanetiRapiClient rapi, string? reason, CancellationToken ct) =>
        rapi.MigrateInstanceAsync(
            InstanceName,
            new MigrateInstanceRequest { Mode = Live ? MigrationMode.Live : MigrationMode.NonLive, TargetNode = TargetNode, Reason = reason },
            ct);
}

/// <summary><c>PUT /2/instances/{name}/failover</c>: stop, move to the other node, start.</summary>
[JobAction(JobOperations.InstanceFailover)]
public sealed record FailoverInstance(string InstanceName, string? TargetNode) : JobAction
{
    public override Task<JobId> SubmitAsync(IGanetiRapiClient rapi, string? reason, CancellationToken ct) =>
        rapi.FailoverInstanceAsync(InstanceName, new FailoverInstanceRequest { TargetNode = TargetNode, Reason = reason }, ct);
}

/// <summary><c>POST /2/instances/{name}/replace-disks</c> (DRBD): rebuild the mirror on a side, or onto a new secondary.</summary>
[JobAction(JobOperations.InstanceReplaceDisks)]
public sealed record ReplaceInstanceDisks(string InstanceName, ReplaceDisksMode Mode, string? NewSecondary, string? IAllocator) : JobAction
{
    public override Task<JobId> SubmitAsync(IGanetiRapiClient rapi, string? reason, CancellationToken ct) =>
        rapi.ReplaceInstanceDisksAsync(
            InstanceName,
            new ReplaceDisksRequest { Mode = Mode, RemoteNode = NewSecondary, IAllocator = IAllocator, Reason = reason },
            ct);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"replace-disks {InstanceName} {Mode}");
}
