using System.Text.Json;
using GanetiWebManager.Rapi;
using GanetiWebManager.Rapi.Exceptions;
using GanetiWebManager.Rapi.Models;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Clusters;
using GanetiWebManager.Web.Domain.VirtualMachines;
using GanetiWebManager.Web.Features.Clusters;
using GanetiWebManager.Web.Features.Jobs;
using GanetiWebManager.Web.Features.LiveUpdates;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace GanetiWebManager.Web.Features.Sync;

/// <summary>What one sync pass covers; the scheduler picks the parts that are due.</summary>
[Flags]
public enum SyncParts
{
    None = 0,
    Info = 1,
    Nodes = 2,
    Instances = 4,
    Runtime = 8,
    Jobs = 16,

    /// <summary>Fetch every instance in full, whatever the change markers say.</summary>
    FullListing = 32,

    All = Info | Nodes | Instances | Runtime | Jobs | FullListing,
}

/// <summary>What a pass found and wrote (for logs, tests and the benchmark).</summary>
public sealed record SyncResult(int ClusterId, ClusterFailure? Failure)
{
    public bool Succeeded => Failure is null;

    public int Inserted { get; set; }

    public int Updated { get; set; }

    public int MarkedMissing { get; set; }

    public int Removed { get; set; }

    public int RuntimeUpdated { get; set; }

    public int NodesChanged { get; set; }

    public int OwnersRecovered { get; set; }

    public bool InfoChanged { get; set; }

    public int InstancesFetched { get; set; }

    public int JobsDiscovered { get; set; }

    /// <summary>Wall time of each part of the pass (for logs and the benchmark's breakdown).</summary>
    public Dictionary<SyncParts, TimeSpan> Durations { get; } = [];

    public bool ChangedInventory => Inserted + Updated + MarkedMissing + Removed + RuntimeUpdated + NodesChanged + OwnersRecovered > 0 || InfoChanged;
}

