using System.Security.Claims;
using GanetiWebManager.FakeRapi;
using GanetiWebManager.FakeRapi.Faults;
using GanetiWebManager.Rapi;
using GanetiWebManager.Rapi.Requests;
using GanetiWebManager.Testing;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Clusters;
using GanetiWebManager.Web.Domain.Jobs;
using GanetiWebManager.Web.Features.Clusters;
using GanetiWebManager.Web.Features.Jobs;
using GanetiWebManager.Web.Features.Sync;
using GanetiWebManager.Web.Features.VirtualMachines.Actions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using DomainJobStatus = GanetiWebManager.Web.Domain.Jobs.JobStatus;
using VirtualMachine = GanetiWebManager.Web.Domain.VirtualMachines.VirtualMachine;

namespace GanetiWebManager.Web.Tests.Features.Jobs;

/// <summary>
/// Submission, reconciliation, following and discovery against the fake RAPI, whose request log counts what the
/// portal really sent and whose faults break things on purpose: a refused request, an answer lost after Ganeti
/// accepted, a 502, a master failover in the middle of a job, an archived job, refusals that send nothing at all.
/// </summary>
public sealed class JobsFakeRapiTests : IAsyncLifetime
{
    private readonly CancellationTokenSource _stop = new();
    private FakeRapiServer _fake = null!;
    private TestDatabase _database = null!;
    private ServiceProvider _services = null!;
    private LostAnswerRapiClientFactory _lostAnswers = null!;
    private Cluster _cluster = null!;
    private ClaimsPrincipal _admin = null!;
    private VmPowerService _power = null!;

    public async Task InitializeAsync()
    {
        _fake = await FakeRapiServer.StartAsync(new FakeClusterOptions { Instances = 6, JobStepDelay = TimeSpan.FromMilliseconds(20), JobWaitTimeout = TimeSpan.FromSeconds(2) });
        _database = await TestDatabase.CreateAsync("jobsfake");
        _services = await PortalServices.CreateAsync(
            _database,
            new Dictionary<string, string?>
            {
                ["Rapi:RequestTimeout"] = "00:00:05",
                ["Jobs:AnswerGrace"] = "00:00:00",
                ["Jobs:PollMinInterval"] = "00:00:00.100",
                ["Jobs:PollMaxInterval"] = "00:00:00.500",
            },
            services =>
            {
                var inner = services.Single(d => d.ServiceType == typeof(IGanetiRapiClientFactory));
                services.Remove(inner);
                services.AddSingleton(sp => new LostAnswerRapiClientFactory((IGanetiRapiClientFactory)inner.ImplementationFactory!(sp)));
                services.AddSingleton<IGanetiRapiClientFactory>(sp => sp.GetRequiredService<LostAnswerRapiClientFactory>());
            });
        _lostAnswers = _services.GetRequiredService<LostAnswerRapiClientFactory>();
        _cluster = await RegisterAsync("fake", readOnly: false);
        _admin = await JobsTestSupport.CreateUserAsync(_services, "admin", superuser: true);
        _power = _services.GetRequiredService<VmPowerService>();
        await SyncAsync(SyncParts.Info | SyncParts.Nodes | SyncParts.Instances | SyncParts.Runtime | SyncParts.Jobs);
        await _services.GetRequiredService<JobFollower>().StartAsync(_stop.Token);
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await _services.GetRequiredService<JobFollower>().StopAsync(CancellationToken.None);
        await _services.DisposeAsync();
        await _database.DisposeAsync();
        await _fake.DisposeAsync();
        _stop.Dispose();
    }

    [Fact]
    public async Task Start_Accepted_IntentFirstThenOneRequestCarryingTheMarker_FollowedToSuccess()
    {
        var (vmId, name) = await StoppedVmAsync();

        var result = await _power.StartAsync(_admin, vmId);

        result.Outcome.ShouldBe(VmActionOutcome.Accepted, result.Message);
        var job = await JobsTestSupport.WaitForEndAsync(_services, result.JobId!.Value);
        job.Status.ShouldBe(DomainJobStatus.Success);
        var puts = _fake.RequestLog.Where(r => r.Method == "PUT" && r.Path == $"/2/instances/{name}/startup");
        puts.Count.ShouldBe(1);
        puts[0].Query.ShouldContain("reason=" + job.Marker);
        puts[0].JobId.ShouldBe(job.GanetiJobId);
        job.CreatedAt.ShouldBeLessThanOrEqualTo(puts[0].Time, "the intent is committed before RAPI is called");
    }

