using System.Diagnostics;
using System.Net;
using GanetiWebManager.FakeRapi;
using GanetiWebManager.FakeRapi.Faults;
using GanetiWebManager.Testing;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Clusters;
using GanetiWebManager.Web.Features.Sync;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GanetiWebManager.Web.Tests.Features.Sync;

/// <summary>
/// Issue 3 §7: with the real portal host and its background sync against a fake RAPI, every kind of
/// cluster failure leaves the mirrored data in place (nothing deleted, nothing flagged missing), marks the
/// cluster failing with the right reason, keeps the pages serving, raises no unhandled error, and heals
/// by itself within one interval once the cluster answers again.
/// </summary>
public sealed class ClusterSyncFaultTests : IAsyncLifetime
{
    private const int Instances = 60;
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Recovery = TimeSpan.FromSeconds(15); // one interval, plus a slow CI machine

    private FakeRapiServer _fake = null!;
    private TestDatabase _database = null!;
    private PortalFactory _portal = null!;
    private CapturingLoggerProvider _logs = null!;
    private IDbContextFactory<AppDbContext> _db = null!;
    private int _clusterId;

    public async Task InitializeAsync()
    {
        _fake = await FakeRapiServer.StartAsync(new FakeClusterOptions { Instances = Instances, Nodes = 3, Seed = 11 });
        _database = await TestDatabase.CreateAsync("faults");
        _logs = new CapturingLoggerProvider();
        _portal = new PortalFactory(_database, settings: new Dictionary<string, string?>
        {
            ["Sync:Enabled"] = "true",
            ["Sync:ConfigInterval"] = "00:00:01",
            ["Sync:RuntimeInterval"] = "00:00:01",
            ["Sync:NodeInterval"] = "00:00:01",
            ["Sync:ClusterInfoInterval"] = "00:00:01",
            ["Rapi:RequestTimeout"] = "00:00:05",
            ["Rapi:ConnectTimeout"] = "00:00:02",
        }, logging: _logs);
        _db = _portal.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        _clusterId = await RegisterFakeAsync();
        _portal.Services.GetRequiredService<SyncRequests>().Request(_clusterId);
        await WaitForAsync(c => c.Sync.LastSuccessAt is not null && c.Sync.LastError is null, "the first sync");
        (await VmCountAsync()).ShouldBe(Instances);
    }

    public async Task DisposeAsync()
    {
        await _portal.DisposeAsync();
        await _fake.DisposeAsync();
        await _database.DisposeAsync();
    }

