namespace GanetiWebManager.Web.Domain.Clusters;

/// <summary>
/// A problem talking to a cluster. The same error repeating is one row whose count and last time grow,
/// so a cluster that is down for a day does not write thousands of rows. A good sync clears it.
/// </summary>
public sealed class ClusterError
{
    public long Id { get; set; }

    public int ClusterId { get; set; }

    public ClusterErrorKind Kind { get; set; }

    public required string Message { get; set; }

    public DateTimeOffset FirstAt { get; set; }

    public DateTimeOffset LastAt { get; set; }

    public int Count { get; set; } = 1;

    public DateTimeOffset? ClearedAt { get; set; }
}
