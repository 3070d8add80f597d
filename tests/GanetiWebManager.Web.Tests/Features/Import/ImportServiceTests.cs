using System.Security.Claims;
using GanetiWebManager.FakeRapi;
using GanetiWebManager.Testing;
using GanetiWebManager.Testing.Inventory;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Access;
using GanetiWebManager.Web.Domain.Accounts;
using GanetiWebManager.Web.Domain.Audit;
using GanetiWebManager.Web.Domain.Clusters;
using GanetiWebManager.Web.Features.Import;
using GanetiWebManager.Web.Features.Sync;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GanetiWebManager.Web.Tests.Features.Import;

/// <summary>
/// The import tools against a fake cluster the admin administers and a second cluster they do not: lists and
/// counts scoped to administered clusters, adoption writing the owner and the ownership tag job, removals of
/// missing VMs and nodes, one audit entry per object, refusals audited with no RAPI request.
/// </summary>
public sealed class ImportServiceTests : IAsyncLifetime
{
    private FakeRapiServer _fake = null!;
    private TestDatabase _database = null!;
    private ServiceProvider _services = null!;
    private IServiceScope? _scope;
    private IDbContextFactory<AppDbContext> _contexts = null!;
    private InventoryBuilder _build = null!;
    private Cluster _mine = null!;
    private Cluster _other = null!;
    private ClaimsPrincipal _admin = null!;
    private ClaimsPrincipal _plain = null!;
    private Group _lab = null!;

    public async Task InitializeAsync()
    {
        _fake = await FakeRapiServer.StartAsync(new FakeClusterOptions { Instances = 6, Nodes = 2, JobStepDelay = TimeSpan.FromMilliseconds(10) });
        _database = await TestDatabase.CreateAsync("importsvc");
        _services = await PortalServices.CreateAsync(_database);
        _contexts = _services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        _mine = await ClusterRegistration.AddAsync(_services, "mine", _fake.BaseUrl, _fake.CertificateSha256, _fake.WriteUser.Name, _fake.WriteUser.Password);
        (await _services.GetRequiredService<ClusterSynchronizer>().SyncAsync(_mine.Id, SyncParts.Info | SyncParts.Nodes | SyncParts.Instances, CancellationToken.None)).Succeeded.ShouldBeTrue();
        _build = new InventoryBuilder(_contexts);
        _other = await _build.AddClusterAsync("other");
        await _build.AddVmAsync(_other, "orphan-elsewhere.other.invalid");
        await _build.AddVmAsync(_other, "missing-elsewhere.other.invalid", v => v.MissingSince = _build.Now);
        await _build.AddNodeAsync(_other, "gone.other.invalid", n => n.MissingSince = _build.Now);
        _lab = await _build.AddGroupAsync("lab", "Lab");
        var admin = await _build.AddUserAsync("carla");
        var plain = await _build.AddUserAsync("pete");
        await using var db = await _contexts.CreateDbContextAsync();
        db.ClusterGrants.Add(new ClusterGrant { ClusterId = _mine.Id, UserId = admin.Id, Permissions = ClusterPermissions.Admin });
        await db.SaveChangesAsync();
        _admin = Principal(admin);
        _plain = Principal(plain);
    }

    public async Task DisposeAsync()
    {
        _scope?.Dispose();
        await _services.DisposeAsync();
        await _database.DisposeAsync();
        await _fake.DisposeAsync();
    }

    // One scope, like one circuit: the query services are scoped.
    private IServiceProvider Scoped => (_scope ??= _services.CreateScope()).ServiceProvider;

