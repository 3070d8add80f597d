using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using GanetiWebManager.Testing;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Features.Access;
using GanetiWebManager.Web.Features.Accounts;
using GanetiWebManager.Web.Features.Clusters;
using GanetiWebManager.Web.Features.Clusters.Registry;
using GanetiWebManager.Web.Features.LiveUpdates;
using GanetiWebManager.Web.Features.Sync;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GanetiWebManager.Web.Tests.Features.Clusters.Registry;

/// <summary>The real Ganeti sandbox's RAPI as the environment describes it (vagrant/ganeti-sandbox.sh env).</summary>
internal static class Sandbox
{
    public static string Host => new Uri(Require("GANETI_RAPI_URL")).Host;

    public static int Port => new Uri(Require("GANETI_RAPI_URL")).Port;

    public static string User => Require("GANETI_RAPI_USER");

    public static string Password => Require("GANETI_RAPI_PASSWORD");

    public static string ReadOnlyUser => Require("GANETI_RAPI_RO_USER");

    public static string ReadOnlyPassword => Require("GANETI_RAPI_RO_PASSWORD");

    public static string CertificateSha256 => Require("GANETI_RAPI_CERT_SHA256");

    public static string Master => Require("GANETI_MASTER");

    public static int NodeCount => Require("GANETI_NODES").Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;

    private static string Require(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
        ? value
        : throw new InvalidOperationException(
            $"{name} is not set. These tests need the real Ganeti sandbox: `sudo bash vagrant/ganeti-sandbox.sh up` and " +
            "`eval \"$(bash vagrant/ganeti-sandbox.sh env)\"`, or run everything with `sudo ./build.sh test`.");
}

/// <summary>The registry's services on a database of their own, with a switchable signed-in user.</summary>
internal sealed class RegistryServices : IAsyncDisposable
{
    private RegistryServices(TestDatabase database, ServiceProvider provider)
    {
        Database = database;
        Provider = provider;
        Scope = provider.CreateAsyncScope();
        Authentication = provider.GetRequiredService<TestAuthenticationStateProvider>();
        Authentication.User = TestAuthenticationStateProvider.Superuser();
    }

    public TestDatabase Database { get; }

    public ServiceProvider Provider { get; }

    public AsyncServiceScope Scope { get; }

    public TestAuthenticationStateProvider Authentication { get; }

    public ClusterRegistryService Registry => Scope.ServiceProvider.GetRequiredService<ClusterRegistryService>();

    public ClusterConnector Connector => Provider.GetRequiredService<ClusterConnector>();

    public SyncRequests SyncRequests => Provider.GetRequiredService<SyncRequests>();

    public LiveUpdateHub LiveUpdates => Provider.GetRequiredService<LiveUpdateHub>();

    public static async Task<RegistryServices> CreateAsync(string purpose)
    {
        var database = await TestDatabase.CreateAsync(purpose);
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Database:ConnectionString"] = database.ConnectionString,
            // Short, so the timeout test does not wait for the default 5 s.
            ["Rapi:ConnectTimeout"] = "00:00:02",
        }).Build());
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        services.AddSingleton(TimeProvider.System);
        services.AddRouting();
        services.AddPortalData();
        services.AddClusterConnections();
        services.AddAccounts();
        services.AddAccess();
        services.AddSingleton<LiveUpdateHub>();
        services.AddSingleton<SyncRequests>();
        services.AddClusterRegistry();
        services.AddSingleton<TestAuthenticationStateProvider>();
        services.AddSingleton<AuthenticationStateProvider>(sp => sp.GetRequiredService<TestAuthenticationStateProvider>());
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        await provider.GetRequiredService<SchemaMigrator>().MigrateAsync(CancellationToken.None);
        return new RegistryServices(database, provider);
    }

    /// <summary>The cluster ids the registry asked the sync to refresh since the last call.</summary>
    public List<int> TakeSyncRequests()
    {
        var ids = new List<int>();
        while (SyncRequests.Reader.TryRead(out var id))
        {
            ids.Add(id);
        }

        return ids;
    }

    public async ValueTask DisposeAsync()
    {
        await Scope.DisposeAsync();
        await Provider.DisposeAsync();
        await Database.DisposeAsync();
    }
}

