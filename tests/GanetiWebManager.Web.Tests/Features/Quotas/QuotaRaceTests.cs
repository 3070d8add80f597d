using System.Diagnostics;
using System.Security.Claims;
using GanetiWebManager.FakeRapi;
using GanetiWebManager.Rapi.Requests;
using GanetiWebManager.Testing;
using GanetiWebManager.Testing.Inventory;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Clusters;
using GanetiWebManager.Web.Domain.Jobs;
using GanetiWebManager.Web.Domain.Quotas;
using GanetiWebManager.Web.Features.Clusters;
using GanetiWebManager.Web.Features.Jobs;
using GanetiWebManager.Web.Features.Quotas;
using GanetiWebManager.Web.Features.VirtualMachines.Actions;
using GanetiWebManager.Web.Tests.Features.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace GanetiWebManager.Web.Tests.Features.Quotas;

/// <summary>
/// product-spec §5 / issue 4 §5: 50 parallel requests by one owner whose quota admits 10 submit exactly 10 jobs,
/// counted by what the fake RAPI server received, every time (20 rounds against PostgreSQL). Each request runs on its
/// own task, so on its own pooled connection; the advisory lock per (owner, cluster) is all that serialises them.
/// Jobs are held in the fake's queue so nothing settles during a round.
/// </summary>
public sealed class QuotaRaceTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Parallel = 50;
    private const int Admitted = 10;
    private const int Rounds = 20;

    private FakeRapiServer _fake = null!;
    private TestDatabase _database = null!;
    private ServiceProvider _services = null!;
    private Cluster _cluster = null!;
    private ClaimsPrincipal _alice = null!;
    private Guid _aliceId;

    public async Task InitializeAsync()
    {
        _fake = await FakeRapiServer.StartAsync(new FakeClusterOptions { Instances = 0, HoldJobs = true });
        _database = await TestDatabase.CreateAsync("quotarace");
        _services = await PortalServices.CreateAsync(_database, new Dictionary<string, string?>
        {
            ["Rapi:RequestTimeout"] = "00:00:30",
            ["Quotas:SettlerEnabled"] = "false",
        });
        var connector = _services.GetRequiredService<ClusterConnector>();
        _cluster = new Cluster
        {
            Slug = "race",
            Hostname = _fake.BaseUrl.Host,
            Port = _fake.BaseUrl.Port,
            RapiUsername = _fake.WriteUser.Name,
            RapiPasswordProtected = connector.ProtectPassword(_fake.WriteUser.Password),
            CertificateSha256 = _fake.CertificateSha256,
            CreatedAt = TimeProvider.System.GetUtcNow(),
        };
        await using (var db = await Db())
        {
            db.Clusters.Add(_cluster);
            await db.SaveChangesAsync();
        }

        _alice = await JobsTestSupport.CreateUserAsync(_services, "alice", superuser: false);
        _aliceId = Guid.Parse(_alice.FindFirstValue(ClaimTypes.NameIdentifier)!);
    }

    public async Task DisposeAsync()
    {
        _fake.Cluster.Jobs.Release();
        await _services.DisposeAsync();
        await _database.DisposeAsync();
        await _fake.DisposeAsync();
    }

    [Fact]
    public async Task ReserveForCreate_50ParallelCreatesQuotaAdmits10_Exactly10JobsReachRapi_20Rounds()
    {
        // Disk only (no start): each create needs 1 GiB, the owner's disk quota is 10 GiB.
        await SetOverrideAsync(new QuotaOverride { ClusterId = _cluster.Id, UserId = _aliceId, DiskMiB = Admitted * 1024L, UpdatedAt = DateTimeOffset.UnixEpoch });
        var quotas = _services.GetRequiredService<QuotaService>();
        var submitter = _services.GetRequiredService<JobSubmitter>();
        var node = _fake.Cluster.NodeNames[0];
        var clock = Stopwatch.StartNew();

        for (var round = 0; round < Rounds; round++)
        {
            var before = ReceivedCreates();
            using var start = new ManualResetEventSlim();
            var tasks = Enumerable.Range(0, Parallel).Select(i => Task.Run(async () =>
            {
                start.Wait();
                var name = $"quo-r{round}-{i}";
                // What the create paths (wizard, template, bulk, API) do: reserve, then submit with the hold linked.
                var decision = await quotas.ReserveForCreateAsync(_alice, _cluster.Id, QuotaOwner.User(_aliceId), name, diskMiB: 1024, ramMiB: 512, vcpus: 1, start: false);
                if (!decision.Granted)
                {
                    return (Granted: false, Message: decision.Message);
                }

                var request = new CreateInstanceRequest
                {
                    Name = name, DiskTemplate = "plain", OsType = "noop", PrimaryNode = node,
                    Disks = [new DiskDefinition { Size = 1024 }], Nics = [new NicDefinition()],
                };
                var result = await submitter.SubmitAsync(
                    new JobActionTarget(_cluster.Id, JobTargetKind.VirtualMachine, name), new CreateInstance(request), JobRequester.From(_alice),
                    decision.Hold!.LinkIntentAsync);
                result.Submission.ShouldBe(JobSubmission.Submitted, result.Message);
                return (Granted: true, Message: (string?)null);
            })).ToList();
            start.Set();
            var outcomes = await Task.WhenAll(tasks);

            outcomes.Count(o => o.Granted).ShouldBe(Admitted, $"round {round}");
            (ReceivedCreates() - before).ShouldBe(Admitted, $"round {round}: jobs received by the RAPI server");
            outcomes.Where(o => !o.Granted).ShouldAllBe(o => o.Message!.Contains("needs 1024 MiB of disk, 0 of 10240 MiB left"));
            await using (var db = await Db())
            {
                var held = await db.QuotaReservations.Where(r => r.State == QuotaReservationState.Held).ToListAsync();
                held.Count.ShouldBe(Admitted);
                held.ShouldAllBe(r => r.JobId != null && r.RamMiB == 0 && r.DiskMiB == 1024, "linked to its job; a create without start reserves disk only");
            }

            await ResetRoundAsync();
        }

        output.WriteLine($"{Rounds} rounds of {Parallel} parallel creates: {clock.Elapsed.TotalSeconds:0.0} s");
    }

    [Fact]
    public async Task Start_50ParallelStartsQuotaAdmits10_Exactly10JobsReachRapi_20Rounds()
    {
        var names = _fake.Cluster.AddInstances(Parallel);
        _fake.Cluster.ShutdownInstances(names);
        // Mirrored as the sync would, with known sizes (the fake generates varied ones). Alice owns all 50, so she may
        // start them; each needs 512 MiB and 1 vCPU when started; her quota admits 10 vCPUs.
        var inventory = new InventoryBuilder(_services.GetRequiredService<IDbContextFactory<AppDbContext>>());
        var vmIds = new List<long>();
        foreach (var name in names)
        {
            var vm = await inventory.AddVmAsync(_cluster, name, v =>
            {
                v.OwnerUserId = _aliceId;
                v.Status = "ADMIN_down";
                v.OperState = false;
                v.AdminState = "down";
                v.Vcpus = 1;
                v.MaxMemoryMiB = 512;
            });
            vmIds.Add(vm.Id);
        }

        vmIds.Count.ShouldBe(Parallel);
        await SetOverrideAsync(new QuotaOverride { ClusterId = _cluster.Id, UserId = _aliceId, Vcpus = Admitted, UpdatedAt = DateTimeOffset.UnixEpoch });
        var power = _services.GetRequiredService<VmPowerService>();
        var clock = Stopwatch.StartNew();

        for (var round = 0; round < Rounds; round++)
        {
            var before = ReceivedStarts();
            using var start = new ManualResetEventSlim();
            var tasks = vmIds.Select(id => Task.Run(async () =>
            {
                start.Wait();
                return await power.StartAsync(_alice, id);
            })).ToList();
            start.Set();
            var results = await Task.WhenAll(tasks);

            results.Count(r => r.Outcome == VmActionOutcome.Accepted).ShouldBe(Admitted, $"round {round}: " + string.Join(" | ", results.Select(r => r.Message).Distinct()));
            (ReceivedStarts() - before).ShouldBe(Admitted, $"round {round}: jobs received by the RAPI server");
            results.Where(r => r.Outcome == VmActionOutcome.Refused)
                .ShouldAllBe(r => r.Message.Contains("needs 1 vCPU, 0 of 10 left") && r.JobId == null);
            await using (var db = await Db())
            {
                (await db.AuditLog.CountAsync(a => a.Action == "vm.start" && a.Outcome == Web.Domain.Audit.AuditOutcome.Refused)).ShouldBe((round + 1) * (Parallel - Admitted));
            }

            await ResetRoundAsync();
        }

        output.WriteLine($"{Rounds} rounds of {Parallel} parallel starts: {clock.Elapsed.TotalSeconds:0.0} s");
    }

    private int ReceivedCreates() => _fake.RequestLog.Where(r => r.Method == "POST" && r.Path == "/2/instances" && r.JobId != null).Count;

    private int ReceivedStarts() => _fake.RequestLog.Where(r => r.Method == "PUT" && r.Path.EndsWith("/startup", StringComparison.Ordinal) && r.JobId != null).Count;

    /// <summary>Forgets the round's jobs and reservations, as if they had failed and been released.</summary>
    private async Task ResetRoundAsync()
    {
        await using var db = await Db();
        await db.QuotaReservations.ExecuteDeleteAsync();
        await db.Jobs.ExecuteDeleteAsync();
    }

    private async Task SetOverrideAsync(QuotaOverride row)
    {
        await using var db = await Db();
        await db.QuotaOverrides.ExecuteDeleteAsync();
        db.QuotaOverrides.Add(row);
        await db.SaveChangesAsync();
    }

    private async Task<AppDbContext> Db() => await _services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
}
