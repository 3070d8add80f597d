namespace GanetiWebManager.Web.Domain.Audit;

/// <summary>
/// One line of the audit log (product-spec §11): a mutating action, allowed or refused. Entries outlive the
/// objects they mention, so they carry names as well as ids and have no foreign keys.
/// </summary>
public sealed class AuditEntry
{
    public long Id { get; set; }

    public DateTimeOffset At { get; set; }

    /// <summary>The acting user; null for the portal itself (sync, reconciliation).</summary>
    public Guid? ActorUserId { get; set; }

    public string ActorName { get; set; } = "";

    /// <summary>The persona acted as ("user:alice", "group:lab"), when one applies.</summary>
    public string? Persona { get; set; }

    /// <summary>Dotted action name, e.g. <c>vm.start</c>, <c>grants.vm.set</c>, <c>quota.set</c>.</summary>
    public required string Action { get; set; }

    public AuditOutcome Outcome { get; set; }

    /// <summary>Why a refusal happened (missing permission, quota), or a short note.</summary>
    public string? Reason { get; set; }

    public int? ClusterId { get; set; }

    public string? ClusterSlug { get; set; }

    public long? VirtualMachineId { get; set; }

    public string? VmName { get; set; }

    public string? NodeName { get; set; }

    /// <summary>A user the action was on (grants given to them, their account edited).</summary>
    public Guid? SubjectUserId { get; set; }

    public string? SubjectUserName { get; set; }

    /// <summary>A group the action was on or for.</summary>
    public int? GroupId { get; set; }

    public string? GroupSlug { get; set; }

    /// <summary>State before the change (JSON), when the action changes something.</summary>
    public string? Before { get; set; }

    /// <summary>State after the change (JSON).</summary>
    public string? After { get; set; }

    /// <summary>The portal's job row, when the action submitted a Ganeti job.</summary>
    public long? JobId { get; set; }
}

public enum AuditOutcome
{
    Allowed = 0,
    Refused = 1,
}
