using System.Text.Json;
using GanetiWebManager.Rapi.Models;
using GanetiWebManager.Web.Domain.Jobs;
using GanetiWebManager.Web.Features.Jobs;
using DomainJobStatus = GanetiWebManager.Web.Domain.Jobs.JobStatus;

namespace GanetiWebManager.Web.Tests.Features.Jobs;

public sealed class JobMirrorTests
{
    // Shapes as Ganeti 3.0.2 sends them (rapi.md §3.6 and the sandbox).
    private const string Running = """
        {"id": 265, "status": "running", "summary": ["INSTANCE_STARTUP(web1)"],
         "ops": [{"OP_ID": "OP_INSTANCE_STARTUP", "instance_name": "web1",
                  "reason": [["gnt:user", "gwm-7-0a1b2c3d4e5f", 1795243058872153856], ["gnt:library:rlib2:instances_name_startup", "", 1795243058872166912]]}],
         "opstatus": ["running"], "opresult": [null],
         "oplog": [[[1, [1714000001, 123456], "message", "* checking disk consistency"]]],
         "received_ts": [1714000000, 10234], "start_ts": [1714000000, 52011], "end_ts": null}
        """;

    private const string FailedPrereq = """
        {"id": 270, "status": "error", "summary": ["INSTANCE_STARTUP(web1)"],
         "ops": [{"OP_ID": "OP_INSTANCE_STARTUP", "instance_name": "web1"}],
         "opstatus": ["error"],
         "opresult": [["OpPrereqError", ["Instance 'web1' is marked to be offline", "wrong_state"]]],
         "oplog": [[[1, [1714000001, 123456], "message", "* checking disk consistency"], [2, [1714000002, 5], "message", "starting"]]],
         "received_ts": [1714000000, 10234], "start_ts": [1714000000, 52011], "end_ts": [1714000002, 99]}
        """;

    private const string PartialReinstall = """
        {"id": 300, "status": "error", "summary": ["INSTANCE_SHUTDOWN(web1)", "INSTANCE_REINSTALL(web1)", "INSTANCE_STARTUP(web1)"],
         "ops": [{"OP_ID": "OP_INSTANCE_SHUTDOWN", "instance_name": "web1"}, {"OP_ID": "OP_INSTANCE_REINSTALL", "instance_name": "web1"}, {"OP_ID": "OP_INSTANCE_STARTUP", "instance_name": "web1"}],
         "opstatus": ["success", "error", "error"],
         "opresult": [null, ["OpExecError", ["Could not install OS for instance web1: os create script failed"]], ["OpExecError", ["Preceding opcode failed"]]],
         "oplog": [[], [], []], "received_ts": [1714000000, 0], "start_ts": [1714000000, 1], "end_ts": [1714000009, 0]}
        """;

    private const string NoMaster = """
        {"id": 91, "status": "error", "summary": ["INSTANCE_CREATE(slow1)"],
         "ops": [{"OP_ID": "OP_INSTANCE_CREATE", "instance_name": "slow1"}],
         "opstatus": ["error"], "opresult": [["NoMasterError", ["/var/run/ganeti/socket/ganeti-wconfd"]]],
         "oplog": [[]], "received_ts": [1714000000, 0], "start_ts": [1714000000, 1], "end_ts": [1714000020, 0]}
        """;

    private const string Canceled = """
        {"id": 92, "status": "canceled", "summary": ["INSTANCE_SHUTDOWN(web1)"],
         "ops": [{"OP_ID": "OP_INSTANCE_SHUTDOWN", "instance_name": "web1"}],
         "opstatus": ["canceled"], "opresult": ["Job canceled by request"],
         "oplog": [[]], "received_ts": [1714000000, 0], "start_ts": null, "end_ts": [1714000001, 0]}
        """;

    private static JobInfo Parse(string json) => JsonSerializer.Deserialize<JobInfo>(json)!;

    private static Job NewRow() => new() { Operation = JobOperations.InstanceStartup, Status = DomainJobStatus.Queued };

    [Fact]
    public void Apply_RunningJob_CopiesStatusOpsSummaryTimesAndLog()
    {
        var job = NewRow();

        JobMirror.Apply(job, Parse(Running), complete: true).ShouldBeTrue();

        job.Status.ShouldBe(DomainJobStatus.Running);
        job.OpIds.ShouldBe(["OP_INSTANCE_STARTUP"]);
        job.Summary.ShouldBe(["INSTANCE_STARTUP(web1)"]);
        job.ReceivedAt.ShouldBe(DateTimeOffset.FromUnixTimeSeconds(1714000000).AddTicks(102340));
        job.StartedAt.ShouldNotBeNull();
        job.EndedAt.ShouldBeNull();
        job.LastLogSerial.ShouldBe(1);
        JobLog.Parse(job.Log).Single().Message.ShouldBe("* checking disk consistency");
        job.Result.ShouldBeNull("a running job has no result yet");
        job.ErrorMessage.ShouldBeNull();
    }

    [Fact]
    public void Apply_SameAnswerTwice_ChangesNothingTheSecondTime()
    {
        var job = NewRow();
        JobMirror.Apply(job, Parse(FailedPrereq), complete: true);
        var log = job.Log;

        JobMirror.Apply(job, Parse(FailedPrereq), complete: true).ShouldBeFalse();
        job.Log.ShouldBe(log, "log lines already kept are not appended again");
    }

