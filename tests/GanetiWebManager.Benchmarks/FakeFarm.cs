using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using GanetiWebManager.FakeRapi;

namespace GanetiWebManager.Benchmarks;

/// <summary>
/// Fake Ganeti clusters in a child process of their own, so that the benchmark process measures only the
/// portal's work and memory (as in production, where RAPI runs on the clusters' masters).
/// </summary>
public sealed class FakeFarm : IAsyncDisposable
{
    private readonly Process _process;

    private FakeFarm(Process process, IReadOnlyList<FakeEndpoint> clusters)
    {
        _process = process;
        Clusters = clusters;
    }

    public IReadOnlyList<FakeEndpoint> Clusters { get; }

    public static async Task<FakeFarm> StartAsync(int clusters, int instances, int nodes)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardInput = true };
        start.ArgumentList.Add(typeof(FakeFarm).Assembly.Location);
        foreach (var argument in new[] { "serve-fakes", clusters.ToString(CultureInfo.InvariantCulture), instances.ToString(CultureInfo.InvariantCulture), nodes.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the fake clusters.");
        var endpoints = new List<FakeEndpoint>();
        while (endpoints.Count < clusters)
        {
            var line = await process.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException("The fake clusters' process ended early.");
            endpoints.Add(JsonSerializer.Deserialize<FakeEndpoint>(line, JsonSerializerOptions.Web)!);
        }

        return new FakeFarm(process, endpoints);
    }

    /// <summary>The child: starts the clusters, prints one JSON line each, serves until stdin closes.</summary>
    public static async Task<int> ServeAsync(string[] args)
    {
        var clusters = int.Parse(args[0], CultureInfo.InvariantCulture);
        var instances = int.Parse(args[1], CultureInfo.InvariantCulture);
        var nodes = int.Parse(args[2], CultureInfo.InvariantCulture);
        var servers = new List<FakeRapiServer>();
        for (var i = 0; i < clusters; i++)
        {
            var server = await FakeRapiServer.StartAsync(new FakeClusterOptions
            {
                Instances = instances,
                Nodes = nodes,
                Seed = 1000 + i,
                Domain = $"c{i:00}.fake.test",
            });
            servers.Add(server);
            await Console.Out.WriteLineAsync(JsonSerializer.Serialize(
                new FakeEndpoint(server.BaseUrl, server.CertificateSha256, server.WriteUser.Name, server.WriteUser.Password, instances),
                JsonSerializerOptions.Web));
            await Console.Out.FlushAsync();
        }

        // The parent closes our stdin when it is done (or dies): then we go too.
        await Console.In.ReadToEndAsync();
        foreach (var server in servers)
        {
            await server.DisposeAsync();
        }

        return 0;
    }

    public async ValueTask DisposeAsync()
    {
        _process.StandardInput.Close();
        if (!_process.WaitForExit(10_000))
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}

public sealed record FakeEndpoint(Uri BaseUrl, string CertificateSha256, string User, string Password, int Instances);
