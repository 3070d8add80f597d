using System.Buffers.Binary;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Audit;
using GanetiWebManager.Web.Domain.Quotas;
using GanetiWebManager.Web.Domain.VirtualMachines;
using GanetiWebManager.Web.Features.Access;
using GanetiWebManager.Web.Features.Audit;
using GanetiWebManager.Web.Features.LiveUpdates;
using Microsoft.EntityFrameworkCore;

namespace GanetiWebManager.Web.Features.Quotas;

/// <summary>
/// Quotas (product-spec §5): the effective quota and the usage of an owner on a cluster, and reservations taken
/// atomically against them. <see cref="TryReserveAsync"/> runs one transaction that holds a PostgreSQL advisory
/// lock keyed on (owner, cluster), reads quota and usage (held reservations included), compares, and inserts the
/// reservation: concurrent requests of one owner are serialised, whatever portal instance or connection they use,
/// so 50 parallel requests against a quota admitting 10 yield exactly 10 (ADR 0008). Callers check the user's
/// permission for the action first; this service only decides the quota.
/// </summary>
public sealed partial class QuotaService(
    IDbContextFactory<AppDbContext> contextFactory,
    IPortalAccess access,
    IAuditLog audit,
    LiveUpdateHub liveUpdates,
    TimeProvider timeProvider,
    ILogger<QuotaService> logger)
{
    // First key of the two-int advisory lock space reserved for "quota of (owner, cluster)" (the sync uses "GWSY");
    // the second is a hash of the pair. A collision only makes two unrelated owners wait for each other.
    internal const int LockClass = 0x47_57_51_55; // "GWQU"

    /// <summary>
    /// The quota of <paramref name="owner"/> on a cluster: its override, or the cluster's default. Internal: no
    /// user is checked here; pages read quotas through <see cref="QuotaQueries"/>, which filters by permission.
    /// </summary>
    internal async Task<QuotaLimits> GetQuotaAsync(int clusterId, QuotaOwner owner, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        return await QuotaAsync(db, clusterId, owner, ct);
    }

    /// <summary>
    /// What <paramref name="owner"/> uses on a cluster: RAM and vCPUs of its VMs meant to run (admin state up), disk
    /// of all its VMs (pending-delete included, gone-from-Ganeti excluded), plus every reservation still held.
    /// Internal like <see cref="GetQuotaAsync"/>.
    /// </summary>
    internal async Task<ResourceAmounts> GetUsageAsync(int clusterId, QuotaOwner owner, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        return await UsageAsync(db, clusterId, owner, ct);
    }

    /// <summary>
    /// Reserves what creating a VM needs (the wizard, templates, bulk and API creates all come here): disk only, or
    /// disk, RAM and vCPUs when it is to be started. Link the hold to the job intent (<see cref="QuotaHold.LinkIntentAsync"/>).
    /// </summary>
    public Task<QuotaDecision> ReserveForCreateAsync(
        ClaimsPrincipal user, int clusterId, QuotaOwner owner, string vmName, long diskMiB, long ramMiB, int vcpus, bool start,
        bool confirmOverQuota = false, string auditAction = "vm.create", CancellationToken ct = default)
    {
        var need = start ? new ResourceAmounts(ramMiB, diskMiB, vcpus) : new ResourceAmounts(0, diskMiB, 0);
        return TryReserveAsync(user, new QuotaRequest(clusterId, owner, need, QuotaPurpose.Create, vmName, null, auditAction, confirmOverQuota), ct);
    }

    /// <summary>What starting <paramref name="vm"/> adds to its owner's usage: its max memory and vCPUs when it is meant to be down (disk counts already).</summary>
    public static ResourceAmounts StartNeed(VirtualMachine vm) =>
        vm.AdminState == VmStates.AdminUp ? ResourceAmounts.Zero : new ResourceAmounts(vm.MaxMemoryMiB ?? 0, 0, vm.Vcpus ?? 0);

    /// <summary>
    /// Takes a reservation, or refuses with a message naming the resource, the need and what is left (audited as
    /// <see cref="QuotaRequest.AuditAction"/>, outcome Refused). Superusers are never limited (their reservation is
    /// still recorded, so others' checks see it); a cluster admin exceeds the owner's quota only with
    /// <see cref="QuotaRequest.ConfirmOverQuota"/>, which is audited.
    /// </summary>
    public async Task<QuotaDecision> TryReserveAsync(ClaimsPrincipal user, QuotaRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(request);
        if (request.Need.RamMiB < 0 || request.Need.DiskMiB < 0 || request.Need.Vcpus < 0)
        {
            throw new ArgumentException("A quota need cannot be negative.", nameof(request));
        }

        if (request.Need.IsZero)
        {
            return QuotaDecision.NotNeeded;
        }

        var scope = await access.ScopeAsync(user, ct);
        if (!scope.IsAuthenticated)
        {
            await audit.RecordRefusalAsync(user, request.AuditAction, new ClusterResource(request.ClusterId), "not signed in", ct);
            return new QuotaDecision(false, null, "You are not signed in.", []);
        }

        await using var db = await contextFactory.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({LockClass}, {LockKey(request.ClusterId, request.Owner)})", ct);

        // Read after the lock is held: every reservation committed by an earlier holder is visible (read committed).
        var quota = await QuotaAsync(db, request.ClusterId, request.Owner, ct);
        var usage = await UsageAsync(db, request.ClusterId, request.Owner, ct);
        var shortfalls = Shortfalls(quota, usage, request.Need);
        var clusterSlug = await db.Clusters.Where(c => c.Id == request.ClusterId).Select(c => c.Slug).SingleOrDefaultAsync(ct);
        if (clusterSlug is null)
        {
            return new QuotaDecision(false, null, "The cluster no longer exists.", []);
        }

        if (shortfalls.Count > 0 && !scope.IsSuperuser)
        {
            if (!(request.ConfirmOverQuota && scope.IsClusterAdmin(request.ClusterId)))
            {
                await transaction.RollbackAsync(ct);
                var ownerName = await OwnerNameAsync(db, request.Owner, ct);
                var message = $"Not enough quota: {ownerName} on {clusterSlug} " + string.Join("; ", shortfalls.Select(s => s.Describe())) + ".";
                if (scope.IsClusterAdmin(request.ClusterId))
                {
                    message += " As a cluster admin you may confirm exceeding it.";
                }

                var refusal = Entry(user, request, clusterSlug, await PersonaAsync(db, request.Owner, ct), AuditOutcome.Refused);
                refusal.Reason = message;
                await audit.RecordAsync(refusal, CancellationToken.None);
                LogRefused(refusal.Persona ?? "", clusterSlug, request.Purpose, message);
                return new QuotaDecision(false, null, message, shortfalls);
            }

            var exceeded = Entry(user, request, clusterSlug, await PersonaAsync(db, request.Owner, ct), AuditOutcome.Allowed);
            exceeded.Action = "quota.exceed";
            exceeded.Reason = $"Confirmed by a cluster admin for {request.AuditAction}: " + string.Join("; ", shortfalls.Select(s => s.Describe()));
            exceeded.Before = AuditEntries.State(new { quota.RamMiB, quota.DiskMiB, quota.Vcpus, Used = usage });
            exceeded.After = AuditEntries.State(new { Used = usage + request.Need });
            audit.Add(db, exceeded);
        }

        var reservation = new QuotaReservation
        {
            ClusterId = request.ClusterId,
            OwnerUserId = request.Owner.UserId,
            OwnerGroupId = request.Owner.GroupId,
            RamMiB = request.Need.RamMiB,
            DiskMiB = request.Need.DiskMiB,
            Vcpus = checked((int)request.Need.Vcpus),
            Purpose = request.Purpose,
            VirtualMachineId = request.VirtualMachineId,
            VmName = request.VmName,
            State = QuotaReservationState.Held,
            CreatedAt = timeProvider.GetUtcNow(),
        };
        db.QuotaReservations.Add(reservation);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        liveUpdates.Publish(new QuotaChanged(request.ClusterId));
        return new QuotaDecision(true, new QuotaHold(reservation.Id, request.ClusterId, request.Owner, request.Need), null, []);
    }

    /// <summary>Releases a hold whose job was never recorded or was refused outright (nothing runs).</summary>
    public async Task ReleaseAsync(QuotaHold hold, string why, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(hold);
        var now = timeProvider.GetUtcNow();
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        await db.QuotaReservations
            .Where(r => r.Id == hold.ReservationId && r.State == QuotaReservationState.Held)
            .ExecuteUpdateAsync(u => u.SetProperty(r => r.State, QuotaReservationState.Released).SetProperty(r => r.SettledAt, now).SetProperty(r => r.Outcome, Truncate(why)), ct);
        liveUpdates.Publish(new QuotaChanged(hold.ClusterId));
    }

    internal static async Task LinkAsync(AppDbContext db, long reservationId, long jobId, CancellationToken ct) =>
        await db.QuotaReservations.Where(r => r.Id == reservationId).ExecuteUpdateAsync(u => u.SetProperty(r => r.JobId, jobId), ct);

    internal static List<QuotaShortfall> Shortfalls(QuotaLimits quota, ResourceAmounts used, ResourceAmounts need)
    {
        var list = new List<QuotaShortfall>();
        if (need.RamMiB > 0 && quota.RamMiB is { } ram && used.RamMiB + need.RamMiB > ram)
        {
            list.Add(new QuotaShortfall(QuotaResource.Ram, need.RamMiB, used.RamMiB, ram));
        }

        if (need.DiskMiB > 0 && quota.DiskMiB is { } disk && used.DiskMiB + need.DiskMiB > disk)
        {
            list.Add(new QuotaShortfall(QuotaResource.Disk, need.DiskMiB, used.DiskMiB, disk));
        }

        if (need.Vcpus > 0 && quota.Vcpus is { } vcpus && used.Vcpus + need.Vcpus > vcpus)
        {
            list.Add(new QuotaShortfall(QuotaResource.Vcpus, need.Vcpus, used.Vcpus, vcpus));
        }

        return list;
    }

    internal static async Task<QuotaLimits> QuotaAsync(AppDbContext db, int clusterId, QuotaOwner owner, CancellationToken ct)
    {
        var row = await db.QuotaOverrides.AsNoTracking()
            .Where(q => q.ClusterId == clusterId && (owner.UserId != null ? q.UserId == owner.UserId : q.GroupId == owner.GroupId))
            .SingleOrDefaultAsync(ct);
        if (row is not null)
        {
            return QuotaLimits.From(row);
        }

        var defaults = await db.Clusters.AsNoTracking().Where(c => c.Id == clusterId).Select(c => c.DefaultQuota).SingleOrDefaultAsync(ct);
        return defaults is null ? new QuotaLimits(0, 0, 0, IsDefault: true) : QuotaLimits.From(defaults, isDefault: true);
    }

    internal static async Task<ResourceAmounts> UsageAsync(AppDbContext db, int clusterId, QuotaOwner owner, CancellationToken ct)
    {
        var vms = db.VirtualMachines.AsNoTracking().Where(v => v.ClusterId == clusterId && v.MissingSince == null);
        vms = owner.UserId is { } user ? vms.Where(v => v.OwnerUserId == user) : vms.Where(v => v.OwnerGroupId == owner.GroupId);
        var fromVms = await vms
            .GroupBy(v => 1)
            .Select(g => new
            {
                Ram = g.Sum(v => v.AdminState == VmStates.AdminUp ? v.MaxMemoryMiB ?? 0 : 0),
                Disk = g.Sum(v => v.DiskTotalMiB),
                Vcpus = g.Sum(v => v.AdminState == VmStates.AdminUp ? v.Vcpus ?? 0 : 0),
            })
            .SingleOrDefaultAsync(ct);

        var held = db.QuotaReservations.AsNoTracking().Where(r => r.ClusterId == clusterId && r.State == QuotaReservationState.Held);
        held = owner.UserId is { } u ? held.Where(r => r.OwnerUserId == u) : held.Where(r => r.OwnerGroupId == owner.GroupId);
        var fromHeld = await held
            .GroupBy(r => 1)
            .Select(g => new { Ram = g.Sum(r => r.RamMiB), Disk = g.Sum(r => r.DiskMiB), Vcpus = g.Sum(r => (long)r.Vcpus) })
            .SingleOrDefaultAsync(ct);

        return new ResourceAmounts(
            (fromVms?.Ram ?? 0) + (fromHeld?.Ram ?? 0),
            (fromVms?.Disk ?? 0) + (fromHeld?.Disk ?? 0),
            (fromVms?.Vcpus ?? 0) + (fromHeld?.Vcpus ?? 0));
    }

    /// <summary>The second key of the (owner, cluster) advisory lock: the first four bytes of a SHA-256 of the pair.</summary>
    internal static int LockKey(int clusterId, QuotaOwner owner) =>
        BinaryPrimitives.ReadInt32LittleEndian(SHA256.HashData(Encoding.UTF8.GetBytes($"{clusterId}/{owner}")));

    internal static async Task<string> OwnerNameAsync(AppDbContext db, QuotaOwner owner, CancellationToken ct) =>
        owner.UserId is { } user
            ? await db.Users.Where(u => u.Id == user).Select(u => u.UserName).SingleOrDefaultAsync(ct) ?? "(deleted user)"
            : "group " + (await db.Groups.Where(g => g.Id == owner.GroupId).Select(g => g.Name).SingleOrDefaultAsync(ct) ?? "(deleted group)");

    /// <summary>The owner as the audit log's persona field names it: <c>user:alice</c> or <c>group:lab</c>.</summary>
    internal static async Task<string> PersonaAsync(AppDbContext db, QuotaOwner owner, CancellationToken ct) =>
        owner.UserId is { } user
            ? "user:" + (await db.Users.Where(u => u.Id == user).Select(u => u.UserName).SingleOrDefaultAsync(ct) ?? owner.ToString())
            : "group:" + (await db.Groups.Where(g => g.Id == owner.GroupId).Select(g => g.Slug).SingleOrDefaultAsync(ct) ?? owner.ToString());

    private static AuditEntry Entry(ClaimsPrincipal user, QuotaRequest request, string clusterSlug, string persona, AuditOutcome outcome)
    {
        var entry = AuditEntries.By(user, request.AuditAction, outcome);
        entry.ClusterId = request.ClusterId;
        entry.ClusterSlug = clusterSlug;
        entry.VirtualMachineId = request.VirtualMachineId;
        entry.VmName = request.VmName;
        entry.Persona = persona;
        entry.SubjectUserId = request.Owner.UserId;
        entry.GroupId = request.Owner.GroupId;
        return entry;
    }

    private static string Truncate(string text) => text.Length <= 200 ? text : text[..200];

    [LoggerMessage(Level = LogLevel.Information, Message = "Quota refused for {Owner} on {Cluster} ({Purpose}): {Message}")]
    private partial void LogRefused(string owner, string cluster, QuotaPurpose purpose, string message);
}
