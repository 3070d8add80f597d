using System.Text.Json.Serialization;

namespace GanetiWebManager.Rapi.Requests;

/// <summary>
/// Options every job-submitting call accepts (except reinstall and node migrate, where RAPI refuses or ignores
/// query arguments). <see cref="Reason"/> goes into the opcode's reason trail as <c>?reason=</c>; the portal puts
/// a unique marker there to find its jobs again after a crash.
/// </summary>
public record JobOptions
{
    /// <summary>Free text recorded in the job's reason trail; null for none.</summary>
    [JsonIgnore] public string? Reason { get; init; }
}

/// <summary>Job options for calls where RAPI honours <c>dry-run=1</c>: a job is still created, but it only runs the
/// prerequisite checks.</summary>
public record DryRunJobOptions : JobOptions
{
    /// <summary>Only check whether the operation would work.</summary>
    [JsonIgnore] public bool DryRun { get; init; }
}
