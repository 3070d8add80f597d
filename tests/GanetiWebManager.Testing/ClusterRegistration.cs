using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Clusters;
using GanetiWebManager.Web.Features.Clusters;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GanetiWebManager.Testing;

/// <summary>Registers a RAPI endpoint (the sandbox, a fake) in a portal's database as the registry would.</summary>
public static class ClusterRegistration
{
    public static async Task<Cluster> AddAsync(
        IServiceProvider services, string slug, Uri rapiUrl, string certificateSha256, string user, string password, Action<Cluster>? customize = null)
    {
        var connector = services.GetRequiredService<ClusterConnector>();
        var cluster = new Cluster
        {
            Slug = slug,
            Hostname = rapiUrl.Host,
            Port = rapiUrl.Port,
            RapiUsername = user,
            RapiPasswordProtected = connector.ProtectPassword(password),
            CertificateSha256 = certificateSha256,
            CreatedAt = TimeProvider.System.GetUtcNow(),
        };
        customize?.Invoke(cluster);
        await using var db = await services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        db.Clusters.Add(cluster);
        await db.SaveChangesAsync();
        return cluster;
    }
}
