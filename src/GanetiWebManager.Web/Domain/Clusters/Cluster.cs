namespace GanetiWebManager.Web.Domain.Clusters;

/// <summary>A Ganeti cluster the portal mirrors and acts on through its RAPI.</summary>
public sealed class Cluster
{
    public const int DefaultRapiPort = 5080;

    public int Id { get; set; }

    /// <summary>Short, URL-safe name used in links.</summary>
    public required string Slug { get; set; }

    public required string Hostname { get; set; }

    public int Port { get; set; } = DefaultRapiPort;

    public string Description { get; set; } = "";

    /// <summary>RAPI user; null means the cluster is read-only (mirrored, never changed).</summary>
    public string? RapiUsername { get; set; }

    /// <summary>RAPI password, encrypted with ASP.NET Core Data Protection; never rendered back.</summary>
    public string? RapiPasswordProtected { get; set; }

    /// <summary>SHA-256 of the RAPI certificate the admin accepted (trust on first use), 64 lower-case hex digits.</summary>
    public string? CertificateSha256 { get; set; }

    /// <summary>
    /// The fingerprint the server presented when it no longer matched the pinned one. The sync stops
    /// talking to the cluster (its credentials are never sent to an unknown certificate) until an admin
    /// accepts this one.
    /// </summary>
    public string? PresentedCertificateSha256 { get; set; }

    /// <summary>Quota of an owner without an override on this cluster (product-spec §5).</summary>
    public ResourceLimits DefaultQuota { get; set; } = new();

    /// <summary>
    /// How the portal reaches a node's VNC ports: lines of <c>node-name-or-* = address</c>. Empty means the
    /// node's primary IP as Ganeti reports it.
    /// </summary>
    public string ConsoleAddressMapping { get; set; } = "";

    /// <summary>
    /// The password of the nodes' VNC servers (hvparam <c>vnc_password_file</c>), encrypted with Data Protection;
    /// null when they need none. The console relay authenticates with it; it is never rendered back.
    /// </summary>
    public string? VncPasswordProtected { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public ClusterMirror Info { get; set; } = new();

    public ClusterSyncState Sync { get; set; } = new();

    public bool IsReadOnly => RapiUsername is null;
}

/// <summary>Resource amounts (MiB, MiB, count); null means unlimited, 0 means none.</summary>
public sealed class ResourceLimits
{
    public long? RamMiB { get; set; }

    public long? DiskMiB { get; set; }

    public int? Vcpus { get; set; }
}

/// <summary>What the last good sync read from <c>/2/info</c>.</summary>
public sealed class ClusterMirror
{
    public string? GanetiName { get; set; }

    public string? Uuid { get; set; }

    public string? SoftwareVersion { get; set; }

    public string? MasterNode { get; set; }

    public string? DefaultHypervisor { get; set; }

    public List<string> EnabledHypervisors { get; set; } = [];

    public List<string> EnabledDiskTemplates { get; set; } = [];

    public string? DefaultIallocator { get; set; }

    /// <summary>The OS list of <c>/2/os</c> (<c>provider+variant</c> names), read with the cluster info for the create wizard.</summary>
    public List<string> OperatingSystems { get; set; } = [];

    public List<string> Tags { get; set; } = [];

    /// <summary>hvparams, beparams, nicparams, osparams, diskparams and ipolicy, as one JSON object (jsonb).</summary>
    public string Parameters { get; set; } = "{}";

    /// <summary>Ganeti's mtime of the cluster object: a coarse change hint (the cluster has no serial number).</summary>
    public double? Mtime { get; set; }
}

/// <summary>How fresh the mirrored data of a cluster is, and why it is not when it is not.</summary>
public sealed class ClusterSyncState
{
    public DateTimeOffset? LastSuccessAt { get; set; }

    public DateTimeOffset? LastFailureAt { get; set; }

    /// <summary>The error of the last failed sync; cleared by the next good one.</summary>
    public string? LastError { get; set; }

    public ClusterErrorKind? LastErrorKind { get; set; }

    /// <summary>The highest Ganeti job id seen, so that jobs started outside the portal are discovered once.</summary>
    public long? LastSeenJobId { get; set; }

    public bool IsFailing => LastError is not null;
}
