using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using GanetiWebManager.FakeRapi.Jobs;
using GanetiWebManager.FakeRapi.Json;
using GanetiWebManager.FakeRapi.Model;

namespace GanetiWebManager.FakeRapi.Http;

/// <summary>One RAPI request being answered: what was asked, by whom, and helpers that read RAPI's arguments the
/// way rlib2 does.</summary>
internal sealed class RapiCall
{
    public required FakeCluster Cluster { get; init; }

    public required string Method { get; init; }

    public required string Path { get; init; }

    /// <summary>Raw query string including <c>?</c>, or empty.</summary>
    public required string Query { get; init; }

    public required IReadOnlyDictionary<string, IReadOnlyList<string>> QueryArgs { get; init; }

    public required Match Route { get; init; }

    /// <summary>The body, parsed; null without a body (or for a literal <c>null</c>).</summary>
    public JsonNode? Body { get; init; }

    public bool HasBody { get; init; }

    public string? User { get; init; }

    public Func<bool> QueueFull { get; init; } = () => false;

    public Func<bool> QueueDrained { get; init; } = () => false;

    /// <summary>Set when the request submitted a job.</summary>
    public long? SubmittedJob { get; set; }

    public string Name => Route.Groups["name"].Value;

    public string PathAndQuery => Path + Query;

    /// <summary>rlib2's integer/boolean query arguments: absent = default, anything not an int = 400.</summary>
    public long QueryInt(string name, long fallback = 0)
    {
        if (!QueryArgs.TryGetValue(name, out var values) || values.Count == 0)
        {
            return fallback;
        }

        return long.TryParse(values[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw RapiHttpException.BadRequest($"Invalid value for the '{name}' parameter");
    }

    public bool QueryBool(string name, bool fallback = false) => QueryInt(name, fallback ? 1 : 0) != 0;

    public string? QueryString(string name) => QueryArgs.TryGetValue(name, out var values) && values.Count > 0 ? values[0] : null;

    public IReadOnlyList<string> QueryList(string name) => QueryArgs.TryGetValue(name, out var values) ? values : [];

    /// <summary>The body as a dict (an absent body counts as <c>{}</c>).</summary>
    public JsonObject BodyObject() => Body switch
    {
        null => [],
        JsonObject o => o,
        _ => throw RapiHttpException.Internal("list indices must be integers or slices, not str"),
    };

    /// <summary>The generic part of an opcode built from this request (reason trail, dry-run, priority...).</summary>
    public OpSource Source(string? handler, bool dryRunSupported, JsonObject? body = null)
    {
        var now = JobTimestamp.From(Cluster.Time.GetUtcNow()).Nanoseconds;
        var reason = new JsonArray();
        if (handler is not null)
        {
            if (QueryString("reason") is { } text)
            {
                reason.Add(new JsonArray("gnt:user", text, now));
            }

            reason.Add(new JsonArray("gnt:library:rlib2:" + handler, "", now + 12_000));
        }

        return new OpSource
        {
            DryRun = dryRunSupported ? QueryBool("dry-run") : null,
            Reason = reason,
            Priority = (int)(Units.Long(body?["priority"]) ?? 0),
            Depends = body?["depends"],
            Comment = Units.Str(body?["comment"]),
        };
    }

    /// <summary>Submits a job (503 when the queue is full or drained) and answers its id.</summary>
    public byte[] Submit(params JsonObject[] ops)
    {
        if (QueueDrained())
        {
            throw new RapiHttpException(503, "Job queue is drained, cannot submit");
        }

        if (QueueFull())
        {
            throw new RapiHttpException(503, "Job queue is full, needs archiving");
        }

        lock (Cluster.Sync)
        {
            var job = Cluster.Jobs.Submit(ops.Select(Opcodes.Bind).ToList());
            SubmittedJob = job.Id;
            return PythonJson.Serialize(job.Id);
        }
    }
}
