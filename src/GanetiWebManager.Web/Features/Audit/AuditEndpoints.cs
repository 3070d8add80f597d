using System.Text;
using Microsoft.AspNetCore.Mvc;

namespace GanetiWebManager.Web.Features.Audit;

/// <summary><c>GET /audit/export.csv?…</c>: the log view's filters as a CSV download, streamed as it is read.</summary>
public static class AuditEndpoints
{
    public const string ExportPath = "/audit/export.csv";

    public static IEndpointRouteBuilder MapAuditEndpoints(this IEndpointRouteBuilder endpoints)
    {
        // Signed-in users only; what each gets is filtered by AuditQueries like the page (a user without any
        // right on the log gets the header line and their own actions).
        endpoints.MapGet(ExportPath, ExportAsync).RequireAuthorization().ExcludeFromDescription();
        return endpoints;
    }

    private static async Task ExportAsync(HttpContext http, [FromServices] AuditQueries audit, [FromServices] TimeProvider clock)
    {
        var query = AuditQuery.Parse(key => http.Request.Query.TryGetValue(key, out var v) ? v.ToString() : null);
        var stamp = clock.GetUtcNow().ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture);
        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"audit-log-{stamp}.csv\"";
        http.Response.Headers.CacheControl = "no-store";
        await using var writer = new StreamWriter(http.Response.Body, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 16 * 1024);
        await audit.ExportCsvAsync(http.User, query, writer, http.RequestAborted);
        await writer.FlushAsync(http.RequestAborted);
    }
}
