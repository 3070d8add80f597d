using GanetiWebManager.FakeRapi;
using GanetiWebManager.Testing;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Clusters;
using GanetiWebManager.Web.Domain.Jobs;
using GanetiWebManager.Web.Features.Clusters;
using GanetiWebManager.Web.Features.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit.Abstractions;
using DomainJobStatus = GanetiWebManager.Web.Domain.Jobs.JobStatus;

namespace GanetiWebManager.E2E.Jobs;

/// <summary>
/// Crash safety of the job outbox against the fake RAPI, whose request log counts every request the portal sent:
/// the real portal process is SIGKILLed at each point of a submission and restarted, and the fake must have received
/// exactly one startup request per click — except when the kill came before the request left, where the one
/// request is the restarted portal's — and hold exactly one job carrying the intent's marker.
/// </summary>
public sealed class CrashSafetyFakeRapiTests(ITestOutputHelper output) : IAsyncLifetime
{
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        _playwright = await Playwright.CreateAsync();
        _browser = await PortalInBrowserFixture.LaunchChromiumAsync(_playwright);
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }

    [Theory]
    [InlineData(JobPausePoint.BeforeSubmit)]
    [InlineData(JobPausePoint.AfterAccept)]
    [InlineData(JobPausePoint.AfterCommit)]
    public async Task PortalKilledDuringAStart_AfterRestart_TheFakeReceivedExactlyOneJobForTheIntent(JobPausePoint killAt)
    {
        await using var fake = await FakeRapiServer.StartAsync(new FakeClusterOptions { Instances = 3 });
        var name = fake.Cluster.AddInstances(1)[0];
        fake.Cluster.ShutdownInstances([name]);
        await using var database = await TestDatabase.CreateAsync("crashfake");
        await using (var services = await PortalServices.CreateAsync(database))
        {
            var connector = services.GetRequiredService<ClusterConnector>();
            await using var db = await services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
            db.Clusters.Add(new Cluster
            {
                Slug = "fake",
                Hostname = fake.BaseUrl.Host,
                Port = fake.BaseUrl.Port,
                RapiUsername = fake.WriteUser.Name,
                RapiPasswordProtected = connector.ProtectPassword(fake.WriteUser.Password),
                CertificateSha256 = fake.CertificateSha256,
                CreatedAt = TimeProvider.System.GetUtcNow(),
            });
            await db.SaveChangesAsync();
        }

        var harness = new CrashHarness(database, _browser);
        var startup = $"/2/instances/{name}/startup";
        long jobId;
        string marker;
        int requestsAtKill;
        await using (var first = await PortalProcess.StartAsync(database, CrashHarness.FastPortal(killAt)))
        {
            await harness.WaitForAsync(
                db => db.VirtualMachines.Where(v => v.Name == name && v.Status == "ADMIN_down").Select(v => v.Id).FirstOrDefaultAsync(),
                id => id != 0, TimeSpan.FromSeconds(30), $"the sync of {name}", first);

            await using var browser = await harness.ClickAsync(first, "fake", name, "vm-start");
            (jobId, marker) = CrashHarness.ParsePause(await first.WaitForLineAsync(JobTestingPause.LinePrefix + " " + killAt, TimeSpan.FromSeconds(30)));
            await first.KillAndWaitAsync();

            requestsAtKill = fake.RequestLog.CountOf("PUT", startup);
            var atKill = await harness.QueryAsync(db => db.Jobs.AsNoTracking().SingleAsync(j => j.Id == jobId));
            output.WriteLine($"killed at {killAt}: {CrashHarness.Describe(atKill)}; startup requests received: {requestsAtKill}");
            requestsAtKill.ShouldBe(killAt == JobPausePoint.BeforeSubmit ? 0 : 1);
            atKill.Submission.ShouldBe(killAt == JobPausePoint.AfterCommit ? JobSubmission.Submitted : JobSubmission.Pending);
        }

        await using var second = await PortalProcess.StartAsync(database, CrashHarness.FastPortal(JobPausePoint.None));
        var job = await harness.WaitForEndAsync(jobId, second, TimeSpan.FromSeconds(60));

        var requests = fake.RequestLog.Where(r => r.Method == "PUT" && r.Path == startup);
        var submitted = requests.Where(r => r.JobId is not null).ToList();
        var marked = fake.Cluster.Jobs.List().Count(j => j.ReasonTrail.Contains(marker, StringComparison.Ordinal));
        var line = $"fake RAPI, killed at {killAt}: startup requests at kill {requestsAtKill}, after restart {requests.Count} " +
                   $"(jobs submitted {submitted.Count}, jobs carrying the marker {marked}); {CrashHarness.Describe(job)}";
        output.WriteLine(line);
        CrashHarness.Record(line);

        requests.Count.ShouldBe(1, "exactly one startup request per click");
        submitted.Count.ShouldBe(1);
        marked.ShouldBe(1);
        requests[0].Query.ShouldContain("reason=" + marker);
        job.GanetiJobId.ShouldBe(submitted[0].JobId);
        job.Status.ShouldBe(DomainJobStatus.Success, job.ErrorMessage);
        job.Submission.ShouldBe(JobSubmission.Submitted);
        job.SubmissionAttempts.ShouldBe(killAt == JobPausePoint.BeforeSubmit ? 2 : 1, "only the intent that never reached the server is sent again");
        (await harness.QueryAsync(db => db.Jobs.CountAsync(j => j.TargetName == name && j.Operation == JobOperations.InstanceStartup))).ShouldBe(1);
        await harness.WaitForAsync(db => db.VirtualMachines.Where(v => v.Name == name).Select(v => v.Status).SingleAsync(), s => s == "running", TimeSpan.FromSeconds(30), $"{name} running in the portal", second);
    }
}
