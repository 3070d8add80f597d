using System.Text.Json;
using GanetiWebManager.Rapi.Exceptions;
using GanetiWebManager.Rapi.Models;
using GanetiWebManager.Rapi.Serialization;

namespace GanetiWebManager.Rapi;

public sealed partial class GanetiRapiClient
{
    private static readonly IReadOnlyList<string> StatusField = ["status"];

    /// <inheritdoc />
    public async Task<IReadOnlyList<JobId>> GetJobIdsAsync(CancellationToken ct = default)
    {
        var links = await GetAsync("/2/jobs", RapiJsonContext.Default.IReadOnlyListResourceLink, ct);
        var ids = new List<JobId>(links.Count);
        foreach (var link in links)
        {
            if (link.Id.ValueKind == JsonValueKind.Number && link.Id.TryGetInt64(out var n))
            {
                ids.Add(new JobId(n));
            }
            else if (link.Id.ValueKind == JsonValueKind.String && JobId.TryParse(link.Id.GetString(), null, out var id))
            {
                ids.Add(id);
            }
        }

        return ids;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<JobInfo>> GetJobsAsync(CancellationToken ct = default) =>
        GetAsync("/2/jobs?bulk=1", RapiJsonContext.Default.IReadOnlyListJobInfo, ct);

    /// <inheritdoc />
    public async Task<JobInfo> GetJobAsync(JobId jobId, CancellationToken ct = default)
    {
        var path = $"/2/jobs/{jobId}";
        var job = await GetAsync(path, RapiJsonContext.Default.JobInfo, ct);
        // Ganeti 3.0.2 answers an unknown (or archived) job with 200 and every field null, not with a 404.
        if (job.Status == JobStatus.Unknown && job.Ops.Count == 0 && job.Summary.Count == 0 && job.ReceivedAt is null)
        {
            throw JobNotFound(jobId, $"GET {path}", null);
        }

        return job;
    }

    /// <inheritdoc />
    public Task<JobChange?> WaitForJobChangeAsync(
        JobId jobId,
        IReadOnlyList<string> fields,
        IReadOnlyList<JsonElement>? previousJobInfo,
        long? previousLogSerial,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(fields);
        var body = new JobWaitBody { Fields = fields, PreviousJobInfo = previousJobInfo, PreviousLogSerial = previousLogSerial };
        // A GET with a body: RAPI's long-poll reads its arguments from the body.
        var request = new RapiRequest(
            HttpMethod.Get,
            $"/2/jobs/{jobId}/wait",
            JsonSerializer.SerializeToUtf8Bytes(body, RapiJsonContext.Default.JobWaitBody),
            LongPoll: true);
        return WaitOnceAsync(request, jobId, ct);
    }

    private async Task<JobChange?> WaitOnceAsync(RapiRequest request, JobId jobId, CancellationToken ct)
    {
        try
        {
            return await _connection.SendAsync(request, ReadJobChangeAsync, ct);
        }
        catch (RapiInternalServerErrorException ex) when (ex.ServerMessage?.Contains("load job file", StringComparison.OrdinalIgnoreCase) == true)
        {
            // Ganeti 3.0.2 answers a long-poll on an unknown job with 500 "Can't load job file".
            throw JobNotFound(jobId, request.ToString(), ex.ServerMessage);
        }
    }

    private static RapiNotFoundException JobNotFound(JobId jobId, string request, string? serverMessage) =>
        new($"Job {jobId} is not known to the cluster (it never existed or was archived).", serverMessage, null, request);

    /// <inheritdoc />
    public async Task<JobCancelResult> CancelJobAsync(JobId jobId, CancellationToken ct = default)
    {
        var answer = await _connection.SendAsync(new RapiRequest(HttpMethod.Delete, $"/2/jobs/{jobId}"), ReadElementAsync, ct);
        if (answer.ValueKind != JsonValueKind.Array || answer.GetArrayLength() < 2
            || answer[0].ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            throw new RapiProtocolException($"The RAPI at {_options.Endpoint} answered a job cancel with {answer.GetRawText()} instead of [bool, message].");
        }

        var message = answer[1].ValueKind == JsonValueKind.String ? answer[1].GetString()! : answer[1].GetRawText();
        return new JobCancelResult(answer[0].GetBoolean(), message);
    }

    /// <inheritdoc />
    public async Task<JobInfo> WaitForJobCompletionAsync(JobId jobId, IProgress<JobLogEntry>? progress = null, CancellationToken ct = default)
    {
        IReadOnlyList<JsonElement>? previousInfo = null;
        long? lastSerial = null;
        var useLongPoll = _options.MaxConcurrentLongPolls > 0;
        var pollDelay = _options.JobPollMinInterval;
        var transientFailures = 0;

        while (true)
        {
            ct.ThrowIfCancellationRequested();
            try
            {
                if (useLongPoll && await _longPollSlots.WaitAsync(0, ct))
                {
                    JobChange? change;
                    var started = _time.GetTimestamp();
                    try
                    {
                        change = await WaitForJobChangeAsync(jobId, StatusField, previousInfo, lastSerial, ct);
                    }
                    catch (Exception ex) when (ex is RapiForbiddenException or RapiMethodNotSupportedException or RapiInternalServerErrorException)
                    {
                        // A read-only user may not long-poll, and a failing long-poll must not end the wait: poll instead.
                        useLongPoll = false;
                        continue;
                    }
                    finally
                    {
                        _longPollSlots.Release();
                    }

                    transientFailures = 0;
                    var fresh = Report(change?.LogEntries ?? [], ref lastSerial, progress);
                    if (change is not null)
                    {
                        previousInfo = change.JobInfo;
                    }

                    if (StatusOf(previousInfo).IsFinalized())
                    {
                        break;
                    }

                    // A server that answers "no change" at once must not turn this loop into a busy poll.
                    if (fresh == 0 && _time.GetElapsedTime(started) < _options.JobPollMinInterval)
                    {
                        await Task.Delay(_options.JobPollMinInterval, _time, ct);
                    }

                    continue;
                }

                var job = await GetJobAsync(jobId, ct);
                transientFailures = 0;
                Report(job.LogEntries, ref lastSerial, progress);
                if (job.IsFinalized)
                {
                    return job;
                }

                await Task.Delay(pollDelay, _time, ct);
                pollDelay = Min(pollDelay * 2, _options.JobPollMaxInterval);
            }
            catch (RapiException ex) when (ex.IsTransient && transientFailures < _options.JobWaitMaxTransientFailures)
            {
                transientFailures++;
                await Task.Delay(Min(_options.JobPollMinInterval * (1 << Math.Min(transientFailures, 6)), _options.JobPollMaxInterval * 2), _time, ct);
            }
        }

        // The long-poll only carried the status; fetch results and any log lines it did not bring.
        var final = await GetJobAsync(jobId, ct);
        Report(final.LogEntries, ref lastSerial, progress);
        return final;
    }

    private static async Task<JobChange?> ReadJobChangeAsync(Stream stream, CancellationToken ct) =>
        // null means "no change" on older servers.
        await JsonSerializer.DeserializeAsync(stream, RapiJsonContext.Default.JobChange, ct);

    private static JobStatus StatusOf(IReadOnlyList<JsonElement>? jobInfo) =>
        jobInfo is { Count: > 0 } && jobInfo[0].ValueKind == JsonValueKind.String
            ? JobStatusExtensions.ParseRapiString(jobInfo[0].GetString())
            : JobStatus.Unknown;

    private static int Report(IEnumerable<JobLogEntry> entries, ref long? lastSerial, IProgress<JobLogEntry>? progress)
    {
        var count = 0;
        foreach (var entry in entries.OrderBy(e => e.Serial))
        {
            if (lastSerial is { } last && entry.Serial <= last)
            {
                continue;
            }

            lastSerial = entry.Serial;
            count++;
            progress?.Report(entry);
        }

        return count;
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
