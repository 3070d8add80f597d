using System.Collections.Frozen;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using GanetiWebManager.Rapi;
using GanetiWebManager.Rapi.Models;

namespace GanetiWebManager.Web.Features.Jobs;

/// <summary>
/// One thing the portal asks Ganeti to do, as a job. An action is stored with its intent (as JSON, in
/// <c>jobs.request</c>) before anything is sent, so that after a crash it can be found in Ganeti's queue or
/// sent again. A new action is a record deriving from this class, tagged with <see cref="JobActionAttribute"/>;
/// nothing else registers it.
/// </summary>
/// <example>
/// <code>
/// [JobAction(JobOperations.InstanceStartup)]
/// public sealed record StartInstance(string InstanceName) : JobAction
/// {
///     public override Task&lt;JobId&gt; SubmitAsync(IGanetiRapiClient rapi, string? reason, CancellationToken ct) =&gt;
///         rapi.StartupInstanceAsync(InstanceName, new() { Reason = reason }, ct);
/// }
/// </code>
/// </example>
public abstract record JobAction
{
    /// <summary>The portal's name of what the job does (<c>jobs.operation</c>).</summary>
    [JsonIgnore]
    public string Operation => JobActionTypes.OperationOf(GetType());

    /// <summary>
    /// Whether the RAPI call takes <c>?reason=</c>, which carries the intent's marker into the opcode's reason
    /// trail. RAPI refuses it on reinstall and ignores it on node migrate; such actions set this to false and
    /// give <see cref="ExpectedSummary"/>, so that their job can be recognised by what it does and when.
    /// </summary>
    [JsonIgnore]
    public virtual bool CarriesMarker => true;

    /// <summary>A line of the job's summary as Ganeti will write it, e.g. <c>INSTANCE_REINSTALL(web1)</c>.</summary>
    [JsonIgnore]
    public virtual string? ExpectedSummary => null;

    /// <summary>Sends the request. <paramref name="reason"/> is the intent's marker (null when it cannot be carried).</summary>
    public abstract Task<JobId> SubmitAsync(IGanetiRapiClient rapi, string? reason, CancellationToken ct);

    /// <summary>
    /// Why sending this action again after a crash would be wrong, or null when it is safe. Called only when
    /// Ganeti's queue holds no job of this intent. A create, for instance, is never sent again when an instance
    /// of that name exists: the first request may have run and its job been archived.
    /// </summary>
    public virtual Task<string?> WhyNotResendAsync(IGanetiRapiClient rapi, CancellationToken ct) => Task.FromResult<string?>(null);

    public string ToJson() => JsonSerializer.Serialize(this, GetType(), JobActionTypes.JsonOptions);
}

/// <summary>Names the operation of a <see cref="JobAction"/> record (stored as <c>jobs.operation</c>).</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class JobActionAttribute(string operation) : Attribute
{
    public string Operation { get; } = operation;
}

/// <summary>Every <see cref="JobAction"/> of the portal, found once by reflection, by operation name.</summary>
public static class JobActionTypes
{
    internal static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    private static readonly FrozenDictionary<Type, string> Operations = typeof(JobAction).Assembly.GetTypes()
        .Where(t => t.IsSubclassOf(typeof(JobAction)) && !t.IsAbstract)
        .ToFrozenDictionary(
            t => t,
            t => t.GetCustomAttribute<JobActionAttribute>()?.Operation
                 ?? throw new InvalidOperationException($"{t.Name} derives from JobAction but has no [JobAction(\"...\")] attribute."));

    private static readonly FrozenDictionary<string, Type> Types = Operations.ToFrozenDictionary(p => p.Value, p => p.Key);

    public static string OperationOf(Type type) =>
        Operations.TryGetValue(type, out var operation)
            ? operation
            : throw new InvalidOperationException($"{type.Name} is not a JobAction of the portal.");

    public static bool IsKnown(string operation) => Types.ContainsKey(operation);

    /// <summary>The action stored with an intent; null when the operation is unknown or the JSON does not fit it.</summary>
    public static JobAction? TryRead(string operation, string json)
    {
        if (!Types.TryGetValue(operation, out var type))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(json, type, JsonOptions) as JobAction;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