    [Fact]
    public async Task Submit_RefusedWith400_Rejected_WithGanetisMessage_AndNothingRuns()
    {
        var (vmId, name) = await StoppedVmAsync();
        _fake.Faults.Add(new FaultRule { Kind = FaultKind.Status, Status = 400, Message = "Invalid body parameters: timeout must be >= 0", PathPrefix = $"/2/instances/{name}/shutdown", Times = 1 });

        var result = await _power.ShutdownAsync(_admin, vmId, ShutdownKind.Graceful);

        result.Outcome.ShouldBe(VmActionOutcome.Refused);
        result.Message.ShouldBe("Ganeti refused the request: Invalid body parameters: timeout must be >= 0.");
        var job = await JobsTestSupport.JobAsync(_services, result.JobId!.Value);
        job.Submission.ShouldBe(JobSubmission.Rejected);
        job.Status.ShouldBe(DomainJobStatus.Error);
        job.ErrorMessage.ShouldBe(result.Message);
        _fake.RequestLog.JobSubmissions.ShouldBeEmpty();
    }

    [Fact]
    public async Task Submit_QueueDrained_Rejected_WithAnExplanation()
    {
        var (vmId, _) = await StoppedVmAsync();
        _fake.Faults.Add(FaultKind.QueueDrained, times: 1);

        var result = await _power.StartAsync(_admin, vmId);

        result.Outcome.ShouldBe(VmActionOutcome.Refused);
        result.Message.ShouldStartWith("The cluster's job queue is drained");
    }

    [Fact]
    public async Task Submit_AnswerLostAfterGanetiAccepted_Unconfirmed_ThenReconciledToTheQueuedJob_WithoutASecondRequest()
    {
        var (vmId, name) = await StoppedVmAsync();
        _lostAnswers.LoseNextSubmissionAnswers();

        var result = await _power.StartAsync(_admin, vmId);

        result.Outcome.ShouldBe(VmActionOutcome.Unconfirmed);
        result.Message.ShouldContain("did not confirm");
        var pending = await JobsTestSupport.JobAsync(_services, result.JobId!.Value);
        pending.Submission.ShouldBe(JobSubmission.Pending);
        pending.GanetiJobId.ShouldBeNull();
        pending.SubmissionError.ShouldNotBeNull();

        // The next job pass finds the marker in the queue (no need to wait: finding is always safe).
        await SyncAsync(SyncParts.Jobs);

        var job = await JobsTestSupport.WaitForEndAsync(_services, pending.Id);
        job.Submission.ShouldBe(JobSubmission.Submitted);
        job.Status.ShouldBe(DomainJobStatus.Success);
        job.GanetiJobId.ShouldBe(_fake.RequestLog.JobSubmissions.Single().JobId);
        _fake.RequestLog.CountOf("PUT", $"/2/instances/{name}/startup").ShouldBe(1);
        (await CountJobsAsync(j => j.VirtualMachineId == vmId)).ShouldBe(1, "no second row for the same job");
    }

    [Fact]
    public async Task Submit_AnswerGarbledAfterAccept_Unconfirmed_ThenReconciled_OneRequest()
    {
        var (vmId, name) = await StoppedVmAsync();
        _fake.Faults.Add(new FaultRule { Kind = FaultKind.MalformedJson, PathPrefix = $"/2/instances/{name}/startup", Times = 1 });

        var result = await _power.StartAsync(_admin, vmId);

        result.Outcome.ShouldBe(VmActionOutcome.Unconfirmed);
        await SyncAsync(SyncParts.Jobs);
        var job = await JobsTestSupport.WaitForEndAsync(_services, result.JobId!.Value);
        job.Status.ShouldBe(DomainJobStatus.Success);
        _fake.RequestLog.CountOf("PUT", $"/2/instances/{name}/startup").ShouldBe(1);
    }

