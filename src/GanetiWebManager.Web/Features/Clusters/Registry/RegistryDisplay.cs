using System.Globalization;
using System.Net.Security;
using GanetiWebManager.Web.Features.Health;

namespace GanetiWebManager.Web.Features.Clusters.Registry;

/// <summary>How the registry pages word times, ages and states.</summary>
public static class RegistryDisplay
{
    public static string Time(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    public static string Age(TimeSpan age) => age switch
    {
        { TotalSeconds: < 60 } => $"{Math.Max(0, (int)age.TotalSeconds)} s",
        { TotalMinutes: < 60 } => $"{(int)age.TotalMinutes} min",
        { TotalHours: < 24 } => $"{(int)age.TotalHours} h",
        _ => $"{(int)age.TotalDays} d",
    };

    public static string Sync(ClusterHealth health)
    {
        ArgumentNullException.ThrowIfNull(health);
        var age = health.DataAge is { } a ? Age(a) : null;
        return health.Status switch
        {
            ClusterHealthStatus.Ok => $"Synced {age} ago",
            ClusterHealthStatus.NeverSynced => "Not synced yet",
            ClusterHealthStatus.Stale => $"Stale: last good sync {age} ago",
            ClusterHealthStatus.Failing => age is null ? $"Failing: {health.LastError}" : $"Failing (data {age} old): {health.LastError}",
            _ => health.Status.ToString(),
        };
    }

    public static string Trust(SslPolicyErrors errors) => errors == SslPolicyErrors.None
        ? "Trusted by this machine's certificate authorities. Compare the fingerprint all the same."
        : "Not trusted by this machine (" + Describe(errors) + "). That is normal for Ganeti's own self-signed certificate: " +
          "the fingerprint is what you check.";

    private static string Describe(SslPolicyErrors errors)
    {
        var parts = new List<string>();
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors))
        {
            parts.Add("self-signed or unknown issuer");
        }

        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            parts.Add("issued for another name");
        }

        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            parts.Add("no certificate");
        }

        return string.Join(", ", parts);
    }
}
