using System.Diagnostics;
using System.Security.Claims;
using GanetiWebManager.FakeRapi;
using GanetiWebManager.Testing;
using GanetiWebManager.Testing.Inventory;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Clusters;
using GanetiWebManager.Web.Domain.Quotas;
using GanetiWebManager.Web.Domain.VirtualMachines;
using GanetiWebManager.Web.Features.Clusters;
using GanetiWebManager.Web.Features.Jobs;
using GanetiWebManager.Web.Features.LiveUpdates;
using GanetiWebManager.Web.Features.Quotas;
using GanetiWebManager.Web.Features.VirtualMachines.Actions;
using GanetiWebManager.Web.Tests.Features.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using DomainJobStatus = GanetiWebManager.Web.Domain.Jobs.JobStatus;

namespace GanetiWebManager.Web.Tests.Features.Quotas;

/// <summary>
/// The settler as it runs in the portal: a background service woken by job and VM changes on the hub, with the job
/// follower reading real (fake-RAPI) jobs to their end. No call from the job code is needed.
/// </summary>
public sealed class QuotaSettlerTests : IAsyncLifetime
{
    private readonly CancellationTokenSource _stop = new();
    private FakeRapiServer _fake = null!;
    private TestDatabase _database = null!;
    private ServiceProvider _services = null!;
    private Cluster _cluster = null!;
    private InventoryBuilder _build = null!;

    public async Task InitializeAsync()
    {
        _fake = await FakeRapiServer.StartAsync(new FakeClusterOptions { Instances = 0, JobStepDelay = TimeSpan.FromMilliseconds(20), JobWaitTimeout = TimeSpan.FromSeconds(2) });
        _database = await TestDatabase.CreateAsync("quotasettle");
        _services = await PortalServices.CreateAsync(_database, new Dictionary<string, string?>
        {
            ["Jobs:PollMinInterval"] = "00:00:00.100",
            ["Jobs:PollMaxInterval"] = "00:00:00.500",
            // Long: only the hub may wake it during the test.
            ["Quotas:SweepInterval"] = "00:10:00",
        });
        var connector = _services.GetRequiredService<ClusterConnector>();
        _build = new InventoryBuilder(_services.GetRequiredService<IDbContextFactory<AppDbContext>>());
        _cluster = await _build.AddClusterAsync("settle", c =>
        {
            c.Hostname = _fake.BaseUrl.Host;
            c.Port = _fake.BaseUrl.Port;
            c.RapiUsername = _fake.WriteUser.Name;
            c.RapiPasswordProtected = connector.ProtectPassword(_fake.WriteUser.Password);
            c.CertificateSha256 = _fake.CertificateSha256;
            c.DefaultQuota = new ResourceLimits { Vcpus = 8 };
        });
        await _services.GetRequiredService<JobFollower>().StartAsync(_stop.Token);
        await _services.GetRequiredService<QuotaSettler>().StartAsync(_stop.Token);
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await _services.GetRequiredService<QuotaSettler>().StopAsync(CancellationToken.None);
        await _services.GetRequiredService<JobFollower>().StopAsync(CancellationToken.None);
        await _services.DisposeAsync();
        await _database.DisposeAsync();
        await _fake.DisposeAsync();
        _stop.Dispose();
    }

    [Fact]
    public async Task StartSucceeds_ReservationHeldUntilTheVmIsMirroredUp_ThenSettled_WithoutAnyCallFromTheJobCode()
    {
        var (user, userId) = await UserAsync("erin");
        var vm = await StoppedVmAsync(userId);

        var result = await _services.GetRequiredService<VmPowerService>().StartAsync(user, vm.Id);
        result.Outcome.ShouldBe(VmActionOutcome.Accepted, result.Message);
        (await JobsTestSupport.WaitForEndAsync(_services, result.JobId!.Value)).Status.ShouldBe(DomainJobStatus.Success);
        await Task.Delay(1000); // the settler has been woken by the job's end
        (await ReservationAsync(vm.Id)).State.ShouldBe(QuotaReservationState.Held, "the mirror still says the VM is down");

        // The sync mirrors the new state and says so on the hub.
        await _build.UpdateVmAsync(vm.Id, v => { v.AdminState = VmStates.AdminUp; v.Status = VmStates.Running; });
        _services.GetRequiredService<LiveUpdateHub>().Publish(new VirtualMachinesChanged(_cluster.Id, [vm.Id]));

        var settled = await WaitForAsync(vm.Id, r => r.State != QuotaReservationState.Held);
        settled.State.ShouldBe(QuotaReservationState.Settled);
        settled.Outcome.ShouldBe("mirrored");
    }

    [Fact]
    public async Task JobCancelled_ReservationReleasedAsSoonAsTheFollowerRecordsIt()
    {
        var (user, userId) = await UserAsync("frank");
        var vm = await StoppedVmAsync(userId);
        _fake.Cluster.Jobs.Hold();
        try
        {
            var result = await _services.GetRequiredService<VmPowerService>().StartAsync(user, vm.Id);
            result.Outcome.ShouldBe(VmActionOutcome.Accepted, result.Message);
            (await ReservationAsync(vm.Id)).State.ShouldBe(QuotaReservationState.Held);
            using var outside = new GanetiWebManager.Rapi.GanetiRapiClient(new GanetiWebManager.Rapi.RapiClientOptions
            {
                BaseUrl = _fake.BaseUrl, User = _fake.WriteUser.Name, Password = _fake.WriteUser.Password, CertificateSha256 = _fake.CertificateSha256,
            });
            await outside.CancelJobAsync(new GanetiWebManager.Rapi.Models.JobId(result.JobId is { } id ? (await JobsTestSupport.JobAsync(_services, id)).GanetiJobId!.Value : 0));
            (await JobsTestSupport.WaitForEndAsync(_services, result.JobId!.Value)).Status.ShouldBe(DomainJobStatus.Canceled);
        }
        finally
        {
            _fake.Cluster.Jobs.Release();
        }

        var released = await WaitForAsync(vm.Id, r => r.State != QuotaReservationState.Held);
        released.State.ShouldBe(QuotaReservationState.Released);
        released.Outcome.ShouldBe("job cancelled");
    }

    private async Task<(ClaimsPrincipal, Guid)> UserAsync(string name)
    {
        var principal = await JobsTestSupport.CreateUserAsync(_services, name, superuser: false);
        return (principal, Guid.Parse(principal.FindFirstValue(ClaimTypes.NameIdentifier)!));
    }

    private async Task<VirtualMachine> StoppedVmAsync(Guid owner)
    {
        var name = _fake.Cluster.AddInstances(1)[0];
        _fake.Cluster.ShutdownInstances([name]);
        return await _build.AddVmAsync(_cluster, name, v =>
        {
            v.OwnerUserId = owner;
            v.AdminState = VmStates.AdminStateDown;
            v.Status = VmStates.AdminDown;
            v.Vcpus = 2;
            v.MaxMemoryMiB = 256;
        });
    }

    private async Task<QuotaReservation> ReservationAsync(long vmId)
    {
        await using var db = await _services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        return await db.QuotaReservations.AsNoTracking().SingleAsync(r => r.VirtualMachineId == vmId);
    }

    private async Task<QuotaReservation> WaitForAsync(long vmId, Func<QuotaReservation, bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var reservation = await ReservationAsync(vmId);
            if (condition(reservation) || clock.Elapsed > TimeSpan.FromSeconds(15))
            {
                return reservation;
            }

            await Task.Delay(100);
        }
    }
}