    [Fact]
    public void Apply_PrerequisiteFailure_DecodesClassCodeAndSentence()
    {
        var job = NewRow();

        JobMirror.Apply(job, Parse(FailedPrereq), complete: true);

        job.Status.ShouldBe(DomainJobStatus.Error);
        job.ErrorClass.ShouldBe("OpPrereqError");
        job.ErrorCode.ShouldBe("wrong_state");
        job.ErrorMessage.ShouldBe("Ganeti refused the request: Instance 'web1' is marked to be offline (the object is not in a state that allows this; try again once it has changed).");
        job.EndedAt.ShouldNotBeNull();
        job.Result.ShouldNotBeNull().ShouldContain("wrong_state");
        JobLog.Parse(job.Log).Select(l => l.Serial).ShouldBe([1L, 2L]);
    }

    [Fact]
    public void Apply_FailureAfterASuccessfulStep_SaysPartOfTheChangeWasMade()
    {
        var job = NewRow();

        JobMirror.Apply(job, Parse(PartialReinstall), complete: true);

        job.ErrorClass.ShouldBe("OpExecError");
        job.ErrorMessage.ShouldBe("The operation failed while running: Could not install OS for instance web1: os create script failed. " +
                                  "Earlier steps of the job had already completed, so part of the change was made.");
    }

    [Fact]
    public void Apply_JobKilledByAMasterFailover_ExplainsTheFailover()
    {
        var job = NewRow();

        JobMirror.Apply(job, Parse(NoMaster), complete: true);

        job.ErrorClass.ShouldBe("NoMasterError");
        job.ErrorMessage.ShouldNotBeNull().ShouldStartWith("The job was stopped because the cluster's master node changed while it was running.");
        job.ErrorMessage.ShouldNotContain("/var/run");
    }

    [Fact]
    public void Apply_CanceledJob_SaysItWasCancelled()
    {
        var job = NewRow();

        JobMirror.Apply(job, Parse(Canceled), complete: true);

        job.Status.ShouldBe(DomainJobStatus.Canceled);
        job.ErrorClass.ShouldBe("Canceled");
        job.ErrorMessage.ShouldBe("The job was cancelled before it finished.");
    }

    [Fact]
    public void Apply_FromTheBulkListing_LeavesLogAndResultForTheFollower()
    {
        var job = NewRow();

        JobMirror.Apply(job, Parse(FailedPrereq), complete: false).ShouldBeTrue();

        job.Status.ShouldBe(DomainJobStatus.Error);
        job.Log.ShouldBe("[]");
        job.ErrorMessage.ShouldBeNull();
    }

    [Fact]
    public void AppendLog_OnlyLinesAfterTheLastSerial_InOrder()
    {
        var job = NewRow();
        var t = DateTimeOffset.FromUnixTimeSeconds(1714000000);
        JobMirror.AppendLog(job, [new JobLogEntry(2, t, "message", "b"), new JobLogEntry(1, t, "message", "a")]).ShouldBeTrue();

        JobMirror.AppendLog(job, [new JobLogEntry(2, t, "message", "b"), new JobLogEntry(3, t, "message", "c")]).ShouldBeTrue();
        JobMirror.AppendLog(job, [new JobLogEntry(3, t, "message", "c")]).ShouldBeFalse();

        JobLog.Parse(job.Log).Select(l => l.Message).ShouldBe(["a", "b", "c"]);
        job.LastLogSerial.ShouldBe(3);
    }

    [Fact]
    public void MarkersFindIn_ReadsThePortalMarkerFromTheReasonTrail()
    {
        JobMarkers.FindIn(Parse(Running)).ShouldBe(["gwm-7-0a1b2c3d4e5f"]);
        JobMarkers.FindIn(Parse(FailedPrereq)).ShouldBeEmpty();
    }

    [Fact]
    public void IsSpawnedByAnotherJob_ChildOfAnEvacuation_CarriesItsParentsTrail()
    {
        // Ganeti copies the parent's reason trail (and so the portal's marker) into the jobs a node evacuation submits.
        var child = Parse("""
            {"id": 49, "status": "running", "summary": ["INSTANCE_MIGRATE(web1)"],
             "ops": [{"OP_ID": "OP_INSTANCE_MIGRATE", "instance_name": "web1", "comment": "Submitted by OP_NODE_EVACUATE",
                      "reason": [["gnt:user", "gwm-7-0a1b2c3d4e5f", 1], ["gnt:library:rlib2:nodes_name_evacuate", "", 2],
                                 ["gnt:opcode:node_evacuate", "job=48;index=0", 3], ["gnt:opcode:instance_migrate", "job=49;index=0", 4]]}]}
            """);

        JobMarkers.IsSpawnedByAnotherJob(child).ShouldBeTrue();
        JobMarkers.FindIn(child).ShouldBe(["gwm-7-0a1b2c3d4e5f"]);
        JobMarkers.IsSpawnedByAnotherJob(Parse(Running)).ShouldBeFalse();
    }

    [Fact]
    public void MarkersCreate_CarriesTheJobIdAndIsNeverRepeated()
    {
        var markers = Enumerable.Range(0, 1000).Select(_ => JobMarkers.Create(42)).ToList();

        markers.ShouldAllBe(m => m.StartsWith("gwm-42-") && m.Length == "gwm-42-".Length + 12);
        markers.Distinct().Count().ShouldBe(1000);
    }
}
