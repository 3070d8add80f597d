using System.Text.Json;
using GanetiWebManager.Rapi.Models;
using GanetiWebManager.Rapi.Serialization;
using GanetiWebManager.Rapi.Tests.TestSupport;

namespace GanetiWebManager.Rapi.Tests.Models;

public sealed class JobFailureTests
{
    private static JobInfo Job(string fixture) =>
        JsonSerializer.Deserialize(Fixture.Read(fixture), RapiJsonContext.Default.JobInfo)!;

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement;

    [Fact]
    public void FromJob_ExecError_DecodesClassAndMessage()
    {
        var failure = Job("job-error-exec.json").GetFailure()!;

        failure.Kind.ShouldBe(JobFailureKind.ExecutionFailed);
        failure.ErrorClass.ShouldBe("OpExecError");
        failure.ErrorCode.ShouldBeNull();
        failure.OpIndex.ShouldBe(0);
        failure.OpSummary.ShouldBe("INSTANCE_CREATE(broken1)");
        failure.IsPartial.ShouldBeFalse();
        failure.ToUserMessage().ShouldStartWith("The operation failed while running: Could not add os for instance broken1 on node node1.ganeti.test: OS create script failed");
        failure.ToUserMessage().ShouldContain("failing on request (osparam fail=true)");
    }

    [Fact]
    public void FromJob_PrereqResolverError_ReadsCodeAndExplainsIt()
    {
        var job = Job("job-error-prereq.json");
        var failure = job.GetFailure()!;

        job.Id.ShouldBe(new JobId(77));
        failure.Kind.ShouldBe(JobFailureKind.PrerequisiteFailed);
        failure.ErrorCode.ShouldBe("resolver_error");
        failure.IsRetryable.ShouldBeFalse();
        failure.ToUserMessage().ShouldBe(
            "Ganeti refused the request: The given name (x) does not resolve: Temporary failure in name resolution (name resolution failed).");
    }

    [Fact]
    public void FromJob_FailureAfterSuccessfulOpcode_IsPartialAndSkipsPrecedingOpcodeFailed()
    {
        var failure = Job("job-reinstall-partial.json").GetFailure()!;

        failure.OpIndex.ShouldBe(1);
        failure.OpSummary.ShouldBe("INSTANCE_REINSTALL(web1)");
        failure.ErrorCode.ShouldBe("wrong_input");
        failure.IsPartial.ShouldBeTrue();
        failure.ToUserMessage().ShouldBe(
            "Ganeti refused the request: OS 'nope' not in supported OS list for node node1.ganeti.test (the request is invalid and must be changed). " +
            "Earlier steps of the job had already completed, so part of the change was made.");
    }

    [Fact]
    public void FromJob_Canceled_IsCanceled()
    {
        var failure = Job("job-canceled.json").GetFailure()!;

        failure.Kind.ShouldBe(JobFailureKind.Canceled);
        failure.Message.ShouldBe("Job canceled by request");
        failure.ToUserMessage().ShouldBe("The job was cancelled before it finished.");
    }

    [Fact]
    public void FromJob_Success_IsNull()
    {
        Job("job-success.json").GetFailure().ShouldBeNull();
    }

    [Theory]
    [InlineData("wrong_state", true)]
    [InlineData("temp_insufficient_resources", true)]
    [InlineData("insufficient_resources", false)]
    [InlineData("unknown_entity", false)]
    [InlineData("already_exists", false)]
    public void FromOpResult_PrereqCodes_AreDecoded(string code, bool retryable)
    {
        var failure = JobFailure.FromOpResult(Json($$"""["OpPrereqError", ["Instance 'x' is not running", "{{code}}"]]"""));

        failure.Kind.ShouldBe(JobFailureKind.PrerequisiteFailed);
        failure.ErrorCode.ShouldBe(code);
        failure.IsRetryable.ShouldBe(retryable);
        failure.ToUserMessage().ShouldBe($"Ganeti refused the request: Instance 'x' is not running ({JobFailure.DescribeCode(code)}).");
    }

    [Fact]
    public void FromOpResult_OtherClass_NamesIt()
    {
        var failure = JobFailure.FromOpResult(Json("""["NoMasterError", ["/var/run/ganeti/socket/ganeti-wconfd"]]"""));

        failure.Kind.ShouldBe(JobFailureKind.Other);
        failure.IsRetryable.ShouldBeTrue();
        failure.ToUserMessage().ShouldBe("Ganeti reported an error (NoMasterError): /var/run/ganeti/socket/ganeti-wconfd.");
    }

    [Fact]
    public void FromOpResult_PrecedingOpcodeFailed_HasOwnSentence()
    {
        var failure = JobFailure.FromOpResult(Json("""["OpExecError", ["Preceding opcode failed"]]"""));

        failure.ToUserMessage().ShouldBe("The operation was not run because an earlier step of the same job failed.");
    }

    [Theory]
    [InlineData("\"Job canceled by request\"", JobFailureKind.Canceled, "Job canceled by request")]
    [InlineData("[\"HypervisorError\", \"plain text args\"]", JobFailureKind.Other, "plain text args")]
    [InlineData("[\"OpExecError\"]", JobFailureKind.ExecutionFailed, "OpExecError")]
    [InlineData("{\"weird\": 1}", JobFailureKind.Other, "{\"weird\": 1}")]
    public void FromOpResult_OddShapes_DoNotThrow(string json, JobFailureKind kind, string message)
    {
        var failure = JobFailure.FromOpResult(Json(json));

        failure.Kind.ShouldBe(kind);
        failure.Message.ShouldBe(message);
    }
}
