using System.Text.Json;
using GanetiWebManager.Rapi.Exceptions;
using GanetiWebManager.Rapi.Security;
using GanetiWebManager.Web.Domain.Clusters;

namespace GanetiWebManager.Web.Features.Sync;

/// <summary>Why a sync failed, in words an admin can act on.</summary>
public sealed record ClusterFailure(ClusterErrorKind Kind, string Message, string? PresentedCertificateSha256 = null)
{
    /// <summary>Null when the exception is not a cluster's fault (a bug, the database): those propagate.</summary>
    public static ClusterFailure? From(Exception exception) => exception switch
    {
        RapiCertificateException e => new(
            ClusterErrorKind.CertificateMismatch,
            $"The cluster presented a different certificate (SHA-256 {Format(e.PresentedSha256)}) than the one accepted " +
            $"({Format(e.ExpectedSha256)}). The portal stopped talking to it; an admin must check and accept the new certificate.",
            e.PresentedSha256 is { } presented ? CertificateFingerprint.Normalize(presented) : null),
        RapiAuthenticationException => new(
            ClusterErrorKind.AuthenticationFailed,
            "RAPI refused the portal's user name or password (401). Check the cluster's RAPI credentials."),
        RapiForbiddenException => new(
            ClusterErrorKind.Forbidden,
            "RAPI refused the request (403): the portal's RAPI user lacks the needed rights (it needs 'write', or 'read' for a read-only cluster)."),
        RapiTimeoutException e => new(ClusterErrorKind.Timeout, $"The cluster did not answer in time ({e.Timeout.TotalSeconds:0} s)."),
        RapiConnectionException e => new(ClusterErrorKind.Unreachable, e.Message),
        RapiProtocolException e => new(ClusterErrorKind.MalformedAnswer, "The cluster's answer was not valid RAPI data: " + e.Message),
        JsonException e => new(ClusterErrorKind.MalformedAnswer, "The cluster's answer was not valid RAPI data: " + e.Message),
        RapiMasterUnreachableException e => new(ClusterErrorKind.ServerError, e.Message),
        RapiHttpException e => new(ClusterErrorKind.ServerError, e.Message),
        RapiException e => new(ClusterErrorKind.Other, e.Message),
        _ => null,
    };

    private static string Format(string? fingerprint) =>
        fingerprint is not null && CertificateFingerprint.TryNormalize(fingerprint, out var normalized) ? CertificateFingerprint.Format(normalized) : "unknown";
}
