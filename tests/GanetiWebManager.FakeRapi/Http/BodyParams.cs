using System.Text.Json.Nodes;
using GanetiWebManager.FakeRapi.Json;

namespace GanetiWebManager.FakeRapi.Http;

/// <summary>The type an opcode parameter must have (Ganeti's opcode validation).</summary>
internal enum ParamType
{
    Any,
    Bool,
    Int,
    NonNegativeInt,
    String,
    NonEmptyString,
    MaybeString,
    List,
    Dict,
    MaybeDict,
    DictList,
}

/// <summary>One parameter an opcode accepts from a RAPI body.</summary>
internal sealed record Param(string Name, ParamType Type, bool Required = false, IReadOnlyList<string>? Values = null);

/// <summary>
/// Checks a RAPI body against an opcode's parameters as rlib2's FillOpcode does, with the real server's messages:
/// static parameters (<c>dry_run</c>), renamed aliases given twice, unknown parameters, missing or mistyped ones.
/// </summary>
internal static class BodyParams
{
    /// <summary>Parameters every opcode accepts besides its own.</summary>
    private static readonly Param[] Generic =
    [
        new("depends", ParamType.Any), new("priority", ParamType.Int), new("comment", ParamType.MaybeString),
        new("debug_level", ParamType.Int), new("reason", ParamType.List),
    ];

    public static JsonObject Validate(
        JsonObject body, string opId, IReadOnlyList<Param> parameters, IReadOnlyDictionary<string, string>? renames = null, IReadOnlyCollection<string>? statics = null)
    {
        var result = (JsonObject)body.DeepClone();
        var overwritten = result.Select(p => p.Key).Where(k => statics?.Contains(k) == true || k == "dry_run").ToList();
        if (overwritten.Count > 0)
        {
            throw RapiHttpException.BadRequest($"Can't overwrite static parameters {{{string.Join(", ", overwritten.Select(PythonRepr.Str))}}}");
        }

        foreach (var (alias, real) in renames ?? new Dictionary<string, string>())
        {
            if (result.ContainsKey(alias))
            {
                if (result.ContainsKey(real))
                {
                    throw RapiHttpException.BadRequest($"Parameter '{alias}' was renamed to '{real}', but both are specified");
                }

                var value = result[alias]?.DeepClone();
                result.Remove(alias);
                result[real] = value;
            }
        }

        var className = ClassName(opId);
        foreach (var (key, _) in result)
        {
            if (!parameters.Any(p => p.Name == key) && !Generic.Any(p => p.Name == key))
            {
                throw RapiHttpException.BadRequest($"Invalid body parameters: Object {className} doesn't support the parameter {PythonRepr.Str(key)}");
            }
        }

        foreach (var parameter in parameters.Concat(Generic))
        {
            var present = result.TryGetPropertyValue(parameter.Name, out var value);
            if ((!present && parameter.Required) || (present && !Fits(parameter, value)))
            {
                throw Invalid(opId, parameter.Name);
            }
        }

        return result;
    }

    public static RapiHttpException Invalid(string opId, string parameter) =>
        RapiHttpException.BadRequest($"Invalid body parameters: {PythonRepr.Tuple($"Parameter '{opId}.{parameter}' fails validation", "wrong_input")}");

    /// <summary>OP_INSTANCE_CREATE → OpInstanceCreate.</summary>
    public static string ClassName(string opId) =>
        "Op" + string.Concat(opId["OP_".Length..].Split('_').Select(w => w[..1] + w[1..].ToLowerInvariant()));

    private static bool Fits(Param parameter, JsonNode? value)
    {
        var fits = parameter.Type switch
        {
            ParamType.Any => true,
            ParamType.Bool => value is JsonValue v && v.TryGetValue<bool>(out _),
            ParamType.Int => IsInt(value, allowNegative: true),
            ParamType.NonNegativeInt => IsInt(value, allowNegative: false),
            ParamType.String => value is JsonValue v && v.TryGetValue<string>(out _),
            ParamType.NonEmptyString => value is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0,
            ParamType.MaybeString => value is null || (value is JsonValue v && v.TryGetValue<string>(out _)),
            ParamType.List => value is JsonArray,
            ParamType.Dict => value is JsonObject,
            ParamType.MaybeDict => value is null or JsonObject,
            ParamType.DictList => value is JsonArray a && a.All(i => i is JsonObject),
            _ => false,
        };
        return fits && (parameter.Values is null || (value is JsonValue e && e.TryGetValue<string>(out var text) && parameter.Values.Contains(text)));
    }

    private static bool IsInt(JsonNode? value, bool allowNegative) =>
        value is JsonValue v && !v.TryGetValue<bool>(out _) && v.TryGetValue<long>(out var n) && (allowNegative || n >= 0);
}