    [Fact]
    public async Task Reconcile_ActionWithoutMarker_AnswerLost_MatchedByItsOpcodeAndTime_NeverSentTwice()
    {
        var (vmId, name) = await StoppedVmAsync();
        var vm = await VmAsync(vmId);
        _lostAnswers.LoseNextSubmissionAnswers();

        var result = await _services.GetRequiredService<JobSubmitter>()
            .SubmitAsync(JobActionTarget.For(vm), new ReinstallInstance(name, Os: null, Start: false), JobRequester.Portal);

        result.Submission.ShouldBe(JobSubmission.Pending);
        _fake.RequestLog.CountOf("POST", $"/2/instances/{name}/reinstall").ShouldBe(1);
        _fake.RequestLog.Where(r => r.Path == $"/2/instances/{name}/reinstall").Single().Query.ShouldBeEmpty("RAPI refuses a reason with this body");

        // Without a marker, discovery first records the job as started outside the portal...
        await SyncAsync(SyncParts.Jobs);
        var ganetiId = _fake.RequestLog.JobSubmissions.Single().JobId!.Value;
        (await Query(db => db.Jobs.SingleAsync(j => j.GanetiJobId == ganetiId))).Source.ShouldBe(JobSource.Outside);

        // ...and once the call can no longer be answered, the reconciler recognises it as the intent's job.
        await AgeAsync(result.JobId!.Value, TimeSpan.FromSeconds(6));
        await SyncAsync(SyncParts.Jobs);

        var job = await JobsTestSupport.WaitForEndAsync(_services, result.JobId.Value);
        job.GanetiJobId.ShouldBe(ganetiId);
        job.Status.ShouldBe(DomainJobStatus.Success, job.ErrorMessage);
        (await CountJobsAsync(j => j.GanetiJobId == ganetiId)).ShouldBe(1, "the outside row is folded into the intent");
        _fake.RequestLog.CountOf("POST", $"/2/instances/{name}/reinstall").ShouldBe(1);
    }

    [Fact]
    public async Task Submit_502_Unconfirmed_NotResentBeforeTheAnswerCouldStillCome_ThenSentOnce()
    {
        var (vmId, name) = await StoppedVmAsync();
        _fake.Faults.Add(new FaultRule { Kind = FaultKind.Status, Status = 502, PathPrefix = $"/2/instances/{name}/startup", Times = 1 });

        var result = await _power.StartAsync(_admin, vmId);

        result.Outcome.ShouldBe(VmActionOutcome.Unconfirmed);
        await SyncAsync(SyncParts.Jobs);
        _fake.RequestLog.CountOf("PUT", $"/2/instances/{name}/startup").ShouldBe(1, "within the request timeout nothing is sent again");
        (await JobsTestSupport.JobAsync(_services, result.JobId!.Value)).Submission.ShouldBe(JobSubmission.Pending);

        await AgeAsync(result.JobId.Value, TimeSpan.FromSeconds(6));
        await SyncAsync(SyncParts.Jobs);

        var job = await JobsTestSupport.WaitForEndAsync(_services, result.JobId.Value);
        job.Status.ShouldBe(DomainJobStatus.Success);
        job.SubmissionAttempts.ShouldBe(2);
        _fake.RequestLog.CountOf("PUT", $"/2/instances/{name}/startup").ShouldBe(2);
        _fake.RequestLog.JobSubmissions.Count.ShouldBe(1, "one job for one intent");

        await AgeAsync(result.JobId.Value, TimeSpan.FromMinutes(1));
        await SyncAsync(SyncParts.Jobs);
        _fake.RequestLog.CountOf("PUT", $"/2/instances/{name}/startup").ShouldBe(2, "a submitted intent is never sent again");
    }

    [Fact]
    public async Task Reconcile_SecondAttemptUnanswered_GivesUp_NeverAThird()
    {
        var (vmId, name) = await StoppedVmAsync();
        _fake.Faults.Add(new FaultRule { Kind = FaultKind.DropConnection, PathPrefix = $"/2/instances/{name}/startup", Times = 2 });

        var result = await _power.StartAsync(_admin, vmId);
        await AgeAsync(result.JobId!.Value, TimeSpan.FromSeconds(6));
        await SyncAsync(SyncParts.Jobs); // second attempt, dropped too
        await AgeAsync(result.JobId.Value, TimeSpan.FromSeconds(6));
        await SyncAsync(SyncParts.Jobs);

        var job = await JobsTestSupport.JobAsync(_services, result.JobId.Value);
        job.Submission.ShouldBe(JobSubmission.Abandoned);
        job.Status.ShouldBe(DomainJobStatus.Unknown);
        job.ErrorMessage.ShouldBe("The request was sent twice without leaving a job in the cluster's queue; it is not sent again.");
        _fake.RequestLog.CountOf("PUT", $"/2/instances/{name}/startup").ShouldBe(2);
    }