    public static TheoryData<string, ClusterErrorKind> Faults => new()
    {
        { "down", ClusterErrorKind.Unreachable },
        { "timeout", ClusterErrorKind.Timeout },
        { "500", ClusterErrorKind.ServerError },
        { "401", ClusterErrorKind.AuthenticationFailed },
        { "malformed", ClusterErrorKind.MalformedAnswer },
        { "truncated", ClusterErrorKind.MalformedAnswer },
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task Fault_KeepsTheDataMarksTheClusterAndHealsByItself(string fault, ClusterErrorKind expected)
    {
        Inject(fault);

        var failing = await WaitForAsync(c => c.Sync.LastErrorKind == expected, $"the cluster marked {expected}");
        failing.Sync.LastError.ShouldNotBeNullOrWhiteSpace();
        await Task.Delay(3 * Interval); // several failing passes
        await ShouldStillServeEverythingAsync();

        _fake.Faults.Clear();
        var watch = Stopwatch.StartNew();
        await WaitForAsync(c => c.Sync.LastError is null, "recovery", Recovery);
        // A request sent just before the fault was lifted may still time out after a good pass and record its error
        // once more; the next good pass clears it. Healed = no open error, within the recovery time.
        while (!await Query(db => db.ClusterErrors.Where(e => e.ClusterId == _clusterId).AllAsync(e => e.ClearedAt != null)) && watch.Elapsed < Recovery)
        {
            await Task.Delay(100);
        }

        watch.Elapsed.ShouldBeLessThan(Recovery, "every recorded error cleared by the good passes that follow");
        (await Query(db => db.Clusters.SingleAsync(c => c.Id == _clusterId))).Sync.LastError.ShouldBeNull();
        _logs.Errors.ShouldBeEmpty("a failing cluster is a recorded state, not an error of the portal");
    }

    [Fact]
    public async Task CertificateChanged_StopsTalkingUntilAnAdminAccepts_ThenResumes()
    {
        var newFingerprint = _fake.RotateCertificate();

        var failing = await WaitForAsync(c => c.Sync.LastErrorKind == ClusterErrorKind.CertificateMismatch, "a certificate mismatch");
        failing.PresentedCertificateSha256.ShouldBe(newFingerprint);
        var before = _fake.RequestLog.Count;
        await Task.Delay(3 * Interval);

        // Refused in the TLS handshake: not one HTTP request (with its credentials) reached the server.
        _fake.RequestLog.Count.ShouldBe(before);
        await ShouldStillServeEverythingAsync();

        // An admin compares and accepts the new certificate (what the registry's "accept" does).
        await Query(db => db.Clusters.Where(c => c.Id == _clusterId).ExecuteUpdateAsync(u => u
            .SetProperty(c => c.CertificateSha256, newFingerprint)
            .SetProperty(c => c.PresentedCertificateSha256, (string?)null)));
        _portal.Services.GetRequiredService<SyncRequests>().Request(_clusterId);

        await WaitForAsync(c => c.Sync.LastError is null, "recovery after acceptance", Recovery);
        _logs.Errors.ShouldBeEmpty();
    }

    [Fact]
    public async Task MasterMoved_SilentWindowThenAnswersFromTheNewMaster_ResumesWithTheNewMaster()
    {
        var oldMaster = (await Query(db => db.Clusters.SingleAsync(c => c.Id == _clusterId))).Info.MasterNode;

        var newMaster = _fake.FailoverMaster(TimeSpan.FromSeconds(4));

        await WaitForAsync(c => c.Sync.LastErrorKind == ClusterErrorKind.Unreachable, "the silent window");
        await ShouldStillServeEverythingAsync();
        var healed = await WaitForAsync(c => c.Sync.LastError is null && c.Info.MasterNode == newMaster, "the new master", TimeSpan.FromSeconds(20));
        healed.Info.MasterNode.ShouldNotBe(oldMaster);
        (await Query(db => db.Nodes.SingleAsync(n => n.ClusterId == _clusterId && n.Role == NodeRole.Master))).Name.ShouldBe(newMaster);
        _logs.Errors.ShouldBeEmpty();
    }

    private void Inject(string fault)
    {
        switch (fault)
        {
            case "down": _fake.Faults.DropConnectionsFor(TimeSpan.FromHours(1)); break;
            case "timeout": _fake.Faults.Add(FaultKind.Hang); break;
            case "500": _fake.Faults.Add(FaultKind.ServerError); break;
            case "401": _fake.Faults.Add(FaultKind.Unauthorized); break;
            case "malformed": _fake.Faults.Add(FaultKind.MalformedJson); break;
            case "truncated": _fake.Faults.Add(FaultKind.TruncatedJson); break;
            default: throw new ArgumentOutOfRangeException(nameof(fault), fault, null);
        }
    }

    /// <summary>Every VM still there, none flagged missing, and the pages still answer with the data.</summary>
    private async Task ShouldStillServeEverythingAsync()
    {
        (await VmCountAsync()).ShouldBe(Instances, "a failed listing deletes nothing");
        (await Query(db => db.VirtualMachines.CountAsync(v => v.MissingSince != null))).ShouldBe(0, "nor flags anything missing");
        (await Query(db => db.Nodes.CountAsync(n => n.MissingSince != null))).ShouldBe(0);

        using var client = _portal.CreateClientWithoutRedirects();
        await client.PostLoginAsync(PortalFactory.SuperuserName, PortalFactory.SuperuserPassword);
        var page = await client.GetAsync("/clusters/fake");
        page.StatusCode.ShouldBe(HttpStatusCode.OK);
        var health = await client.GetStringAsync("/healthz");
        health.ShouldContain("\"failing\"");
    }

    private async Task<int> RegisterFakeAsync() =>
        (await ClusterRegistration.AddAsync(_portal.Services, "fake", _fake.BaseUrl, _fake.CertificateSha256, _fake.WriteUser.Name, _fake.WriteUser.Password)).Id;

    private Task<int> VmCountAsync() => Query(db => db.VirtualMachines.CountAsync(v => v.ClusterId == _clusterId));

    private async Task<Cluster> WaitForAsync(Func<Cluster, bool> condition, string what, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(20);
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var cluster = await Query(db => db.Clusters.AsNoTracking().SingleAsync(c => c.Id == _clusterId));
            if (condition(cluster))
            {
                return cluster;
            }

            if (watch.Elapsed > limit)
            {
                throw new ShouldAssertException($"Waited {limit.TotalSeconds} s for {what}; the cluster says: {cluster.Sync.LastErrorKind} {cluster.Sync.LastError}");
            }

            await Task.Delay(100);
        }
    }

    private async Task<T> Query<T>(Func<AppDbContext, Task<T>> query)
    {
        await using var db = await _db.CreateDbContextAsync();
        return await query(db);
    }
}

/// <summary>Keeps the portal's error-level log entries so a test can prove there were none.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _errors = new();

    public IReadOnlyCollection<string> Errors => _errors;

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _errors);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, System.Collections.Concurrent.ConcurrentQueue<string> errors) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel >= LogLevel.Error)
            {
                errors.Enqueue($"{category}: {formatter(state, exception)} {exception}");
            }
        }
    }
}
