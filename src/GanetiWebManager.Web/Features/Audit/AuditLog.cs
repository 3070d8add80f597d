using System.Security.Claims;
using System.Text.Json;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Audit;
using GanetiWebManager.Web.Features.Access;
using Microsoft.EntityFrameworkCore;

namespace GanetiWebManager.Web.Features.Audit;

/// <summary>Writes the audit log (product-spec §11).</summary>
public interface IAuditLog
{
    /// <summary>
    /// Adds an entry to <paramref name="db"/>'s unit of work, stamped with the current time, so it is saved
    /// in the same transaction as the change it records (a change never lands without its entry).
    /// </summary>
    void Add(AppDbContext db, AuditEntry entry);

    /// <summary>Saves an entry on its own (refusals, actions whose change happens elsewhere).</summary>
    Task RecordAsync(AuditEntry entry, CancellationToken ct);

    /// <summary>
    /// Records that <paramref name="user"/> was refused <paramref name="action"/> on a resource
    /// (<see cref="VmResource"/>, <see cref="ClusterResource"/>, <see cref="GroupResource"/> or null), with
    /// the names of what it concerned looked up now, while they still exist.
    /// </summary>
    Task RecordRefusalAsync(ClaimsPrincipal user, string action, object? resource, string reason, CancellationToken ct);
}

/// <summary>Helpers to start an entry from the acting user and to serialise before/after states.</summary>
public static class AuditEntries
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>A new entry by <paramref name="user"/> (null actor for the portal's own background work).</summary>
    public static AuditEntry By(ClaimsPrincipal? user, string action, AuditOutcome outcome = AuditOutcome.Allowed)
    {
        Guid? id = Guid.TryParse(user?.FindFirstValue(ClaimTypes.NameIdentifier), out var parsed) ? parsed : null;
        return new AuditEntry
        {
            Action = action,
            Outcome = outcome,
            ActorUserId = id,
            ActorName = user?.Identity?.IsAuthenticated == true ? user.Identity.Name ?? "" : id is null ? "(portal)" : "",
        };
    }

    /// <summary>A state as stored in <see cref="AuditEntry.Before"/>/<see cref="AuditEntry.After"/>.</summary>
    public static string State<T>(T value) => JsonSerializer.Serialize(value, Json);
}

internal sealed class AuditLog(IDbContextFactory<AppDbContext> contexts, TimeProvider clock) : IAuditLog
{
    public void Add(AppDbContext db, AuditEntry entry)
    {
        entry.At = clock.GetUtcNow();
        db.AuditLog.Add(entry);
    }

    public async Task RecordAsync(AuditEntry entry, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        Add(db, entry);
        await db.SaveChangesAsync(ct);
    }

    public async Task RecordRefusalAsync(ClaimsPrincipal user, string action, object? resource, string reason, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var entry = AuditEntries.By(user, action, AuditOutcome.Refused);
        entry.Reason = reason;
        switch (resource)
        {
            case VmResource vm:
                var target = await db.VirtualMachines.AsNoTracking()
                    .Where(v => v.Id == vm.Id)
                    .Select(v => new { v.Name, v.ClusterId, Slug = db.Clusters.Where(c => c.Id == v.ClusterId).Select(c => c.Slug).FirstOrDefault() })
                    .SingleOrDefaultAsync(ct);
                entry.VirtualMachineId = vm.Id;
                entry.VmName = target?.Name;
                entry.ClusterId = target?.ClusterId;
                entry.ClusterSlug = target?.Slug;
                break;
            case ClusterResource cluster:
                entry.ClusterId = cluster.Id;
                entry.ClusterSlug = await db.Clusters.Where(c => c.Id == cluster.Id).Select(c => c.Slug).SingleOrDefaultAsync(ct);
                break;
            case GroupResource group:
                entry.GroupId = group.Id;
                entry.GroupSlug = await db.Groups.Where(g => g.Id == group.Id).Select(g => g.Slug).SingleOrDefaultAsync(ct);
                break;
        }

        Add(db, entry);
        await db.SaveChangesAsync(ct);
    }
}