/// <summary>
/// Mirrors one cluster into the database (product-spec §6): cheap change markers first, full details only
/// for what changed, runtime state separately, nodes and cluster info likewise. Unchanged data writes
/// nothing; a failed or partial listing deletes and flags nothing; errors are recorded on the cluster and
/// cleared by the next good pass. The scheduler (ClusterSyncService) decides when; this
/// class does one pass and can be driven directly by tests.
/// </summary>
public sealed partial class ClusterSynchronizer(
    IDbContextFactory<AppDbContext> contextFactory,
    NpgsqlDataSource dataSource,
    ClusterConnector connector,
    ClusterSnapshots snapshots,
    JobDiscovery jobDiscovery,
    LiveUpdateHub liveUpdates,
    IOptions<SyncOptions> options,
    IOptions<RapiSettings> rapiSettings,
    TimeProvider timeProvider,
    ILogger<ClusterSynchronizer> logger)
{
    public async Task<SyncResult> SyncAsync(int clusterId, SyncParts parts, CancellationToken ct)
    {
        Cluster? cluster;
        await using (var db = await contextFactory.CreateDbContextAsync(ct))
        {
            cluster = await db.Clusters.AsNoTracking().SingleOrDefaultAsync(c => c.Id == clusterId, ct);
        }

        if (cluster is null)
        {
            return new SyncResult(clusterId, new ClusterFailure(ClusterErrorKind.Other, "The cluster no longer exists."));
        }

        if (cluster.PresentedCertificateSha256 is not null)
        {
            // Credentials are never sent to a certificate nobody accepted: wait for an admin.
            var failure = new ClusterFailure(
                ClusterErrorKind.CertificateMismatch,
                cluster.Sync.LastErrorKind == ClusterErrorKind.CertificateMismatch && cluster.Sync.LastError is { } existing
                    ? existing
                    : "The cluster's certificate changed; an admin must check and accept the new one.",
                cluster.PresentedCertificateSha256);
            await RecordFailureAsync(cluster, failure, ct);
            return new SyncResult(clusterId, failure);
        }

        var client = connector.GetClient(cluster);
        var result = new SyncResult(clusterId, null);
        var completed = false;
        try
        {
            if (parts.HasFlag(SyncParts.Info))
            {
                var started = timeProvider.GetTimestamp();
                result.InfoChanged = await SyncInfoAsync(cluster, client, ct);
                result.Durations[SyncParts.Info] = timeProvider.GetElapsedTime(started);
            }

            if (parts.HasFlag(SyncParts.Nodes))
            {
                var started = timeProvider.GetTimestamp();
                result.NodesChanged = await SyncNodesAsync(cluster, client, ct);
                result.Durations[SyncParts.Nodes] = timeProvider.GetElapsedTime(started);
            }

            if (parts.HasFlag(SyncParts.Instances))
            {
                var started = timeProvider.GetTimestamp();
                await SyncInstancesAsync(cluster, client, parts.HasFlag(SyncParts.FullListing), result, ct);
                result.Durations[SyncParts.Instances] = timeProvider.GetElapsedTime(started);
            }

            if (parts.HasFlag(SyncParts.Runtime))
            {
                var started = timeProvider.GetTimestamp();
                result.RuntimeUpdated = await SyncRuntimeAsync(cluster, client, ct);
                result.Durations[SyncParts.Runtime] = timeProvider.GetElapsedTime(started);
            }

            if (parts.HasFlag(SyncParts.Jobs))
            {
                var started = timeProvider.GetTimestamp();
                result.JobsDiscovered = (await jobDiscovery.SyncJobsAsync(cluster, client, ct)).Discovered;
                result.Durations[SyncParts.Jobs] = timeProvider.GetElapsedTime(started);
            }

            completed = true;
        }
        catch (Exception e) when (ClusterFailure.From(e) is { } failure)
        {
            LogSyncFailed(cluster.Slug, failure.Kind, failure.Message);
            await RecordFailureAsync(cluster, failure, ct);
            return result with { Failure = failure };
        }
        finally
        {
            if (!completed)
            {
                // A pass that stopped half-way may have written part of its changes: read afresh next time.
                snapshots.Forget(clusterId);
            }
        }

        await RecordSuccessAsync(cluster, result.ChangedInventory, ct);
        if (result.ChangedInventory)
        {
            LogSynced(cluster.Slug, result.Inserted, result.Updated, result.MarkedMissing, result.RuntimeUpdated, result.NodesChanged);
        }

        return result;
    }

    private async Task<bool> SyncInfoAsync(Cluster cluster, IGanetiRapiClient client, CancellationToken ct)
    {
        var info = await client.GetClusterInfoAsync(ct);
        // The create wizard's OS choices (pages never call RAPI). Ganeti 3.0's /2/os lists names only
        // (provider+variant); they are read on the cluster info's cadence, cheap enough for a list of a few names.
        var operatingSystems = (await client.GetOperatingSystemsAsync(ct)).Order(StringComparer.Ordinal).ToList();
        var mirror = new ClusterMirror
        {
            GanetiName = info.Name,
            Uuid = info.Uuid,
            SoftwareVersion = info.SoftwareVersion,
            MasterNode = info.Master?.ToLowerInvariant(),
            DefaultHypervisor = info.DefaultHypervisor,
            EnabledHypervisors = [.. info.EnabledHypervisors],
            EnabledDiskTemplates = [.. info.EnabledDiskTemplates],
            DefaultIallocator = info.DefaultIAllocator,
            Tags = [.. info.Tags],
            OperatingSystems = operatingSystems,
            Parameters = ParametersJson(info),
            Mtime = info.MTime,
        };
        var memo = snapshots.Memo(cluster.Id);
        var stored = cluster.Info;
        if (mirror.GanetiName == stored.GanetiName && mirror.Uuid == stored.Uuid && mirror.SoftwareVersion == stored.SoftwareVersion
            && mirror.MasterNode == stored.MasterNode && mirror.DefaultHypervisor == stored.DefaultHypervisor
            && mirror.EnabledHypervisors.SequenceEqual(stored.EnabledHypervisors) && mirror.EnabledDiskTemplates.SequenceEqual(stored.EnabledDiskTemplates)
            && mirror.DefaultIallocator == stored.DefaultIallocator && mirror.Tags.SequenceEqual(stored.Tags)
            && mirror.OperatingSystems.SequenceEqual(stored.OperatingSystems) && mirror.Mtime == stored.Mtime
            // PostgreSQL stores jsonb normalised (key order, spacing): compare meaning, not text (unless the
            // text is what this process last wrote).
            && (mirror.Parameters == memo.InfoParameters || SameJson(mirror.Parameters, stored.Parameters)))
        {
            memo.InfoParameters = mirror.Parameters;
            return false;
        }

        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var tracked = await db.Clusters.SingleAsync(c => c.Id == cluster.Id, ct);
        tracked.Info = mirror;
        await db.SaveChangesAsync(ct);
        memo.InfoParameters = mirror.Parameters;
        liveUpdates.Publish(new ClusterChanged(cluster.Id));
        return true;
    }

    private static bool SameJson(string a, string b)
    {
        using var left = JsonDocument.Parse(a);
        using var right = JsonDocument.Parse(b);
        return JsonElement.DeepEquals(left.RootElement, right.RootElement);
    }

    private static string ParametersJson(ClusterInfo info)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            Write(writer, "hvparams", info.HvParams);
            Write(writer, "beparams", info.BeParams);
            Write(writer, "nicparams", info.NicParams);
            Write(writer, "osparams", info.OsParams);
            Write(writer, "os_hvp", info.OsHvp);
            Write(writer, "ndparams", info.NdParams);
            Write(writer, "diskparams", info.DiskParams);
            Write(writer, "ipolicy", info.IPolicy);
            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());

        static void Write(Utf8JsonWriter writer, string name, ParameterDictionary value)
        {
            writer.WritePropertyName(name);
            value.Json.WriteTo(writer);
        }
    }

    private async Task<int> SyncNodesAsync(Cluster cluster, IGanetiRapiClient client, CancellationToken ct)
    {
        var nodes = await client.GetNodesAsync(ct);
        var groups = await client.QueryAsync("group", ["uuid", "name"], ct: ct);
        var groupNames = groups.Rows
            .Where(r => r["uuid"].AsString() is not null)
            .ToDictionary(r => r["uuid"].AsString()!, r => r["name"].AsString() ?? "");
        RequireDistinctNames(nodes.Select(n => n.Name), "node");

        // Unchanged since this process last wrote them: no database work at all.
        var memo = snapshots.Memo(cluster.Id);
        var signature = NodeMirror.Signature(nodes, groupNames);
        if (signature == memo.NodesSignature)
        {
            return 0;
        }

        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var existing = await db.Nodes.Where(n => n.ClusterId == cluster.Id).ToListAsync(ct);
        var byUuid = existing.Where(n => n.Uuid is not null).ToDictionary(n => n.Uuid!);
        var byName = existing.ToDictionary(n => n.Name);
        var seen = new HashSet<int>();
        var changed = 0;
        foreach (var info in nodes)
        {
            var node = (info.Uuid is not null ? byUuid.GetValueOrDefault(info.Uuid) : null) ?? byName.GetValueOrDefault(info.Name.ToLowerInvariant());
            if (node is null)
            {
                node = new Node { ClusterId = cluster.Id, Name = info.Name.ToLowerInvariant() };
                db.Nodes.Add(node);
            }
            else
            {
                seen.Add(node.Id);
            }

            if (NodeMirror.Apply(node, info, groupNames))
            {
                changed++;
            }
        }

        // The listing succeeded as a whole, so a node it lacks is really gone: flag it for an admin.
        var now = timeProvider.GetUtcNow();
        foreach (var gone in existing.Where(n => !seen.Contains(n.Id) && n.MissingSince is null))
        {
            gone.MissingSince = now;
            changed++;
        }

        await db.SaveChangesAsync(ct);
        memo.NodesSignature = signature;
        if (changed > 0)
        {
            liveUpdates.Publish(new NodesChanged(cluster.Id));
        }

        return changed;
    }

    private async Task SyncInstancesAsync(Cluster cluster, IGanetiRapiClient client, bool fullListing, SyncResult result, CancellationToken ct)
    {
        var query = await client.QueryAsync("instance", InstanceMarker.Fields, ct: ct);
        var snapshot = await GetSnapshotAsync(cluster.Id, ct);

        // Orphans are checked against their ownership tags when their tags changed, or when users or groups
        // were added, removed or renamed since the last check (a rebuilt portal recovers its owners). That
        // check, and a full listing, need every row as a marker; otherwise only rows that changed are built.
        var ownersFingerprint = await OwnerDirectory.FingerprintAsync(dataSource, ct);
        var everyRow = fullListing || ownersFingerprint != snapshot.OwnersFingerprint;
        var scan = everyRow ? new MarkerScan() : InstanceMarker.Scan(query, snapshot);
        var markers = everyRow ? InstanceMarker.FromQuery(query) : scan.Markers;
        RequireDistinctNames(markers.Select(m => m.Name).Concat(scan.UnchangedNames), "instance");

        var plan = InstancePlan.Create(markers, scan.Unchanged, snapshot, fullListing);
        result.InstancesFetched = plan.ToFetch.Count;
        var details = await FetchDetailsAsync(client, plan.ToFetch, ct);

        var fetched = plan.ToFetch.Select(m => m.Name).ToHashSet();
        var orphanCandidates = markers
            .Where(m => m.Owner is not null && plan.Matched.ContainsKey(m.Name) && (everyRow || fetched.Contains(m.Name)))
            .ToList();
        var owners = await OwnerDirectory.LoadIfNeededAsync(contextFactory, plan.NewInstances.Concat(orphanCandidates).Select(m => m.Owner), ct);

        var rows = new List<MirroredRow>(details.Count);
        foreach (var marker in plan.ToFetch)
        {
            if (!details.TryGetValue(marker.Name, out var info))
            {
                continue; // Gone between the two requests: the next pass flags it.
            }

            var vm = new VirtualMachine { ClusterId = cluster.Id, Name = marker.Name };
            InstanceMirror.Apply(vm, info, marker.Hypervisor);
            if (plan.Matched.TryGetValue(marker.Name, out var row))
            {
                rows.Add(new MirroredRow(row.Id, vm));
            }
            else
            {
                var owner = owners.Resolve(OwnershipTag.FindIn(info.Tags) ?? marker.Owner);
                rows.Add(new MirroredRow(0, vm, owner.UserId, owner.GroupId));
            }
        }

        var ownerCandidates = orphanCandidates
            .Select(m => (plan.Matched[m.Name].Id, Owner: owners.Resolve(m.Owner)))
            .Where(o => o.Owner.IsSomeone)
            .ToList();

        if (rows.Count > 0 || plan.Gone.Count > 0 || ownerCandidates.Count > 0)
        {
            var now = timeProvider.GetUtcNow();
            var parkedIds = plan.RenamedIds.Concat(plan.Gone.Where(g => plan.NamesInUse.Contains(g.Name)).Select(g => g.Id)).Distinct().ToList();
            IReadOnlyList<(long Id, string Name)> inserted;
            GoneOutcome gone;
            await using (var connection = await dataSource.OpenConnectionAsync(ct))
            await using (var transaction = await connection.BeginTransactionAsync(ct))
            {
                // Names move between rows on rename; park the moving ones and any stale holder of a name first.
                await ParkNamesAsync(connection, parkedIds, ct);
                inserted = await VirtualMachineBulkWriter.UpsertAsync(connection, cluster.Id, rows, ct);
                gone = await HandleGoneAsync(connection, plan.Gone, now, ct);
                result.OwnersRecovered = await SetOwnersAsync(connection, ownerCandidates, ct);
                await transaction.CommitAsync(ct);
            }

            result.Inserted = inserted.Count;
            result.Updated = rows.Count - inserted.Count;
            result.MarkedMissing = gone.Flagged.Count;
            result.Removed = gone.Removed.Count;
            UpdateSnapshot(snapshot, rows, inserted, parkedIds, gone, now);
            var changedIds = rows.Where(r => r.Id != 0).Select(r => r.Id).Concat(inserted.Select(i => i.Id))
                .Concat(gone.Flagged).Concat(gone.Removed).Concat(ownerCandidates.Select(o => o.Id)).ToList();
            liveUpdates.Publish(new VirtualMachinesChanged(cluster.Id, changedIds.Count <= VirtualMachinesChanged.MaxIds ? changedIds : []));
        }

        snapshot.OwnersFingerprint = ownersFingerprint;
    }

    private static void UpdateSnapshot(
        ClusterSnapshot snapshot, List<MirroredRow> rows, IReadOnlyList<(long Id, string Name)> inserted,
        List<long> parkedIds, GoneOutcome gone, DateTimeOffset now)
    {
        foreach (var id in parkedIds)
        {
            var parked = snapshot.Rows[id];
            snapshot.Set(parked with { Name = $"{parked.Name}#{id}" });
        }

        var insertedIds = inserted.ToDictionary(i => i.Name, i => i.Id);
        foreach (var row in rows)
        {
            var id = row.Id != 0 ? row.Id : insertedIds[row.Machine.Name];
            snapshot.Set(MirrorState.Of(id, row.Machine));
        }

        foreach (var id in gone.Removed)
        {
            snapshot.Remove(id);
        }

        foreach (var id in gone.Flagged)
        {
            snapshot.Set(snapshot.Rows[id] with { MissingSince = now });
        }
    }

    private async Task<ClusterSnapshot> GetSnapshotAsync(int clusterId, CancellationToken ct)
    {
        if (snapshots.Get(clusterId) is { } snapshot)
        {
            return snapshot;
        }

        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var rows = await db.VirtualMachines.AsNoTracking()
            .Where(v => v.ClusterId == clusterId)
            .Select(v => new MirrorState(
                v.Id, v.Name, v.Uuid, v.SerialNo, v.Mtime, v.PrimaryNode, v.SecondaryNodes, v.AdminState, v.Hypervisor,
                v.MissingSince, v.Status, v.OperState, v.OperRamMiB))
            .ToListAsync(ct);
        snapshot = new ClusterSnapshot(rows);
        snapshots.Set(clusterId, snapshot);
        return snapshot;
    }

    private async Task<Dictionary<string, InstanceInfo>> FetchDetailsAsync(IGanetiRapiClient client, List<InstanceMarker> wanted, CancellationToken ct)
    {
        if (wanted.Count == 0)
        {
            return [];
        }

        var names = wanted.Select(w => w.Name).ToHashSet();
        if (wanted.Count > options.Value.SingleFetchLimit)
        {
            // One bulk listing is far cheaper than thousands of single requests (one TLS handshake each).
            var all = await client.GetInstancesAsync(ct);
            return all.Where(i => names.Contains(i.Name.ToLowerInvariant())).ToDictionary(i => i.Name.ToLowerInvariant());
        }

        var found = new System.Collections.Concurrent.ConcurrentDictionary<string, InstanceInfo>();
        await Parallel.ForEachAsync(
            wanted,
            new ParallelOptions { MaxDegreeOfParallelism = rapiSettings.Value.MaxConcurrentRequestsPerCluster, CancellationToken = ct },
            async (marker, token) =>
            {
                try
                {
                    found[marker.Name] = await client.GetInstanceAsync(marker.Name, token);
                }
                catch (RapiNotFoundException)
                {
                    // Removed since the marker query: the next pass sees it gone.
                }
            });
        return new Dictionary<string, InstanceInfo>(found);
    }

    private static async Task ParkNamesAsync(NpgsqlConnection connection, List<long> ids, CancellationToken ct)
    {
        var parked = ids.ToArray();
        if (parked.Length == 0)
        {
            return;
        }

        // '#' never occurs in a Ganeti name, so a parked name cannot collide with a real one.
        await using var command = new NpgsqlCommand(
            "UPDATE virtual_machines SET name = name || '#' || id WHERE id = ANY($1)", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = parked });
        await command.ExecuteNonQueryAsync(ct);
    }

    private static async Task<GoneOutcome> HandleGoneAsync(NpgsqlConnection connection, List<MirrorState> gone, DateTimeOffset now, CancellationToken ct)
    {
        if (gone.Count == 0)
        {
            return new GoneOutcome([], []);
        }

        // A VM whose delete job was submitted is removed once Ganeti no longer has it; any other is flagged
        // missing for an admin to confirm (product-spec §6, §9). "Pending delete" is the portal's own flag,
        // so it is read here rather than trusted from the snapshot.
        var pendingDelete = new List<long>();
        await using (var read = new NpgsqlCommand("SELECT id FROM virtual_machines WHERE id = ANY($1) AND pending_delete", connection))
        {
            read.Parameters.Add(new NpgsqlParameter { Value = gone.Select(g => g.Id).ToArray() });
            await using var reader = await read.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                pendingDelete.Add(reader.GetInt64(0));
            }
        }

        var flagged = gone.Where(g => g.MissingSince is null && !pendingDelete.Contains(g.Id)).Select(g => g.Id).ToList();
        if (pendingDelete.Count > 0)
        {
            await using var delete = new NpgsqlCommand("DELETE FROM virtual_machines WHERE id = ANY($1)", connection);
            delete.Parameters.Add(new NpgsqlParameter { Value = pendingDelete.ToArray() });
            await delete.ExecuteNonQueryAsync(ct);
        }

        if (flagged.Count > 0)
        {
            await using var update = new NpgsqlCommand("UPDATE virtual_machines SET missing_since = $2 WHERE id = ANY($1)", connection);
            update.Parameters.Add(new NpgsqlParameter { Value = flagged.ToArray() });
            update.Parameters.Add(new NpgsqlParameter { Value = now });
            await update.ExecuteNonQueryAsync(ct);
        }

        return new GoneOutcome(flagged, pendingDelete);
    }

    private static async Task<int> SetOwnersAsync(NpgsqlConnection connection, List<(long Id, ResolvedOwner Owner)> owners, CancellationToken ct)
    {
        if (owners.Count == 0)
        {
            return 0;
        }

        // Only rows that are still orphans: an owner set meanwhile by an admin wins over a tag.
        await using var command = new NpgsqlCommand(
            """
            UPDATE virtual_machines v SET owner_user_id = s.user_id, owner_group_id = s.group_id
            FROM unnest($1::bigint[], $2::uuid[], $3::integer[]) AS s(id, user_id, group_id)
            WHERE v.id = s.id AND v.owner_user_id IS NULL AND v.owner_group_id IS NULL
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = owners.Select(o => o.Id).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = owners.Select(o => o.Owner.UserId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = owners.Select(o => o.Owner.GroupId).ToArray() });
        return await command.ExecuteNonQueryAsync(ct);
    }

    private async Task<int> SyncRuntimeAsync(Cluster cluster, IGanetiRapiClient client, CancellationToken ct)
    {
        var query = await client.QueryAsync("instance", InstanceRuntime.Fields, ct: ct);
        var states = InstanceRuntime.FromQuery(query);
        RequireDistinctNames(states.Select(s => s.Name), "instance");
        var byName = states.ToDictionary(s => s.Name);

        var snapshot = await GetSnapshotAsync(cluster.Id, ct);
        var changes = snapshot.Rows.Values
            .Where(v => byName.TryGetValue(v.Name, out var s) && !s.Matches(v))
            .Select(v => (v.Id, byName[v.Name]))
            .ToList();
        if (changes.Count == 0)
        {
            return 0;
        }

        await using (var connection = await dataSource.OpenConnectionAsync(ct))
        {
            await VirtualMachineBulkWriter.UpdateRuntimeAsync(connection, changes, ct);
        }

        foreach (var (id, state) in changes)
        {
            snapshot.Set(snapshot.Rows[id] with { Status = state.Status, OperState = state.OperState, OperRamMiB = state.OperRamMiB });
        }

        liveUpdates.Publish(new VirtualMachinesChanged(cluster.Id, changes.Count <= VirtualMachinesChanged.MaxIds ? [.. changes.Select(c => c.Id)] : []));
        return changes.Count;
    }

    /// <summary>Two entries with one name would make any diff wrong: treat the answer as malformed.</summary>
    private static void RequireDistinctNames(IEnumerable<string> names, string what)
    {
        var seen = new HashSet<string>();
        foreach (var name in names)
        {
            if (string.IsNullOrEmpty(name) || !seen.Add(name))
            {
                throw new RapiProtocolException($"The {what} listing has an empty or repeated name ('{name}').");
            }
        }
    }

    private async Task RecordSuccessAsync(Cluster cluster, bool changedInventory, CancellationToken ct)
    {
        var now = timeProvider.GetUtcNow();
        var hadError = cluster.Sync.LastError is not null;
        var heartbeatDue = cluster.Sync.LastSuccessAt is not { } last || now - last >= options.Value.HeartbeatInterval;
        if (!hadError && !heartbeatDue && !changedInventory)
        {
            return; // Nothing to say: an unchanged cluster costs no write.
        }

        await using var db = await contextFactory.CreateDbContextAsync(ct);
        await db.Clusters.Where(c => c.Id == cluster.Id).ExecuteUpdateAsync(u => u
            .SetProperty(c => c.Sync.LastSuccessAt, now)
            .SetProperty(c => c.Sync.LastError, (string?)null)
            .SetProperty(c => c.Sync.LastErrorKind, (ClusterErrorKind?)null), ct);
        if (hadError)
        {
            await db.ClusterErrors.Where(e => e.ClusterId == cluster.Id && e.ClearedAt == null)
                .ExecuteUpdateAsync(u => u.SetProperty(e => e.ClearedAt, now), ct);
            LogRecovered(cluster.Slug);
        }

        liveUpdates.Publish(new ClusterChanged(cluster.Id));
    }

    private async Task RecordFailureAsync(Cluster cluster, ClusterFailure failure, CancellationToken ct)
    {
        var now = timeProvider.GetUtcNow();
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        // Only while the row still pins the certificate this pass used: an admin may have accepted the new
        // one in the meantime, and a stale failure must not undo that.
        var updated = await db.Clusters
            .Where(c => c.Id == cluster.Id && c.CertificateSha256 == cluster.CertificateSha256)
            .ExecuteUpdateAsync(u => u
                .SetProperty(c => c.Sync.LastFailureAt, now)
                .SetProperty(c => c.Sync.LastError, failure.Message)
                .SetProperty(c => c.Sync.LastErrorKind, failure.Kind)
                .SetProperty(c => c.PresentedCertificateSha256, c => failure.PresentedCertificateSha256 ?? c.PresentedCertificateSha256), ct);
        if (updated == 0)
        {
            return;
        }

        // The same error again is the same row, counted: a cluster down for a day is one line, not thousands.
        var open = await db.ClusterErrors
            .Where(e => e.ClusterId == cluster.Id && e.ClearedAt == null)
            .OrderByDescending(e => e.LastAt)
            .FirstOrDefaultAsync(ct);
        if (open is not null && open.Kind == failure.Kind && open.Message == failure.Message)
        {
            open.Count++;
            open.LastAt = now;
        }
        else
        {
            db.ClusterErrors.Add(new ClusterError { ClusterId = cluster.Id, Kind = failure.Kind, Message = failure.Message, FirstAt = now, LastAt = now });
        }

        await db.SaveChangesAsync(ct);
        liveUpdates.Publish(new ClusterChanged(cluster.Id));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sync of cluster {Cluster} failed ({Kind}): {Message}")]
    private partial void LogSyncFailed(string cluster, ClusterErrorKind kind, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sync of cluster {Cluster} works again")]
    private partial void LogRecovered(string cluster);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Synced cluster {Cluster}: {Inserted} new, {Updated} changed, {Missing} missing, {Runtime} runtime, {Nodes} nodes")]
    private partial void LogSynced(string cluster, int inserted, int updated, int missing, int runtime, int nodes);
}

/// <summary>What the database holds of one VM's Ganeti fields: all the diff needs (cheap to keep for 5,000 rows).</summary>
public sealed record MirrorState(
    long Id,
    string Name,
    string? Uuid,
    long? SerialNo,
    double? Mtime,
    string? PrimaryNode,
    List<string> SecondaryNodes,
    string? AdminState,
    string? Hypervisor,
    DateTimeOffset? MissingSince,
    string? Status,
    bool? OperState,
    long? OperRamMiB)
{
    public static MirrorState Of(long id, VirtualMachine vm) => new(
        id, vm.Name, vm.Uuid, vm.SerialNo, vm.Mtime, vm.PrimaryNode, vm.SecondaryNodes, vm.AdminState, vm.Hypervisor,
        null, vm.Status, vm.OperState, vm.OperRamMiB);

    public bool MatchesConfiguration(InstanceMarker m) =>
        Name == m.Name && Uuid == m.Uuid && SerialNo == m.SerialNo && Mtime == m.Mtime && PrimaryNode == m.PrimaryNode
        && SecondaryNodes.SequenceEqual(m.SecondaryNodes) && AdminState == m.AdminState && Hypervisor == m.Hypervisor;
}

/// <summary>Rows flagged missing, and rows removed because their delete job had been submitted.</summary>
public sealed record GoneOutcome(List<long> Flagged, List<long> Removed);
