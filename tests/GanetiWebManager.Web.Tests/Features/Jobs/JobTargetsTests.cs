using System.Text.Json;
using GanetiWebManager.Rapi.Models;
using GanetiWebManager.Web.Domain.Jobs;
using GanetiWebManager.Web.Features.Jobs;

namespace GanetiWebManager.Web.Tests.Features.Jobs;

public sealed class JobTargetsTests
{
    private static JobInfo Job(string summary, string op) =>
        JsonSerializer.Deserialize<JobInfo>($$"""{"id": 1, "status": "success", "summary": ["{{summary}}"], "ops": [{{op}}]}""")!;

    [Theory]
    [InlineData("INSTANCE_STARTUP(web1)", """{"OP_ID": "OP_INSTANCE_STARTUP", "instance_name": "web1"}""", JobTargetKind.VirtualMachine, "web1", "instance.startup")]
    [InlineData("INSTANCE_SET_PARAMS(Web2)", """{"OP_ID": "OP_INSTANCE_SET_PARAMS", "instance_name": "Web2"}""", JobTargetKind.VirtualMachine, "Web2", "instance.set_params")]
    [InlineData("NODE_EVACUATE(node2.ganeti.test)", """{"OP_ID": "OP_NODE_EVACUATE", "node_name": "node2.ganeti.test"}""", JobTargetKind.Node, "node2.ganeti.test", "node.evacuate")]
    [InlineData("TAGS_SET", """{"OP_ID": "OP_TAGS_SET", "kind": "instance", "name": "web3", "tags": ["a"]}""", JobTargetKind.VirtualMachine, "web3", "tags.set")]
    [InlineData("TAGS_DEL", """{"OP_ID": "OP_TAGS_DEL", "kind": "node", "name": "node1", "tags": ["a"]}""", JobTargetKind.Node, "node1", "tags.del")]
    [InlineData("TAGS_SET", """{"OP_ID": "OP_TAGS_SET", "kind": "cluster", "tags": ["a"]}""", JobTargetKind.Cluster, null, "tags.set")]
    [InlineData("CLUSTER_REDIST_CONF", """{"OP_ID": "OP_CLUSTER_REDIST_CONF"}""", JobTargetKind.Cluster, null, "cluster.redist_conf")]
    [InlineData("NETWORK_ADD(net1)", """{"OP_ID": "OP_NETWORK_ADD", "network_name": "net1"}""", JobTargetKind.Cluster, "network net1", "network.add")]
    public void Describe_FirstOpcodeNamesTheObject(string summary, string op, JobTargetKind kind, string? name, string operation)
    {
        var job = Job(summary, op);

        JobTargets.Describe(job).ShouldBe((kind, name));
        JobTargets.OperationOf(job).ShouldBe(operation);
    }

    [Fact]
    public void Describe_WithoutOpcodes_FallsBackToTheSummary()
    {
        var job = JsonSerializer.Deserialize<JobInfo>("""{"id": 1, "status": "success", "summary": ["INSTANCE_REBOOT(web1)"]}""")!;

        JobTargets.Describe(job).ShouldBe((JobTargetKind.VirtualMachine, "web1"));
        JobTargets.OperationOf(job).ShouldBe("instance.reboot");
    }

    [Fact]
    public void OperationOf_ReinstallOfThreeOpcodes_IsTheReinstall()
    {
        var job = JsonSerializer.Deserialize<JobInfo>("""
            {"id": 1, "status": "success", "summary": [],
             "ops": [{"OP_ID": "OP_INSTANCE_SHUTDOWN"}, {"OP_ID": "OP_INSTANCE_REINSTALL"}, {"OP_ID": "OP_INSTANCE_STARTUP"}]}
            """)!;

        JobTargets.OperationOf(job).ShouldBe("instance.reinstall");
    }
}