    private static ClaimsPrincipal Principal(AppUser user) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, user.Id.ToString()), new Claim(ClaimTypes.Name, user.UserName!)], "test"));

    private ImportQueries Queries => Scoped.GetRequiredService<ImportQueries>();

    private ImportService Import => Scoped.GetRequiredService<ImportService>();

    [Fact]
    public async Task Lists_ClusterAdmin_OnlyAdministeredClusters_PlainUserNothing()
    {
        (await Queries.ClustersAsync(_admin, default)).Select(c => c.Slug).ShouldBe(["mine"]);
        var orphans = await Queries.OrphansAsync(_admin, null, 1, 50, default);
        orphans.Rows.ShouldNotBeEmpty();
        orphans.Rows.ShouldAllBe(r => r.ClusterSlug == "mine");
        (await Queries.MissingVmsAsync(_admin, null, 1, 50, default)).Rows.ShouldNotContain(r => r.ClusterSlug == "other");
        (await Queries.MissingNodesAsync(_admin, null, default)).ShouldNotContain(n => n.ClusterSlug == "other");
        (await Queries.CountsAsync(_admin, default))!.MissingNodes.ShouldBe(0);

        (await Queries.ClustersAsync(_plain, default)).ShouldBeEmpty();
        (await Queries.CountsAsync(_plain, default)).ShouldBeNull();
        (await Queries.OrphansAsync(_plain, _other.Id, 1, 50, default)).Total.ShouldBe(0);
        (await Queries.MissingNodesAsync(_plain, null, default)).ShouldBeEmpty();

        var superuser = await TestPrincipals.AddSuperuserAsync(_database.ConnectionString);
        var all = (await Queries.CountsAsync(superuser, default))!;
        all.MissingVms.ShouldBe(1);
        all.MissingNodes.ShouldBe(1);
        (await Queries.OrphansAsync(superuser, null, 1, 50, default)).Rows.ShouldContain(r => r.Name == "orphan-elsewhere.other.invalid");
    }

    [Fact]
    public async Task AdoptAsync_OrphanForGroup_OwnerSetTagJobSubmittedOneAuditEntry()
    {
        var orphan = (await Queries.OrphansAsync(_admin, _mine.Id, 1, 50, default)).Rows[0];
        var auditBefore = await AuditMaxAsync();

        var results = await Import.AdoptAsync(_admin, [orphan.Id], PrincipalRef.Group(_lab.Id), false, default);

        results.Single().Outcome.ShouldBe(ImportOutcome.Done, results.Single().Message);
        await using var db = await _contexts.CreateDbContextAsync();
        (await db.VirtualMachines.SingleAsync(v => v.Id == orphan.Id)).OwnerGroupId.ShouldBe(_lab.Id);
        var entries = await db.AuditLog.Where(a => a.Id > auditBefore).ToListAsync();
        entries.Count.ShouldBe(1);
        entries[0].Action.ShouldBe("vm.owner.set");
        entries[0].VmName.ShouldBe(orphan.Name);
        entries[0].GroupId.ShouldBe(_lab.Id);
        // The tag goes through the outbox: the job row exists at once, the request reaches Ganeti when it is sent.
        (await db.Jobs.AnyAsync(j => j.VirtualMachineId == orphan.Id && j.Operation == Web.Domain.Jobs.JobOperations.InstanceTagsAdd)).ShouldBeTrue();
        await WaitForAsync(() => _fake.RequestLog.Where(r => r.Method == "PUT" && r.Path == $"/2/instances/{orphan.Name}/tags"
            && Uri.UnescapeDataString(r.Query).Contains("gwm:owner:group:lab", StringComparison.Ordinal)).ToList().Count > 0);
    }

    [Fact]
    public async Task AdoptAsync_OwnedVmAndOtherCluster_SkippedAndRefused_NothingSent()
    {
        var owned = (await Queries.OrphansAsync(_admin, _mine.Id, 1, 50, default)).Rows[^1];
        await _build.UpdateVmAsync(owned.Id, v => v.OwnerGroupId = _lab.Id);
        await using var db = await _contexts.CreateDbContextAsync();
        var elsewhere = await db.VirtualMachines.Where(v => v.Name == "orphan-elsewhere.other.invalid").Select(v => v.Id).SingleAsync();
        var requests = _fake.RequestLog.Count;
        var auditBefore = await AuditMaxAsync();
        var someone = await _build.AddUserAsync("someone");

        var results = await Import.AdoptAsync(_admin, [owned.Id, elsewhere], PrincipalRef.User(someone.Id), false, default);

        results.Single(r => r.Id == owned.Id).Outcome.ShouldBe(ImportOutcome.Skipped);
        results.Single(r => r.Id == elsewhere).Outcome.ShouldBe(ImportOutcome.Refused);
        (await db.VirtualMachines.AsNoTracking().SingleAsync(v => v.Id == owned.Id)).OwnerGroupId.ShouldBe(_lab.Id);
        (await db.VirtualMachines.AsNoTracking().SingleAsync(v => v.Id == elsewhere)).OwnerUserId.ShouldBeNull();
        var entries = await db.AuditLog.Where(a => a.Id > auditBefore).ToListAsync();
        entries.ShouldHaveSingleItem().Outcome.ShouldBe(AuditOutcome.Refused);
        entries[0].VmName.ShouldBe("orphan-elsewhere.other.invalid");
        _fake.RequestLog.Count.ShouldBe(requests);
    }

    [Fact]
    public async Task RemoveMissingVmsAsync_MissingRemovedAudited_PresentKept()
    {
        var vms = (await Queries.OrphansAsync(_admin, _mine.Id, 1, 50, default)).Rows;
        var gone = vms[1];
        var present = vms[2];
        await _build.UpdateVmAsync(gone.Id, v => v.MissingSince = _build.Now);
        var auditBefore = await AuditMaxAsync();

        var results = await Import.RemoveMissingVmsAsync(_admin, [gone.Id, present.Id], default);

        results.Single(r => r.Id == gone.Id).Outcome.ShouldBe(ImportOutcome.Done);
        results.Single(r => r.Id == present.Id).Outcome.ShouldBe(ImportOutcome.Skipped);
        await using var db = await _contexts.CreateDbContextAsync();
        (await db.VirtualMachines.AnyAsync(v => v.Id == gone.Id)).ShouldBeFalse();
        (await db.VirtualMachines.AnyAsync(v => v.Id == present.Id)).ShouldBeTrue();
        var entry = (await db.AuditLog.Where(a => a.Id > auditBefore).ToListAsync()).ShouldHaveSingleItem();
        entry.Action.ShouldBe("import.vm.remove");
        entry.VmName.ShouldBe(gone.Name);
        entry.ClusterSlug.ShouldBe("mine");
    }

    [Fact]
    public async Task RemoveMissingNodesAsync_AdminOfOtherClusterRefused_SuperuserRemoves()
    {
        await using var db = await _contexts.CreateDbContextAsync();
        var node = await db.Nodes.Where(n => n.Name == "gone.other.invalid").Select(n => n.Id).SingleAsync();

        (await Import.RemoveMissingNodesAsync(_admin, [node], default)).Single().Outcome.ShouldBe(ImportOutcome.Refused);
        (await db.Nodes.AnyAsync(n => n.Id == node)).ShouldBeTrue();

        var superuser = await TestPrincipals.AddSuperuserAsync(_database.ConnectionString);
        (await Import.RemoveMissingNodesAsync(superuser, [node], default)).Single().Outcome.ShouldBe(ImportOutcome.Done);
        (await db.Nodes.AnyAsync(n => n.Id == node)).ShouldBeFalse();
        (await db.AuditLog.CountAsync(a => a.Action == "import.node.remove" && a.NodeName == "gone.other.invalid" && a.Outcome == AuditOutcome.Allowed)).ShouldBe(1);
    }

    private async Task<long> AuditMaxAsync()
    {
        await using var db = await _contexts.CreateDbContextAsync();
        return await db.AuditLog.MaxAsync(a => (long?)a.Id) ?? 0;
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = TimeProvider.System.GetUtcNow().AddSeconds(20);
        while (!condition())
        {
            TimeProvider.System.GetUtcNow().ShouldBeLessThan(deadline, "waited 20 s for the tag request");
            await Task.Delay(100);
        }
    }
}
