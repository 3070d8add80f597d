using System.Diagnostics;
using System.Text.Json.Nodes;
using GanetiWebManager.FakeRapi.Tests.TestSupport;
using GanetiWebManager.Rapi;
using GanetiWebManager.Rapi.Security;

namespace GanetiWebManager.FakeRapi.Tests.Hosting;

public sealed class HostingTests
{
    [Fact]
    public async Task StartAsync_Default_SelfSignedCertificateLikeGanetis()
    {
        await using var server = await FakeRapiServer.StartAsync();

        var certificate = await RapiCertificateProbe.GetServerCertificateAsync(server.BaseUrl, TimeSpan.FromSeconds(10));

        CertificateFingerprint.Matches(server.CertificateSha256, certificate.Sha256).ShouldBeTrue();
        server.CertificateSha256.ShouldMatch("^[0-9a-f]{64}$");
        certificate.Subject.ShouldBe("CN=ganeti.example.com");
        (certificate.NotAfter - certificate.NotBefore).TotalDays.ShouldBeGreaterThan(5 * 365);
        server.BaseUrl.Scheme.ShouldBe("https");
        server.ControlUrl.Scheme.ShouldBe("http");
    }

    [Fact]
    public async Task StartAsync_TenAtOnce_OwnPortsCertificatesAndClusters()
    {
        var servers = await Task.WhenAll(Enumerable.Range(1, 10).Select(i =>
            FakeRapiServer.StartAsync(new FakeClusterOptions { Instances = 10 * i, Domain = $"c{i}.fake.test", Seed = i })));
        try
        {
            servers.Select(s => s.BaseUrl.Port).ShouldBeUnique();
            servers.Select(s => s.CertificateSha256).ShouldBeUnique();
            for (var i = 0; i < servers.Length; i++)
            {
                using var client = FakeClients.Rapi(servers[i]);
                (await client.GetInstanceNamesAsync()).Count.ShouldBe(10 * (i + 1));
                (await client.GetClusterInfoAsync()).Name.ShouldBe($"cluster.c{i + 1}.fake.test");
            }
        }
        finally
        {
            foreach (var server in servers)
            {
                await server.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task StartAsync_AnonymousReadsAllowed_GetWithoutCredentialsButNoQuery()
    {
        await using var server = await FakeRapiServer.StartAsync(new FakeClusterOptions { RequireAuthentication = false });
        using var anonymous = new GanetiRapiClient(new RapiClientOptions { BaseUrl = server.BaseUrl, CertificateSha256 = server.CertificateSha256 });

        (await anonymous.GetClusterInfoAsync()).Master.ShouldBe(server.Cluster.Master);
        await Should.ThrowAsync<GanetiWebManager.Rapi.Exceptions.RapiAuthenticationException>(() => anonymous.QueryAsync("node", ["name"]));
    }

    [Fact]
    public async Task Standalone_Process_PrintsJsonLineAndServesUntilKilled()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "GanetiWebManager.FakeRapi.dll");
        using var process = Process.Start(new ProcessStartInfo("dotnet", [dll, "--port", "0", "--instances", "30", "--nodes", "3", "--seed", "4"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        try
        {
            var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
            var info = JsonNode.Parse(line!)!;
            var baseUrl = new Uri((string)info["baseUrl"]!);
            using var client = new GanetiRapiClient(new RapiClientOptions
            {
                BaseUrl = baseUrl,
                User = (string)info["user"]!,
                Password = (string)info["password"]!,
                CertificateSha256 = (string)info["certificateSha256"]!,
            });

            (await client.GetInstanceNamesAsync()).Count.ShouldBe(30);
            (await client.GetNodeNamesAsync()).Count.ShouldBe(3);
            await client.WaitForJobCompletionAsync(await client.RedistributeConfigAsync());
            using var control = new HttpClient { BaseAddress = new Uri((string)info["controlUrl"]!) };
            var count = await control.GetJsonAsync("/__fake/requests/count");
            ((int)count["jobSubmissions"]!).ShouldBe(1);
            ((int)count["count"]!).ShouldBeGreaterThanOrEqualTo(4);
        }
        finally
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
    }
}
