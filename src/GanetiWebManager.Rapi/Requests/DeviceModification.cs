using System.Globalization;
using System.Text.Json.Serialization;
using GanetiWebManager.Rapi.Serialization;

namespace GanetiWebManager.Rapi.Requests;

/// <summary>
/// One entry of the <c>nics</c>/<c>disks</c> lists of an instance modify. Ganeti accepts the legacy form
/// <c>[op, {params}]</c> (op = <c>add</c>, <c>remove</c> or an index to modify) and the newer
/// <c>[action, target, {params}]</c> (action = <c>add|attach|remove|detach|modify</c>, target = index, <c>-1</c> to
/// append, or a name/UUID).
/// </summary>
[JsonConverter(typeof(DeviceModificationJsonConverter))]
public sealed record DeviceModification
{
    private DeviceModification(object operation, object? target, IReadOnlyDictionary<string, object?> parameters)
    {
        Operation = operation;
        Target = target;
        Parameters = parameters;
    }

    /// <summary>The first element: an action string or (legacy modify) an index.</summary>
    public object Operation { get; }

    /// <summary>The target of the newer three-element form; null for the legacy form.</summary>
    public object? Target { get; }

    /// <summary>The device parameters.</summary>
    public IReadOnlyDictionary<string, object?> Parameters { get; }

    /// <summary>Legacy <c>["add", {params}]</c>: append a device.</summary>
    public static DeviceModification Add(IReadOnlyDictionary<string, object?> parameters) =>
        new("add", null, parameters ?? throw new ArgumentNullException(nameof(parameters)));

    /// <summary>Legacy <c>["remove", {}]</c>: remove the last device.</summary>
    public static DeviceModification RemoveLast() => new("remove", null, EmptyParameters);

    /// <summary>Legacy <c>[index, {params}]</c>: change the device at an index.</summary>
    public static DeviceModification Modify(int index, IReadOnlyDictionary<string, object?> parameters) =>
        new(index, null, parameters ?? throw new ArgumentNullException(nameof(parameters)));

    /// <summary>Newer <c>[action, index, {params}]</c>; index -1 appends.</summary>
    public static DeviceModification Create(string action, int index, IReadOnlyDictionary<string, object?>? parameters = null) =>
        new(CheckAction(action), index, parameters ?? EmptyParameters);

    /// <summary>Newer <c>[action, name-or-uuid, {params}]</c>.</summary>
    public static DeviceModification Create(string action, string nameOrUuid, IReadOnlyDictionary<string, object?>? parameters = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(nameOrUuid);
        return new(CheckAction(action), nameOrUuid, parameters ?? EmptyParameters);
    }

    /// <summary>Renders the entry as JSON-like text for diagnostics.</summary>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"[{Operation}{(Target is null ? "" : ", " + Target)}, {{{string.Join(", ", Parameters.Select(p => p.Key + ": " + p.Value))}}}]");

    private static readonly IReadOnlyDictionary<string, object?> EmptyParameters = new Dictionary<string, object?>();

    private static string CheckAction(string action) => action is "add" or "attach" or "remove" or "detach" or "modify"
        ? action
        : throw new ArgumentException($"'{action}' is not a device action (add, attach, remove, detach, modify).", nameof(action));
}
