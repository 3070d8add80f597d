namespace GanetiWebManager.Web.Domain.Clusters;

/// <summary>A Ganeti cluster the portal mirrors and acts on through its RAPI.</summary>
public sealed class Cluster
{
    public const int DefaultRapiPort = 5080;

    public int Id { get; set; }

    /// <summary>Short, URL-safe name used in links and ownership tags.</summary>
    public required string Slug { get; set; }

    public required string Hostname { get; set; }

    public int Port { get; set; } = DefaultRapiPort;

    public string Description { get; set; } = "";

    /// <summary>RAPI user; null means the cluster is read-only (mirrored, never changed).</summary>
    public string? RapiUsername { get; set; }

    /// <summary>RAPI password, encrypted with ASP.NET Core Data Protection; never rendered back.</summary>
    public string? RapiPasswordProtected { get; set; }

    /// <summary>SHA-256 of the RAPI certificate the admin accepted (trust on first use).</summary>
    public string? CertificateSha256 { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public ClusterSyncState Sync { get; set; } = new();

    public bool IsReadOnly => RapiUsername is null;
}

/// <summary>How fresh the mirrored data of a cluster is, and why it is not when it is not.</summary>
public sealed class ClusterSyncState
{
    public DateTimeOffset? LastSuccessAt { get; set; }

    public DateTimeOffset? LastFailureAt { get; set; }

    /// <summary>The error of the last failed sync; cleared by the next good one.</summary>
    public string? LastError { get; set; }

    public bool IsFailing => LastError is not null;
}
