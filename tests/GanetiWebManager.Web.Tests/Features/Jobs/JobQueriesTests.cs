using GanetiWebManager.Testing.Inventory;
using GanetiWebManager.Web.Domain.Jobs;
using GanetiWebManager.Web.Features.Jobs;
using GanetiWebManager.Web.Tests.TestData;

namespace GanetiWebManager.Web.Tests.Features.Jobs;

/// <summary>Jobs of their own cluster ("jobs"), so that the counts do not depend on other tests.</summary>
public sealed class JobQueriesTests(InventoryWorld world) : IClassFixture<InventoryWorld>, IAsyncLifetime
{
    private static readonly System.Security.Claims.ClaimsPrincipal Admin = TestPrincipals.Superuser();

    private readonly List<Job> _jobs = [];
    private Web.Domain.Clusters.Cluster _cluster = null!;
    private Web.Domain.VirtualMachines.VirtualMachine _vm = null!;

    public async Task InitializeAsync()
    {
        var slug = "jobs" + Guid.NewGuid().ToString("N")[..8];
        _cluster = await world.Build.AddClusterAsync(slug);
        var node = await world.Build.AddNodeAsync(_cluster, $"node1.{slug}.invalid");
        _vm = await world.Build.AddVmAsync(_cluster, $"target.{slug}.invalid");
        var start = world.Clock.GetUtcNow().AddHours(-1);
        for (var i = 0; i < 30; i++)
        {
            var n = i;
            _jobs.Add(await world.Build.AddJobAsync(_cluster, j =>
            {
                j.CreatedAt = start.AddMinutes(n);
                j.GanetiJobId = 1000 + n;
                j.Status = n switch { 29 => JobStatus.Running, 28 => JobStatus.Queued, _ when n % 5 == 0 => JobStatus.Error, _ => JobStatus.Success };
                if (n % 3 == 0)
                {
                    (j.TargetKind, j.VirtualMachineId, j.TargetName) = (JobTargetKind.VirtualMachine, _vm.Id, _vm.Name);
                }
                else if (n % 3 == 1)
                {
                    (j.TargetKind, j.NodeId, j.TargetName) = (JobTargetKind.Node, node.Id, node.Name);
                }
            }));
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private Task<Web.Data.PagedResult<JobRow>> ListAsync(JobQuery query) => world.Jobs.ListAsync(Admin, query with { Cluster = _cluster.Slug }, CancellationToken.None);

    [Fact]
    public async Task ListAsync_NewestFirst_PagedInTheDatabase()
    {
        var first = await ListAsync(new JobQuery { PageSize = 10 });
        var last = await ListAsync(new JobQuery { PageSize = 10, Page = 3 });

        first.Total.ShouldBe(30);
        first.Rows.Select(r => r.GanetiJobId).ShouldBe(Enumerable.Range(0, 10).Select(i => (long?)(1029 - i)));
        last.Rows.Select(r => r.GanetiJobId).ShouldBe(Enumerable.Range(0, 10).Select(i => (long?)(1009 - i)));
        first.Rows.ShouldAllBe(r => r.ClusterSlug == _cluster.Slug);
    }

    [Theory]
    [InlineData("error", 6)]
    [InlineData("ERROR", 6)]
    [InlineData("running", 1)]
    [InlineData("active", 2)]
    [InlineData("success", 22)]
    [InlineData("canceled", 0)]
    [InlineData("bogus", 0)]
    [InlineData("3", 0)]
    public async Task ListAsync_StatusFilter_CountsMatchingJobs(string status, int expected)
    {
        var page = await ListAsync(new JobQuery { Status = status, PageSize = 100 });

        page.Total.ShouldBe(expected);
        page.Rows.Count.ShouldBe(expected);
    }

    [Fact]
    public async Task ListAsync_ByVmAndByNode_OnlyTheirJobs()
    {
        var vmJobs = await ListAsync(new JobQuery { VirtualMachineId = _vm.Id, PageSize = 100 });
        var nodeJobs = await ListAsync(new JobQuery { NodeId = _jobs[1].NodeId, PageSize = 100 });

        vmJobs.Total.ShouldBe(10);
        vmJobs.Rows.ShouldAllBe(r => r.Target == new JobTarget(JobTargetKind.VirtualMachine, _vm.Name, true));
        nodeJobs.Total.ShouldBe(10);
        nodeJobs.Rows.ShouldAllBe(r => r.Target.Kind == JobTargetKind.Node);
    }

    [Fact]
    public async Task ListAsync_UnknownCluster_IsEmpty() =>
        (await world.Jobs.ListAsync(Admin, new JobQuery { Cluster = "nosuchcluster" }, CancellationToken.None)).Total.ShouldBe(0);

    [Fact]
    public async Task GetAsync_Job_HasOpsLogTimingsErrorAndSubmitter()
    {
        var job = await world.Build.AddJobAsync(_cluster, j =>
        {
            (j.TargetKind, j.VirtualMachineId, j.TargetName) = (JobTargetKind.VirtualMachine, _vm.Id, _vm.Name);
            j.Operation = JobOperations.InstanceShutdown;
            j.Status = JobStatus.Error;
            j.OpIds = ["OP_INSTANCE_SHUTDOWN"];
            j.Summary = ["INSTANCE_SHUTDOWN(x)"];
            j.Log = """[{"serial":1,"time":"2026-11-21T11:59:00Z","type":"message","message":"Shutting down"},{"serial":2,"time":1795348741.5,"type":"message","message":"Timed out"}]""";
            (j.ErrorMessage, j.ErrorClass, j.ErrorCode) = ("The VM did not stop in time.", "OpExecError", null);
            j.SubmittedByName = "alice";
        });

        var detail = await world.Jobs.GetAsync(Admin, job.Id, CancellationToken.None);

        detail.ShouldNotBeNull();
        detail.Row.Description.ShouldBe("Shut down");
        detail.Row.Submitter.ShouldBe("alice");
        detail.Row.Status.ShouldBe(JobStatus.Error);
        detail.Row.ErrorMessage.ShouldBe("The VM did not stop in time.");
        detail.ErrorClass.ShouldBe("OpExecError");
        detail.OpIds.ShouldBe(["OP_INSTANCE_SHUTDOWN"]);
        detail.Log.Select(l => (l.Serial, l.Message)).ShouldBe([(1L, "Shutting down"), (2L, "Timed out")]);
        detail.Log[0].Time.ShouldBe(new DateTimeOffset(2026, 11, 21, 11, 59, 0, TimeSpan.Zero));
        detail.Log[1].Time.ShouldBe(DateTimeOffset.FromUnixTimeMilliseconds(1795348741500));
        detail.Row.StartedAt.ShouldBe(job.StartedAt);
        detail.ReceivedAt.ShouldBe(job.ReceivedAt);
        detail.ClusterHealth.Slug.ShouldBe(_cluster.Slug);
    }

    [Fact]
    public async Task GetAsync_OutsideJobWithChildrenAndADeletedTarget()
    {
        var parent = await world.Build.AddJobAsync(_cluster, j =>
        {
            (j.Source, j.Operation, j.SubmittedByName) = (JobSource.Outside, "OP_NODE_EVACUATE", null);
            j.Summary = ["NODE_EVACUATE(node1)"];
            (j.TargetKind, j.TargetName) = (JobTargetKind.VirtualMachine, "deleted-long-ago.example.org");
        });
        await world.Build.AddJobAsync(_cluster, j => j.ParentJobId = parent.Id);
        await world.Build.AddJobAsync(_cluster, j => j.ParentJobId = parent.Id);

        var detail = await world.Jobs.GetAsync(Admin, parent.Id, CancellationToken.None);

        detail!.Row.Submitter.ShouldBe("outside the portal");
        detail.Row.Description.ShouldBe("NODE_EVACUATE(node1)");
        detail.Row.Target.ShouldBe(new JobTarget(JobTargetKind.VirtualMachine, "deleted-long-ago.example.org", Exists: false));
        detail.Children.Count.ShouldBe(2);
    }

    [Fact]
    public async Task GetAsync_UnknownOrNotSuperuser_ReturnsNull()
    {
        (await world.Jobs.GetAsync(Admin, 987654321, CancellationToken.None)).ShouldBeNull();
        (await world.Jobs.GetAsync(TestPrincipals.Regular(), _jobs[0].Id, CancellationToken.None)).ShouldBeNull();
        (await world.Jobs.ListAsync(TestPrincipals.Regular(), new JobQuery(), CancellationToken.None)).Total.ShouldBe(0);
    }
}
