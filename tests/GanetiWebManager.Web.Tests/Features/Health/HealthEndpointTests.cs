using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using GanetiWebManager.Testing;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Clusters;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GanetiWebManager.Web.Tests.Features.Health;

public sealed class HealthEndpointTests : IAsyncLifetime
{
    private const string Token = "monitoring-token-0123456789";
    private TestDatabase _database = null!;
    private PortalFactory _portal = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync("health");
        _portal = new PortalFactory(_database, settings: new Dictionary<string, string?> { ["Health:Token"] = Token });
    }

    public async Task DisposeAsync()
    {
        await _portal.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task Healthz_NoClusters_HealthyWithDatabaseUp()
    {
        using var client = _portal.CreateClientWithoutRedirects();

        var (status, json) = await GetAsync(client);

        status.ShouldBe(HttpStatusCode.OK);
        json.GetProperty("status").GetString().ShouldBe("healthy");
        json.GetProperty("database").GetProperty("status").GetString().ShouldBe("healthy");
        json.GetProperty("clusters").GetProperty("total").GetInt32().ShouldBe(0);
    }

    [Fact]
    public async Task Healthz_FailingClusterAnonymous_DegradedWithCountsButNoNames()
    {
        await AddClusterAsync("secret-cluster", lastError: "RAPI unreachable");
        using var client = _portal.CreateClientWithoutRedirects();

        var (status, json) = await GetAsync(client);

        status.ShouldBe(HttpStatusCode.OK, "a failing cluster degrades the portal; it still serves");
        json.GetProperty("status").GetString().ShouldBe("degraded");
        json.GetProperty("clusters").GetProperty("byStatus").GetProperty("failing").GetInt32().ShouldBe(1);
        json.GetProperty("clusters").TryGetProperty("items", out _).ShouldBeFalse();
        json.ToString().ShouldNotContain("secret-cluster");
    }

    [Fact]
    public async Task Healthz_WithMonitoringToken_ListsEachClusterWithItsError()
    {
        await AddClusterAsync("alpha", lastError: "certificate changed");
        await AddClusterAsync("beta", lastSuccessAgo: TimeSpan.FromSeconds(5));
        using var client = _portal.CreateClientWithoutRedirects();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);

        var (_, json) = await GetAsync(client);

        var items = json.GetProperty("clusters").GetProperty("items").EnumerateArray().ToList();
        items.Select(i => i.GetProperty("slug").GetString()).ShouldBe(["alpha", "beta"]);
        items[0].GetProperty("status").GetString().ShouldBe("failing");
        items[0].GetProperty("lastError").GetString().ShouldBe("certificate changed");
        items[1].GetProperty("status").GetString().ShouldBe("ok");
    }

    [Fact]
    public async Task Healthz_WrongToken_NoDetails()
    {
        await AddClusterAsync("alpha", lastError: "down");
        using var client = _portal.CreateClientWithoutRedirects();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "monitoring-token-wrong-value");

        var (_, json) = await GetAsync(client);

        json.GetProperty("clusters").TryGetProperty("items", out _).ShouldBeFalse();
    }

    [Fact]
    public async Task Healthz_SignedInSuperuser_SeesDetails()
    {
        await AddClusterAsync("gamma");
        using var client = _portal.CreateClientWithoutRedirects();
        await client.PostLoginAsync(PortalFactory.SuperuserName, PortalFactory.SuperuserPassword);

        var (_, json) = await GetAsync(client);

        json.GetProperty("clusters").GetProperty("items")[0].GetProperty("status").GetString().ShouldBe("never-synced");
    }

    private static async Task<(HttpStatusCode Status, JsonElement Json)> GetAsync(HttpClient client)
    {
        var response = await client.GetAsync("/healthz");
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/json");
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement);
    }

    private async Task AddClusterAsync(string slug, string? lastError = null, TimeSpan? lastSuccessAgo = null)
    {
        var now = TimeProvider.System.GetUtcNow();
        await using var db = await _portal.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        db.Clusters.Add(new Cluster
        {
            Slug = slug,
            Hostname = slug + ".example.org",
            CreatedAt = now,
            Sync = new ClusterSyncState
            {
                LastSuccessAt = now - lastSuccessAgo,
                LastFailureAt = lastError is null ? null : now,
                LastError = lastError,
            },
        });
        await db.SaveChangesAsync();
    }
}
