using System.Diagnostics;
using GanetiWebManager.Testing;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Jobs;
using GanetiWebManager.Web.Features.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace GanetiWebManager.E2E.Jobs;

/// <summary>
/// Drives the crash tests: the real portal process, a click in Chromium, SIGKILL at a pause point, a restart, and
/// the database read directly (the test shares the portal's database, never its memory).
/// </summary>
internal sealed class CrashHarness(TestDatabase database, IBrowser browser)
{
    /// <summary>Settings for a portal that notices everything within a second or two.</summary>
    /// <remarks>
    /// Paused portals check the job queue only once, at start: otherwise the live portal's own job pass would find
    /// the marker and record the job id while the submitter waits at <see cref="JobPausePoint.AfterAccept"/>, and the
    /// kill would no longer fall in the window "accepted, id not committed" that the test is about.
    /// </remarks>
    public static Dictionary<string, string?> FastPortal(JobPausePoint pauseAt) => new()
    {
        ["Sync:ConfigInterval"] = "00:00:01",
        ["Sync:RuntimeInterval"] = "00:00:01",
        ["Sync:NodeInterval"] = "00:00:05",
        ["Sync:JobInterval"] = pauseAt == JobPausePoint.None ? "00:00:01" : "01:00:00",
        ["Rapi:RequestTimeout"] = "00:00:05",
        ["Jobs:AnswerGrace"] = "00:00:01",
        ["Jobs:PollMinInterval"] = "00:00:00.200",
        ["Jobs:PollMaxInterval"] = "00:00:01",
        ["Jobs:Testing:PauseAt"] = pauseAt.ToString(),
        ["Logging:LogLevel:Default"] = "Warning",
        ["Logging:LogLevel:GanetiWebManager"] = "Information",
    };

    public async Task<T> QueryAsync<T>(Func<AppDbContext, Task<T>> query)
    {
        await using var db = new AppDbContext(new DbContextOptionsBuilder<AppDbContext>().UseNpgsql(database.ConnectionString).Options);
        return await query(db);
    }

    public async Task<T> WaitForAsync<T>(Func<AppDbContext, Task<T>> query, Func<T, bool> condition, TimeSpan timeout, string what, PortalProcess? portal = null)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var value = await QueryAsync(query);
            if (condition(value))
            {
                return value;
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"{what} did not happen within {timeout.TotalSeconds:0} s (last value: {value}).\n{portal?.Output}");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>Signs in as the superuser, opens the VM's power actions and clicks one of them.</summary>
    public async Task<IBrowserContext> ClickAsync(PortalProcess portal, string clusterSlug, string vmName, string buttonTestId)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = portal.BaseUrl });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/account/login");
        await page.GetByLabel("User name").FillAsync(PortalFactory.SuperuserName);
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(PortalFactory.SuperuserPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview" })).ToBeVisibleAsync();

        await page.GotoAsync(Web.Components.Shared.PortalLinks.Vm(clusterSlug, vmName));
        // Clicks before the circuit is up would land on the pre-rendered page and do nothing.
        await Expect(page.Locator("[data-testid=vm-power-actions][data-interactive=true]")).ToBeVisibleAsync();
        var button = page.GetByTestId(buttonTestId);
        await Expect(button).ToBeEnabledAsync();
        await button.ClickAsync();
        return context;
    }

    /// <summary>Parses the pause line: the portal job id and its marker.</summary>
    public static (long JobId, string Marker) ParsePause(string line)
    {
        var words = PortalProcess.Words(line);
        return (long.Parse(words["job"], System.Globalization.CultureInfo.InvariantCulture), words["marker"]);
    }

    /// <summary>The portal's row of the intent once it has ended (after reconciliation and following).</summary>
    public Task<Job> WaitForEndAsync(long jobId, PortalProcess portal, TimeSpan timeout) =>
        WaitForAsync(db => db.Jobs.AsNoTracking().SingleAsync(j => j.Id == jobId), j => j.IsFinished, timeout, $"the end of job {jobId}", portal);

    public static string Describe(Job job) =>
        $"job {job.Id}: submission {job.Submission}, status {job.Status}, Ganeti id {job.GanetiJobId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}, attempts {job.SubmissionAttempts}";

    /// <summary>Appends a line to artifacts/e2e/crash-tests.txt (the figures the closing report quotes).</summary>
    public static void Record(string line)
    {
        var path = Path.Combine(PortalInBrowserFixture.ArtifactsDirectory, "crash-tests.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.AppendAllText(path, $"{TimeProvider.System.GetUtcNow():O} {line}{Environment.NewLine}");
    }

    /// <summary>Counts jobs in a queue listing whose reason trail carries the marker.</summary>
    public static int CountMarked(IEnumerable<Rapi.Models.JobInfo> queue, string marker) =>
        queue.Count(j => JobMarkers.FindIn(j).Contains(marker));
}
