using System.Security.Claims;
using GanetiWebManager.FakeRapi;
using GanetiWebManager.Testing;
using GanetiWebManager.Testing.Inventory;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Access;
using GanetiWebManager.Web.Domain.Accounts;
using GanetiWebManager.Web.Domain.Clusters;
using GanetiWebManager.Web.Features.Sync;
using GanetiWebManager.Web.Features.VirtualMachines.Actions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GanetiWebManager.Web.Tests.Features.VirtualMachines.Actions;

/// <summary>Changing a VM's owner: the portal's row, the audit entry, and the ownership tag in Ganeti.</summary>
public sealed class VmOwnerServiceTests : IAsyncLifetime
{
    private FakeRapiServer _fake = null!;
    private TestDatabase _database = null!;
    private ServiceProvider _services = null!;
    private IDbContextFactory<AppDbContext> _contexts = null!;
    private Cluster _cluster = null!;
    private ClaimsPrincipal _admin = null!;
    private AppUser _alice = null!;
    private Group _lab = null!;

    public async Task InitializeAsync()
    {
        _fake = await FakeRapiServer.StartAsync(new FakeClusterOptions { Instances = 2, JobStepDelay = TimeSpan.FromMilliseconds(10) });
        _database = await TestDatabase.CreateAsync("vmowner");
        _services = await PortalServices.CreateAsync(_database);
        _contexts = _services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        _cluster = await ClusterRegistration.AddAsync(_services, "fake", _fake.BaseUrl, _fake.CertificateSha256, _fake.WriteUser.Name, _fake.WriteUser.Password);
        (await _services.GetRequiredService<ClusterSynchronizer>().SyncAsync(_cluster.Id, SyncParts.Info | SyncParts.Instances, CancellationToken.None)).Succeeded.ShouldBeTrue();
        _admin = await TestPrincipals.AddSuperuserAsync(_database.ConnectionString);
        var build = new InventoryBuilder(_contexts);
        _alice = await build.AddUserAsync("alice");
        _lab = await build.AddGroupAsync("lab", "Lab");
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _database.DisposeAsync();
        await _fake.DisposeAsync();
    }

    [Fact]
    public async Task ChangeOwner_ToUserThenGroup_RowAuditAndTagFollow_OldTagRemoved()
    {
        var owners = _services.GetRequiredService<VmOwnerService>();
        await using var db = await _contexts.CreateDbContextAsync();
        var vm = await db.VirtualMachines.AsNoTracking().OrderBy(v => v.Name).FirstAsync();

        (await owners.ChangeOwnerAsync(_admin, vm.Id, PrincipalRef.User(_alice.Id), false, default)).Succeeded.ShouldBeTrue();
        (await owners.ChangeOwnerAsync(_admin, vm.Id, PrincipalRef.Group(_lab.Id), false, default)).Succeeded.ShouldBeTrue();

        await using var check = await _contexts.CreateDbContextAsync();
        var row = await check.VirtualMachines.AsNoTracking().SingleAsync(v => v.Id == vm.Id);
        row.OwnerGroupId.ShouldBe(_lab.Id);
        row.OwnerUserId.ShouldBeNull();
        var entries = await check.AuditLog.Where(a => a.Action == "vm.owner.set").OrderBy(a => a.Id).ToListAsync();
        entries.Count.ShouldBe(2);
        entries[1].Before!.ShouldContain("gwm:owner:user:alice");
        entries[1].After!.ShouldContain("gwm:owner:group:lab");

        var tagRequests = _fake.RequestLog.Where(r => r.Path == $"/2/instances/{vm.Name}/tags").Select(r => $"{r.Method} {Uri.UnescapeDataString(r.Query)}").ToList();
        tagRequests.ShouldContain(r => r.StartsWith("PUT", StringComparison.Ordinal) && r.Contains("tag=gwm:owner:user:alice", StringComparison.Ordinal));
        tagRequests.ShouldContain(r => r.StartsWith("PUT", StringComparison.Ordinal) && r.Contains("tag=gwm:owner:group:lab", StringComparison.Ordinal));
        tagRequests.ShouldContain(r => r.StartsWith("DELETE", StringComparison.Ordinal) && r.Contains("tag=gwm:owner:user:alice", StringComparison.Ordinal));
        tagRequests.ShouldNotContain(r => r.StartsWith("DELETE", StringComparison.Ordinal) && r.Contains("gwm:owner:group:lab", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ChangeOwner_ByTheVmsOwner_Refused_NothingSent()
    {
        var owners = _services.GetRequiredService<VmOwnerService>();
        await using var db = await _contexts.CreateDbContextAsync();
        var vm = await db.VirtualMachines.OrderBy(v => v.Name).LastAsync();
        vm.OwnerUserId = _alice.Id;
        await db.SaveChangesAsync();
        var alice = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, _alice.Id.ToString()), new Claim(ClaimTypes.Name, "alice")], "test"));
        var before = _fake.RequestLog.Count;

        var result = await owners.ChangeOwnerAsync(alice, vm.Id, PrincipalRef.Group(_lab.Id), false, default);

        result.Succeeded.ShouldBeFalse();
        _fake.RequestLog.Count.ShouldBe(before);
        await using var check = await _contexts.CreateDbContextAsync();
        (await check.VirtualMachines.SingleAsync(v => v.Id == vm.Id)).OwnerUserId.ShouldBe(_alice.Id);
    }
}
