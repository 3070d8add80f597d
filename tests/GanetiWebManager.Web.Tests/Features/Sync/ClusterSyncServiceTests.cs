using System.Diagnostics;
using GanetiWebManager.Testing;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Features.Sync;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace GanetiWebManager.Web.Tests.Features.Sync;

/// <summary>
/// The background scheduler inside the real portal host, against the real sandbox: a cluster is synced as
/// soon as it is requested, changes made outside the portal arrive within one interval, and of two portal
/// instances on one database exactly one syncs a cluster (and the other takes over when it goes).
/// </summary>
[Trait("Category", "RealCluster")]
[Collection(RealClusterGroup.Name)]
public sealed class ClusterSyncServiceTests : IAsyncLifetime
{
    private static readonly Dictionary<string, string?> FastSync = new()
    {
        ["Sync:Enabled"] = "true",
        ["Sync:ConfigInterval"] = "00:00:01",
        ["Sync:RuntimeInterval"] = "00:00:02",
        ["Sync:NodeInterval"] = "00:00:05",
        ["Sync:ClusterInfoInterval"] = "00:00:05",
    };

    private readonly SandboxCluster _sandbox = SandboxCluster.FromEnvironment();
    private readonly string _prefix = "ss" + Guid.NewGuid().ToString("N")[..6];
    private readonly List<string> _created = [];
    private TestDatabase _database = null!;

    public async Task InitializeAsync() => _database = await TestDatabase.CreateAsync("syncsvc");

    public async Task DisposeAsync()
    {
        await _sandbox.DeleteInstancesAsync(_created);
        _sandbox.Dispose();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task RequestedCluster_IsSyncedAtOnce_AndOutsideChangesArriveWithinAnInterval()
    {
        await using var portal = new PortalFactory(_database, settings: FastSync);
        _ = portal.Services; // starts the host, and with it the sync service
        var cluster = await _sandbox.RegisterAsync(portal.Services);

        portal.Services.GetRequiredService<SyncRequests>().Request(cluster.Id);

        // Without the request the cluster would wait for the next refresh of the cluster list (15 s).
        await WaitUntilAsync(portal, db => db.Nodes.CountAsync(), n => n == _sandbox.Nodes.Count, TimeSpan.FromSeconds(10));

        var name = $"{_prefix}-out";
        _created.Add(name);
        await _sandbox.CreateInstanceAsync(name);
        await WaitUntilAsync(portal, db => db.VirtualMachines.CountAsync(v => v.Name == name), n => n == 1, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task TwoPortalInstances_ExactlyOneSyncsTheCluster_TheOtherTakesOverWhenItStops()
    {
        var first = new PortalFactory(_database, settings: FastSync);
        _ = first.Services;
        var cluster = await _sandbox.RegisterAsync(first.Services);
        first.Services.GetRequiredService<SyncRequests>().Request(cluster.Id);
        await WaitUntilAsync(first, db => db.Nodes.CountAsync(), n => n > 0, TimeSpan.FromSeconds(10));
        var firstHolder = await LockHolderAsync(cluster.Id);

        await using var second = new PortalFactory(_database, settings: FastSync);
        _ = second.Services;
        second.Services.GetRequiredService<SyncRequests>().Request(cluster.Id);
        await Task.Delay(TimeSpan.FromSeconds(3));

        (await LockHolderAsync(cluster.Id)).ShouldBe(firstHolder, "the second instance must not sync a cluster the first one holds");

        await first.DisposeAsync();
        var name = $"{_prefix}-takeover";
        _created.Add(name);
        await _sandbox.CreateInstanceAsync(name);

        await WaitUntilAsync(second, db => db.VirtualMachines.CountAsync(v => v.Name == name), n => n == 1, TimeSpan.FromSeconds(25));
        (await LockHolderAsync(cluster.Id)).ShouldNotBe(firstHolder);
    }

    /// <summary>The PostgreSQL backend holding the cluster's sync lock (exactly one, or the test fails).</summary>
    private async Task<int> LockHolderAsync(int clusterId)
    {
        await using var connection = new NpgsqlConnection(_database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND objid = $2 AND objsubid = 2 AND granted", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = (long)0x47_57_53_59 });
        command.Parameters.Add(new NpgsqlParameter { Value = (long)clusterId });
        var holders = new List<int>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            holders.Add(reader.GetInt32(0));
        }

        return holders.ShouldHaveSingleItem();
    }

    private static async Task WaitUntilAsync<T>(PortalFactory portal, Func<AppDbContext, Task<T>> query, Func<T, bool> done, TimeSpan timeout)
    {
        var factory = portal.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        var clock = Stopwatch.StartNew();
        T value;
        do
        {
            await using (var db = await factory.CreateDbContextAsync())
            {
                value = await query(db);
            }

            if (done(value))
            {
                return;
            }

            await Task.Delay(200);
        }
        while (clock.Elapsed < timeout);

        throw new ShouldAssertException($"Still {value} after {timeout.TotalSeconds} s.");
    }
}
