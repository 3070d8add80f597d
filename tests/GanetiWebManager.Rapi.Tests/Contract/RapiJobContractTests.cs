using System.Text.Json;
using GanetiWebManager.Rapi.Models;
using GanetiWebManager.Rapi.Requests;
using Xunit.Abstractions;

namespace GanetiWebManager.Rapi.Tests.Contract;

/// <summary>
/// Jobs as the portal follows them: the long-poll round by round to success and to error, its quirks (an unknown
/// field nulls every value; a finalized job answers at once), the job list with the reason trail the outbox matches on,
/// cancelling.
/// </summary>
public abstract class RapiJobContractTests(IRapiContractTarget target, ITestOutputHelper output)
    : RapiContractTestBase(target, output)
{
    [Fact]
    public async Task WaitForJobChangeAsync_RoundByRound_ReachesSuccessWithEveryLogLineOnce()
    {
        var name = NewInstanceName();
        var id = await Client.CreateInstanceAsync(FakeFileInstance(name, Target.SmallDiskSize));

        var (statuses, serials) = await FollowAsync(id);

        statuses[^1].ShouldBe("success");
        statuses.ShouldBeSubsetOf(["queued", "waiting", "running", "success"]);
        serials.ShouldNotBeEmpty();
        serials.ShouldBeUnique();
        serials.ShouldBeInOrder();
        var job = await Client.GetJobAsync(id);
        job.LogEntries.Select(e => e.Serial).ShouldBe(serials);
    }

    [Fact]
    public async Task WaitForJobChangeAsync_RoundByRound_ReachesErrorOfAFailingJob()
    {
        var name = NewInstanceName();
        var id = await Client.CreateInstanceAsync(FakeFileInstance(name, Target.SmallDiskSize) with { OsParams = Target.FailingOsParams });

        var (statuses, serials) = await FollowAsync(id);

        statuses[^1].ShouldBe("error");
        serials.ShouldBeUnique();
        var job = await Client.GetJobAsync(id);
        job.Status.ShouldBe(JobStatus.Error);
        job.OpStatus.ShouldBe([JobStatus.Error]);
        job.OpResult[0][0].GetString().ShouldBe("OpExecError");
        job.GetFailure()!.Message.ShouldContain("OS create script failed");
        job.EndedAt.ShouldNotBeNull();
    }

    [Fact]
    public async Task WaitForJobChangeAsync_FinalizedJobAndSameInfo_AnswersAtOnceWithoutLogs()
    {
        var job = await RunJobAsync(Client.RedistributeConfigAsync(), "redistribute");
        var success = JsonDocument.Parse("\"success\"").RootElement;
        var started = TimeProvider.System.GetTimestamp();

        var change = await Client.WaitForJobChangeAsync(job.Id, ["status"], [success], long.MaxValue / 2);

        TimeProvider.System.GetElapsedTime(started).ShouldBeLessThan(TimeSpan.FromSeconds(5));
        change.ShouldNotBeNull();
        change.JobInfo.Select(e => e.GetString()).ShouldBe(["success"]);
        change.LogEntries.ShouldBeEmpty();
    }

    [Fact]
    public async Task WaitForJobChangeAsync_ManyFields_AnswersThemInOrder()
    {
        var job = await RunJobAsync(Client.RedistributeConfigAsync(), "redistribute");

        var change = await Client.WaitForJobChangeAsync(job.Id, ["id", "status", "summary", "opstatus", "received_ts"], null, null);

        change.ShouldNotBeNull();
        change.JobInfo.Count.ShouldBe(5);
        change.JobInfo[0].GetInt64().ShouldBe(job.Id.Value);
        change.JobInfo[1].GetString().ShouldBe("success");
        change.JobInfo[2][0].GetString().ShouldBe("CLUSTER_REDIST_CONF");
        change.JobInfo[3][0].GetString().ShouldBe("success");
        change.JobInfo[4].GetArrayLength().ShouldBe(2);
    }

    [Fact]
    public async Task WaitForJobChangeAsync_UnknownField_EveryValueNullAndNoLogs()
    {
        var name = NewInstanceName();
        var job = await RunJobAsync(Client.CreateInstanceAsync(FakeFileInstance(name, Target.SmallDiskSize)), "create");
        job.LogEntries.ShouldNotBeEmpty();

        var change = await Client.WaitForJobChangeAsync(job.Id, ["status", "ct_no_such_field", "id"], null, null);

        change.ShouldNotBeNull();
        change.JobInfo.Count.ShouldBe(3);
        change.JobInfo.ShouldAllBe(e => e.ValueKind == JsonValueKind.Null);
        change.LogEntries.ShouldBeEmpty();
    }

    [Fact]
    public async Task GetJobsAsync_Bulk_FindsASubmittedJobByItsReasonMarker()
    {
        var marker = $"gwm-ct:{Guid.NewGuid():N}";
        var name = await CreateRunningDisklessAsync();
        var id = await Client.RebootInstanceAsync(name, new RebootInstanceOptions { Type = RebootType.Soft, Reason = marker });
        await Client.WaitForJobCompletionAsync(id);

        var jobs = await Client.GetJobsAsync();

        var found = jobs.Where(j => j.Ops.Any(op => op["reason"].EnumerateArray().Any(r => r[1].GetString() == marker))).ToList();
        var job = found.ShouldHaveSingleItem();
        job.Id.ShouldBe(id);
        job.Summary.ShouldBe([$"INSTANCE_REBOOT({name})"]);
        job.Status.ShouldBe(JobStatus.Success);
        job.OpLog.ShouldBeEmpty(); // the bulk list has no logs and no results
        job.OpResult.ShouldBeEmpty();
        var reason = job.Ops[0]["reason"];
        reason[0][0].GetString().ShouldBe("gnt:user");
        reason[0][1].GetString().ShouldBe(marker);
        reason[1][0].GetString().ShouldBe("gnt:library:rlib2:instances_name_reboot");
        reason[2][0].GetString().ShouldBe("gnt:opcode:instance_reboot");
        reason[2][1].GetString().ShouldBe($"job={id};index=0");
        reason[0][2].GetInt64().ShouldBeGreaterThan(1_000_000_000_000_000_000);
        job.Ops[0]["reboot_type"].GetString().ShouldBe("soft");
        job.ReceivedAt.ShouldNotBeNull();
    }

    [Fact]
    public async Task GetJobAsync_Finished_HasOpsResultsTimestampsAndLog()
    {
        var name = NewInstanceName();
        var id = await Client.CreateInstanceAsync(FakeFileInstance(name, Target.SmallDiskSize) with { Reason = "ct detail" });
        await Client.WaitForJobCompletionAsync(id);

        var job = await Client.GetJobAsync(id);

        job.Id.ShouldBe(id);
        job.Status.ShouldBe(JobStatus.Success);
        job.Summary.ShouldBe([$"INSTANCE_CREATE({name})"]);
        var op = job.Ops.ShouldHaveSingleItem();
        op["OP_ID"].GetString().ShouldBe("OP_INSTANCE_CREATE");
        op["instance_name"].GetString().ShouldBe(name);
        op["disk_template"].GetString().ShouldBe("file");
        op["pnode"].GetString().ShouldBe(Target.Nodes[0]);
        op["pnode_uuid"].GetString().ShouldBe((await Client.GetNodeAsync(Target.Nodes[0])).Uuid);
        op["dry_run"].GetBoolean().ShouldBeFalse();
        op["start"].GetBoolean().ShouldBeTrue();
        op["file_driver"].GetString().ShouldBe("loop");
        job.OpResult[0][0].GetString().ShouldBe(Target.Nodes[0]);
        job.ReceivedAt.ShouldNotBeNull();
        job.StartedAt!.Value.ShouldBeGreaterThanOrEqualTo(job.ReceivedAt!.Value);
        job.EndedAt!.Value.ShouldBeGreaterThanOrEqualTo(job.StartedAt.Value);
        job.LogEntries.Select(e => e.Message).ShouldContain("* creating instance disks...");
        job.LogEntries.Select(e => e.Message).ShouldContain($"adding instance {name} to cluster config");
        job.LogEntries.ShouldAllBe(e => e.Type == "message");
    }

    [Fact]
    public async Task CancelJobAsync_FinishedJob_NotFoundInQueue()
    {
        var job = await RunJobAsync(Client.RedistributeConfigAsync(), "redistribute");

        var result = await Client.CancelJobAsync(job.Id);

        result.Success.ShouldBeFalse();
        result.Message.ShouldBe($"Job {job.Id} not found in queue");
    }

    [Fact]
    public async Task WaitForJobCompletionAsync_ReadOnlyUser_PollsOwnJobToSuccess()
    {
        var id = await Client.RedistributeConfigAsync();
        using var readOnly = CreateClient(Target.ReadOnlyUser, Target.ReadOnlyPassword);

        var job = await readOnly.WaitForJobCompletionAsync(id);

        job.Status.ShouldBe(JobStatus.Success);
    }

    /// <summary>Raw long-poll rounds as the client's WaitForJobCompletionAsync does them, recording what each brought.</summary>
    private async Task<(List<string> Statuses, List<long> Serials)> FollowAsync(JobId id)
    {
        var statuses = new List<string>();
        var serials = new List<long>();
        IReadOnlyList<JsonElement>? previous = null;
        long? lastSerial = null;
        for (var round = 0; round < 60; round++)
        {
            var change = await Client.WaitForJobChangeAsync(id, ["status"], previous, lastSerial);
            change.ShouldNotBeNull();
            var status = change.JobInfo[0].GetString()!;
            if (statuses.Count == 0 || statuses[^1] != status)
            {
                statuses.Add(status);
            }

            serials.AddRange(change.LogEntries.Select(e => e.Serial));
            lastSerial = serials.Count > 0 ? serials[^1] : lastSerial;
            previous = change.JobInfo;
            if (status is "success" or "error" or "canceled" && change.LogEntries.Count == 0)
            {
                Output.WriteLine($"job {id}: {string.Join(" → ", statuses)}, {serials.Count} log lines in {round + 1} rounds");
                return (statuses, serials);
            }
        }

        throw new Xunit.Sdk.XunitException($"Job {id} did not finish within 60 long-poll rounds.");
    }
}
