using GanetiWebManager.Testing;
using GanetiWebManager.Testing.Inventory;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Features.Access;
using GanetiWebManager.Web.Domain.Accounts;
using GanetiWebManager.Web.Domain.Clusters;
using GanetiWebManager.Web.Domain.VirtualMachines;
using GanetiWebManager.Web.Features.Clusters;
using GanetiWebManager.Web.Features.Health;
using GanetiWebManager.Web.Features.Jobs;
using GanetiWebManager.Web.Features.Nodes;
using GanetiWebManager.Web.Features.Overview;
using GanetiWebManager.Web.Features.VirtualMachines;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GanetiWebManager.Web.Tests.TestData;

/// <summary>
/// A small, fully known inventory in a database of its own (one per test class), with the query services
/// over it. The numbers the tests assert (capacity, counts, orders) follow from the table below.
///
/// alpha (in sync): node1 (master), node2, node3 (offline, reports nothing); VMs
///   web1    running     up    alice  2 vCPU  2048 MiB  20 GiB   node1   10.0.0.11  tag web
///   web2    running     up    alice  2 vCPU  4096 MiB  10 GiB   node2   10.0.0.12
///   db1     running     up    ops    8 vCPU 16384 MiB 100 GiB   node1 + node2 (drbd), two disks, tag backup-daily
///   build1  ADMIN_down  down  bob    4 vCPU  8192 MiB  40 GiB   node2
///   mail    USER_down   up    —      1 vCPU  1024 MiB  10 GiB   node1
///   broken  ERROR_down  up    —      1 vCPU   512 MiB  10 GiB   node1
///   gone    running     up    alice  4 vCPU  4096 MiB  10 GiB   node3   missing from Ganeti
///   leaving running     up    bob    1 vCPU  1024 MiB  10 GiB   node2   pending delete
/// beta (failing since a minute, last good sync ten minutes ago): node1; node9 missing; VMs
///   web1    running     up    ops    1 vCPU   512 MiB  10 GiB   node1
///   batch-01 … batch-20  ADMIN_down  down  —  1 vCPU  256–1024 MiB  1–20 GiB  node1
/// gamma: never synced, nothing mirrored.
/// </summary>
public sealed class InventoryWorld : IAsyncLifetime
{
    public const string Domain = ".example.org";

    private TestDatabase _database = null!;
    private ServiceProvider _services = null!;

    public ManualTimeProvider Clock { get; } = new();

    public InventoryBuilder Build { get; private set; } = null!;

    public IDbContextFactory<AppDbContext> Contexts { get; private set; } = null!;

    public ClusterQueries Clusters { get; private set; } = null!;

    public VirtualMachineQueries Vms { get; private set; } = null!;

    public NodeQueries Nodes { get; private set; } = null!;

    public JobQueries Jobs { get; private set; } = null!;

    public OverviewQueries Overview { get; private set; } = null!;

    public Cluster Alpha { get; private set; } = null!;

    public Cluster Beta { get; private set; } = null!;

    public Cluster Gamma { get; private set; } = null!;

    public AppUser Alice { get; private set; } = null!;

    public AppUser Bob { get; private set; } = null!;

    public Group Ops { get; private set; } = null!;

    public Dictionary<string, VirtualMachine> AlphaVms { get; } = [];

    public VirtualMachine BetaWeb1 { get; private set; } = null!;

    public const int VmCount = 8 + 1 + 20;

    public static string Fqdn(string name) => name + Domain;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync("inventory");
        _services = await PortalServices.CreateAsync(_database);
        await TestPrincipals.AddSuperuserAsync(_database.ConnectionString);
        Contexts = _services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        Build = new InventoryBuilder(Contexts, Clock);
        var access = new PortalAccess(Contexts);
        Clusters = new ClusterQueries(Contexts, Options.Create(new HealthOptions()), Clock, access);
        Vms = new VirtualMachineQueries(Contexts, Clusters, access);
        Nodes = new NodeQueries(Contexts, Clusters, access);
        Jobs = new JobQueries(Contexts, Clusters, access);
        Overview = new OverviewQueries(Clusters, Jobs);

        var now = Clock.GetUtcNow();
        Alpha = await Build.AddClusterAsync("alpha", c => c.Sync.LastSuccessAt = now.AddSeconds(-20));
        Beta = await Build.AddClusterAsync("beta", c =>
        {
            c.Sync.LastSuccessAt = now.AddMinutes(-10);
            c.Sync.LastFailureAt = now.AddMinutes(-1);
            c.Sync.LastError = "Connection refused (beta.cluster.invalid:5080)";
            c.Sync.LastErrorKind = ClusterErrorKind.Unreachable;
        });
        Gamma = await Build.AddClusterAsync("gamma", c => c.Sync = new ClusterSyncState());

