using System.Net;
using System.Text;

namespace GanetiWebManager.Rapi.Tests.TestSupport;

/// <summary>A request as it would have gone on the wire.</summary>
public sealed record RecordedRequest(
    HttpMethod Method,
    Uri Uri,
    string? Authorization,
    string? ContentType,
    long? ContentLength,
    byte[]? Body)
{
    public string PathAndQuery => Uri.PathAndQuery;

    public string? BodyText => Body is null ? null : Encoding.UTF8.GetString(Body);
}

/// <summary>Records every request and answers from a queue or a function.</summary>
public sealed class RecordingHandler : HttpMessageHandler
{
    private readonly Queue<Func<RecordedRequest, CancellationToken, Task<HttpResponseMessage>>> _responses = new();

    public List<RecordedRequest> Requests { get; } = [];

    public RecordedRequest Last => Requests[^1];

    public Func<RecordedRequest, CancellationToken, Task<HttpResponseMessage>>? Fallback { get; set; }

    public RecordingHandler RespondJson(string json, HttpStatusCode status = HttpStatusCode.OK) =>
        Respond((_, _) => Task.FromResult(Json(json, status)));

    public RecordingHandler Respond(Func<RecordedRequest, CancellationToken, Task<HttpResponseMessage>> response)
    {
        _responses.Enqueue(response);
        return this;
    }

    public static HttpResponseMessage Json(string json, HttpStatusCode status = HttpStatusCode.OK, string contentType = "application/json") =>
        new(status) { Content = new StringContent(json, Encoding.UTF8, contentType) };

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        byte[]? body = null;
        string? contentType = null;
        long? length = null;
        if (request.Content is not null)
        {
            body = await request.Content.ReadAsByteArrayAsync(cancellationToken);
            contentType = request.Content.Headers.ContentType?.ToString();
            length = request.Content.Headers.ContentLength;
        }

        var recorded = new RecordedRequest(request.Method, request.RequestUri!, request.Headers.Authorization?.ToString(), contentType, length, body);
        Requests.Add(recorded);
        var responder = _responses.Count > 0 ? _responses.Dequeue() : Fallback
            ?? throw new InvalidOperationException($"No response queued for {request.Method} {request.RequestUri}");
        return await responder(recorded, cancellationToken);
    }
}
