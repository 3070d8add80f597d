using System.ComponentModel.DataAnnotations;

namespace GanetiWebManager.Web.Features.Jobs;

/// <summary>How jobs are submitted, reconciled, discovered and followed (section <c>Jobs</c>). Validated at start.</summary>
public sealed class JobsOptions
{
    public const string SectionName = "Jobs";

    /// <summary>
    /// Long-polls (<c>/2/jobs/N/wait</c>) held open at once per cluster. Each pins one of RAPI's ~20 server slots,
    /// so the rest of the unfinished jobs are polled with back-off instead.
    /// </summary>
    [Range(0, 8, ErrorMessage = "Jobs:MaxLongPollsPerCluster must be between 0 and 8.")]
    public int MaxLongPollsPerCluster { get; set; } = 2;

    /// <summary>First interval between two polls of a job that has no long-poll slot; doubles up to <see cref="PollMaxInterval"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00", ErrorMessage = "Jobs:PollMinInterval must be between 0.1 second and 1 minute.")]
    public TimeSpan PollMinInterval { get; set; } = TimeSpan.FromSeconds(1);

    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00", ErrorMessage = "Jobs:PollMaxInterval must be between 0.1 second and 10 minutes.")]
    public TimeSpan PollMaxInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// An intent lost in a crash is sent again only within this time of its recording. Ganeti archives finished
    /// jobs (its watcher: after 6 hours), after which "not in the queue" no longer proves "never ran"; and a
    /// power action nobody has seen happen for an hour should not suddenly happen.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "06:00:00", ErrorMessage = "Jobs:ResendWithin must be between 0 and 6 hours.")]
    public TimeSpan ResendWithin { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Beyond the RAPI request timeout, how long an unanswered submission is left alone before it is judged lost.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00", ErrorMessage = "Jobs:AnswerGrace must be between 0 and 10 minutes.")]
    public TimeSpan AnswerGrace { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>On first contact with a cluster, how many of its most recent finished jobs are recorded (all unfinished ones are).</summary>
    [Range(0, 1000, ErrorMessage = "Jobs:FirstContactRecentJobs must be between 0 and 1000.")]
    public int FirstContactRecentJobs { get; set; } = 10;

    /// <summary>When more new jobs than this appeared since the last pass, one bulk listing replaces single fetches.</summary>
    [Range(1, 1000, ErrorMessage = "Jobs:SingleFetchLimit must be between 1 and 1000.")]
    public int SingleFetchLimit { get; set; } = 20;

    /// <summary>How often the follower looks in the database for unfinished jobs it is not following (e.g. recorded by another portal instance).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00", ErrorMessage = "Jobs:RescanInterval must be between 1 second and 10 minutes.")]
    public TimeSpan RescanInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Turns the follower off (tests that drive it themselves).</summary>
    public bool FollowerEnabled { get; set; } = true;

    /// <summary>Settings for the crash tests only; see <see cref="JobTestingOptions"/>.</summary>
    public JobTestingOptions Testing { get; set; } = new();
}

/// <summary>
/// TEST ONLY. Makes the submitter stop at a point of a submission, print <c>GWM-TEST-PAUSE &lt;point&gt; ...</c> on
/// standard output and wait until the process is killed, so that the crash tests can SIGKILL the portal exactly
/// there. Never set it on a real portal: every submission would hang.
/// </summary>
public sealed class JobTestingOptions
{
    public JobPausePoint PauseAt { get; set; } = JobPausePoint.None;
}

public enum JobPausePoint
{
    None,

    /// <summary>The intent is committed; RAPI has not been called.</summary>
    BeforeSubmit,

    /// <summary>RAPI accepted the job; its id is not committed yet.</summary>
    AfterAccept,

    /// <summary>The job id is committed.</summary>
    AfterCommit,
}
