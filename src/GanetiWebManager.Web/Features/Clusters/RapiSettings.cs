using System.ComponentModel.DataAnnotations;

namespace GanetiWebManager.Web.Features.Clusters;

/// <summary>How the portal talks to every cluster's RAPI.</summary>
public sealed class RapiSettings
{
    public const string SectionName = "Rapi";

    [Range(typeof(TimeSpan), "00:00:01", "00:01:00", ErrorMessage = "Rapi:ConnectTimeout must be between 1 second and 1 minute.")]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    [Range(typeof(TimeSpan), "00:00:05", "00:10:00", ErrorMessage = "Rapi:RequestTimeout must be between 5 seconds and 10 minutes.")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>RAPI serves 20 clients in all; the portal keeps well below that per cluster.</summary>
    [Range(1, 10, ErrorMessage = "Rapi:MaxConcurrentRequestsPerCluster must be between 1 and 10.")]
    public int MaxConcurrentRequestsPerCluster { get; set; } = 4;
}
