using System.Net;
using GanetiWebManager.Rapi.Exceptions;
using GanetiWebManager.Rapi.Models;
using GanetiWebManager.Rapi.Tests.TestSupport;

namespace GanetiWebManager.Rapi.Tests;

public sealed class GanetiRapiClientJobsTests
{
    private readonly RecordingHandler _handler = new();

    private sealed class ListProgress : IProgress<JobLogEntry>
    {
        public List<JobLogEntry> Entries { get; } = [];

        public void Report(JobLogEntry value) => Entries.Add(value);
    }

    [Fact]
    public async Task GetJobIdsAsync_NumbersAndStrings_AreParsed()
    {
        _handler.RespondJson("""[{"id": 1, "uri": "/2/jobs/1"}, {"id": "2", "uri": "/2/jobs/2"}]""");
        using var client = TestClient.Create(_handler);

        (await client.GetJobIdsAsync()).ShouldBe([new JobId(1), new JobId(2)]);
        _handler.Last.PathAndQuery.ShouldBe("/2/jobs");
    }

    [Fact]
    public async Task GetJobsAsync_Bulk_ParsesWithoutLogs()
    {
        _handler.RespondJson(Fixture.Read("jobs-bulk.json"));
        using var client = TestClient.Create(_handler);

        var jobs = await client.GetJobsAsync();

        _handler.Last.PathAndQuery.ShouldBe("/2/jobs?bulk=1");
        jobs[1].Status.ShouldBe(JobStatus.Running);
        jobs[1].EndedAt.ShouldBeNull();
        jobs[1].OpLog.ShouldBeEmpty();
    }

    [Fact]
    public async Task GetJobAsync_Success_ParsesTimestampsLogsAndResult()
    {
        _handler.RespondJson(Fixture.Read("job-success.json"));
        using var client = TestClient.Create(_handler);

        var job = await client.GetJobAsync(new JobId(75));

        _handler.Last.PathAndQuery.ShouldBe("/2/jobs/75");
        job.Id.ShouldBe(new JobId(75));
        job.Status.ShouldBe(JobStatus.Success);
        job.IsFinalized.ShouldBeTrue();
        job.ReceivedAt.ShouldBe(DateTimeOffset.FromUnixTimeSeconds(1795235265).AddTicks(800074 * 10));
        job.EndedAt!.Value.Millisecond.ShouldBe(595);
        job.OpStatus.ShouldBe([JobStatus.Success]);
        job.OpResult[0][0].GetString().ShouldBe("node1.ganeti.test");
        job.LogEntries.Select(e => e.Serial).ShouldBe([1L, 2, 3, 4]);
        job.LogEntries.First().Message.ShouldBe("* creating instance disks...");
        job.Ops[0].GetString("OP_ID").ShouldBe("OP_INSTANCE_CREATE");
        job.Ops[0]["reason"][0][1].GetString().ShouldBe("gwm:intent:42");
        job.GetFailure().ShouldBeNull();
    }

    [Fact]
    public async Task WaitForJobChangeAsync_PreviousInfo_SendsGetWithBody()
    {
        _handler.RespondJson("""{"job_info": [123, "something"], "log_entries": []}""");
        using var client = TestClient.Create(_handler);

        var change = await client.WaitForJobChangeAsync(new JobId(123), ["id", "summary"], [], -1);

        _handler.Last.Method.ShouldBe(HttpMethod.Get);
        _handler.Last.PathAndQuery.ShouldBe("/2/jobs/123/wait");
        _handler.Last.ContentType.ShouldBe("application/json");
        _handler.Last.BodyText.ShouldBe("""{"fields":["id","summary"],"previous_job_info":[],"previous_log_serial":-1}""");
        change!.JobInfo[0].GetInt32().ShouldBe(123);
        change.LogEntries.ShouldBeEmpty();
    }

    [Fact]
    public async Task WaitForJobChangeAsync_FirstCall_SendsExplicitNulls()
    {
        _handler.RespondJson("""{"job_info": ["queued"], "log_entries": [[1, [1795235266, 5], "message", "hello"]]}""");
        using var client = TestClient.Create(_handler);

        var change = await client.WaitForJobChangeAsync(new JobId(9), ["status"], null, null);

        _handler.Last.BodyText.ShouldBe("""{"fields":["status"],"previous_job_info":null,"previous_log_serial":null}""");
        change!.LogEntries.Single().Message.ShouldBe("hello");
    }