    [Fact]
    public async Task Reconcile_IntentOlderThanResendWithin_GivenUp_NothingSent()
    {
        var (vmId, name) = await StoppedVmAsync();
        var intent = await PendingIntentAsync(new StartInstance(name), JobActionTarget.For(await VmAsync(vmId)), age: TimeSpan.FromHours(1));

        await SyncAsync(SyncParts.Jobs);

        var job = await JobsTestSupport.JobAsync(_services, intent);
        job.Submission.ShouldBe(JobSubmission.Abandoned);
        job.ErrorMessage.ShouldNotBeNull().ShouldContain("older than 15 minutes");
        _fake.RequestLog.CountOf("PUT", $"/2/instances/{name}/startup").ShouldBe(0);
    }

    [Fact]
    public async Task Reconcile_CreateWhoseInstanceExists_NeverSentAgain_Abandoned()
    {
        var existing = _fake.Cluster.InstanceNames[0];
        var intent = await PendingIntentAsync(
            new CreateInstance(new CreateInstanceRequest { Name = existing, DiskTemplate = "diskless", OsType = "noop", Nics = [] }),
            new JobActionTarget(_cluster.Id, JobTargetKind.VirtualMachine, existing),
            age: TimeSpan.FromSeconds(30));

        await SyncAsync(SyncParts.Jobs);

        var job = await JobsTestSupport.JobAsync(_services, intent);
        job.Submission.ShouldBe(JobSubmission.Abandoned);
        job.ErrorMessage.ShouldNotBeNull().ShouldContain($"an instance named {existing} exists");
        _fake.RequestLog.CountOf("POST", "/2/instances").ShouldBe(0);
    }

    [Fact]
    public async Task Reconcile_CreateLostBeforeTheCall_InstanceAbsent_SentOnce()
    {
        var intent = await PendingIntentAsync(
            new CreateInstance(new CreateInstanceRequest { Name = "jbnew1", DiskTemplate = "diskless", OsType = "noop", Nics = [new NicDefinition()], PrimaryNode = _fake.Cluster.NodeNames[0] }),
            new JobActionTarget(_cluster.Id, JobTargetKind.VirtualMachine, "jbnew1"),
            age: TimeSpan.FromSeconds(30));

        await SyncAsync(SyncParts.Jobs);

        var job = await JobsTestSupport.WaitForEndAsync(_services, intent);
        job.Status.ShouldBe(DomainJobStatus.Success, job.ErrorMessage);
        _fake.RequestLog.CountOf("POST", "/2/instances").ShouldBe(1);
        _fake.Cluster.FindInstance("jbnew1").ShouldNotBeNull();
    }

    [Fact]
    public async Task Follow_MasterFailoverWhileTheJobRuns_EndsInError_DecodedAsTheFailover()
    {
        // A cluster whose jobs take long enough for the master to go in the middle of one.
        await using var slow = await FakeRapiServer.StartAsync(new FakeClusterOptions { Instances = 1, JobStepDelay = TimeSpan.FromSeconds(2) });
        var cluster = await RegisterAsync("slow", readOnly: false, slow);
        var name = slow.Cluster.InstanceNames[0];
        slow.Cluster.ShutdownInstances([name]);
        await SyncAsync(SyncParts.Nodes | SyncParts.Instances | SyncParts.Runtime, cluster.Id);
        var vmId = await Query(db => db.VirtualMachines.Where(v => v.ClusterId == cluster.Id && v.Name == name).Select(v => v.Id).SingleAsync());

        var result = await _power.StartAsync(_admin, vmId);
        result.Outcome.ShouldBe(VmActionOutcome.Accepted, result.Message);
        var ganetiId = (await JobsTestSupport.JobAsync(_services, result.JobId!.Value)).GanetiJobId!.Value;
        await WaitForFakeJobAsync(slow, ganetiId, "running");

        // Ganeti kills the running job with NoMasterError, and RAPI is silent while the master moves.
        slow.FailoverMaster(TimeSpan.FromSeconds(3));

        var job = await JobsTestSupport.WaitForEndAsync(_services, result.JobId.Value, TimeSpan.FromSeconds(30));
        job.Status.ShouldBe(DomainJobStatus.Error);
        job.ErrorClass.ShouldBe("NoMasterError");
        job.ErrorMessage.ShouldNotBeNull().ShouldStartWith("The job was stopped because the cluster's master node changed while it was running.");
        job.GanetiJobId.ShouldBe(ganetiId);
        slow.RequestLog.CountOf("PUT", $"/2/instances/{name}/startup").ShouldBe(1, "a failed job is reported, never retried behind the user's back");
    }

