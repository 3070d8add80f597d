using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using GanetiWebManager.Web.Features.Accounts;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace GanetiWebManager.Web.Features.Health;

public static class HealthEndpoints
{
    private const string DatabaseCheck = "database";
    private const string ClustersCheck = "clusters";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static IServiceCollection AddHealth(this IServiceCollection services)
    {
        services.AddOptions<HealthOptions>()
            .BindConfiguration(HealthOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<ClusterHealthReader>();
        services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>(DatabaseCheck)
            .AddCheck<ClusterSyncHealthCheck>(ClustersCheck);
        return services;
    }

    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks("/healthz", new HealthCheckOptions
        {
            ResponseWriter = WriteAsync,
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                // Degraded = some cluster is failing; the portal itself works, so load balancers keep it.
                [HealthStatus.Degraded] = StatusCodes.Status200OK,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
        }).AllowAnonymous();
        return endpoints;
    }

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        var detailed = MayReadDetails(context);
        var clusters = report.Entries.TryGetValue(ClustersCheck, out var entry)
            && entry.Data.TryGetValue(ClusterSyncHealthCheck.ClustersKey, out var value)
            ? (IReadOnlyList<ClusterHealth>)value
            : [];

        var body = new HealthResponse(
            report.Status,
            new CheckResponse(report.Entries[DatabaseCheck].Status, detailed ? report.Entries[DatabaseCheck].Description : null),
            new ClusterSummary(
                clusters.Count,
                clusters.GroupBy(c => c.Status).ToDictionary(g => JsonNamingPolicy.KebabCaseLower.ConvertName(g.Key.ToString()), g => g.Count()),
                detailed ? clusters.Select(c => new ClusterResponse(c.Slug, c.Status, c.LastSuccessAt, c.DataAge?.TotalSeconds, c.LastError)).ToList() : null));

        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        return context.Response.WriteAsync(JsonSerializer.Serialize(body, Json), context.RequestAborted);
    }

    private static bool MayReadDetails(HttpContext context)
    {
        if (context.User.IsSuperuser())
        {
            return true;
        }

        var token = context.RequestServices.GetRequiredService<IOptions<HealthOptions>>().Value.Token;
        var header = context.Request.Headers.Authorization.ToString();
        const string bearer = "Bearer ";
        return token is not null
            && header.StartsWith(bearer, StringComparison.Ordinal)
            && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header[bearer.Length..]), Encoding.UTF8.GetBytes(token));
    }

    private sealed record HealthResponse(HealthStatus Status, CheckResponse Database, ClusterSummary Clusters);

    private sealed record CheckResponse(HealthStatus Status, string? Description);

    private sealed record ClusterSummary(int Total, Dictionary<string, int> ByStatus, List<ClusterResponse>? Items);

    private sealed record ClusterResponse(string Slug, ClusterHealthStatus Status, DateTimeOffset? LastSuccessAt, double? DataAgeSeconds, string? LastError);
}
