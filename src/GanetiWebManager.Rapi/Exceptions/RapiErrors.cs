using System.Net;

namespace GanetiWebManager.Rapi.Exceptions;

/// <summary>Maps RAPI's error answers to exceptions with messages a portal can show.</summary>
internal static class RapiErrors
{
    public static RapiHttpException FromStatus(int status, string? rawMessage, string? explain, string request, string endpoint)
    {
        // RAPI HTML-escapes the message (&amp; &lt; &gt; &quot; &#x27;).
        var serverMessage = rawMessage is null ? null : WebUtility.HtmlDecode(rawMessage);
        var detail = string.IsNullOrWhiteSpace(serverMessage) ? "" : $": {serverMessage}";

        return status switch
        {
            400 => new RapiBadRequestException($"Ganeti rejected the request {request} as invalid{detail}", serverMessage, explain, request),
            401 => new RapiAuthenticationException(
                $"Authentication with the RAPI at {endpoint} failed: check the RAPI user name and password.", serverMessage, explain, request),
            403 => new RapiForbiddenException(
                $"The RAPI user may not do {request}{detail}. Changes need a RAPI user with the 'write' option.", serverMessage, explain, request),
            404 => new RapiNotFoundException(
                $"Not found on the cluster: {request}{(serverMessage is "Not Found" ? "" : detail)}", serverMessage, explain, request),
            415 => new RapiUnsupportedMediaTypeException(
                $"The RAPI refused the body of {request}: its content type must be exactly application/json{detail}", serverMessage, explain, request),
            500 => new RapiInternalServerErrorException($"Ganeti failed internally on {request}{detail}", serverMessage, explain, request),
            501 => new RapiMethodNotSupportedException($"The RAPI does not support {request}{detail}", serverMessage, explain, request),
            502 or 504 => new RapiMasterUnreachableException(
                $"The RAPI at {endpoint} cannot reach the Ganeti master daemon (failover or daemon down); try again shortly{detail}",
                status, serverMessage, explain, request),
            503 => ServiceUnavailable(serverMessage, explain, request, detail),
            _ => new RapiHttpException($"The RAPI answered {request} with HTTP {status}{detail}", status, serverMessage, explain, request),
        };
    }

    private static RapiServiceUnavailableException ServiceUnavailable(string? serverMessage, string? explain, string request, string detail)
    {
        var text = serverMessage ?? "";
        if (text.Contains("queue is full", StringComparison.OrdinalIgnoreCase))
        {
            return new RapiJobQueueFullException(
                "Ganeti's job queue is full; the request can be retried once old jobs are archived.", serverMessage, explain, request);
        }

        if (text.Contains("drained", StringComparison.OrdinalIgnoreCase))
        {
            return new RapiJobQueueDrainedException(
                "Ganeti's job queue is drained by an administrator (e.g. during an upgrade): no changes are accepted for now.",
                serverMessage, explain, request);
        }

        if (text.Contains("console unavailable", StringComparison.OrdinalIgnoreCase))
        {
            return new RapiConsoleUnavailableException(
                "The instance console is unavailable: the instance is not running.", serverMessage, explain, request);
        }

        return new RapiServiceUnavailableException($"The RAPI is temporarily unavailable for {request}{detail}", serverMessage, explain, request);
    }
}