    [Fact]
    public async Task WaitForJobChangeAsync_NullAnswer_ReturnsNull()
    {
        _handler.RespondJson("null");
        using var client = TestClient.Create(_handler);

        (await client.WaitForJobChangeAsync(new JobId(9), ["status"], null, null)).ShouldBeNull();
    }

    [Fact]
    public async Task CancelJobAsync_UnknownJob_ReturnsFalseWithMessage()
    {
        _handler.RespondJson("""[false, "Job 999999 not found in queue"]""");
        using var client = TestClient.Create(_handler);

        var result = await client.CancelJobAsync(new JobId(999999));

        _handler.Last.Method.ShouldBe(HttpMethod.Delete);
        _handler.Last.PathAndQuery.ShouldBe("/2/jobs/999999");
        result.ShouldBe(new JobCancelResult(false, "Job 999999 not found in queue"));
    }

    [Fact]
    public async Task CancelJobAsync_WrongShape_ThrowsProtocolException()
    {
        _handler.RespondJson("""{"ok": true}""");
        using var client = TestClient.Create(_handler);

        await Should.ThrowAsync<RapiProtocolException>(() => client.CancelJobAsync(new JobId(1)));
    }

    [Fact]
    public async Task WaitForJobCompletionAsync_LongPoll_ReportsEachLogLineOnceAndReturnsFullJob()
    {
        _handler
            .RespondJson("""{"job_info": ["running"], "log_entries": [[1, [1795235266, 198726], "message", "* creating instance disks..."]]}""")
            .RespondJson("""{"job_info": ["running"], "log_entries": [[2, [1795235266, 199264], "message", "adding instance vnc1 to cluster config"], [3, [1795235266, 203984], "message", "adding disks to cluster config"]]}""")
            .RespondJson("""{"job_info": ["success"], "log_entries": []}""")
            .RespondJson(Fixture.Read("job-success.json"));
        var progress = new ListProgress();
        using var client = TestClient.Create(_handler);

        var job = await client.WaitForJobCompletionAsync(new JobId(75), progress);

        job.Status.ShouldBe(JobStatus.Success);
        progress.Entries.Select(e => e.Serial).ShouldBe([1L, 2, 3, 4]);
        _handler.Requests.Select(r => r.PathAndQuery).ShouldBe(["/2/jobs/75/wait", "/2/jobs/75/wait", "/2/jobs/75/wait", "/2/jobs/75"]);
        _handler.Requests[1].BodyText.ShouldBe("""{"fields":["status"],"previous_job_info":["running"],"previous_log_serial":1}""");
        _handler.Requests[2].BodyText.ShouldBe("""{"fields":["status"],"previous_job_info":["running"],"previous_log_serial":3}""");
    }

