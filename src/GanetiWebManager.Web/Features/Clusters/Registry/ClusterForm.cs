using GanetiWebManager.Web.Domain.Clusters;

namespace GanetiWebManager.Web.Features.Clusters.Registry;

/// <summary>
/// What the add/edit form collects. A mutable class for the form's two-way binding; the service works on a
/// <see cref="Normalized"/> copy and never trusts the page's validation.
/// </summary>
public sealed class ClusterForm
{
    public string Hostname { get; set; } = "";

    public int? Port { get; set; } = Cluster.DefaultRapiPort;

    public string Slug { get; set; } = "";

    public string Description { get; set; } = "";

    public string? RapiUsername { get; set; }

    /// <summary>Typed by the admin; when editing, empty means "keep the stored one". Never filled in from the database.</summary>
    public string? RapiPassword { get; set; }

    public ClusterQuotaForm DefaultQuota { get; set; } = new();

    public string ConsoleAddressMapping { get; set; } = "";

    /// <summary>The nodes' VNC password, typed by the admin; empty keeps the stored one. Never filled in from the database.</summary>
    public string? VncPassword { get; set; }

    /// <summary>Remove the stored VNC password (the nodes' VNC servers need none).</summary>
    public bool ClearVncPassword { get; set; }

    /// <summary>The fingerprint fetched from the cluster and shown to the admin (64 hex digits).</summary>
    public string? CertificateSha256 { get; set; }

    /// <summary>The admin ticked "I have compared this fingerprint with the cluster's".</summary>
    public bool CertificateConfirmed { get; set; }

    // When editing: facts about the stored row the rules depend on. The service sets them from the database
    // before it validates, whatever the page sent.

    public int? ExistingId { get; set; }

    public string? StoredRapiUsername { get; set; }

    public bool HasStoredPassword { get; set; }

    public bool HasStoredVncPassword { get; set; }

    public bool IsReadOnly => string.IsNullOrWhiteSpace(RapiUsername) && string.IsNullOrEmpty(RapiPassword) && !KeepsStoredPassword;

    /// <summary>Editing with the same user and no new password: the stored password stays.</summary>
    public bool KeepsStoredPassword =>
        HasStoredPassword && string.IsNullOrEmpty(RapiPassword) && !string.IsNullOrWhiteSpace(RapiUsername)
        && string.Equals(RapiUsername.Trim(), StoredRapiUsername, StringComparison.Ordinal);

    /// <summary>A copy with host names and slug trimmed and lower-cased, empty strings as null where null means "none".</summary>
    public ClusterForm Normalized() => new()
    {
        Hostname = NetworkNames.Normalize(Hostname),
        Port = Port,
        Slug = (Slug ?? "").Trim().ToLowerInvariant(),
        Description = (Description ?? "").Trim(),
        RapiUsername = string.IsNullOrWhiteSpace(RapiUsername) ? null : RapiUsername.Trim(),
        RapiPassword = string.IsNullOrEmpty(RapiPassword) ? null : RapiPassword,
        DefaultQuota = new ClusterQuotaForm { RamMiB = DefaultQuota?.RamMiB, DiskMiB = DefaultQuota?.DiskMiB, Vcpus = DefaultQuota?.Vcpus },
        ConsoleAddressMapping = Domain.Clusters.ConsoleAddressMapping.Tidy(ConsoleAddressMapping),
        VncPassword = string.IsNullOrEmpty(VncPassword) ? null : VncPassword,
        ClearVncPassword = ClearVncPassword,
        CertificateSha256 = string.IsNullOrWhiteSpace(CertificateSha256) ? null : CertificateSha256.Trim(),
        CertificateConfirmed = CertificateConfirmed,
        ExistingId = ExistingId,
        StoredRapiUsername = StoredRapiUsername,
        HasStoredPassword = HasStoredPassword,
        HasStoredVncPassword = HasStoredVncPassword,
    };
}

/// <summary>Default quota of a cluster: empty (null) is unlimited, 0 is none.</summary>
public sealed class ClusterQuotaForm
{
    public long? RamMiB { get; set; }

    public long? DiskMiB { get; set; }

    public int? Vcpus { get; set; }
}
