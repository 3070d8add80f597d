using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using GanetiWebManager.Rapi.Models;

namespace GanetiWebManager.Web.Features.Jobs;

/// <summary>
/// The unique text an intent sends as <c>?reason=</c>. RAPI puts it into every opcode's reason trail as
/// <c>["gnt:user", marker, ns]</c>, where it survives in Ganeti's queue; after a crash, the job that carries it is
/// the intent's job, whatever happened to the portal in between.
/// </summary>
public static class JobMarkers
{
    public const string Prefix = "gwm-";

    /// <summary><c>gwm-&lt;portal job id&gt;-&lt;random&gt;</c>: readable in <c>gnt-job info</c>, impossible to guess or repeat.</summary>
    public static string Create(long jobId) =>
        string.Create(CultureInfo.InvariantCulture, $"{Prefix}{jobId}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}");

    /// <summary>Every portal marker in the job's reason trails (normally none or one).</summary>
    public static IReadOnlyList<string> FindIn(JobInfo job)
    {
        List<string>? found = null;
        foreach (var op in job.Ops)
        {
            if (!op.TryGetValue("reason", out var trail) || trail.ValueKind != JsonValueKind.Array)
            {
                continue;
            }

            foreach (var entry in trail.EnumerateArray())
            {
                if (entry.ValueKind == JsonValueKind.Array && entry.GetArrayLength() >= 2
                    && entry[1].ValueKind == JsonValueKind.String && entry[1].GetString() is { } text
                    && text.StartsWith(Prefix, StringComparison.Ordinal))
                {
                    found ??= [];
                    if (!found.Contains(text))
                    {
                        found.Add(text);
                    }
                }
            }
        }

        return found ?? (IReadOnlyList<string>)[];
    }

    /// <summary>
    /// Whether Ganeti submitted this job from another job (node evacuate and migrate do): such a job's reason trail
    /// carries its parent's <c>gnt:opcode:</c> entry before its own, and Ganeti comments it "Submitted by OP_...".
    /// </summary>
    public static bool IsSpawnedByAnotherJob(JobInfo job)
    {
        foreach (var op in job.Ops)
        {
            if (op.GetString("comment") is { } comment && comment.StartsWith("Submitted by ", StringComparison.Ordinal))
            {
                return true;
            }

            if (op.TryGetValue("reason", out var trail) && trail.ValueKind == JsonValueKind.Array
                && trail.EnumerateArray().Count(e => e.ValueKind == JsonValueKind.Array && e.GetArrayLength() >= 1
                    && e[0].ValueKind == JsonValueKind.String && e[0].GetString()!.StartsWith("gnt:opcode:", StringComparison.Ordinal)) >= 2)
            {
                return true;
            }
        }

        return false;
    }
}
