using System.Text.Json;

namespace GanetiWebManager.Rapi.Models;

/// <summary>
/// One job submitted by a node evacuate or node migrate job. Their result is
/// <c>{"jobs": [[true, 48], [false, "error text"]]}</c>: each entry says whether the submission worked and
/// gives either the new job id or the reason it was not submitted.
/// </summary>
/// <param name="Submitted">Whether Ganeti submitted the child job.</param>
/// <param name="JobId">The child job id when submitted.</param>
/// <param name="Error">Why the child job was not submitted.</param>
public sealed record ChildJob(bool Submitted, JobId? JobId, string? Error)
{
    /// <summary>Decodes a <c>{"jobs": [...]}</c> job result. Anything else gives an empty list.</summary>
    public static IReadOnlyList<ChildJob> ParseList(JsonElement result)
    {
        if (result.ValueKind != JsonValueKind.Object
            || !result.TryGetProperty("jobs", out var jobs)
            || jobs.ValueKind != JsonValueKind.Array)
        {
            return [];
        }

        var children = new List<ChildJob>();
        foreach (var entry in jobs.EnumerateArray())
        {
            if (entry.ValueKind != JsonValueKind.Array || entry.GetArrayLength() < 2)
            {
                continue;
            }

            var ok = entry[0].ValueKind == JsonValueKind.True;
            var value = entry[1];
            if (ok && TryReadJobId(value, out var id))
            {
                children.Add(new ChildJob(true, id, null));
            }
            else
            {
                var error = value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText();
                children.Add(new ChildJob(false, null, error));
            }
        }

        return children;
    }

    private static bool TryReadJobId(JsonElement value, out JobId id)
    {
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n))
        {
            id = new JobId(n);
            return true;
        }

        return Models.JobId.TryParse(value.ValueKind == JsonValueKind.String ? value.GetString() : null, null, out id);
    }
}
