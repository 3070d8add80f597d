using System.Security.Claims;
using GanetiWebManager.FakeRapi;
using GanetiWebManager.Rapi.Requests;
using GanetiWebManager.Testing;
using GanetiWebManager.Testing.Inventory;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Access;
using GanetiWebManager.Web.Domain.Audit;
using GanetiWebManager.Web.Domain.Clusters;
using GanetiWebManager.Web.Features.Clusters.Actions;
using GanetiWebManager.Web.Features.Nodes.Actions;
using GanetiWebManager.Web.Features.Sync;
using GanetiWebManager.Web.Features.VirtualMachines.Actions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GanetiWebManager.Web.Tests.Features.Nodes;

/// <summary>Node and cluster actions against a fake cluster: what RAPI gets, and refusals that send nothing.</summary>
public sealed class NodeActionServiceTests : IAsyncLifetime
{
    private FakeRapiServer _fake = null!;
    private TestDatabase _database = null!;
    private ServiceProvider _services = null!;
    private IDbContextFactory<AppDbContext> _contexts = null!;
    private Cluster _cluster = null!;
    private ClaimsPrincipal _admin = null!;
    private ClaimsPrincipal _mover = null!;
    private ClaimsPrincipal _nobody = null!;
    private List<Node> _nodes = null!;

