using System.Collections.Concurrent;
using GanetiWebManager.Rapi;
using GanetiWebManager.Web.Domain.Clusters;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace GanetiWebManager.Web.Features.Clusters;

/// <summary>
/// Turns a cluster's registry row into a RAPI client: decrypts the stored password, pins the accepted
/// certificate, applies the timeouts. One client per cluster is kept and replaced when the connection
/// details change. This is the only place that reads a RAPI password.
/// </summary>
public sealed class ClusterConnector(
    IGanetiRapiClientFactory clientFactory,
    IDataProtectionProvider dataProtection,
    IOptions<RapiSettings> settings) : IDisposable
{
    // A purpose string of its own: a value protected for this purpose cannot be unprotected by any other.
    private readonly IDataProtector _protector = dataProtection.CreateProtector("GanetiWebManager.Clusters.RapiPassword.v1");
    private readonly ConcurrentDictionary<int, (string Key, IGanetiRapiClient Client)> _clients = new();

    public string ProtectPassword(string password) => _protector.Protect(password);

    /// <summary>The client for <paramref name="cluster"/>; do not dispose it (the connector owns it).</summary>
    public IGanetiRapiClient GetClient(Cluster cluster)
    {
        var key = string.Join('\n', cluster.Hostname, cluster.Port, cluster.RapiUsername, cluster.RapiPasswordProtected, cluster.CertificateSha256);
        if (_clients.TryGetValue(cluster.Id, out var cached) && cached.Key == key)
        {
            return cached.Client;
        }

        var client = clientFactory.Create(OptionsFor(cluster));
        var current = _clients.AddOrUpdate(cluster.Id, (key, client), (_, old) =>
        {
            // The old client may still serve a request in flight; it is left to the garbage collector
            // rather than disposed under it. Connection details change rarely.
            return (key, client);
        });
        return current.Client;
    }

    /// <summary>Options for a cluster (also used to test connection details before they are saved).</summary>
    public RapiClientOptions OptionsFor(Cluster cluster, string? plainPassword = null)
    {
        var password = plainPassword ?? (cluster.RapiPasswordProtected is { } protectedPassword ? _protector.Unprotect(protectedPassword) : null);
        var value = settings.Value;
        return new RapiClientOptions
        {
            BaseUrl = new UriBuilder(Uri.UriSchemeHttps, cluster.Hostname, cluster.Port).Uri,
            User = cluster.RapiUsername,
            Password = cluster.RapiUsername is null ? null : password,
            CertificateSha256 = cluster.CertificateSha256,
            ConnectTimeout = value.ConnectTimeout,
            RequestTimeout = value.RequestTimeout,
            MaxConnections = value.MaxConcurrentRequestsPerCluster,
        };
    }

    public void Forget(int clusterId) => _clients.TryRemove(clusterId, out _);

    public void Dispose()
    {
        foreach (var (_, client) in _clients.Values)
        {
            (client as IDisposable)?.Dispose();
        }

        _clients.Clear();
    }
}
