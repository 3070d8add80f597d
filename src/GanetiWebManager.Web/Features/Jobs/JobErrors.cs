using GanetiWebManager.Rapi.Exceptions;
using GanetiWebManager.Rapi.Models;

namespace GanetiWebManager.Web.Features.Jobs;

/// <summary>Turns Ganeti's failures (a failed job, a refused or unanswered request) into sentences a user understands.</summary>
public static class JobErrors
{
    /// <summary>The decoded failure of a job that ended in error or was cancelled.</summary>
    public static string Describe(JobFailure failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        var text = failure.ErrorClass switch
        {
            // A master failover kills the jobs running on the old master (real-ganeti-2node.md): the job did not
            // fail on its merits, and what it had done so far stays done.
            "NoMasterError" =>
                "The job was stopped because the cluster's master node changed while it was running. " +
                "Part of the change may have been made: check the object's state and run the action again if needed.",
            "HypervisorError" => $"The hypervisor reported an error: {Sentence(failure.Message)}",
            "HooksAbort" or "HooksFailure" => $"A cluster hook refused the operation: {Sentence(failure.Message)}",
            "BlockDeviceError" => $"A disk operation failed: {Sentence(failure.Message)}",
            "ResolverError" => $"A name could not be resolved: {Sentence(failure.Message)}",
            "TagError" => $"The tags were refused: {Sentence(failure.Message)}",
            "QuitGanetiException" or "JobLost" => "Ganeti lost the job while it was running (a daemon stopped).",
            _ => null,
        };

        if (text is null)
        {
            return failure.ToUserMessage();
        }

        return failure.IsPartial
            ? text + " Earlier steps of the job had already completed, so part of the change was made."
            : text;
    }

    /// <summary>Why RAPI refused a submission outright (nothing was queued).</summary>
    public static string DescribeRefusal(RapiException error) => error switch
    {
        RapiBadRequestException e => $"Ganeti refused the request: {Sentence(e.ServerMessage ?? e.Message)}",
        RapiAuthenticationException => "The cluster refused the portal's RAPI user name or password; an admin must update them.",
        RapiForbiddenException e => $"The portal's RAPI user may not do this on the cluster ({Sentence(e.ServerMessage ?? "forbidden")})",
        RapiNotFoundException e => $"The cluster does not know the object: {Sentence(e.ServerMessage ?? e.Message)}",
        RapiJobQueueDrainedException =>
            "The cluster's job queue is drained: an administrator stopped new jobs (e.g. for an upgrade). Try again later.",
        RapiJobQueueFullException =>
            "The cluster's job queue is full (it needs archiving); nothing was queued. Try again in a few minutes.",
        RapiCertificateException =>
            "The cluster presented a certificate the portal does not trust; an admin must check and accept it. Nothing was sent.",
        _ => Sentence(error.Message),
    };

    /// <summary>
    /// True when RAPI's answer proves that no job was queued: an HTTP refusal before the job was created, or a TLS
    /// failure before the request left. Anything else (timeouts, resets, 5xx other than "drained") is uncertain.
    /// </summary>
    public static bool ProvesNothingQueued(RapiException error) => error switch
    {
        RapiHttpException { StatusCode: >= 400 and < 500 } => true,
        RapiJobQueueDrainedException or RapiJobQueueFullException => true,
        RapiCertificateException => true,
        _ => false,
    };

    private static string Sentence(string text)
    {
        var trimmed = text.Trim().TrimEnd('.');
        return trimmed.Length == 0 ? "no details." : trimmed + ".";
    }
}
