using GanetiWebManager.FakeRapi.Json;

namespace GanetiWebManager.FakeRapi.Http;

/// <summary>An HTTP error answer with RAPI's JSON body: <c>{"code": …, "message": …, "explain": …}</c>.</summary>
internal sealed class RapiHttpException(int status, string? message = null) : Exception(message ?? ReasonPhrase(status))
{
    public int Status { get; } = status;

    public static string ReasonPhrase(int status) => status switch
    {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        413 => "Request Entity Too Large",
        415 => "Unsupported Media Type",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Error",
    };

    /// <summary>Python's BaseHTTPRequestHandler descriptions, which Ganeti sends as <c>explain</c>.</summary>
    public static string Explain(int status) => status switch
    {
        400 => "Bad request syntax or unsupported method",
        401 => "No permission -- see authorization schemes",
        403 => "Request forbidden -- authorization will not help",
        404 => "Nothing matches the given URI",
        413 => "Entity is too large",
        415 => "Entity body in unsupported format",
        500 => "Server got itself in trouble",
        501 => "Server does not support this operation",
        502 => "Invalid responses from another server/proxy",
        503 => "The server cannot process the request due to a high load",
        504 => "The gateway server did not receive a timely response",
        _ => "",
    };

    /// <summary>The body, with the message HTML-escaped as Ganeti's HTTP layer does.</summary>
    public static byte[] Body(int status, string message) => PythonJson.Write(w =>
    {
        w.WriteStartObject();
        w.WriteNumber("code", status);
        w.WriteString("message", PythonRepr.HtmlEscape(message));
        w.WriteString("explain", Explain(status));
        w.WriteEndObject();
    });

    public byte[] Body() => Body(Status, Message);

    public static RapiHttpException BadRequest(string message) => new(400, message);

    /// <summary>An unhandled exception inside ganeti-rapi: 500 with the exception's text.</summary>
    public static RapiHttpException Internal(string message) => new(500, message);

    /// <summary>A luxi error (OpPrereqError and the like raised while answering): 500 with the tuple's repr.</summary>
    public static RapiHttpException LuxiError(string message, string code) => new(500, PythonRepr.Tuple(message, code));
}