    public async Task InitializeAsync()
    {
        _fake = await FakeRapiServer.StartAsync(new FakeClusterOptions { Instances = 20, Nodes = 3, JobStepDelay = TimeSpan.FromMilliseconds(10) });
        _database = await TestDatabase.CreateAsync("nodeactions");
        _services = await PortalServices.CreateAsync(_database);
        _contexts = _services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        _cluster = await ClusterRegistration.AddAsync(_services, "fake", _fake.BaseUrl, _fake.CertificateSha256, _fake.WriteUser.Name, _fake.WriteUser.Password);
        (await _services.GetRequiredService<ClusterSynchronizer>().SyncAsync(_cluster.Id, SyncParts.Info | SyncParts.Nodes | SyncParts.Instances, CancellationToken.None))
            .Succeeded.ShouldBeTrue();
        _admin = await TestPrincipals.AddSuperuserAsync(_database.ConnectionString);
        var build = new InventoryBuilder(_contexts);
        var mover = await build.AddUserAsync("mover");
        var nobody = await build.AddUserAsync("nobody");
        _mover = new(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, mover.Id.ToString()), new Claim(ClaimTypes.Name, "mover")], "test"));
        _nobody = new(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, nobody.Id.ToString()), new Claim(ClaimTypes.Name, "nobody")], "test"));
        await using var db = await _contexts.CreateDbContextAsync();
        db.ClusterGrants.Add(new ClusterGrant { ClusterId = _cluster.Id, UserId = mover.Id, Permissions = ClusterPermissions.Migrate });
        await db.SaveChangesAsync();
        _nodes = await db.Nodes.AsNoTracking().OrderBy(n => n.Name).ToListAsync();
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _database.DisposeAsync();
        await _fake.DisposeAsync();
    }

    private NodeActionService Nodes => _services.GetRequiredService<NodeActionService>();

    [Fact]
    public async Task SetRole_Master_RefusedWithExplanation_NothingSent()
    {
        var master = _nodes.Single(n => n.Role == NodeRole.Master);
        var before = _fake.RequestLog.Count;

        var result = await Nodes.SetRoleAsync(_admin, master.Id, NodeRoleChoice.Drained);

        result.Outcome.ShouldBe(VmActionOutcome.Refused);
        result.Message.ShouldContain("master-failover");
        _fake.RequestLog.Count.ShouldBe(before);
    }

    [Fact]
    public async Task SetRole_Drained_ByMigrateHolder_RoleSent_Audited()
    {
        var node = _nodes.First(n => n.Role != NodeRole.Master && n.Role != NodeRole.Drained);

        var result = await Nodes.SetRoleAsync(_mover, node.Id, NodeRoleChoice.Drained);

        result.Outcome.ShouldBe(VmActionOutcome.Accepted, result.Message);
        var put = _fake.RequestLog.Entries.Single(r => r.Path == $"/2/nodes/{node.Name}/role");
        put.Method.ShouldBe("PUT");
        put.Body!.ShouldContain("drained");
        await using var db = await _contexts.CreateDbContextAsync();
        (await db.AuditLog.SingleAsync(a => a.Action == "node.role" && a.Outcome == AuditOutcome.Allowed)).NodeName.ShouldBe(node.Name);
    }

    [Fact]
    public async Task Evacuate_WithoutPermission_RefusedAuditedOnce_NothingSent()
    {
        var node = _nodes.First(n => n.PrimaryInstanceCount > 0);
        var before = _fake.RequestLog.Count;

        var result = await Nodes.EvacuateAsync(_nobody, node.Id, NodeEvacuationMode.PrimaryOnly, null);

        result.Outcome.ShouldBe(VmActionOutcome.Refused);
        _fake.RequestLog.Count.ShouldBe(before);
        await using var db = await _contexts.CreateDbContextAsync();
        (await db.AuditLog.CountAsync(a => a.Action == "node.evacuate" && a.Outcome == AuditOutcome.Refused)).ShouldBe(1);
    }

    [Fact]
    public async Task Evacuate_PrimariesWithTarget_Refused_WithAllocator_Sent()
    {
        var node = _nodes.First(n => n.PrimaryInstanceCount > 0);
        var other = _nodes.First(n => n.Id != node.Id);
        var before = _fake.RequestLog.Count;

        (await Nodes.EvacuateAsync(_mover, node.Id, NodeEvacuationMode.PrimaryOnly, other.Name)).Message.ShouldContain("allocator");
        (await Nodes.EvacuateAsync(_mover, node.Id, NodeEvacuationMode.All, null)).Outcome.ShouldBe(VmActionOutcome.Refused);
        _fake.RequestLog.Count.ShouldBe(before);

        var result = await Nodes.EvacuateAsync(_mover, node.Id, NodeEvacuationMode.PrimaryOnly, null);

        result.Outcome.ShouldBe(VmActionOutcome.Accepted, result.Message);
        var post = _fake.RequestLog.Entries.Single(r => r.Path == $"/2/nodes/{node.Name}/evacuate");
        post.Body!.ShouldContain("\"mode\":\"primary-only\"");
        post.Body!.ShouldContain("\"iallocator\":");
    }

    [Fact]
    public async Task ClusterTags_AndRedistribute_PermissionsAndRequests()
    {
        var clusters = _services.GetRequiredService<ClusterActionService>();
        var before = _fake.RequestLog.Count;

        (await clusters.AddTagsAsync(_mover, _cluster.Id, ["env:lab"])).Outcome.ShouldBe(VmActionOutcome.Refused);
        (await clusters.RedistributeConfigAsync(_mover, _cluster.Id)).Outcome.ShouldBe(VmActionOutcome.Refused);
        (await clusters.AddTagsAsync(_admin, _cluster.Id, ["gwm:owner:user:x"])).Outcome.ShouldBe(VmActionOutcome.Refused);
        _fake.RequestLog.Count.ShouldBe(before);

        (await clusters.AddTagsAsync(_admin, _cluster.Id, ["env:lab"])).Outcome.ShouldBe(VmActionOutcome.Accepted);
        (await clusters.RedistributeConfigAsync(_admin, _cluster.Id)).Outcome.ShouldBe(VmActionOutcome.Accepted);
        _fake.RequestLog.Entries.ShouldContain(r => r.Method == "PUT" && r.Path == "/2/tags");
        _fake.RequestLog.Entries.ShouldContain(r => r.Method == "PUT" && r.Path == "/2/redistribute-config");
    }
}
