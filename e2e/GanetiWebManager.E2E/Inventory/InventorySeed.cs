using GanetiWebManager.Testing;
using GanetiWebManager.Testing.Inventory;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Accounts;
using GanetiWebManager.Web.Domain.Clusters;
using GanetiWebManager.Web.Domain.Jobs;
using GanetiWebManager.Web.Domain.VirtualMachines;
using GanetiWebManager.Web.Features.LiveUpdates;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GanetiWebManager.E2E.Inventory;

/// <summary>
/// The inventory the browser tests look at, written into the portal's own database once per test run,
/// and the portal's live-update hub to tell open pages about changes the tests make afterwards.
///
/// Cluster "lab" (in sync): lab-node1/lab-node2 and 125 VMs vm-001 … vm-125 (every 25th ERROR_down, every
/// other 10th ADMIN_down, the rest running; memory 256 MiB × (i mod 16 + 1); IP 10.9.0.i; vm-001…vm-010
/// owned by carol). Cluster "down" (failing for an hour) with one VM. A running job on vm-001. Cluster "live"
/// belongs to the live-update tests, which change it as they go; the others never look at it.
/// </summary>
public sealed class InventorySeed
{
    public const int LabVmCount = 125;
    public const string RegularUserName = "dave";
    public const string RegularUserPassword = "a long enough password for dave";

    private static readonly SemaphoreSlim Once = new(1, 1);
    private static InventorySeed? _seeded;

    private InventorySeed(PortalFactory portal, InventoryBuilder build)
    {
        Portal = portal;
        Build = build;
    }

    public PortalFactory Portal { get; }

    public InventoryBuilder Build { get; }

    public Cluster Lab { get; private set; } = null!;

    public Cluster Down { get; private set; } = null!;

    public Cluster Live { get; private set; } = null!;

    public Dictionary<string, VirtualMachine> LabVms { get; } = [];

    public VirtualMachine LiveChip { get; private set; } = null!;

    public Job RunningJob { get; private set; } = null!;

    public LiveUpdateHub Hub => Portal.Services.GetRequiredService<LiveUpdateHub>();

    public static string VmName(int i) => $"vm-{i:000}.lab.invalid";

    public static string IpOf(int i) => $"10.9.0.{i}";

    public static long MemoryOf(int i) => 256 * ((i % 16) + 1);

    public static string StatusOf(int i) => i % 25 == 0 ? VmStates.ErrorDown : i % 10 == 0 ? VmStates.AdminDown : VmStates.Running;

    public static async Task<InventorySeed> EnsureAsync(PortalFactory portal)
    {
        await Once.WaitAsync();
        try
        {
            if (_seeded is not null && ReferenceEquals(_seeded.Portal, portal))
            {
                return _seeded;
            }

            var seed = new InventorySeed(portal, new InventoryBuilder(portal.Services.GetRequiredService<IDbContextFactory<AppDbContext>>()));
            await seed.SeedAsync();
            _seeded = seed;
            return seed;
        }
        finally
        {
            Once.Release();
        }
    }

    private async Task SeedAsync()
    {
        var now = Build.Now;
        Lab = await Build.AddClusterAsync("lab", c => c.Info.MasterNode = "lab-node1.lab.invalid");
        Down = await Build.AddClusterAsync("down", c =>
        {
            c.Sync.LastSuccessAt = now.AddHours(-1);
            c.Sync.LastFailureAt = now.AddSeconds(-30);
            c.Sync.LastError = "Connection refused (down.cluster.invalid:5080)";
            c.Sync.LastErrorKind = ClusterErrorKind.Unreachable;
        });
        await Build.AddErrorAsync(Down, ClusterErrorKind.Unreachable, "Connection refused (down.cluster.invalid:5080)", e => e.Count = 120);
        await Build.AddNodeAsync(Lab, "lab-node1.lab.invalid", n => n.Role = NodeRole.Master);
        await Build.AddNodeAsync(Lab, "lab-node2.lab.invalid");
        await Build.AddNodeAsync(Down, "down-node1.down.invalid");

        var carol = await Build.AddUserAsync("carol");
        using (var scope = Portal.Services.CreateScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
            var dave = new AppUser { UserName = RegularUserName, Email = "dave@example.invalid", EmailConfirmed = true, CreatedAt = now };
            var created = await users.CreateAsync(dave, RegularUserPassword);
            created.Succeeded.ShouldBeTrue(string.Join("; ", created.Errors.Select(e => e.Description)));
        }

        for (var i = 1; i <= LabVmCount; i++)
        {
            var n = i;
            LabVms[VmName(n)] = await Build.AddVmAsync(Lab, VmName(n), v =>
            {
                v.Status = StatusOf(n);
                v.AdminState = v.Status == VmStates.AdminDown ? VmStates.AdminStateDown : VmStates.AdminUp;
                v.OperState = v.Status == VmStates.Running;
                v.MaxMemoryMiB = v.MinMemoryMiB = MemoryOf(n);
                v.Vcpus = 1 + (n % 4);
                v.PrimaryNode = n % 2 == 0 ? "lab-node2.lab.invalid" : "lab-node1.lab.invalid";
                v.Nics[0].Ip = IpOf(n);
                v.OwnerUserId = n <= 10 ? carol.Id : null;
                v.Notes = n == 1 ? "Runs the lab's DNS. Ask before rebooting." : "";
            });
        }

        await Build.AddVmAsync(Down, "stale-vm.down.invalid", v => v.PrimaryNode = "down-node1.down.invalid");

        Live = await Build.AddClusterAsync("live");
        LiveChip = await Build.AddVmAsync(Live, "live-chip.live.invalid");
        await Build.AddVmAsync(Live, "live-list.live.invalid");

        var first = LabVms[VmName(1)];
        RunningJob = await Build.AddJobAsync(Lab, j =>
        {
            j.Operation = JobOperations.InstanceReboot;
            j.TargetKind = JobTargetKind.VirtualMachine;
            j.VirtualMachineId = first.Id;
            j.TargetName = first.Name;
            j.GanetiJobId = 4242;
            j.Status = JobStatus.Running;
            j.OpIds = ["OP_INSTANCE_REBOOT"];
            j.Summary = [$"INSTANCE_REBOOT({first.Name})"];
            j.CreatedAt = now.AddSeconds(-20);
            j.StartedAt = now.AddSeconds(-18);
            j.EndedAt = null;
            j.Log = """[{"serial":1,"time":"2026-11-21T12:00:01Z","type":"message","message":"Shutting down instance"}]""";
        });
    }
}
