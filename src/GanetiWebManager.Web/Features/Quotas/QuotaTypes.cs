using GanetiWebManager.Web.Domain.Clusters;
using GanetiWebManager.Web.Domain.Quotas;
using GanetiWebManager.Web.Features.LiveUpdates;

namespace GanetiWebManager.Web.Features.Quotas;

/// <summary>Who is charged: a user XOR a group (a VM without an owner is charged to nobody).</summary>
public readonly record struct QuotaOwner(Guid? UserId, int? GroupId)
{
    public static QuotaOwner User(Guid id) => new(id, null);

    public static QuotaOwner Group(int id) => new(null, id);

    /// <summary>The owner of a VM, or null for an orphan.</summary>
    public static QuotaOwner? Of(Guid? ownerUserId, int? ownerGroupId) =>
        ownerUserId is { } u ? User(u) : ownerGroupId is { } g ? Group(g) : null;

    public bool IsGroup => GroupId is not null;

    /// <summary>Stable text of the owner, e.g. for the advisory lock key and the audit log's persona field.</summary>
    public override string ToString() => UserId is { } u ? $"user:{u:N}" : $"group:{GroupId}";
}

/// <summary>An amount of each quota resource: RAM and disk in MiB, vCPUs.</summary>
public readonly record struct ResourceAmounts(long RamMiB, long DiskMiB, long Vcpus)
{
    public static ResourceAmounts Zero => default;

    public bool IsZero => RamMiB == 0 && DiskMiB == 0 && Vcpus == 0;

    public static ResourceAmounts operator +(ResourceAmounts a, ResourceAmounts b) =>
        new(a.RamMiB + b.RamMiB, a.DiskMiB + b.DiskMiB, a.Vcpus + b.Vcpus);
}

/// <summary>A quota: null = unlimited, 0 = none. <see cref="IsDefault"/> when it is the cluster's default (no override).</summary>
public sealed record QuotaLimits(long? RamMiB, long? DiskMiB, int? Vcpus, bool IsDefault)
{
    public static QuotaLimits From(ResourceLimits limits, bool isDefault) => new(limits.RamMiB, limits.DiskMiB, limits.Vcpus, isDefault);

    public static QuotaLimits From(QuotaOverride row) => new(row.RamMiB, row.DiskMiB, row.Vcpus, IsDefault: false);
}

/// <summary>One resource a request would take beyond its quota.</summary>
public sealed record QuotaShortfall(QuotaResource Resource, long Need, long Used, long Limit)
{
    public long Left => Math.Max(0, Limit - Used);

    /// <summary>"needs 2 vCPUs, 1 of 4 left" — the resource, the need and what remains.</summary>
    public string Describe() => Resource switch
    {
        QuotaResource.Vcpus => $"needs {Need} vCPU{(Need == 1 ? "" : "s")}, {Left} of {Limit} left",
        QuotaResource.Ram => $"needs {Need} MiB of RAM, {Left} of {Limit} MiB left",
        _ => $"needs {Need} MiB of disk, {Left} of {Limit} MiB left",
    };
}

public enum QuotaResource
{
    Ram,
    Disk,
    Vcpus,
}

/// <summary>What a reservation is asked for.</summary>
/// <param name="ClusterId">Where.</param>
/// <param name="Owner">Who is charged.</param>
/// <param name="Need">How much.</param>
/// <param name="Purpose">Create or start: decides when a successful job counts as mirrored.</param>
/// <param name="VmName">The instance (to create, or started).</param>
/// <param name="VirtualMachineId">The VM started, for a start.</param>
/// <param name="AuditAction">The action a refusal is audited as (e.g. <c>vm.start</c>).</param>
/// <param name="ConfirmOverQuota">A cluster admin's explicit, audited confirmation to exceed the owner's quota.</param>
public sealed record QuotaRequest(
    int ClusterId,
    QuotaOwner Owner,
    ResourceAmounts Need,
    QuotaPurpose Purpose,
    string VmName,
    long? VirtualMachineId,
    string AuditAction,
    bool ConfirmOverQuota = false);

/// <summary>The answer to a reservation request.</summary>
public sealed record QuotaDecision(bool Granted, QuotaHold? Hold, string? Message, IReadOnlyList<QuotaShortfall> Shortfalls)
{
    /// <summary>Nothing to reserve (an orphan, or a need of zero): allowed, no reservation.</summary>
    public static QuotaDecision NotNeeded { get; } = new(true, null, null, []);
}

/// <summary>
/// A reservation held for a job about to be submitted. Pass <see cref="LinkIntentAsync"/> to
/// <c>JobSubmitter.SubmitAsync</c> so it is linked to the job intent in the intent's own transaction; release it
/// when nothing was recorded (<see cref="QuotaService.ReleaseAsync"/>).
/// </summary>
public sealed record QuotaHold(long ReservationId, int ClusterId, QuotaOwner Owner, ResourceAmounts Amounts)
{
    /// <summary>Links the reservation to the job just recorded, inside the intent's transaction.</summary>
    public Task LinkIntentAsync(Data.AppDbContext db, Domain.Jobs.Job job, CancellationToken ct) =>
        QuotaService.LinkAsync(db, ReservationId, job.Id, ct);
}

/// <summary>Quota overrides, defaults or reservations of a cluster changed: usage panels and the quota tab re-read.</summary>
public sealed record QuotaChanged(int ClusterId) : PortalChange(ClusterId);