/// <summary>
/// A TLS server on loopback that answers every request from a function of its path: a web page, JSON of another
/// shape, or a stand-in for a Ganeti RAPI that lets anyone read. Its certificate can be replaced while it runs,
/// as after a renewal or an interception.
/// </summary>
internal sealed class StubTlsServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private X509Certificate2 _certificate;
    private int _requests;

    private StubTlsServer(Func<string, (int Status, string ContentType, string Body)> answer)
    {
        _certificate = CreateCertificate("CN=stub.example.org");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(o => o.ServerCertificateSelector = (_, _) => _certificate)));
        _app = builder.Build();
        _app.Run(async context =>
        {
            Interlocked.Increment(ref _requests);
            var (status, contentType, body) = answer(context.Request.Path.Value ?? "/");
            context.Response.StatusCode = status;
            context.Response.ContentType = contentType;
            await context.Response.WriteAsync(body);
        });
    }

    public int Port { get; private set; }

    public int Requests => Volatile.Read(ref _requests);

    public string Fingerprint => Convert.ToHexStringLower(SHA256.HashData(_certificate.RawData));

    /// <summary>Answers every path with the same body.</summary>
    public static Task<StubTlsServer> StartAsync(string contentType, string body) => StartAsync(_ => (200, contentType, body));

    public static async Task<StubTlsServer> StartAsync(Func<string, (int Status, string ContentType, string Body)> answer)
    {
        var server = new StubTlsServer(answer);
        await server._app.StartAsync();
        var address = server._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        server.Port = new Uri(address).Port;
        return server;
    }

    /// <summary>A RAPI that serves /2/info and /2/nodes to anyone, without credentials (Ganeti's default).</summary>
    public static Task<StubTlsServer> StartOpenRapiAsync() => StartAsync(path => path switch
    {
        "/2/info" => (200, "application/json", """{"software_version": "3.0.2", "name": "open.example.org", "master": "node1.open.example.org"}"""),
        "/2/nodes" => (200, "application/json", """[{"id": "node1.open.example.org", "uri": "/2/nodes/node1.open.example.org"}]"""),
        _ => (404, "application/json", """{"code": 404, "message": "Not Found", "explain": "Nothing matches the given URI"}"""),
    });

    /// <summary>Presents a new certificate from the next connection on.</summary>
    public void ReplaceCertificate() => _certificate = CreateCertificate("CN=stub.example.org");

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static X509Certificate2 CreateCertificate(string subject)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var now = TimeProvider.System.GetUtcNow();
        using var certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));
        // Re-imported so that SslStream can use the private key on Linux.
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), null);
    }
}

/// <summary>Accepts TCP connections and never says a word: a host behind a firewall that drops, as far as TLS can tell.</summary>
internal sealed class SilentServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly List<TcpClient> _clients = [];
    private readonly CancellationTokenSource _stop = new();

    public SilentServer()
    {
        _listener.Start();
        _ = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        lock (_clients)
        {
            _clients.ForEach(c => c.Dispose());
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                lock (_clients)
                {
                    _clients.Add(client);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    /// <summary>A loopback port nothing listens on (bound, then released).</summary>
    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}

internal static class Forms
{
    /// <summary>The sandbox, as an admin would fill in the form after accepting its certificate.</summary>
    public static ClusterForm Sandbox(string slug = "sandbox") => new()
    {
        Hostname = Registry.Sandbox.Host,
        Port = Registry.Sandbox.Port,
        Slug = slug,
        Description = "The real two-node sandbox",
        RapiUsername = Registry.Sandbox.User,
        RapiPassword = Registry.Sandbox.Password,
        CertificateSha256 = Registry.Sandbox.CertificateSha256,
        CertificateConfirmed = true,
        DefaultQuota = new ClusterQuotaForm { RamMiB = 4096, DiskMiB = null, Vcpus = 0 },
        ConsoleAddressMapping = "* = 127.0.0.1",
    };
}
