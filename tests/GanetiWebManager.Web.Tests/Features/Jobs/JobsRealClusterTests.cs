using System.Text.Json;
using GanetiWebManager.Rapi.Models;
using GanetiWebManager.Rapi.Requests;
using GanetiWebManager.Testing;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Clusters;
using GanetiWebManager.Web.Domain.Jobs;
using GanetiWebManager.Web.Features.Jobs;
using GanetiWebManager.Web.Features.LiveUpdates;
using GanetiWebManager.Web.Features.Sync;
using GanetiWebManager.Web.Features.VirtualMachines.Actions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using DomainJobStatus = GanetiWebManager.Web.Domain.Jobs.JobStatus;

namespace GanetiWebManager.Web.Tests.Features.Jobs;

/// <summary>
/// Power actions through the outbox against the real two-node Ganeti sandbox: each job carries its marker into
/// Ganeti's reason trail, is followed to its end with its log, and its failure is decoded into a sentence; jobs
/// started outside the portal are discovered, attached to their VM and followed.
/// </summary>
[Trait("Category", "RealCluster")]
[Collection(RealClusterGroup.Name)]
public sealed class JobsRealClusterTests : IAsyncLifetime
{
    private readonly SandboxCluster _sandbox = SandboxCluster.FromEnvironment();
    private readonly string _prefix = "jb" + Guid.NewGuid().ToString("N")[..6];
    private readonly List<string> _created = [];
    private readonly CancellationTokenSource _stop = new();
    private TestDatabase _database = null!;
    private ServiceProvider _services = null!;
    private Cluster _cluster = null!;
    private VmPowerService _power = null!;
    private System.Security.Claims.ClaimsPrincipal _admin = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync("jobs");
        _services = await PortalServices.CreateAsync(_database, new Dictionary<string, string?>
        {
            ["Jobs:PollMinInterval"] = "00:00:00.200",
        });
        _cluster = await _sandbox.RegisterAsync(_services);
        _power = _services.GetRequiredService<VmPowerService>();
        _admin = await JobsTestSupport.CreateUserAsync(_services, "admin-" + _prefix, superuser: true);
        await _services.GetRequiredService<JobFollower>().StartAsync(_stop.Token);
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await _services.GetRequiredService<JobFollower>().StopAsync(CancellationToken.None);
        await _sandbox.DeleteInstancesAsync(_created);
        _sandbox.Dispose();
        await _services.DisposeAsync();
        await _database.DisposeAsync();
        _stop.Dispose();
    }

    [Fact]
    public async Task PowerActions_EachRunsAsOneMarkedJob_FollowedToSuccess_AndTheVmFollows()
    {
        var vmId = await CreateVmAsync("pw", start: false);
        var changes = new List<JobChanged>();
        using var _ = _services.GetRequiredService<LiveUpdateHub>().Subscribe(c => { if (c is JobChanged j) { lock (changes) { changes.Add(j); } } return false; }, () => Task.CompletedTask);

        var start = await RunAsync(() => _power.StartAsync(_admin, vmId), "running");
        start.Operation.ShouldBe(JobOperations.InstanceStartup);
        start.OpIds.ShouldBe(["OP_INSTANCE_STARTUP"]);
        start.Summary.ShouldBe([$"INSTANCE_STARTUP({_created[0]})"]);
        start.SubmittedByName.ShouldBe("admin-" + _prefix);
        start.StartedAt.ShouldNotBeNull();
        start.EndedAt.ShouldNotBeNull();
        lock (changes)
        {
            changes.Count(c => c.JobId == start.Id && c.VirtualMachineId == vmId).ShouldBeGreaterThanOrEqualTo(2, "recorded, submitted and ended are each pushed to open pages");
        }

        var graceful = await RunAsync(() => _power.ShutdownAsync(_admin, vmId, ShutdownKind.Graceful), "ADMIN_down");
        RequestOf(graceful).GetProperty("timeoutSeconds").GetInt32().ShouldBe(VmPowerService.GracefulShutdownTimeoutSeconds);
        (await GanetiOp(graceful)).GetInt64("timeout").ShouldBe(VmPowerService.GracefulShutdownTimeoutSeconds);

        await RunAsync(() => _power.StartAsync(_admin, vmId), "running");
        var soft = await RunAsync(() => _power.RebootAsync(_admin, vmId, RebootKind.Soft), "running");
        (await GanetiOp(soft)).GetString("reboot_type").ShouldBe("soft");
        var hard = await RunAsync(() => _power.RebootAsync(_admin, vmId, RebootKind.Hard), "running");
        (await GanetiOp(hard)).GetString("reboot_type").ShouldBe("hard");

        var immediate = await RunAsync(() => _power.ShutdownAsync(_admin, vmId, ShutdownKind.Immediate), "ADMIN_down");
        (await GanetiOp(immediate)).GetInt64("timeout").ShouldBe(0);
    }

    [Fact]
    public async Task FailingJob_EndsInError_WithGanetisClassCodeAndASentence()
    {
        var vmId = await CreateVmAsync("off", start: false);
        // An offline instance cannot be started: Ganeti refuses in its prerequisite checks.
        await _sandbox.WaitForSuccessAsync(await _sandbox.Rapi.ModifyInstanceAsync(_created[0], new ModifyInstanceRequest { Offline = true }));

        var result = await _power.StartAsync(_admin, vmId);

        result.Outcome.ShouldBe(VmActionOutcome.Accepted, result.Message);
        var job = await JobsTestSupport.WaitForEndAsync(_services, result.JobId!.Value);
        job.Status.ShouldBe(DomainJobStatus.Error);
        job.ErrorClass.ShouldBe("OpPrereqError");
        job.ErrorCode.ShouldBe("wrong_state");
        job.ErrorMessage.ShouldStartWith("Ganeti refused the request: ");
        job.ErrorMessage.ShouldContain("offline");
        job.ErrorMessage.ShouldEndWith("(the object is not in a state that allows this; try again once it has changed).");
        job.Result.ShouldNotBeNull().ShouldContain("OpPrereqError");
    }

    [Fact]
    public async Task JobStartedOutsideThePortal_IsDiscovered_AttachedToItsVm_AndFollowedToItsEnd()
    {
        var vmId = await CreateVmAsync("out", start: false);
        var synchronizer = _services.GetRequiredService<ClusterSynchronizer>();
        await synchronizer.SyncAsync(_cluster.Id, SyncParts.Jobs, CancellationToken.None); // first contact

        var outside = await _sandbox.Rapi.StartupInstanceAsync(_created[0]);
        var pass = await synchronizer.SyncAsync(_cluster.Id, SyncParts.Jobs, CancellationToken.None);

        pass.Succeeded.ShouldBeTrue(pass.Failure?.Message);
        var row = await Query(db => db.Jobs.SingleAsync(j => j.ClusterId == _cluster.Id && j.GanetiJobId == outside.Value));
        row.Source.ShouldBe(JobSource.Outside);
        row.Operation.ShouldBe(JobOperations.InstanceStartup);
        row.TargetKind.ShouldBe(JobTargetKind.VirtualMachine);
        row.VirtualMachineId.ShouldBe(vmId);
        row.TargetName.ShouldBe(_created[0]);
        row.SubmittedByUserId.ShouldBeNull();
        row.Marker.ShouldBeNull();

        var ended = await JobsTestSupport.WaitForEndAsync(_services, row.Id);
        ended.Status.ShouldBe(DomainJobStatus.Success);
        (await Query(db => db.Clusters.SingleAsync(c => c.Id == _cluster.Id))).Sync.LastSeenJobId.ShouldNotBeNull().ShouldBeGreaterThanOrEqualTo(outside.Value);

        // Seen once, recorded once.
        await synchronizer.SyncAsync(_cluster.Id, SyncParts.Jobs, CancellationToken.None);
        (await Query(db => db.Jobs.CountAsync(j => j.GanetiJobId == outside.Value))).ShouldBe(1);
    }

    /// <summary>Runs an action, waits for its job to succeed and for the sync to show <paramref name="status"/>.</summary>
    private async Task<Job> RunAsync(Func<Task<VmActionResult>> action, string status)
    {
        var result = await action();
        result.Outcome.ShouldBe(VmActionOutcome.Accepted, result.Message);
        var job = await JobsTestSupport.WaitForEndAsync(_services, result.JobId!.Value);
        job.Status.ShouldBe(DomainJobStatus.Success, job.ErrorMessage);
        job.Submission.ShouldBe(JobSubmission.Submitted);
        job.Source.ShouldBe(JobSource.Portal);

        // Exactly one job in Ganeti carries the intent's marker: the one the portal recorded.
        job.Marker.ShouldNotBeNull().ShouldStartWith($"gwm-{job.Id}-");
        var marked = (await _sandbox.Rapi.GetJobsAsync()).Where(j => JobMarkers.FindIn(j).Contains(job.Marker)).Select(j => j.Id.Value).ToList();
        marked.ShouldBe([job.GanetiJobId!.Value]);

        await _services.GetRequiredService<ClusterSynchronizer>().SyncAsync(_cluster.Id, SyncParts.Instances | SyncParts.Runtime, CancellationToken.None);
        (await Query(db => db.VirtualMachines.SingleAsync(v => v.Id == job.VirtualMachineId))).Status.ShouldBe(status);
        return job;
    }

    private async Task<long> CreateVmAsync(string suffix, bool start)
    {
        var name = $"{_prefix}-{suffix}";
        _created.Add(name);
        await _sandbox.CreateInstanceAsync(name, start: start);
        await _services.GetRequiredService<ClusterSynchronizer>().SyncAsync(_cluster.Id, SyncParts.Nodes | SyncParts.Instances | SyncParts.Runtime, CancellationToken.None);
        return await Query(db => db.VirtualMachines.Where(v => v.Name == name).Select(v => v.Id).SingleAsync());
    }

    private static JsonElement RequestOf(Job job)
    {
        using var document = JsonDocument.Parse(job.Request);
        return document.RootElement.Clone();
    }

    private async Task<ParameterDictionary> GanetiOp(Job job) => (await _sandbox.Rapi.GetJobAsync(new JobId(job.GanetiJobId!.Value))).Ops[0];

    private async Task<T> Query<T>(Func<AppDbContext, Task<T>> query)
    {
        await using var db = await _services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        return await query(db);
    }
}
