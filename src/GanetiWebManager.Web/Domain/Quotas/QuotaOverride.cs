namespace GanetiWebManager.Web.Domain.Quotas;

/// <summary>
/// The quota of one owner (a user XOR a group) on one cluster, replacing the cluster's default for all three
/// resources at once (product-spec §5): null = unlimited, 0 = none. Deleting the row reverts to the default.
/// </summary>
public sealed class QuotaOverride
{
    public long Id { get; set; }

    public int ClusterId { get; set; }

    public Guid? UserId { get; set; }

    public int? GroupId { get; set; }

    public long? RamMiB { get; set; }

    public long? DiskMiB { get; set; }

    public int? Vcpus { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}