    [Fact]
    public async Task Follow_JobArchivedBeforeItWasSeenToEnd_Unknown()
    {
        var (vmId, _) = await StoppedVmAsync();
        _fake.Cluster.Jobs.Hold();
        var result = await _power.StartAsync(_admin, vmId);
        var ganetiId = (await JobsTestSupport.WaitForAsync(_services, result.JobId!.Value, j => j.GanetiJobId is not null, TimeSpan.FromSeconds(10), "get its id")).GanetiJobId!.Value;
        // Ganeti forgets archived jobs: RAPI answers as for a job that never existed.
        _fake.Faults.Add(new FaultRule { Kind = FaultKind.Status, Status = 404, PathPrefix = $"/2/jobs/{ganetiId}" });

        var job = await JobsTestSupport.WaitForEndAsync(_services, result.JobId.Value);
        _fake.Cluster.Jobs.Release();

        job.Status.ShouldBe(DomainJobStatus.Unknown);
        job.ErrorMessage.ShouldBe("Ganeti no longer knows this job: it was archived before the portal saw it end. Check the object's state.");
    }

    [Fact]
    public async Task Follow_LongJob_LogLinesArriveWhileItRuns_AndEachChangeIsPushed()
    {
        var (vmId, _) = await StoppedVmAsync();
        var pushed = 0;
        using var _ = _services.GetRequiredService<GanetiWebManager.Web.Features.LiveUpdates.LiveUpdateHub>().Subscribe(c => c is GanetiWebManager.Web.Features.LiveUpdates.JobChanged { VirtualMachineId: var id } && id == vmId && Interlocked.Increment(ref pushed) > 0, () => Task.CompletedTask);

        (await _power.StartAsync(_admin, vmId)).Outcome.ShouldBe(VmActionOutcome.Accepted);
        await JobsTestSupport.WaitForAsync(_services, (await Query(db => db.Jobs.OrderBy(j => j.Id).LastAsync())).Id, j => j.IsFinished, TimeSpan.FromSeconds(30), "end");

        var result = await _power.RebootAsync(_admin, vmId, RebootKind.Hard);

        var job = await JobsTestSupport.WaitForEndAsync(_services, result.JobId!.Value);
        job.Status.ShouldBe(DomainJobStatus.Success);
        job.StartedAt.ShouldNotBeNull();
        job.EndedAt.ShouldNotBeNull();
        pushed.ShouldBeGreaterThanOrEqualTo(3, "recorded, submitted, running/ended: open pages hear of each");
    }

    [Fact]
    public async Task Refused_ReadOnlyCluster_NoRequestAtAll()
    {
        var readOnly = await RegisterAsync("fake-ro", readOnly: true);
        var vm = new VirtualMachine { ClusterId = readOnly.Id, Name = "mirrored1", Status = "ADMIN_down" };
        await using (var db = await Db())
        {
            db.VirtualMachines.Add(vm);
            await db.SaveChangesAsync();
        }

        var before = _fake.RequestLog.Count;

        var result = await _power.StartAsync(_admin, vm.Id);

        result.Outcome.ShouldBe(VmActionOutcome.Refused);
        result.Message.ShouldBe("Cluster fake-ro is read-only: the portal mirrors it but changes nothing there.");
        _fake.RequestLog.Count.ShouldBe(before);
        (await CountJobsAsync(j => j.VirtualMachineId == vm.Id)).ShouldBe(0);
    }

