using GanetiWebManager.Rapi.Models;
using GanetiWebManager.Rapi.Requests;
using Xunit.Abstractions;

namespace GanetiWebManager.Rapi.Tests.Contract;

/// <summary>Cluster and instance tags (tags travel in the query string), ownership tags, tag errors, and the
/// cluster-wide calls that change nothing visible.</summary>
public abstract class RapiTagContractTests(IRapiContractTarget target, ITestOutputHelper output)
    : RapiContractTestBase(target, output)
{
    [Fact]
    public async Task ClusterTags_AddAndRemoveWithReason_RoundTripAndRecordTheReason()
    {
        var tag = NewTag("cluster");
        var marker = $"gwm-ct:{Guid.NewGuid():N}";

        var added = await RunJobAsync(Client.AddClusterTagsAsync([tag], new DryRunJobOptions { Reason = marker }), "add cluster tag");
        (await Client.GetClusterTagsAsync()).ShouldContain(tag);
        (await Client.GetClusterInfoAsync()).Tags.ShouldContain(tag);
        var removed = await RunJobAsync(Client.RemoveClusterTagsAsync([tag]), "remove cluster tag");

        (await Client.GetClusterTagsAsync()).ShouldNotContain(tag);
        added.Summary.ShouldBe(["TAGS_SET"]);
        removed.Summary.ShouldBe(["TAGS_DEL"]);
        var op = added.Ops[0];
        op["kind"].GetString().ShouldBe("cluster");
        op.ContainsKey("name").ShouldBeFalse();
        op["tags"][0].GetString().ShouldBe(tag);
        op["dry_run"].GetBoolean().ShouldBeFalse();
        op["reason"][0][0].GetString().ShouldBe("gnt:user");
        op["reason"][0][1].GetString().ShouldBe(marker);
        op["reason"][1][0].GetString().ShouldBe("gnt:library:rlib2:tags");
        op["reason"][2][0].GetString().ShouldBe("gnt:opcode:tags_set");
    }

    [Fact]
    public async Task ClusterTags_DryRun_AddsNothing()
    {
        var tag = NewTag("dry");

        var job = await RunJobAsync(Client.AddClusterTagsAsync([tag], new DryRunJobOptions { DryRun = true }), "add cluster tag --dry-run");

        job.Ops[0]["dry_run"].GetBoolean().ShouldBeTrue();
        (await Client.GetClusterTagsAsync()).ShouldNotContain(tag);
    }

    [Fact]
    public async Task InstanceTags_OwnershipTag_VisibleInTagsDetailBulkAndQuery()
    {
        var name = await CreateRunningDisklessAsync();
        var owner = "gwm:owner:user:ct-" + Guid.NewGuid().ToString("N")[..8];
        var serial = (await Client.GetInstanceAsync(name)).SerialNo!.Value;

        var job = await RunJobAsync(Client.AddInstanceTagsAsync(name, [owner, "ct:extra"]), "add tags");

        (await Client.GetInstanceTagsAsync(name)).ShouldBe([owner, "ct:extra"], ignoreOrder: true);
        var instance = await Client.GetInstanceAsync(name);
        instance.Tags.ShouldContain(owner);
        instance.SerialNo!.Value.ShouldBeGreaterThan(serial);
        (await Client.GetInstancesAsync()).Single(i => i.Name == name).Tags.ShouldContain(owner);
        (await Client.QueryAsync("instance", ["name"], QueryFilter.Contains("tags", owner))).Rows.Single()["name"].AsString().ShouldBe(name);
        job.Ops[0]["kind"].GetString().ShouldBe("instance");
        job.Ops[0]["name"].GetString().ShouldBe(name);
    }

    [Fact]
    public async Task InstanceTags_RemoveMissingTag_FailsUnknownEntity()
    {
        var name = await CreateRunningDisklessAsync();

        var failure = (await RunJobExpectingFailureAsync(Client.RemoveInstanceTagsAsync(name, ["ct:never-added"]))).GetFailure()!;

        failure.Kind.ShouldBe(JobFailureKind.PrerequisiteFailed);
        failure.Message.ShouldContain("ct:never-added");
    }

    [Fact]
    public async Task InstanceTags_UnknownInstance_FailsUnknownEntity()
    {
        var failure = (await RunJobExpectingFailureAsync(Client.AddInstanceTagsAsync("ct-not-there", ["ct:x"]))).GetFailure()!;

        failure.ErrorCode.ShouldBe("unknown_entity");
        failure.Message.ShouldBe("Instance 'ct-not-there' not known");
    }

    [Fact]
    public async Task RedistributeConfigAsync_Cluster_Succeeds()
    {
        var job = await RunJobAsync(Client.RedistributeConfigAsync(new JobOptions { Reason = "ct redist" }), "redistribute");

        job.Summary.ShouldBe(["CLUSTER_REDIST_CONF"]);
        job.Ops[0]["reason"][0][1].GetString().ShouldBe("ct redist");
        job.Ops[0]["reason"][1][0].GetString().ShouldBe("gnt:library:rlib2:redist_config");
        job.OpResult[0].ValueKind.ShouldBe(System.Text.Json.JsonValueKind.Null);
    }
}
