using System.Text.Json.Nodes;
using GanetiWebManager.FakeRapi.Jobs;

namespace GanetiWebManager.FakeRapi.Answers;

/// <summary>A job's fields, as <c>GET /2/jobs/N</c>, <c>/2/jobs?bulk=1</c>, the job query and the long-poll show them.</summary>
internal static class JobFields
{
    /// <summary>The keys of <c>GET /2/jobs/N</c>, in Ganeti's order.</summary>
    public static readonly string[] Detail = ["id", "ops", "status", "summary", "opstatus", "received_ts", "start_ts", "end_ts", "oplog", "opresult"];

    /// <summary>The keys of <c>GET /2/jobs?bulk=1</c> (no log, no results).</summary>
    public static readonly string[] Bulk = ["id", "ops", "status", "summary", "opstatus", "received_ts", "start_ts", "end_ts"];

    public static (bool Known, JsonNode? Value) Get(FakeJob job, string field) => field switch
    {
        "id" => (true, job.Id),
        "status" => (true, job.Status),
        "summary" => (true, Strings(job.Ops.Select(o => o.Summary))),
        "ops" => (true, new JsonArray(job.Ops.Select(o => (JsonNode?)o.Input.DeepClone()).ToArray())),
        "opstatus" => (true, Strings(job.Ops.Select(o => o.Status))),
        "opresult" => (true, new JsonArray(job.Ops.Select(o => o.Result?.DeepClone()).ToArray())),
        "oplog" => (true, new JsonArray(job.Ops.Select(o => (JsonNode?)new JsonArray(o.Log.Select(l => (JsonNode?)l.ToJson()).ToArray())).ToArray())),
        "received_ts" => (true, job.ReceivedAt.ToJson()),
        "start_ts" => (true, job.StartedAt?.ToJson()),
        "end_ts" => (true, job.EndedAt?.ToJson()),
        "priority" => (true, job.Ops.Where(o => o.Status is not ("success" or "error" or "canceled")).Select(o => o.Priority).DefaultIfEmpty(0).Min()),
        "oppriority" => (true, new JsonArray(job.Ops.Select(o => (JsonNode?)o.Priority).ToArray())),
        "opstart" => (true, new JsonArray(job.Ops.Select(o => (JsonNode?)o.StartedAt?.ToJson()).ToArray())),
        "opexec" => (true, new JsonArray(job.Ops.Select(o => (JsonNode?)o.ExecutedAt?.ToJson()).ToArray())),
        "opend" => (true, new JsonArray(job.Ops.Select(o => (JsonNode?)o.EndedAt?.ToJson()).ToArray())),
        "archived" => (true, false),
        _ => (false, null),
    };

    public static JsonObject Object(FakeJob job, IEnumerable<string> fields)
    {
        var result = new JsonObject();
        foreach (var field in fields)
        {
            result[field] = Get(job, field).Value;
        }

        return result;
    }

    /// <summary>What Ganeti 3.0.2 answers for a job id it does not know: 200 with every field null.</summary>
    public static JsonObject Unknown(long id)
    {
        var result = new JsonObject { ["id"] = id };
        foreach (var field in Detail.Skip(1))
        {
            result[field] = null;
        }

        return result;
    }

    private static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode?)v).ToArray());
}
