using System.Security.Claims;
using GanetiWebManager.FakeRapi;
using GanetiWebManager.FakeRapi.Faults;
using GanetiWebManager.Testing;
using GanetiWebManager.Testing.Inventory;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Access;
using GanetiWebManager.Web.Domain.Audit;
using GanetiWebManager.Web.Domain.Clusters;
using GanetiWebManager.Web.Domain.Quotas;
using GanetiWebManager.Web.Domain.VirtualMachines;
using GanetiWebManager.Web.Features.Clusters;
using GanetiWebManager.Web.Features.VirtualMachines.Actions;
using GanetiWebManager.Web.Tests.Features.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GanetiWebManager.Web.Tests.Features.Quotas;

/// <summary>Start checks quota (issue 4 §4), through the VM action runner, against the fake RAPI's request log.</summary>
public sealed class QuotaStartTests : IAsyncLifetime
{
    private FakeRapiServer _fake = null!;
    private TestDatabase _database = null!;
    private ServiceProvider _services = null!;
    private Cluster _cluster = null!;
    private InventoryBuilder _build = null!;
    private VmPowerService _power = null!;

    public async Task InitializeAsync()
    {
        _fake = await FakeRapiServer.StartAsync(new FakeClusterOptions { Instances = 0, HoldJobs = true });
        _database = await TestDatabase.CreateAsync("quotastart");
        _services = await PortalServices.CreateAsync(_database, new Dictionary<string, string?> { ["Quotas:SettlerEnabled"] = "false" });
        var connector = _services.GetRequiredService<ClusterConnector>();
        _build = new InventoryBuilder(_services.GetRequiredService<IDbContextFactory<AppDbContext>>());
        _cluster = await _build.AddClusterAsync("quo", c =>
        {
            c.Hostname = _fake.BaseUrl.Host;
            c.Port = _fake.BaseUrl.Port;
            c.RapiUsername = _fake.WriteUser.Name;
            c.RapiPasswordProtected = connector.ProtectPassword(_fake.WriteUser.Password);
            c.CertificateSha256 = _fake.CertificateSha256;
            c.DefaultQuota = new ResourceLimits { RamMiB = 1024, DiskMiB = null, Vcpus = 2 };
        });
        _power = _services.GetRequiredService<VmPowerService>();
    }

    public async Task DisposeAsync()
    {
        _fake.Cluster.Jobs.Release();
        await _services.DisposeAsync();
        await _database.DisposeAsync();
        await _fake.DisposeAsync();
    }

    [Fact]
    public async Task Start_WouldExceedTheOwnersQuota_RefusedWithTheQuotaMessage_NoRequest_NoJob_Audited()
    {
        var (alice, aliceId) = await UserAsync("alice");
        await StoppedVmAsync(v => { v.OwnerUserId = aliceId; v.AdminState = VmStates.AdminUp; v.Status = VmStates.Running; v.Vcpus = 1; v.MaxMemoryMiB = 512; });
        var vm = await StoppedVmAsync(v => { v.OwnerUserId = aliceId; v.Vcpus = 2; v.MaxMemoryMiB = 256; });
        var before = _fake.RequestLog.Count;

        var result = await _power.StartAsync(alice, vm.Id);

        result.Outcome.ShouldBe(VmActionOutcome.Refused);
        result.Message.ShouldBe($"Not enough quota: alice on quo needs 2 vCPUs, 1 of 2 left.");
        _fake.RequestLog.Count.ShouldBe(before, "a refusal makes no RAPI request");
        await using var db = await Db();
        (await db.Jobs.CountAsync(j => j.VirtualMachineId == vm.Id)).ShouldBe(0);
        (await db.QuotaReservations.CountAsync()).ShouldBe(0);
        var entry = await db.AuditLog.Where(a => a.VirtualMachineId == vm.Id).ToListAsync();
        entry.ShouldHaveSingleItem().Outcome.ShouldBe(AuditOutcome.Refused);
        entry[0].Action.ShouldBe("vm.start");
        entry[0].Reason.ShouldBe(result.Message);
    }

    [Fact]
    public async Task Start_WithinQuota_Accepted_ReservationLinkedToTheJob_AndCountedAsUsage()
    {
        var (bob, bobId) = await UserAsync("bob");
        var vm = await StoppedVmAsync(v => { v.OwnerUserId = bobId; v.Vcpus = 2; v.MaxMemoryMiB = 1024; });

        var result = await _power.StartAsync(bob, vm.Id);

        result.Outcome.ShouldBe(VmActionOutcome.Accepted, result.Message);
        _fake.RequestLog.CountOf("PUT", $"/2/instances/{vm.Name}/startup").ShouldBe(1);
        await using var db = await Db();
        var reservation = await db.QuotaReservations.SingleAsync(r => r.VirtualMachineId == vm.Id);
        reservation.JobId.ShouldBe(result.JobId);
        reservation.State.ShouldBe(QuotaReservationState.Held);
        (reservation.RamMiB, reservation.Vcpus, reservation.DiskMiB).ShouldBe((1024L, 2, 0L));
    }

