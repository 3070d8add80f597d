using System.Security.Claims;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Quotas;
using GanetiWebManager.Web.Features.Access;
using GanetiWebManager.Web.Features.Audit;
using GanetiWebManager.Web.Features.LiveUpdates;
using Microsoft.EntityFrameworkCore;

namespace GanetiWebManager.Web.Features.Quotas;

/// <summary>The values of a quota: null = unlimited, 0 = none; never negative (<see cref="QuotaFormValidator"/>).</summary>
public sealed record QuotaValues(long? RamMiB, long? DiskMiB, int? Vcpus);

/// <summary>What became of a quota change.</summary>
public sealed record QuotaChangeResult(bool Succeeded, string Message);

/// <summary>
/// Changes quotas (cluster admins and superusers; checked here, on the server): a cluster's default, and the
/// override of one owner, which replaces all three values; resetting deletes it (back to the default). Every
/// change is audited with its before and after (<c>quota.default.set</c>, <c>quota.set</c>, <c>quota.reset</c>),
/// in the same transaction; refusals are audited too.
/// </summary>
public sealed class QuotaAdminService(
    IDbContextFactory<AppDbContext> contextFactory,
    AccessGuard guard,
    IAuditLog audit,
    LiveUpdateHub liveUpdates,
    TimeProvider timeProvider)
{
    public async Task<QuotaChangeResult> SetDefaultAsync(ClaimsPrincipal user, int clusterId, QuotaValues values, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (!await guard.AllowsAsync(user, new ClusterResource(clusterId), ClusterOperation.Admin, "quota.default.set", ct))
        {
            return new QuotaChangeResult(false, "Only the cluster's admins may change its default quota.");
        }

        if (QuotaFormValidator.Problem(values) is { } problem)
        {
            return new QuotaChangeResult(false, problem);
        }

        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var cluster = await db.Clusters.SingleOrDefaultAsync(c => c.Id == clusterId, ct);
        if (cluster is null)
        {
            return new QuotaChangeResult(false, "The cluster no longer exists.");
        }

        var before = new QuotaValues(cluster.DefaultQuota.RamMiB, cluster.DefaultQuota.DiskMiB, cluster.DefaultQuota.Vcpus);
        cluster.DefaultQuota.RamMiB = values.RamMiB;
        cluster.DefaultQuota.DiskMiB = values.DiskMiB;
        cluster.DefaultQuota.Vcpus = values.Vcpus;
        var entry = AuditEntries.By(user, "quota.default.set");
        entry.ClusterId = clusterId;
        entry.ClusterSlug = cluster.Slug;
        entry.Before = State(before);
        entry.After = State(values);
        audit.Add(db, entry);
        await db.SaveChangesAsync(ct);
        liveUpdates.Publish(new QuotaChanged(clusterId));
        return new QuotaChangeResult(true, $"The default quota of {cluster.Slug} was saved.");
    }

    /// <summary>Creates or replaces the override of <paramref name="owner"/> on the cluster.</summary>
    public async Task<QuotaChangeResult> SetOverrideAsync(ClaimsPrincipal user, int clusterId, QuotaOwner owner, QuotaValues values, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (!await guard.AllowsAsync(user, new ClusterResource(clusterId), ClusterOperation.Admin, "quota.set", ct))
        {
            return new QuotaChangeResult(false, "Only the cluster's admins may change quotas on it.");
        }

        if (QuotaFormValidator.Problem(values) is { } problem)
        {
            return new QuotaChangeResult(false, problem);
        }

        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var slug = await db.Clusters.Where(c => c.Id == clusterId).Select(c => c.Slug).SingleOrDefaultAsync(ct);
        if (slug is null)
        {
            return new QuotaChangeResult(false, "The cluster no longer exists.");
        }

        if (!await OwnerExistsAsync(db, owner, ct))
        {
            return new QuotaChangeResult(false, "That user or group no longer exists.");
        }

        // Serialised with reservations of the same owner, so a reservation never compares against half a change.
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({QuotaService.LockClass}, {QuotaService.LockKey(clusterId, owner)})", ct);
        var row = await Find(db, clusterId, owner).SingleOrDefaultAsync(ct);
        var before = row is null ? null : new QuotaValues(row.RamMiB, row.DiskMiB, row.Vcpus);
        if (row is null)
        {
            row = new QuotaOverride { ClusterId = clusterId, UserId = owner.UserId, GroupId = owner.GroupId };
            db.QuotaOverrides.Add(row);
        }

        row.RamMiB = values.RamMiB;
        row.DiskMiB = values.DiskMiB;
        row.Vcpus = values.Vcpus;
        row.UpdatedAt = timeProvider.GetUtcNow();
        var entry = await EntryAsync(db, user, "quota.set", clusterId, slug, owner, ct);
        entry.Before = before is null ? AuditEntries.State(new { Default = true }) : State(before);
        entry.After = State(values);
        audit.Add(db, entry);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        liveUpdates.Publish(new QuotaChanged(clusterId));
        return new QuotaChangeResult(true, $"The quota of {entry.Persona} on {slug} was saved.");
    }

    /// <summary>Deletes the override of <paramref name="owner"/>: the cluster's default applies again.</summary>
    public async Task<QuotaChangeResult> ResetAsync(ClaimsPrincipal user, int clusterId, QuotaOwner owner, CancellationToken ct = default)
    {
        if (!await guard.AllowsAsync(user, new ClusterResource(clusterId), ClusterOperation.Admin, "quota.reset", ct))
        {
            return new QuotaChangeResult(false, "Only the cluster's admins may change quotas on it.");
        }

        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var slug = await db.Clusters.Where(c => c.Id == clusterId).Select(c => c.Slug).SingleOrDefaultAsync(ct);
        if (slug is null)
        {
            return new QuotaChangeResult(false, "The cluster no longer exists.");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({QuotaService.LockClass}, {QuotaService.LockKey(clusterId, owner)})", ct);
        var row = await Find(db, clusterId, owner).SingleOrDefaultAsync(ct);
        if (row is null)
        {
            return new QuotaChangeResult(true, "The default quota applies already.");
        }

        db.QuotaOverrides.Remove(row);
        var entry = await EntryAsync(db, user, "quota.reset", clusterId, slug, owner, ct);
        entry.Before = State(new QuotaValues(row.RamMiB, row.DiskMiB, row.Vcpus));
        entry.After = AuditEntries.State(new { Default = true });
        audit.Add(db, entry);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        liveUpdates.Publish(new QuotaChanged(clusterId));
        return new QuotaChangeResult(true, $"{entry.Persona} has the default quota of {slug} again.");
    }

    private static string State(QuotaValues values) => AuditEntries.State(new { values.RamMiB, values.DiskMiB, values.Vcpus });

    private static IQueryable<QuotaOverride> Find(AppDbContext db, int clusterId, QuotaOwner owner) =>
        owner.UserId is { } user
            ? db.QuotaOverrides.Where(q => q.ClusterId == clusterId && q.UserId == user)
            : db.QuotaOverrides.Where(q => q.ClusterId == clusterId && q.GroupId == owner.GroupId);

    private static async Task<bool> OwnerExistsAsync(AppDbContext db, QuotaOwner owner, CancellationToken ct) =>
        owner.UserId is { } user ? await db.Users.AnyAsync(u => u.Id == user, ct) : await db.Groups.AnyAsync(g => g.Id == owner.GroupId, ct);

    private static async Task<Domain.Audit.AuditEntry> EntryAsync(AppDbContext db, ClaimsPrincipal user, string action, int clusterId, string slug, QuotaOwner owner, CancellationToken ct)
    {
        var entry = AuditEntries.By(user, action);
        entry.ClusterId = clusterId;
        entry.ClusterSlug = slug;
        entry.Persona = await QuotaService.PersonaAsync(db, owner, ct);
        if (owner.UserId is { } userId)
        {
            entry.SubjectUserId = userId;
            entry.SubjectUserName = entry.Persona["user:".Length..];
        }
        else
        {
            entry.GroupId = owner.GroupId;
            entry.GroupSlug = entry.Persona["group:".Length..];
        }

        return entry;
    }
}
