using GanetiWebManager.Rapi.Models;
using GanetiWebManager.Rapi.Requests;
using Xunit.Abstractions;

namespace GanetiWebManager.Rapi.Tests.Contract;

/// <summary>
/// Node calls that are safe on a shared cluster: role and flag changes that change nothing, the master's role that
/// cannot change, evacuations that move nothing (dry run, no secondaries) and the failures of the others, tags. Moves
/// of other people's instances (node migrate, primary evacuation) are covered by the fake's own tests and the recorded
/// real answers.
/// </summary>
public abstract class RapiNodeContractTests(IRapiContractTarget target, ITestOutputHelper output)
    : RapiContractTestBase(target, output)
{
    [Fact]
    public async Task SetNodeRoleAsync_CandidateStaysCandidate_SucceedsWithoutChanges()
    {
        var node = await CandidateAsync();
        var before = await Client.GetNodeAsync(node);

        var job = await RunJobAsync(Client.SetNodeRoleAsync(node, NodeRole.MasterCandidate, new SetNodeRoleOptions { Reason = "ct role" }), "role");

        job.Summary.ShouldBe([$"NODE_SET_PARAMS({node})"]);
        var op = job.Ops[0];
        op["OP_ID"].GetString().ShouldBe("OP_NODE_SET_PARAMS");
        op["node_name"].GetString().ShouldBe(node);
        op["node_uuid"].GetString().ShouldBe(before.Uuid);
        op["master_candidate"].GetBoolean().ShouldBeTrue();
        op.ContainsKey("drained").ShouldBeFalse();
        op.ContainsKey("offline").ShouldBeFalse();
        op["reason"][1][0].GetString().ShouldBe("gnt:library:rlib2:nodes_name_role");
        job.OpResult[0].GetArrayLength().ShouldBe(0);
        (await Client.GetNodeRoleAsync(node)).ShouldBe(NodeRole.MasterCandidate);
    }

    [Fact]
    public async Task SetNodeRoleAsync_Master_FailsOnlyViaMasterFailover()
    {
        var master = (await Client.GetClusterInfoAsync()).Master!;

        var job = await RunJobExpectingFailureAsync(Client.SetNodeRoleAsync(master, NodeRole.Regular));

        var failure = job.GetFailure()!;
        failure.Kind.ShouldBe(JobFailureKind.PrerequisiteFailed);
        failure.ErrorCode.ShouldBe("wrong_input");
        failure.Message.ShouldBe("The master role can be changed only via master-failover");
        job.Ops[0]["master_candidate"].GetBoolean().ShouldBeFalse();
        job.Ops[0]["offline"].GetBoolean().ShouldBeFalse();
        job.Ops[0]["drained"].GetBoolean().ShouldBeFalse();
        (await Client.GetNodeRoleAsync(master)).ShouldBe(NodeRole.Master);
    }

    [Fact]
    public async Task ModifyNodeAsync_CandidateFlagAlreadySet_SucceedsWithoutChanges()
    {
        var node = await CandidateAsync();

        var job = await RunJobAsync(Client.ModifyNodeAsync(node, new ModifyNodeRequest { MasterCandidate = true }), "modify node");

        job.Ops[0]["reason"][0][0].GetString().ShouldBe("gnt:library:rlib2:nodes_name_modify");
        job.Ops[0]["force"].GetBoolean().ShouldBeFalse();
        job.OpResult[0].GetArrayLength().ShouldBe(0);
        var after = await Client.GetNodeAsync(node);
        after.MasterCandidate.ShouldBe(true);
        after.Drained.ShouldBe(false);
        after.Offline.ShouldBe(false);
    }

    [Fact]
    public async Task EvacuateNodeAsync_SecondaryOnlyWithoutSecondaries_SubmitsNoChildJobs()
    {
        var node = await CandidateAsync();
        (await Client.GetNodeAsync(node)).SecondaryInstances.ShouldBeEmpty();

        var job = await RunJobAsync(
            Client.EvacuateNodeAsync(node, new EvacuateNodeRequest { Mode = NodeEvacuationMode.SecondaryOnly, IAllocator = "hail" }), "evacuate secondaries");

        job.GetChildJobs().ShouldBeEmpty();
        job.OpResult[0].GetProperty("jobs").GetArrayLength().ShouldBe(0);
        job.LogEntries.Select(e => e.Message).ShouldContain($" - INFO: No instances to evacuate from node '{node}'");
        job.Ops[0]["mode"].GetString().ShouldBe("secondary-only");
    }

    [Fact]
    public async Task EvacuateNodeAsync_DryRun_ChecksAndMovesNothing()
    {
        var node = await CandidateAsync();
        var before = (await Client.GetNodeAsync(node)).PrimaryInstances;

        var job = await RunJobAsync(
            Client.EvacuateNodeAsync(node, new EvacuateNodeRequest { Mode = NodeEvacuationMode.SecondaryOnly, IAllocator = "hail", DryRun = true }), "evacuate --dry-run");

        job.Ops[0]["dry_run"].GetBoolean().ShouldBeTrue();
        job.LogEntries.Select(e => e.Message).ShouldContain(" - INFO: dry-run mode requested, not actually executing the operation");
        job.GetChildJobs().ShouldBeEmpty();
        (await Client.GetNodeAsync(node)).PrimaryInstances.ShouldBe(before, ignoreOrder: true);
    }

    [Fact]
    public async Task EvacuateNodeAsync_AllInstances_FailsWrongInput()
    {
        var node = await CandidateAsync();

        var failure = (await RunJobExpectingFailureAsync(
            Client.EvacuateNodeAsync(node, new EvacuateNodeRequest { Mode = NodeEvacuationMode.All, IAllocator = "hail" }))).GetFailure()!;

        failure.ErrorCode.ShouldBe("wrong_input");
        failure.Message.ShouldStartWith("Due to an issue with the iallocator interface it is not possible to evacuate all instances at once");
    }

    [Fact]
    public async Task EvacuateNodeAsync_PrimaryOnlyToRemoteNode_FailsWithoutIAllocator()
    {
        var node = await CandidateAsync();
        var other = Target.Nodes.First(n => n != node);

        var failure = (await RunJobExpectingFailureAsync(
            Client.EvacuateNodeAsync(node, new EvacuateNodeRequest { Mode = NodeEvacuationMode.PrimaryOnly, RemoteNode = other }))).GetFailure()!;

        failure.ErrorCode.ShouldBe("wrong_input");
        failure.Message.ShouldBe("Without the use of an iallocator only secondary instances can be evacuated");
    }

    [Fact]
    public async Task MigrateNodeAsync_UnknownNode_FailsUnknownEntity()
    {
        var job = await RunJobExpectingFailureAsync(Client.MigrateNodeAsync("ct-no-such-node", new MigrateNodeRequest { Mode = MigrationMode.Live }));

        var failure = job.GetFailure()!;
        failure.ErrorCode.ShouldBe("unknown_entity");
        failure.Message.ShouldBe("Node 'ct-no-such-node' not known");
        job.Summary.ShouldBe(["NODE_MIGRATE(ct-no-such-node)"]);
        job.Ops[0]["mode"].GetString().ShouldBe("live");
        job.Ops[0]["reason"][0][0].GetString().ShouldBe("gnt:library:rlib2:nodes_name_migrate");
    }

    [Fact]
    public async Task NodeTags_AddAndRemove_RoundTrip()
    {
        var node = Target.Nodes[^1];
        var tag = NewTag("node");

        var added = await RunJobAsync(Client.AddNodeTagsAsync(node, [tag]), "add node tag");
        (await Client.GetNodeTagsAsync(node)).ShouldContain(tag);
        (await Client.GetNodeAsync(node)).Tags.ShouldContain(tag);
        await RunJobAsync(Client.RemoveNodeTagsAsync(node, [tag]), "remove node tag");

        (await Client.GetNodeTagsAsync(node)).ShouldNotContain(tag);
        added.Summary.ShouldBe(["TAGS_SET"]);
        added.Ops[0]["kind"].GetString().ShouldBe("node");
        added.Ops[0]["name"].GetString().ShouldBe(node);
        added.Ops[0]["reason"][0][0].GetString().ShouldBe("gnt:library:rlib2:nodes_name_tags");
    }

    private async Task<string> CandidateAsync()
    {
        var nodes = await Client.GetNodesAsync();
        var candidate = nodes.FirstOrDefault(n => n.Role == NodeRole.MasterCandidate);
        candidate.ShouldNotBeNull("a two-node cluster has a master candidate besides the master");
        return candidate.Name;
    }
}