    [Fact]
    public async Task Refused_NotASuperuser_OrNoLongerOne_NoRequestAtAll()
    {
        var (vmId, _) = await StoppedVmAsync();
        var alice = await JobsTestSupport.CreateUserAsync(_services, "alice", superuser: false);
        var before = _fake.RequestLog.Count;

        (await _power.StartAsync(alice, vmId)).Message.ShouldBe("You do not have the power permission on this virtual machine.");
        (await _power.StartAsync(new ClaimsPrincipal(new ClaimsIdentity()), vmId)).Outcome.ShouldBe(VmActionOutcome.Refused);

        _fake.RequestLog.Count.ShouldBe(before);
        (await CountJobsAsync(j => j.VirtualMachineId == vmId)).ShouldBe(0);
    }

    [Fact]
    public async Task Refused_VmPendingDeleteOrMissing_OrAnotherActionRunning_NoRequest()
    {
        var (vmId, _) = await StoppedVmAsync();
        await using (var db = await Db())
        {
            await db.VirtualMachines.Where(v => v.Id == vmId).ExecuteUpdateAsync(u => u.SetProperty(v => v.PendingDelete, true));
        }

        var before = _fake.RequestLog.Count;
        (await _power.StartAsync(_admin, vmId)).Message.ShouldEndWith("is being deleted.");
        await using (var db = await Db())
        {
            await db.VirtualMachines.Where(v => v.Id == vmId).ExecuteUpdateAsync(u => u.SetProperty(v => v.PendingDelete, false).SetProperty(v => v.MissingSince, DateTimeOffset.UnixEpoch));
        }

        (await _power.StartAsync(_admin, vmId)).Message.ShouldContain("no longer exists in Ganeti");
        // A VM that does not exist is refused like one the user may not touch: ids reveal nothing.
        (await _power.StartAsync(_admin, 999_999)).Outcome.ShouldBe(VmActionOutcome.Refused);
        _fake.RequestLog.Count.ShouldBe(before);

        var (other, _) = await StoppedVmAsync();
        _fake.Cluster.Jobs.Hold();
        (await _power.StartAsync(_admin, other)).Outcome.ShouldBe(VmActionOutcome.Accepted);
        var second = await _power.StartAsync(_admin, other);
        _fake.Cluster.Jobs.Release();
        second.Outcome.ShouldBe(VmActionOutcome.Refused);
        second.Message.ShouldContain("has not finished yet (Start, job");
        _fake.RequestLog.JobSubmissions.Count.ShouldBe(1);
    }

    [Fact]
    public async Task Discovery_JobsStartedOutside_AttachedToTheirVmNodeOrCluster_FollowedToTheEnd()
    {
        using var outside = OutsideClient();
        var vmName = _fake.Cluster.InstanceNames[1];
        var node = _fake.Cluster.NodeNames[1];
        var reboot = await outside.RebootInstanceAsync(vmName);
        var role = await outside.AddNodeTagsAsync(node, ["site:rack2"]);
        var redist = await outside.RedistributeConfigAsync();

        await SyncAsync(SyncParts.Jobs);

        var rows = await Query(db => db.Jobs.Where(j => j.Source == JobSource.Outside).ToListAsync());
        var vmRow = rows.Single(r => r.GanetiJobId == reboot.Value);
        vmRow.TargetKind.ShouldBe(JobTargetKind.VirtualMachine);
        vmRow.VirtualMachineId.ShouldBe((await Query(db => db.VirtualMachines.SingleAsync(v => v.Name == vmName))).Id);
        vmRow.Operation.ShouldBe(JobOperations.InstanceReboot);
        var nodeRow = rows.Single(r => r.GanetiJobId == role.Value);
        nodeRow.TargetKind.ShouldBe(JobTargetKind.Node);
        nodeRow.NodeId.ShouldBe((await Query(db => db.Nodes.SingleAsync(n => n.Name == node))).Id);
        nodeRow.Operation.ShouldBe("tags.set");
        var clusterRow = rows.Single(r => r.GanetiJobId == redist.Value);
        clusterRow.TargetKind.ShouldBe(JobTargetKind.Cluster);
        clusterRow.TargetName.ShouldBe("fake");

        foreach (var row in new[] { vmRow, nodeRow, clusterRow })
        {
            (await JobsTestSupport.WaitForEndAsync(_services, row.Id)).Status.ShouldBe(DomainJobStatus.Success);
        }

        await SyncAsync(SyncParts.Jobs);
        (await CountJobsAsync(j => j.Source == JobSource.Outside)).ShouldBe(rows.Count, "each job is recorded once");
    }