    [Fact]
    public async Task WaitForJobCompletionAsync_UnchangedAnswers_DelayThroughTimeProvider()
    {
        var time = new ManualTimeProvider();
        _handler
            .RespondJson("null")
            .RespondJson("""{"job_info": ["running"], "log_entries": []}""")
            .RespondJson("""{"job_info": ["error"], "log_entries": []}""")
            .RespondJson(Fixture.Read("job-error-exec.json"));
        using var client = TestClient.Create(_handler, time: time);

        var wait = client.WaitForJobCompletionAsync(new JobId(76));
        await time.RunUntilAsync(wait, TimeSpan.FromMinutes(1));
        var job = await wait;

        job.Status.ShouldBe(JobStatus.Error);
        job.GetFailure()!.Kind.ShouldBe(JobFailureKind.ExecutionFailed);
        time.TotalDelayRequested.ShouldBeGreaterThanOrEqualTo(TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task WaitForJobCompletionAsync_ReadOnlyUser_FallsBackToPollingWithBackoff()
    {
        var time = new ManualTimeProvider();
        const string Running = """{"id": 5, "status": "running", "opstatus": ["running"], "oplog": [[[1, [1795235266, 1], "message", "step one"]]], "opresult": [null]}""";
        _handler
            .RespondJson("""{"code": 403, "message": "Forbidden", "explain": ""}""", HttpStatusCode.Forbidden)
            .RespondJson(Running)
            .RespondJson(Running)
            .RespondJson(Running)
            .RespondJson("""{"id": 5, "status": "success", "opstatus": ["success"], "oplog": [[[1, [1795235266, 1], "message", "step one"], [2, [1795235267, 1], "message", "step two"]]], "opresult": [null]}""");
        var progress = new ListProgress();
        using var client = TestClient.Create(_handler, time: time);

        var wait = client.WaitForJobCompletionAsync(new JobId(5), progress);
        await time.RunUntilAsync(wait, TimeSpan.FromMinutes(1));
        var job = await wait;

        job.Status.ShouldBe(JobStatus.Success);
        progress.Entries.Select(e => e.Message).ShouldBe(["step one", "step two"]);
        _handler.Requests.Skip(1).ShouldAllBe(r => r.PathAndQuery == "/2/jobs/5");
        // 1 s, 2 s, 4 s between the four polls
        time.TotalDelayRequested.ShouldBeGreaterThanOrEqualTo(TimeSpan.FromSeconds(7));
    }

    [Fact]
    public async Task WaitForJobCompletionAsync_TransientErrors_AreRetried()
    {
        var time = new ManualTimeProvider();
        _handler
            .RespondJson("""{"code": 502, "message": "Master seems to be unreachable", "explain": ""}""", HttpStatusCode.BadGateway)
            .Respond((_, _) => throw new HttpRequestException(HttpRequestError.ResponseEnded, "EOF"))
            .RespondJson("""{"job_info": ["success"], "log_entries": []}""")
            .RespondJson(Fixture.Read("job-success.json"));
        using var client = TestClient.Create(_handler, time: time);

        var wait = client.WaitForJobCompletionAsync(new JobId(75));
        await time.RunUntilAsync(wait, TimeSpan.FromMinutes(5));

        (await wait).Status.ShouldBe(JobStatus.Success);
    }

    [Fact]
    public async Task WaitForJobCompletionAsync_LongPollInternalError_FallsBackToPolling()
    {
        _handler
            .RespondJson("""{"code": 500, "message": "Internal Server Error", "explain": ""}""", HttpStatusCode.InternalServerError)
            .RespondJson(Fixture.Read("job-success.json"));
        using var client = TestClient.Create(_handler);

        var job = await client.WaitForJobCompletionAsync(new JobId(75));

        job.Status.ShouldBe(JobStatus.Success);
        _handler.Last.PathAndQuery.ShouldBe("/2/jobs/75");
    }

    [Fact]
    public async Task WaitForJobCompletionAsync_JobLost_ThrowsNotFound()
    {
        _handler.RespondJson("""{"code": 404, "message": "Not Found", "explain": ""}""", HttpStatusCode.NotFound);
        using var client = TestClient.Create(_handler);

        await Should.ThrowAsync<RapiNotFoundException>(() => client.WaitForJobCompletionAsync(new JobId(1)));
    }

    [Fact]
    public async Task WaitForJobCompletionAsync_NoLongPollSlots_PollsJob()
    {
        _handler.RespondJson(Fixture.Read("job-canceled.json"));
        using var client = TestClient.Create(_handler, o => o with { MaxConcurrentLongPolls = 0 });

        var job = await client.WaitForJobCompletionAsync(new JobId(81));

        job.Status.ShouldBe(JobStatus.Canceled);
        _handler.Last.PathAndQuery.ShouldBe("/2/jobs/81");
    }

    [Fact]
    public async Task WaitForJobCompletionAsync_Cancelled_ThrowsOperationCanceled()
    {
        _handler.Fallback = async (_, ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            return RecordingHandler.Json("null");
        };
        using var client = TestClient.Create(_handler);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Should.ThrowAsync<OperationCanceledException>(() => client.WaitForJobCompletionAsync(new JobId(1), ct: cts.Token));
    }
}
