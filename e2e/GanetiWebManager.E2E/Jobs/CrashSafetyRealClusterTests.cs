using GanetiWebManager.Testing;
using GanetiWebManager.Web.Domain.Jobs;
using GanetiWebManager.Web.Features.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using Xunit.Abstractions;
using DomainJobStatus = GanetiWebManager.Web.Domain.Jobs.JobStatus;

namespace GanetiWebManager.E2E.Jobs;

/// <summary>
/// Crash safety of the job outbox, proven on the real cluster: the real portal process is started, a VM is started
/// from its page in Chromium, the process is killed with SIGKILL at one point of the submission, started again, and
/// then Ganeti's own job queue must hold exactly one job that carries the intent's marker — not zero (lost), not two
/// (sent twice) — and the portal must show that job, ended.
/// </summary>
[Trait("Category", "RealCluster")]
public sealed class CrashSafetyRealClusterTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly SandboxCluster _sandbox = SandboxCluster.FromEnvironment();
    private readonly string _prefix = "jb" + Guid.NewGuid().ToString("N")[..6];
    private readonly List<string> _created = [];
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
        await _sandbox.DeleteInstancesAsync(_created);
        _sandbox.Dispose();
    }

    [Theory]
    [InlineData(JobPausePoint.BeforeSubmit)]
    [InlineData(JobPausePoint.AfterAccept)]
    [InlineData(JobPausePoint.AfterCommit)]
    public async Task PortalKilledDuringAStart_AfterRestart_GanetiRanExactlyOneJobForTheIntent(JobPausePoint killAt)
    {
        await using var database = await TestDatabase.CreateAsync("crash");
        await using (var services = await PortalServices.CreateAsync(database))
        {
            await _sandbox.RegisterAsync(services); // schema, key ring and the cluster, as the portal would store them
        }

        var name = $"{_prefix}-{killAt.ToString().ToLowerInvariant()}";
        _created.Add(name);
        await _sandbox.CreateInstanceAsync(name, start: false);
        var harness = new CrashHarness(database, _browser);

        long jobId;
        string marker;
        int markedAtKill;
        await using (var first = await PortalProcess.StartAsync(database, CrashHarness.FastPortal(killAt)))
        {
            await harness.WaitForAsync(
                db => db.VirtualMachines.Where(v => v.Name == name && v.Status == "ADMIN_down").Select(v => v.Id).FirstOrDefaultAsync(),
                id => id != 0, TimeSpan.FromSeconds(30), $"the sync of {name}", first);

            await using var browser = await harness.ClickAsync(first, "sandbox", name, "vm-start");
            (jobId, marker) = CrashHarness.ParsePause(await first.WaitForLineAsync(JobTestingPause.LinePrefix + " " + killAt, TimeSpan.FromSeconds(30)));
            await first.KillAndWaitAsync();

            markedAtKill = CrashHarness.CountMarked(await _sandbox.Rapi.GetJobsAsync(), marker);
            var atKill = await harness.QueryAsync(db => db.Jobs.AsNoTracking().SingleAsync(j => j.Id == jobId));
            output.WriteLine($"killed at {killAt}: {CrashHarness.Describe(atKill)}; jobs in Ganeti carrying {marker}: {markedAtKill}");
            atKill.Submission.ShouldBe(killAt == JobPausePoint.AfterCommit ? JobSubmission.Submitted : JobSubmission.Pending);
            markedAtKill.ShouldBe(killAt == JobPausePoint.BeforeSubmit ? 0 : 1);
        }

        await using var second = await PortalProcess.StartAsync(database, CrashHarness.FastPortal(JobPausePoint.None));
        var job = await harness.WaitForEndAsync(jobId, second, TimeSpan.FromSeconds(90));

        var marked = (await _sandbox.Rapi.GetJobsAsync()).Where(j => JobMarkers.FindIn(j).Contains(marker)).Select(j => j.Id.Value).ToList();
        var rows = await harness.QueryAsync(db => db.Jobs.CountAsync(j => j.TargetName == name && j.Operation == JobOperations.InstanceStartup));
        var line = $"real cluster, killed at {killAt}: marked jobs at kill {markedAtKill}, after restart {marked.Count} (Ganeti ids {string.Join(",", marked)}); portal rows {rows}; {CrashHarness.Describe(job)}";
        output.WriteLine(line);
        CrashHarness.Record(line);

        marked.Count.ShouldBe(1, "exactly one job per intent in Ganeti's queue");
        job.GanetiJobId.ShouldBe(marked[0]);
        job.Submission.ShouldBe(JobSubmission.Submitted);
        job.Status.ShouldBe(DomainJobStatus.Success, job.ErrorMessage);
        job.SubmissionAttempts.ShouldBe(killAt == JobPausePoint.BeforeSubmit ? 2 : 1, "only the intent that never reached Ganeti is sent again");
        rows.ShouldBe(1, "one portal job for one click");
        await harness.WaitForAsync(db => db.VirtualMachines.Where(v => v.Name == name).Select(v => v.Status).SingleAsync(), s => s == "running", TimeSpan.FromSeconds(30), $"{name} running in the portal", second);
    }
}