    [Fact]
    public async Task Discovery_OutsideCreate_LinkedToItsVmOnceTheSyncMirrorsIt()
    {
        using var outside = OutsideClient();
        var create = await outside.CreateInstanceAsync(new CreateInstanceRequest
        {
            Name = "jbout1", DiskTemplate = "diskless", OsType = "noop", Nics = [new NicDefinition()], PrimaryNode = _fake.Cluster.NodeNames[0], Start = false,
        });

        await SyncAsync(SyncParts.Jobs);
        var rows = await Query(db => db.Jobs.Select(j => $"{j.Id}:{j.GanetiJobId}:{j.Operation}:{j.TargetName}").ToListAsync());
        var row = (await Query(db => db.Jobs.SingleOrDefaultAsync(j => j.GanetiJobId == create.Value)))
            .ShouldNotBeNull($"job {create} among {string.Join(", ", rows)}; log: {string.Join(" | ", _fake.RequestLog.Entries.Select(e => e.Method + " " + e.Path + e.Query + " " + e.Status))}");
        row.Operation.ShouldBe(JobOperations.InstanceCreate);
        row.TargetName.ShouldBe("jbout1");
        row.VirtualMachineId.ShouldBeNull("the VM is not mirrored yet");
        await JobsTestSupport.WaitForEndAsync(_services, row.Id);

        await SyncAsync(SyncParts.Instances);
        await SyncAsync(SyncParts.Jobs);

        (await JobsTestSupport.JobAsync(_services, row.Id)).VirtualMachineId
            .ShouldBe(await Query(db => db.VirtualMachines.Where(v => v.Name == "jbout1").Select(v => (long?)v.Id).SingleAsync()));
    }

    [Fact]
    public async Task Discovery_NodeEvacuation_ChildJobsRecordedUnderTheParent_AndFollowed()
    {
        using var outside = OutsideClient();
        var node = _fake.Cluster.NodeNames[1];
        // Only instances that can move: the generated ones include node-local "file" disks, which block an evacuation.
        _fake.Cluster.RemoveInstances(_fake.Cluster.InstanceNames.Where(n => _fake.Cluster.GetInstance(n).PrimaryNode == node).ToList());
        foreach (var name in new[] { "jbev1", "jbev2" })
        {
            var created = await outside.WaitForJobCompletionAsync(await outside.CreateInstanceAsync(new CreateInstanceRequest
            {
                Name = name, DiskTemplate = "sharedfile", Hypervisor = "fake", OsType = "sandbox+default", PrimaryNode = node,
                Disks = [new DiskDefinition { Size = 1024 }], Nics = [new NicDefinition()],
            }));
            created.Status.ShouldBe(Rapi.Models.JobStatus.Success, created.GetFailure()?.ToUserMessage());
        }

        await SyncAsync(SyncParts.Instances | SyncParts.Jobs);
        var evacuate = await outside.EvacuateNodeAsync(node, new EvacuateNodeRequest { Mode = NodeEvacuationMode.PrimaryOnly, IAllocator = "hail" });

        await SyncAsync(SyncParts.Jobs);
        var parent = await Query(db => db.Jobs.SingleAsync(j => j.GanetiJobId == evacuate.Value));
        parent.Operation.ShouldBe("node.evacuate");
        await JobsTestSupport.WaitForEndAsync(_services, parent.Id);

        var evacuated = await outside.GetJobAsync(evacuate);
        evacuated.Status.ShouldBe(Rapi.Models.JobStatus.Success, evacuated.GetFailure()?.ToUserMessage());
        var expected = evacuated.GetChildJobs().Where(c => c.Submitted).Select(c => c.JobId!.Value.Value).ToList();
        expected.ShouldNotBeEmpty($"the fake's node has primaries to move: {string.Join(", ", evacuated.OpResult.Select(r => r.GetRawText()))}");
        var children = await Query(db => db.Jobs.Where(j => j.ParentJobId == parent.Id).ToListAsync());
        children.Select(c => c.GanetiJobId!.Value).Order().ShouldBe(expected.Order());
        foreach (var child in children)
        {
            (await JobsTestSupport.WaitForEndAsync(_services, child.Id)).Status.ShouldBe(DomainJobStatus.Success);
            child.TargetKind.ShouldBe(JobTargetKind.VirtualMachine);
        }
    }

    // ---- helpers

