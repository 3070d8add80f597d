using GanetiWebManager.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GanetiWebManager.Web.Features.Health;

/// <summary>Reads every cluster's sync state and classifies it; used by /healthz and the overview.</summary>
public sealed class ClusterHealthReader(
    IDbContextFactory<AppDbContext> contextFactory,
    IOptions<HealthOptions> options,
    TimeProvider timeProvider)
{
    public async Task<IReadOnlyList<ClusterHealth>> ReadAllAsync(CancellationToken ct)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var rows = await db.Clusters.AsNoTracking()
            .OrderBy(c => c.Slug)
            .Select(c => new { c.Slug, c.Sync.LastSuccessAt, c.Sync.LastFailureAt, c.Sync.LastError })
            .ToListAsync(ct);
        var now = timeProvider.GetUtcNow();
        return [.. rows.Select(r => ClusterHealth.From(r.Slug, r.LastSuccessAt, r.LastFailureAt, r.LastError, now, options.Value.ClusterStaleAfter))];
    }
}

public enum ClusterHealthStatus
{
    Ok,
    NeverSynced,
    Stale,
    Failing,
}

public sealed record ClusterHealth(string Slug, ClusterHealthStatus Status, DateTimeOffset? LastSuccessAt, string? LastError, TimeSpan? DataAge)
{
    public static ClusterHealth From(string slug, DateTimeOffset? lastSuccess, DateTimeOffset? lastFailure, string? lastError, DateTimeOffset now, TimeSpan staleAfter)
    {
        var age = now - lastSuccess;
        var failing = lastError is not null && (lastSuccess is null || lastFailure >= lastSuccess);
        var status = failing ? ClusterHealthStatus.Failing
            : lastSuccess is null ? ClusterHealthStatus.NeverSynced
            : age > staleAfter ? ClusterHealthStatus.Stale
            : ClusterHealthStatus.Ok;
        return new ClusterHealth(slug, status, lastSuccess, failing ? lastError : null, age);
    }
}
