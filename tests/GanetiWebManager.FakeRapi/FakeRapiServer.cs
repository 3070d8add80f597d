using System.Net;
using System.Security.Cryptography.X509Certificates;
using GanetiWebManager.FakeRapi.Control;
using GanetiWebManager.FakeRapi.Faults;
using GanetiWebManager.FakeRapi.Hosting;
using GanetiWebManager.FakeRapi.Http;
using GanetiWebManager.FakeRapi.Logging;
using GanetiWebManager.FakeRapi.Model;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace GanetiWebManager.FakeRapi;

/// <summary>A RAPI user of the fake.</summary>
public sealed record FakeUser(string Name, string Password);

/// <summary>
/// A fake Ganeti RAPI server: HTTPS with a self-signed certificate on <see cref="BaseUrl"/>, the simulated
/// <see cref="Cluster"/>, a <see cref="RequestLog"/> and <see cref="Faults"/>. Control endpoints under <c>/__fake/</c>
/// answer on the RAPI port and on the plain-HTTP <see cref="ControlUrl"/> (which faults never touch). Start as many as
/// needed; each listens on its own ports.
/// </summary>
public sealed class FakeRapiServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Lock _sync = new();
    private readonly List<X509Certificate2> _retired = [];
    private X509Certificate2 _certificate;
    private ITimer? _masterTimer;

    private FakeRapiServer(FakeClusterOptions options, WebApplication app, X509Certificate2 certificate, FakeCluster cluster, FaultSet faults, RequestLog log)
    {
        Options = options;
        _app = app;
        _certificate = certificate;
        Cluster = cluster;
        Faults = faults;
        RequestLog = log;
        WriteUser = new FakeUser(options.WriteUser, options.WritePassword);
        ReadOnlyUser = new FakeUser(options.ReadOnlyUser, options.ReadOnlyPassword);
    }

    public FakeClusterOptions Options { get; }

    /// <summary><c>https://127.0.0.1:&lt;port&gt;</c>.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary><c>http://127.0.0.1:&lt;port&gt;</c>, control endpoints only.</summary>
    public Uri ControlUrl { get; private set; } = null!;

    /// <summary>SHA-256 of the certificate served now (64 lowercase hex digits).</summary>
    public string CertificateSha256
    {
        get
        {
            lock (_sync)
            {
                return TlsCertificates.Sha256(_certificate);
            }
        }
    }

    public FakeUser WriteUser { get; }

    public FakeUser ReadOnlyUser { get; }

    public FakeCluster Cluster { get; }

    public FaultSet Faults { get; }

    public RequestLog RequestLog { get; }

    internal X509Certificate2 Certificate
    {
        get
        {
            lock (_sync)
            {
                return _certificate;
            }
        }
    }

    public static async Task<FakeRapiServer> StartAsync(FakeClusterOptions? options = null, CancellationToken ct = default)
    {
        options ??= new FakeClusterOptions();
        options.Validate();
        var cluster = new FakeCluster(options);
        var faults = new FaultSet(options.TimeProvider);
        var log = new RequestLog(options.RequestLogCapacity);
        var certificate = TlsCertificates.Create(options.TimeProvider);
        var dispatcher = new RapiDispatcher(cluster, faults, log);

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        FakeRapiServer? server = null;
        var address = IPAddress.Parse(options.ListenAddress);
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(address, options.Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http1;
                // Before TLS: a master failover's silence looks like "TLS connection closed (EOF)" to clients.
                listen.Use(next => connection =>
                {
                    if (faults.ShouldDropBeforeTls())
                    {
                        connection.Abort();
                        return Task.CompletedTask;
                    }

                    return next(connection);
                });
                listen.UseHttps(https => https.ServerCertificateSelector = (_, _) => server!.Certificate);
            });
            kestrel.Listen(address, options.ControlPort, listen => listen.Protocols = HttpProtocols.Http1);
        });

        var app = builder.Build();
        server = new FakeRapiServer(options, app, certificate, cluster, faults, log);
        ControlApi.Map(app, server);
        app.Use(async (context, next) =>
        {
            if (context.GetEndpoint() is not null)
            {
                await next(context);
            }
            else if (context.Request.IsHttps)
            {
                await dispatcher.HandleAsync(context);
            }
            else
            {
                context.Response.StatusCode = 404;
            }
        });

        // Encode every generated instance now rather than on the first bulk request: a benchmark that starts a
        // dozen 5,000-instance fakes should not measure their warm-up.
        cluster.Prewarm();
        await app.StartAsync(ct);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        server.BaseUrl = new Uri(addresses.First(a => a.StartsWith("https://", StringComparison.Ordinal)));
        server.ControlUrl = new Uri(addresses.First(a => a.StartsWith("http://", StringComparison.Ordinal)));
        return server;
    }

    /// <summary>Serves a new self-signed certificate from now on (as after <c>gnt-cluster renew-crypto</c>) and returns
    /// its SHA-256.</summary>
    public string RotateCertificate()
    {
        var next = TlsCertificates.Create(Options.TimeProvider);
        lock (_sync)
        {
            // Handshakes in flight may still use the old one: disposed with the server.
            _retired.Add(_certificate);
            _certificate = next;
            return TlsCertificates.Sha256(next);
        }
    }

    /// <summary>
    /// A master failover as a real two-node cluster shows it: the master moves to <paramref name="newMaster"/> (the
    /// next master candidate by default), running jobs die with NoMasterError, and for <paramref name="window"/>
    /// (default 20 s) every RAPI connection closes without an answer; then RAPI answers from the new master.
    /// </summary>
    public string FailoverMaster(TimeSpan? window = null, string? newMaster = null, bool beforeTls = true)
    {
        var silence = window ?? TimeSpan.FromSeconds(20);
        string master;
        lock (Cluster.Sync)
        {
            var nodes = Cluster.NodeList;
            var target = newMaster is null
                ? nodes.SkipWhile(n => n.Name != Cluster.Master).Skip(1).Concat(nodes).FirstOrDefault(n => n.Name != Cluster.Master && n.MasterCandidate && !n.Offline)
                : Cluster.FindNode(newMaster);
            if (target is null || target.Name == Cluster.Master)
            {
                throw new InvalidOperationException($"No other master candidate to fail over to in {Cluster.Name}.");
            }

            Cluster.Jobs.MasterLost();
            Cluster.Master = target.Name;
            target.MasterCandidate = true;
            Cluster.MTime = Cluster.Now();
            Cluster.Changed();
            master = target.Name;
        }

        Faults.DropConnectionsFor(silence, beforeTls);
        lock (_sync)
        {
            _masterTimer?.Dispose();
            _masterTimer = Options.TimeProvider.CreateTimer(
                _ =>
                {
                    lock (Cluster.Sync)
                    {
                        Cluster.Jobs.MasterBack();
                    }
                },
                null,
                silence,
                Timeout.InfiniteTimeSpan);
        }

        return master;
    }

    public async ValueTask DisposeAsync()
    {
        lock (_sync)
        {
            _masterTimer?.Dispose();
        }

        await _app.StopAsync();
        await _app.DisposeAsync();
        lock (_sync)
        {
            _certificate.Dispose();
            _retired.ForEach(c => c.Dispose());
        }
    }
}
