using GanetiWebManager.Web.Domain.Jobs;

namespace GanetiWebManager.Web.Features.Jobs;

/// <summary>How a job's state is described next to the action that started it.</summary>
public static class JobTexts
{
    /// <summary>A job's state in words, telling apart the portal's own outcomes (refused, unconfirmed, not sent).</summary>
    public static string Status(Job job) => job.Status switch
    {
        JobStatus.Pending when job.SubmissionError is not null => "Unconfirmed",
        JobStatus.Pending => "Sending",
        JobStatus.Queued => "Queued",
        JobStatus.Waiting => "Waiting",
        JobStatus.Running => "Running",
        JobStatus.Canceling => "Cancelling",
        JobStatus.Canceled => "Cancelled",
        JobStatus.Success => "Succeeded",
        JobStatus.Error when job.Submission == JobSubmission.Rejected => "Refused",
        JobStatus.Error => "Failed",
        JobStatus.Unknown when job.Submission == JobSubmission.Abandoned => "Not sent",
        _ => "Unknown",
    };
}
