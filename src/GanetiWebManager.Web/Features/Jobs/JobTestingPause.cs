using GanetiWebManager.Web.Domain.Jobs;
using Microsoft.Extensions.Options;

namespace GanetiWebManager.Web.Features.Jobs;

/// <summary>
/// TEST ONLY (<c>Jobs:Testing:PauseAt</c>): stops a submission at one point and waits to be killed, so the crash
/// tests can SIGKILL the real portal process exactly there. The line it prints is what the test harness waits for.
/// With the setting absent (always, outside those tests) it does nothing.
/// </summary>
public sealed partial class JobTestingPause(IOptions<JobsOptions> options, ILogger<JobTestingPause> logger)
{
    public const string LinePrefix = "GWM-TEST-PAUSE";

    private readonly JobPausePoint _pauseAt = options.Value.Testing.PauseAt;

    public bool IsEnabled => _pauseAt != JobPausePoint.None;

    public async Task AtAsync(JobPausePoint point, Job job, CancellationToken ct)
    {
        if (point != _pauseAt)
        {
            return;
        }

        LogPausing(point, job.Id);
        // Standard output, flushed, in one write: the harness reads the process's stdout line by line.
        await System.Console.Out.WriteLineAsync($"{LinePrefix} {point} job={job.Id} marker={job.Marker} ganeti={job.GanetiJobId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"}");
        await System.Console.Out.FlushAsync(CancellationToken.None);
        await Task.Delay(Timeout.Infinite, ct);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Jobs:Testing:PauseAt: pausing at {Point} for job {JobId} until the process is killed (test-only setting)")]
    private partial void LogPausing(JobPausePoint point, long jobId);
}