    [Fact]
    public async Task Start_OrphanVm_ChargedToNobody_StartsWhateverTheQuotas()
    {
        var (_, _) = await UserAsync("owner-of-nothing");
        var root = JobsTestSupport.CreateUserAsync(_services, "root", superuser: true);
        var admin = await root;
        await _build.UpdateClusterAsync(_cluster.Id, c => c.DefaultQuota = new ResourceLimits { RamMiB = 0, DiskMiB = 0, Vcpus = 0 });
        var orphan = await StoppedVmAsync(v => v.Vcpus = 4);

        try
        {
            (await _power.StartAsync(admin, orphan.Id)).Outcome.ShouldBe(VmActionOutcome.Accepted);
            await using var db = await Db();
            (await db.QuotaReservations.CountAsync(r => r.VirtualMachineId == orphan.Id)).ShouldBe(0);
        }
        finally
        {
            await _build.UpdateClusterAsync(_cluster.Id, c => c.DefaultQuota = new ResourceLimits { RamMiB = 1024, DiskMiB = null, Vcpus = 2 });
        }
    }

    [Fact]
    public async Task Start_RefusedByGaneti_ReservationReleasedAtOnce()
    {
        var (carol, carolId) = await UserAsync("carol");
        var vm = await StoppedVmAsync(v => { v.OwnerUserId = carolId; v.Vcpus = 1; v.MaxMemoryMiB = 128; });
        _fake.Faults.Add(new FaultRule { Kind = FaultKind.Status, Status = 400, Message = "no", PathPrefix = $"/2/instances/{vm.Name}/startup", Times = 1 });

        var result = await _power.StartAsync(carol, vm.Id);

        result.Outcome.ShouldBe(VmActionOutcome.Refused);
        await using var db = await Db();
        var reservation = await db.QuotaReservations.SingleAsync(r => r.VirtualMachineId == vm.Id);
        reservation.State.ShouldBe(QuotaReservationState.Released);
        reservation.JobId.ShouldBe(result.JobId);
    }

    [Fact]
    public async Task Start_ClusterAdminOverQuota_OnlyWithConfirmation_Audited()
    {
        var (dave, daveId) = await UserAsync("dave");
        var (ca, caId) = await UserAsync("clusteradmin");
        await using (var db = await Db())
        {
            db.ClusterGrants.Add(new ClusterGrant { ClusterId = _cluster.Id, UserId = caId, Permissions = ClusterPermissions.Admin });
            await db.SaveChangesAsync();
        }

        var vm = await StoppedVmAsync(v => { v.OwnerUserId = daveId; v.Vcpus = 3; v.MaxMemoryMiB = 128; });
        (await _power.StartAsync(dave, vm.Id)).Outcome.ShouldBe(VmActionOutcome.Refused);
        var unconfirmed = await _power.StartAsync(ca, vm.Id);
        unconfirmed.Outcome.ShouldBe(VmActionOutcome.Refused);
        unconfirmed.Message.ShouldEndWith("As a cluster admin you may confirm exceeding it.");

        var confirmed = await _power.StartAsync(ca, vm.Id, confirmOverQuota: true);

        confirmed.Outcome.ShouldBe(VmActionOutcome.Accepted, confirmed.Message);
        await using var check = await Db();
        var exceed = await check.AuditLog.SingleAsync(a => a.Action == "quota.exceed" && a.VirtualMachineId == vm.Id);
        exceed.ActorUserId.ShouldBe(caId);
        exceed.Persona.ShouldBe("user:dave");
    }

    private async Task<(ClaimsPrincipal Principal, Guid Id)> UserAsync(string name)
    {
        var principal = await JobsTestSupport.CreateUserAsync(_services, name, superuser: false);
        return (principal, Guid.Parse(principal.FindFirstValue(ClaimTypes.NameIdentifier)!));
    }

    /// <summary>A stopped instance of the fake, mirrored in the portal as the sync would (owner and sizes as given).</summary>
    private async Task<VirtualMachine> StoppedVmAsync(Action<VirtualMachine> configure)
    {
        var name = _fake.Cluster.AddInstances(1)[0];
        _fake.Cluster.ShutdownInstances([name]);
        return await _build.AddVmAsync(_cluster, name, v =>
        {
            v.AdminState = VmStates.AdminStateDown;
            v.Status = VmStates.AdminDown;
            v.OperState = false;
            v.Disks = [];
            configure(v);
        });
    }

    private async Task<AppDbContext> Db() => await _services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
}