        await Build.AddNodeAsync(Alpha, "node1.alpha.invalid", n => n.Role = NodeRole.Master);
        await Build.AddNodeAsync(Alpha, "node2.alpha.invalid");
        await Build.AddNodeAsync(Alpha, "node3.alpha.invalid", n =>
        {
            n.Role = NodeRole.Offline;
            n.Offline = true;
            n.MemoryTotalMiB = n.MemoryFreeMiB = n.DiskTotalMiB = n.DiskFreeMiB = null;
            n.CpuCount = null;
        });
        await Build.AddNodeAsync(Beta, "node1.beta.invalid", n =>
        {
            n.MemoryTotalMiB = 32768;
            n.DiskTotalMiB = 524288;
            n.CpuCount = 8;
        });
        await Build.AddNodeAsync(Beta, "node9.beta.invalid", n => n.MissingSince = now.AddHours(-2));

        Alice = await Build.AddUserAsync("alice");
        Bob = await Build.AddUserAsync("bob");
        Ops = await Build.AddGroupAsync("ops", "ops team");

        await AddAlphaAsync("web1", VmStates.Running, VmStates.AdminUp, v =>
        {
            (v.OwnerUserId, v.Vcpus, v.MaxMemoryMiB, v.PrimaryNode) = (Alice.Id, 2, 2048, "node1.alpha.invalid");
            v.Disks = [new VmDisk { Name = "disk0", SizeMiB = 20480 }];
            v.Nics[0].Ip = "10.0.0.11";
            v.Tags = ["web"];
        });
        await AddAlphaAsync("web2", VmStates.Running, VmStates.AdminUp, v =>
        {
            (v.OwnerUserId, v.Vcpus, v.MaxMemoryMiB, v.PrimaryNode) = (Alice.Id, 2, 4096, "node2.alpha.invalid");
            v.Nics[0].Ip = "10.0.0.12";
        });
        await AddAlphaAsync("db1", VmStates.Running, VmStates.AdminUp, v =>
        {
            (v.OwnerGroupId, v.Vcpus, v.MaxMemoryMiB, v.PrimaryNode) = (Ops.Id, 8, 16384, "node1.alpha.invalid");
            (v.Os, v.DiskTemplate, v.SecondaryNodes) = ("image+alma-9", "drbd", ["node2.alpha.invalid"]);
            v.Disks = [new VmDisk { Name = "root", SizeMiB = 51200 }, new VmDisk { Name = "data", SizeMiB = 51200 }];
            v.Nics[0].Ip = "10.0.1.5";
            v.Tags = ["backup-daily"];
        });
        await AddAlphaAsync("build1", VmStates.AdminDown, VmStates.AdminStateDown, v =>
        {
            (v.OwnerUserId, v.Vcpus, v.MaxMemoryMiB, v.PrimaryNode) = (Bob.Id, 4, 8192, "node2.alpha.invalid");
            v.Disks = [new VmDisk { Name = "disk0", SizeMiB = 40960 }];
        });
        await AddAlphaAsync("mail", VmStates.UserDown, VmStates.AdminUp, v =>
            (v.Vcpus, v.MaxMemoryMiB, v.PrimaryNode, v.Os) = (1, 1024, "node1.alpha.invalid", "debootstrap+bookworm"));
        await AddAlphaAsync("broken", VmStates.ErrorDown, VmStates.AdminUp, v =>
            (v.Vcpus, v.MaxMemoryMiB, v.PrimaryNode) = (1, 512, "node1.alpha.invalid"));
        await AddAlphaAsync("gone", VmStates.Running, VmStates.AdminUp, v =>
        {
            (v.OwnerUserId, v.Vcpus, v.MaxMemoryMiB, v.PrimaryNode) = (Alice.Id, 4, 4096, "node3.alpha.invalid");
            v.MissingSince = now.AddDays(-1);
        });
        await AddAlphaAsync("leaving", VmStates.Running, VmStates.AdminUp, v =>
        {
            (v.OwnerUserId, v.Vcpus, v.MaxMemoryMiB, v.PrimaryNode) = (Bob.Id, 1, 1024, "node2.alpha.invalid");
            v.PendingDelete = true;
        });

        BetaWeb1 = await Build.AddVmAsync(Beta, Fqdn("web1"), v =>
            (v.OwnerGroupId, v.Vcpus, v.MaxMemoryMiB, v.PrimaryNode) = (Ops.Id, 1, 512, "node1.beta.invalid"));
        for (var i = 1; i <= 20; i++)
        {
            var n = i;
            await Build.AddVmAsync(Beta, Fqdn($"batch-{n:00}"), v =>
            {
                (v.Status, v.AdminState, v.OperState, v.Vcpus) = (VmStates.AdminDown, VmStates.AdminStateDown, false, 1);
                (v.MaxMemoryMiB, v.PrimaryNode) = (256 * ((n % 4) + 1), "node1.beta.invalid");
                v.Disks = [new VmDisk { Name = "disk0", SizeMiB = 1024 * n }];
            });
        }
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _database.DisposeAsync();
    }

    private async Task AddAlphaAsync(string name, string status, string adminState, Action<VirtualMachine> configure)
    {
        AlphaVms[name] = await Build.AddVmAsync(Alpha, Fqdn(name), v =>
        {
            (v.Status, v.AdminState, v.OperState) = (status, adminState, status == VmStates.Running);
            configure(v);
        });
    }
}
