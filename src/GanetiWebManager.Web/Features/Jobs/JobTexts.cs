using GanetiWebManager.Web.Domain.Jobs;

namespace GanetiWebManager.Web.Features.Jobs;

/// <summary>How jobs are named and described on pages.</summary>
public static class JobTexts
{
    /// <summary>A short verb phrase for an operation, e.g. <c>instance.startup</c> → <c>Start</c>.</summary>
    public static string Operation(string operation) => operation switch
    {
        JobOperations.InstanceStartup => "Start",
        JobOperations.InstanceShutdown => "Shut down",
        JobOperations.InstanceReboot => "Reboot",
        JobOperations.InstanceCreate => "Create",
        "instance.remove" => "Delete",
        "instance.migrate" => "Migrate",
        "instance.failover" => "Fail over",
        JobOperations.InstanceReinstall => "Reinstall",
        "instance.rename" => "Rename",
        "instance.set_params" => "Modify",
        "node.evacuate" => "Evacuate",
        "node.migrate" => "Migrate all",
        _ => operation,
    };

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
