using GanetiWebManager.Web.Features.Health;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace GanetiWebManager.Web.Tests.Features.Health;

public sealed class DatabaseHealthCheckTests
{
    [Fact]
    public async Task CheckHealthAsync_NothingListening_UnhealthyWithTheReason()
    {
        // Port 1 on loopback: nothing listens there, the connection is refused at once.
        await using var dataSource = NpgsqlDataSource.Create("Host=127.0.0.1;Port=1;Username=x;Password=y;Database=z;Timeout=3");

        var result = await new DatabaseHealthCheck(dataSource).CheckHealthAsync(new HealthCheckContext());

        result.Status.ShouldBe(HealthStatus.Unhealthy);
        result.Description!.ShouldStartWith("PostgreSQL does not answer");
    }
}
