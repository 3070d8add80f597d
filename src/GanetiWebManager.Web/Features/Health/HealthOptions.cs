using System.ComponentModel.DataAnnotations;

namespace GanetiWebManager.Web.Features.Health;

public sealed class HealthOptions
{
    public const string SectionName = "Health";

    /// <summary>A cluster whose last good sync is older than this is reported stale.</summary>
    [Range(typeof(TimeSpan), "00:00:10", "1.00:00:00", ErrorMessage = "Health:ClusterStaleAfter must be between 10 seconds and 1 day.")]
    public TimeSpan ClusterStaleAfter { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Monitoring systems send this as a bearer token to see per-cluster details; without it (or a
    /// superuser session) /healthz gives only the overall state and counts, so that cluster names
    /// are not disclosed to anyone who can reach the portal.
    /// </summary>
    [MinLength(16, ErrorMessage = "Health:Token must be at least 16 characters.")]
    public string? Token { get; set; }
}
