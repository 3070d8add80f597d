using GanetiWebManager.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace GanetiWebManager.Web.Features.Clusters.Registry;

/// <summary>The registry facts the form's rules look up: is a slug or an endpoint already taken.</summary>
public interface IClusterRegistryLookup
{
    Task<bool> IsSlugTakenAsync(string slug, int? exceptClusterId, CancellationToken ct);

    /// <summary>The slug of the cluster already registered at <paramref name="hostname"/>:<paramref name="port"/>, if any.</summary>
    Task<string?> FindSlugByEndpointAsync(string hostname, int port, int? exceptClusterId, CancellationToken ct);
}

public sealed class ClusterRegistryLookup(IDbContextFactory<AppDbContext> contextFactory) : IClusterRegistryLookup
{
    public async Task<bool> IsSlugTakenAsync(string slug, int? exceptClusterId, CancellationToken ct)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        return await db.Clusters.AnyAsync(c => c.Slug == slug && c.Id != exceptClusterId, ct);
    }

    public async Task<string?> FindSlugByEndpointAsync(string hostname, int port, int? exceptClusterId, CancellationToken ct)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        return await db.Clusters
            .Where(c => c.Hostname == hostname && c.Port == port && c.Id != exceptClusterId)
            .Select(c => c.Slug)
            .FirstOrDefaultAsync(ct);
    }
}