    private GanetiRapiClient OutsideClient() => new GanetiRapiClient(new RapiClientOptions
    {
        BaseUrl = _fake.BaseUrl,
        User = _fake.WriteUser.Name,
        Password = _fake.WriteUser.Password,
        CertificateSha256 = _fake.CertificateSha256,
    });

    private static async Task WaitForFakeJobAsync(FakeRapiServer fake, long id, string status)
    {
        for (var i = 0; i < 500 && fake.Cluster.Jobs.Find(id)?.Status != status; i++)
        {
            await Task.Delay(10);
        }

        fake.Cluster.Jobs.Find(id)?.Status.ShouldBe(status);
    }

    private async Task<Cluster> RegisterAsync(string slug, bool readOnly, FakeRapiServer? server = null)
    {
        var fake = server ?? _fake;
        var connector = _services.GetRequiredService<ClusterConnector>();
        var cluster = new Cluster
        {
            Slug = slug,
            // A read-only registration is never contacted; its own host name keeps the registry's (host, port) unique.
            Hostname = readOnly ? "localhost" : fake.BaseUrl.Host,
            Port = fake.BaseUrl.Port,
            RapiUsername = readOnly ? null : fake.WriteUser.Name,
            RapiPasswordProtected = readOnly ? null : connector.ProtectPassword(fake.WriteUser.Password),
            CertificateSha256 = fake.CertificateSha256,
            CreatedAt = TimeProvider.System.GetUtcNow(),
        };
        await using var db = await Db();
        db.Clusters.Add(cluster);
        await db.SaveChangesAsync();
        return cluster;
    }

    /// <summary>A VM of the fake, stopped, mirrored in the portal.</summary>
    private async Task<(long Id, string Name)> StoppedVmAsync()
    {
        var name = _fake.Cluster.AddInstances(1)[0];
        _fake.Cluster.ShutdownInstances([name]);
        await SyncAsync(SyncParts.Instances | SyncParts.Runtime);
        return (await Query(db => db.VirtualMachines.Where(v => v.Name == name).Select(v => v.Id).SingleAsync()), name);
    }

    private Task<VirtualMachine> VmAsync(long id) => Query(db => db.VirtualMachines.AsNoTracking().SingleAsync(v => v.Id == id));

    /// <summary>An intent as a crash before its RAPI call leaves it, recorded <paramref name="age"/> ago.</summary>
    private async Task<long> PendingIntentAsync(JobAction action, JobActionTarget target, TimeSpan age)
    {
        var at = TimeProvider.System.GetUtcNow() - age;
        var job = new Job
        {
            ClusterId = target.ClusterId,
            Source = JobSource.Portal,
            Operation = action.Operation,
            Request = action.ToJson(),
            Submission = JobSubmission.Pending,
            Status = DomainJobStatus.Pending,
            TargetKind = target.Kind,
            VirtualMachineId = target.VirtualMachineId,
            TargetName = target.Name,
            CreatedAt = at,
            SubmissionAttempts = 1,
            LastAttemptAt = at,
        };
        await using var db = await Db();
        db.Jobs.Add(job);
        await db.SaveChangesAsync();
        job.Marker = JobMarkers.Create(job.Id);
        await db.SaveChangesAsync();
        return job.Id;
    }

    /// <summary>Moves an intent's last attempt into the past, as if that much time had gone by.</summary>
    private async Task AgeAsync(long jobId, TimeSpan by)
    {
        await using var db = await Db();
        var job = await db.Jobs.SingleAsync(j => j.Id == jobId);
        job.LastAttemptAt -= by;
        job.CreatedAt -= by;
        await db.SaveChangesAsync();
    }

    private async Task SyncAsync(SyncParts parts, int? clusterId = null)
    {
        var result = await _services.GetRequiredService<ClusterSynchronizer>().SyncAsync(clusterId ?? _cluster.Id, parts, CancellationToken.None);
        result.Succeeded.ShouldBeTrue(result.Failure?.Message);
    }

    private Task<int> CountJobsAsync(System.Linq.Expressions.Expression<Func<Job, bool>> where) => Query(db => db.Jobs.CountAsync(where));

    private async Task<AppDbContext> Db() => await _services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();

    private async Task<T> Query<T>(Func<AppDbContext, Task<T>> query)
    {
        await using var db = await Db();
        return await query(db);
    }
}
