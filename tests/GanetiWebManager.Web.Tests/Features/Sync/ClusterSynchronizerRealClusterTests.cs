using GanetiWebManager.Testing;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Accounts;
using GanetiWebManager.Web.Domain.Clusters;
using GanetiWebManager.Web.Domain.VirtualMachines;
using GanetiWebManager.Web.Features.Sync;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GanetiWebManager.Web.Tests.Features.Sync;

/// <summary>
/// The synchronizer against the real two-node Ganeti sandbox: what Ganeti has ends up in the database,
/// changes made behind the portal's back arrive, unchanged data writes nothing, errors are recorded and
/// cleared, and nothing is ever deleted on a failure.
/// </summary>
[Trait("Category", "RealCluster")]
[Collection(RealClusterGroup.Name)]
public sealed class ClusterSynchronizerRealClusterTests : IAsyncLifetime
{
    private readonly SandboxCluster _sandbox = SandboxCluster.FromEnvironment();
    private readonly string _prefix = "sy" + Guid.NewGuid().ToString("N")[..6];
    private readonly List<string> _created = [];
    private TestDatabase _database = null!;
    private ServiceProvider _services = null!;
    private IDbContextFactory<AppDbContext> _db = null!;
    private ClusterSynchronizer _synchronizer = null!;
    private Cluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync("sync");
        _services = await PortalServices.CreateAsync(_database);
        _db = _services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        _synchronizer = _services.GetRequiredService<ClusterSynchronizer>();
        _cluster = await _sandbox.RegisterAsync(_services);
    }

    public async Task DisposeAsync()
    {
        await _sandbox.DeleteInstancesAsync(_created);
        _sandbox.Dispose();
        await _services.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task SyncAsync_FirstPass_MirrorsInfoNodesAndEveryInstance()
    {
        var name = await CreateAsync("a");

        var result = await _synchronizer.SyncAsync(_cluster.Id, SyncParts.All, CancellationToken.None);

        result.Succeeded.ShouldBeTrue(result.Failure?.Message);
        var cluster = await Query(db => db.Clusters.SingleAsync());
        cluster.Info.SoftwareVersion.ShouldBe("3.0.2");
        cluster.Info.MasterNode.ShouldBe(_sandbox.Nodes[0]);
        cluster.Info.EnabledHypervisors.ShouldContain("kvm");
        cluster.Info.EnabledDiskTemplates.ShouldContain("sharedfile");
        cluster.Sync.LastSuccessAt.ShouldNotBeNull();

        var nodes = await Query(db => db.Nodes.OrderBy(n => n.Name).ToListAsync());
        nodes.Select(n => n.Name).ShouldBe(_sandbox.Nodes.OrderBy(n => n));
        nodes.Single(n => n.Name == _sandbox.Nodes[0]).Role.ShouldBe(NodeRole.Master);
        nodes.ShouldAllBe(n => n.MemoryTotalMiB > 0 && n.PrimaryIp != null);

        var ganetiNames = (await _sandbox.Rapi.GetInstanceNamesAsync()).OrderBy(n => n);
        (await Query(db => db.VirtualMachines.Select(v => v.Name).OrderBy(n => n).ToListAsync())).ShouldBe(ganetiNames);
        var vm = await VmAsync(name);
        vm.Status.ShouldBe("running");
        vm.AdminState.ShouldBe("up");
        vm.Hypervisor.ShouldBe("fake");
        vm.Os.ShouldBe(_sandbox.SandboxOs);
        vm.MaxMemoryMiB.ShouldBe(128);
        vm.Vcpus.ShouldBe(1);
        vm.PrimaryNode.ShouldBe(_sandbox.Nodes[0]);
        vm.Nics.Count.ShouldBe(1);
        vm.Nics[0].Mac.ShouldNotBeNullOrEmpty();
        vm.Uuid.ShouldNotBeNullOrEmpty();
        vm.IsOrphan.ShouldBeTrue("no ownership tag names an existing owner");
        vm.SearchText.ShouldContain(name);
    }

    [Fact]
    public async Task SyncAsync_NothingChangedInGaneti_WritesNoRowAtAll()
    {
        await CreateAsync("still");
        await _synchronizer.SyncAsync(_cluster.Id, SyncParts.All, CancellationToken.None);
        var before = await SyncTestDatabase.RowVersionsAsync(_database.ConnectionString);

        var result = await _synchronizer.SyncAsync(_cluster.Id, SyncParts.Info | SyncParts.Instances | SyncParts.Runtime, CancellationToken.None);

        result.Succeeded.ShouldBeTrue(result.Failure?.Message);
        result.InstancesFetched.ShouldBe(0, "unchanged instances are not fetched again");
        (await SyncTestDatabase.RowVersionsAsync(_database.ConnectionString)).ShouldBe(before);
    }

    [Fact]
    public async Task SyncAsync_OwnershipTagNamingAUser_OwnsTheVm_UnknownNameStaysOrphanUntilTheUserExists()
    {
        var alice = await CreateUserAsync("alice-" + _prefix);
        var owned = await CreateAsync("own", tags: [$"gwm:owner:user:{alice.UserName}"]);
        var futureUser = "bob-" + _prefix;
        var waiting = await CreateAsync("wait", tags: [$"gwm:owner:user:{futureUser}"]);

        await _synchronizer.SyncAsync(_cluster.Id, SyncParts.Instances, CancellationToken.None);

        (await VmAsync(owned)).OwnerUserId.ShouldBe(alice.Id);
        (await VmAsync(waiting)).IsOrphan.ShouldBeTrue();

        // The portal was rebuilt, say: once the account exists again, the next pass recovers the owner.
        var bob = await CreateUserAsync(futureUser);
        var result = await _synchronizer.SyncAsync(_cluster.Id, SyncParts.Instances, CancellationToken.None);

        result.OwnersRecovered.ShouldBe(1);
        (await VmAsync(waiting)).OwnerUserId.ShouldBe(bob.Id);
    }

    [Fact]
    public async Task SyncAsync_InstanceStoppedOutsideThePortal_StatusFollows()
    {
        var name = await CreateAsync("stop");
        await _synchronizer.SyncAsync(_cluster.Id, SyncParts.All, CancellationToken.None);

        await _sandbox.WaitForSuccessAsync(await _sandbox.Rapi.ShutdownInstanceAsync(name, new Rapi.Requests.ShutdownInstanceOptions { Timeout = 0 }));
        await _synchronizer.SyncAsync(_cluster.Id, SyncParts.Instances | SyncParts.Runtime, CancellationToken.None);

        var vm = await VmAsync(name);
        vm.Status.ShouldBe("ADMIN_down");
        vm.AdminState.ShouldBe("down");
        vm.OperState.ShouldBe(false);
    }

    [Fact]
    public async Task SyncAsync_InstanceRenamedOutsideThePortal_SameRowNewName()
    {
        var name = await CreateAsync("old");
        await _synchronizer.SyncAsync(_cluster.Id, SyncParts.Instances, CancellationToken.None);
        var id = (await VmAsync(name)).Id;
        var newName = $"{_prefix}-new";
        await _sandbox.WaitForSuccessAsync(await _sandbox.Rapi.ShutdownInstanceAsync(name, new Rapi.Requests.ShutdownInstanceOptions { Timeout = 0 }));
        await _sandbox.WaitForSuccessAsync(await _sandbox.Rapi.RenameInstanceAsync(name, new Rapi.Requests.RenameInstanceRequest { NewName = newName }));
        _created.Add(newName);

        await _synchronizer.SyncAsync(_cluster.Id, SyncParts.Instances, CancellationToken.None);

        (await VmAsync(newName)).Id.ShouldBe(id);
        (await Query(db => db.VirtualMachines.AnyAsync(v => v.Name == name))).ShouldBeFalse();
    }

    [Fact]
    public async Task SyncAsync_InstanceRemovedOutsideThePortal_FlaggedMissingNotDeleted_PendingDeleteIsRemoved()
    {
        var flagged = await CreateAsync("gone");
        var deleting = await CreateAsync("del");
        await _synchronizer.SyncAsync(_cluster.Id, SyncParts.Instances, CancellationToken.None);
        await Query(db => db.VirtualMachines.Where(v => v.Name == deleting).ExecuteUpdateAsync(u => u.SetProperty(v => v.PendingDelete, true)));

        await _sandbox.DeleteInstancesAsync([flagged, deleting]);
        var result = await _synchronizer.SyncAsync(_cluster.Id, SyncParts.Instances, CancellationToken.None);

        result.MarkedMissing.ShouldBe(1);
        result.Removed.ShouldBe(1);
        (await VmAsync(flagged)).MissingSince.ShouldNotBeNull();
        (await Query(db => db.VirtualMachines.AnyAsync(v => v.Name == deleting))).ShouldBeFalse();
    }

    [Fact]
    public async Task SyncAsync_WrongPassword_RecordsTheErrorKeepsTheData_GoodPassClearsIt()
    {
        await CreateAsync("keep");
        await _synchronizer.SyncAsync(_cluster.Id, SyncParts.All, CancellationToken.None);
        var vmCount = await Query(db => db.VirtualMachines.CountAsync());
        var connector = _services.GetRequiredService<Web.Features.Clusters.ClusterConnector>();
        var rightPassword = (await Query(db => db.Clusters.SingleAsync())).RapiPasswordProtected;
        await Query(db => db.Clusters.ExecuteUpdateAsync(u => u.SetProperty(c => c.RapiPasswordProtected, connector.ProtectPassword("wrong"))));

        var failed = await _synchronizer.SyncAsync(_cluster.Id, SyncParts.All, CancellationToken.None);
        var failedAgain = await _synchronizer.SyncAsync(_cluster.Id, SyncParts.All, CancellationToken.None);

        failed.Failure!.Kind.ShouldBe(ClusterErrorKind.AuthenticationFailed);
        failedAgain.Failure!.Kind.ShouldBe(ClusterErrorKind.AuthenticationFailed);
        var cluster = await Query(db => db.Clusters.SingleAsync());
        cluster.Sync.LastError.ShouldNotBeNull().ShouldContain("401");
        (await Query(db => db.VirtualMachines.CountAsync())).ShouldBe(vmCount, "a failed pass deletes nothing");
        var error = await Query(db => db.ClusterErrors.SingleAsync());
        error.Count.ShouldBe(2, "the same error repeating is one row, counted");

        await Query(db => db.Clusters.ExecuteUpdateAsync(u => u.SetProperty(c => c.RapiPasswordProtected, rightPassword)));
        var recovered = await _synchronizer.SyncAsync(_cluster.Id, SyncParts.All, CancellationToken.None);

        recovered.Succeeded.ShouldBeTrue();
        (await Query(db => db.Clusters.SingleAsync())).Sync.LastError.ShouldBeNull();
        (await Query(db => db.ClusterErrors.SingleAsync())).ClearedAt.ShouldNotBeNull();
    }

    [Fact]
    public async Task SyncAsync_CertificateNoLongerMatchesThePin_StopsAndRemembersThePresentedOne()
    {
        await Query(db => db.Clusters.ExecuteUpdateAsync(u => u.SetProperty(c => c.CertificateSha256, new string('0', 64))));

        var result = await _synchronizer.SyncAsync(_cluster.Id, SyncParts.All, CancellationToken.None);

        result.Failure!.Kind.ShouldBe(ClusterErrorKind.CertificateMismatch);
        var cluster = await Query(db => db.Clusters.SingleAsync());
        cluster.PresentedCertificateSha256.ShouldBe(_sandbox.CertificateSha256);
        cluster.Sync.LastError!.ShouldContain("accept");

        // Until an admin accepts it, the portal does not talk to the cluster at all.
        var next = await _synchronizer.SyncAsync(_cluster.Id, SyncParts.All, CancellationToken.None);
        next.Failure!.Kind.ShouldBe(ClusterErrorKind.CertificateMismatch);
        (await Query(db => db.Nodes.CountAsync())).ShouldBe(0);
    }

    [Fact]
    public async Task SyncAsync_NothingListening_RecordsUnreachable()
    {
        await Query(db => db.Clusters.ExecuteUpdateAsync(u => u.SetProperty(c => c.Port, 1)));

        var result = await _synchronizer.SyncAsync(_cluster.Id, SyncParts.All, CancellationToken.None);

        result.Failure!.Kind.ShouldBe(ClusterErrorKind.Unreachable);
        (await Query(db => db.Clusters.SingleAsync())).Sync.LastErrorKind.ShouldBe(ClusterErrorKind.Unreachable);
    }

    private async Task<string> CreateAsync(string suffix, IEnumerable<string>? tags = null)
    {
        var name = $"{_prefix}-{suffix}";
        _created.Add(name);
        return await _sandbox.CreateInstanceAsync(name, tags);
    }

    private async Task<AppUser> CreateUserAsync(string name)
    {
        await using var scope = _services.CreateAsyncScope();
        var user = new AppUser { UserName = name };
        (await scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>().CreateAsync(user, "a long test password")).Succeeded.ShouldBeTrue();
        return user;
    }

    private Task<VirtualMachine> VmAsync(string name) => Query(db => db.VirtualMachines.AsNoTracking().SingleAsync(v => v.Name == name));

    private Task<T> Query<T>(Func<AppDbContext, Task<T>> query) => SyncTestDatabase.QueryAsync(_db, query);
}
