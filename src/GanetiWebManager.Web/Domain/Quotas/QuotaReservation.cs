namespace GanetiWebManager.Web.Domain.Quotas;

/// <summary>
/// Resources promised to an owner on a cluster for a job that has not yet become visible usage (product-spec
/// §5). Taken atomically against the quota before the job is submitted, counted in the owner's usage while
/// <see cref="QuotaReservationState.Held"/>, and settled when the job ends: released at once when it failed, or
/// once the mirrored VM shows the change when it succeeded (so usage never dips in between).
/// </summary>
public sealed class QuotaReservation
{
    public long Id { get; set; }

    public int ClusterId { get; set; }

    public Guid? OwnerUserId { get; set; }

    public int? OwnerGroupId { get; set; }

    public long RamMiB { get; set; }

    public long DiskMiB { get; set; }

    public int Vcpus { get; set; }

    /// <summary>What the reservation is for; decides when a successful job counts as mirrored.</summary>
    public QuotaPurpose Purpose { get; set; }

    /// <summary>The VM started (for <see cref="QuotaPurpose.Start"/>).</summary>
    public long? VirtualMachineId { get; set; }

    /// <summary>The instance's name (the VM to create, or the one started), kept for the record.</summary>
    public string VmName { get; set; } = "";

    /// <summary>The portal job the reservation belongs to; null until its intent is recorded (or when it was deleted).</summary>
    public long? JobId { get; set; }

    public QuotaReservationState State { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When the portal saw the job end successfully (or with an unknown outcome); the grace period runs from here.</summary>
    public DateTimeOffset? JobEndedAt { get; set; }

    public DateTimeOffset? SettledAt { get; set; }

    /// <summary>Why it was settled the way it was, in a few words.</summary>
    public string? Outcome { get; set; }
}

public enum QuotaPurpose
{
    Create,
    Start,

    /// <summary>A modify that raises memory, vCPUs or disk (settled after the grace period: the mirror shows no single sign of it).</summary>
    Modify,
}

public enum QuotaReservationState
{
    /// <summary>Counted in usage.</summary>
    Held,

    /// <summary>The job succeeded and the mirror shows its effect: the VM itself now counts.</summary>
    Settled,

    /// <summary>The job failed, was cancelled or refused, or never got submitted: nothing counts.</summary>
    Released,
}
