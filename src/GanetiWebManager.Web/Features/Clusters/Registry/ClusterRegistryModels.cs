using FluentValidation.Results;
using GanetiWebManager.Web.Features.Health;

namespace GanetiWebManager.Web.Features.Clusters.Registry;

public enum CertificateState
{
    /// <summary>The accepted certificate is pinned and the sync has not seen another.</summary>
    Pinned,

    /// <summary>The cluster presented a different certificate; the sync stopped until an admin accepts it.</summary>
    Changed,

    /// <summary>No certificate pinned (a row not created through the registry).</summary>
    NotPinned,
}

/// <summary>One line of the registry list.</summary>
public sealed record ClusterRegistryRow(
    int Id,
    string Slug,
    string Hostname,
    int Port,
    string Description,
    bool IsReadOnly,
    string? CertificateSha256,
    string? PresentedCertificateSha256,
    string? SoftwareVersion,
    ClusterHealth Sync)
{
    public string Endpoint => $"{Hostname}:{Port}";

    public CertificateState CertificateState =>
        PresentedCertificateSha256 is not null ? CertificateState.Changed
        : CertificateSha256 is not null ? CertificateState.Pinned
        : CertificateState.NotPinned;
}

/// <summary>A stored cluster as the edit page shows it. The form never carries the stored password.</summary>
public sealed record ClusterEditView(
    int Id,
    ClusterForm Form,
    string Hostname,
    int Port,
    string? PinnedSha256,
    string? PresentedSha256,
    ClusterHealth Sync);

/// <summary>What deleting a cluster takes with it from the portal's database (never from Ganeti).</summary>
public sealed record ClusterDeletionImpact(int Id, string Slug, int Nodes, int VirtualMachines, int Jobs, int Errors);

/// <summary>
/// The result of a registry action: either done, or refused with form failures (shown on their fields) and/or one
/// sentence (shown above the form). Nothing is stored when it did not succeed.
/// </summary>
public sealed record RegistryOutcome
{
    public string? Error { get; init; }

    public IReadOnlyList<ValidationFailure> Failures { get; init; } = [];

    public int? ClusterId { get; init; }

    public string? Slug { get; init; }

    public ConnectionReport? Report { get; init; }

    public bool Succeeded => Error is null && Failures.Count == 0;

    public static RegistryOutcome Invalid(IReadOnlyList<ValidationFailure> failures) =>
        new() { Failures = failures, Error = "Some fields need attention; nothing was saved." };

    public static RegistryOutcome Failed(string error, ConnectionReport? report = null) => new() { Error = error, Report = report };
}
