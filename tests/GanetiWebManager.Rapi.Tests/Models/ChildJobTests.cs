using System.Text.Json;
using GanetiWebManager.Rapi.Models;
using GanetiWebManager.Rapi.Serialization;
using GanetiWebManager.Rapi.Tests.TestSupport;

namespace GanetiWebManager.Rapi.Tests.Models;

public sealed class ChildJobTests
{
    [Fact]
    public void ParseList_SubmittedAndFailed_AreDecoded()
    {
        var children = ChildJob.ParseList(JsonDocument.Parse("""{"jobs": [[true, 48], [false, "msg"]]}""").RootElement);

        children.ShouldBe([new ChildJob(true, new JobId(48), null), new ChildJob(false, null, "msg")]);
    }

    [Fact]
    public void GetChildJobs_EvacuateJob_ReturnsChildrenIncludingStringIds()
    {
        var job = JsonSerializer.Deserialize(Fixture.Read("job-evacuate.json"), RapiJsonContext.Default.JobInfo)!;

        var children = job.GetChildJobs();

        children.Select(c => c.JobId).ShouldBe([new JobId(48), new JobId(49), null]);
        children[2].Error.ShouldBe("Instance 'x' cannot be moved");
    }

    [Theory]
    [InlineData("null")]
    [InlineData("[\"node1\"]")]
    [InlineData("{\"jobs\": 5}")]
    public void ParseList_OtherResults_AreEmpty(string json)
    {
        ChildJob.ParseList(JsonDocument.Parse(json).RootElement).ShouldBeEmpty();
    }
}
