namespace GanetiWebManager.Web.Domain.Jobs;

/// <summary>
/// A Ganeti job the portal knows of: one it submitted (recorded as an intent before the RAPI call, its id
/// added after, product-spec §6) or one started outside the portal and discovered by the sync.
/// </summary>
public sealed class Job
{
    public long Id { get; set; }

    public int ClusterId { get; set; }

    /// <summary>Ganeti's job id; null while the intent has not reached Ganeti (or is not known to have).</summary>
    public long? GanetiJobId { get; set; }

    public JobSource Source { get; set; }

    /// <summary>What the job does, in the portal's words (e.g. <c>instance.startup</c>); see <see cref="JobOperations"/>.</summary>
    public required string Operation { get; set; }

    /// <summary>The parameters of the RAPI call (JSON), kept so an intent can be submitted after a restart.</summary>
    public string Request { get; set; } = "{}";

    /// <summary>Unique text sent in the opcode's reason trail; finds the job in Ganeti's queue after a crash.</summary>
    public string? Marker { get; set; }

    public JobSubmission Submission { get; set; }

    public string? SubmissionError { get; set; }

    /// <summary>How often the RAPI call was (about to be) sent; counted before each call, so a crash never loses one.</summary>
    public int SubmissionAttempts { get; set; }

    /// <summary>When the last RAPI call for this intent started; an answer may still come until its timeout.</summary>
    public DateTimeOffset? LastAttemptAt { get; set; }

    public JobTargetKind TargetKind { get; set; }

    public long? VirtualMachineId { get; set; }

    public int? NodeId { get; set; }

    /// <summary>Name of the target when the job was recorded; kept after the object is gone.</summary>
    public string TargetName { get; set; } = "";

    public Guid? SubmittedByUserId { get; set; }

    /// <summary>User name of the submitter when submitted; kept after the user is gone.</summary>
    public string? SubmittedByName { get; set; }

    public JobStatus Status { get; set; }

    public List<string> OpIds { get; set; } = [];

    public List<string> Summary { get; set; } = [];

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? SubmittedAt { get; set; }

    public DateTimeOffset? ReceivedAt { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? EndedAt { get; set; }

    /// <summary>The job's log (JSON array of {serial, time, type, message}).</summary>
    public string Log { get; set; } = "[]";

    public long? LastLogSerial { get; set; }

    /// <summary>Ganeti's opresult (JSON), kept for the job page.</summary>
    public string? Result { get; set; }

    /// <summary>The failure decoded into a sentence a user understands.</summary>
    public string? ErrorMessage { get; set; }

    /// <summary>Ganeti's error class and code, e.g. <c>OpPrereqError</c> / <c>wrong_state</c>.</summary>
    public string? ErrorClass { get; set; }

    public string? ErrorCode { get; set; }

    /// <summary>The portal job that spawned this one (node evacuate and migrate return child jobs).</summary>
    public long? ParentJobId { get; set; }

    public bool IsFinished => Status is JobStatus.Success or JobStatus.Error or JobStatus.Canceled or JobStatus.Unknown;
}

public enum JobSource
{
    Portal,
    Outside,
}

/// <summary>Where a portal intent stands with respect to Ganeti.</summary>
public enum JobSubmission
{
    /// <summary>Recorded, not (known to be) at Ganeti yet.</summary>
    Pending,

    /// <summary>Ganeti accepted it; <see cref="Job.GanetiJobId"/> is set.</summary>
    Submitted,

    /// <summary>RAPI refused it outright (a 4xx answer); nothing runs.</summary>
    Rejected,

    /// <summary>Not submitted again after a crash because it could not be proven safe (e.g. the instance to create exists).</summary>
    Abandoned,
}

public enum JobTargetKind
{
    Cluster,
    Node,
    VirtualMachine,
}

/// <summary>Ganeti's job states, plus <see cref="Pending"/> (not at Ganeti yet) and <see cref="Unknown"/> (archived unseen).</summary>
public enum JobStatus
{
    Pending,
    Queued,
    Waiting,
    Running,
    Canceling,
    Canceled,
    Success,
    Error,
    Unknown,
}

/// <summary>The portal's names for what a job does.</summary>
public static class JobOperations
{
    public const string InstanceCreate = "instance.create";
    public const string InstanceStartup = "instance.startup";
    public const string InstanceShutdown = "instance.shutdown";
    public const string InstanceReboot = "instance.reboot";
    public const string InstanceReinstall = "instance.reinstall";
    public const string InstanceTagsAdd = "instance.tags.add";
    public const string InstanceTagsRemove = "instance.tags.remove";

    // --- i5-actions ---
    public const string InstanceModify = "instance.modify";
    public const string InstanceRename = "instance.rename";
    public const string InstanceRemove = "instance.remove";
    public const string InstanceMigrate = "instance.migrate";
    public const string InstanceFailover = "instance.failover";
    public const string InstanceReplaceDisks = "instance.replace-disks";
    public const string NodeSetRole = "node.role";
    public const string NodeMigrate = "node.migrate";
    public const string NodeEvacuate = "node.evacuate";
    public const string ClusterRedistributeConfig = "cluster.redistribute-config";
    public const string ClusterTagsAdd = "cluster.tags.add";
    public const string ClusterTagsRemove = "cluster.tags.remove";
}
