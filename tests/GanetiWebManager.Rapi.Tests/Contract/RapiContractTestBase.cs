using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography;
using System.Text;
using GanetiWebManager.Rapi.Exceptions;
using GanetiWebManager.Rapi.Models;
using GanetiWebManager.Rapi.Requests;
using GanetiWebManager.Rapi.Security;
using Xunit.Abstractions;

namespace GanetiWebManager.Rapi.Tests.Contract;

/// <summary>Shared plumbing of the contract suites: clients for the target, unique names, job following, cleanup.</summary>
[Trait("Category", "Contract")]
public abstract class RapiContractTestBase : IAsyncLifetime
{
    private readonly ConcurrentDictionary<string, bool> _instancesToDelete = new();

    protected RapiContractTestBase(IRapiContractTarget target, ITestOutputHelper output)
    {
        Target = target;
        Output = output;
        Client = CreateClient(target.User, target.Password);
    }

    protected IRapiContractTarget Target { get; }

    protected ITestOutputHelper Output { get; }

    protected GanetiRapiClient Client { get; }

    protected GanetiRapiClient CreateClient(string? user, string? password, string? pin = null) =>
        new(new RapiClientOptions
        {
            BaseUrl = Target.Url,
            User = user,
            Password = password,
            CertificateSha256 = pin ?? Target.CertificateSha256,
            RequestTimeout = TimeSpan.FromSeconds(60),
            JobPollMinInterval = TimeSpan.FromMilliseconds(200),
            JobPollMaxInterval = TimeSpan.FromSeconds(1),
        });

    /// <summary>A fake-hypervisor instance with one <c>file</c> disk and the sandbox OS, so the OS create script runs.</summary>
    protected CreateInstanceRequest FakeFileInstance(string name, long diskSizeMiB) => new()
    {
        Name = name,
        DiskTemplate = "file",
        Hypervisor = "fake",
        OsType = Target.SandboxOs,
        PrimaryNode = Target.Nodes[0],
        Disks = [new DiskDefinition { Size = diskSizeMiB }],
        Nics = [new NicDefinition()],
    };

    /// <summary>A name no other run uses, and that cleanup will delete if the test leaves it behind.</summary>
    protected string NewInstanceName()
    {
        var name = $"{Target.InstanceNamePrefix}{Convert.ToHexString(RandomNumberGenerator.GetBytes(4)).ToLowerInvariant()}";
        TrackInstance(name);
        return name;
    }

    protected void TrackInstance(string name) => _instancesToDelete[name] = true;

    protected void ForgetInstance(string name) => _instancesToDelete.TryRemove(name, out _);

    /// <summary>Waits for a job and requires success, printing the job's log and decoded failure otherwise.</summary>
    protected async Task<JobInfo> RunJobAsync(Task<JobId> submit, string what)
    {
        var id = await submit;
        var started = TimeProvider.System.GetTimestamp();
        var log = new LogCollector();
        var job = await Client.WaitForJobCompletionAsync(id, log);
        Output.WriteLine($"{what}: job {id} {job.Status} in {TimeProvider.System.GetElapsedTime(started).TotalMilliseconds:F0} ms");
        if (job.Status != JobStatus.Success)
        {
            var failure = job.GetFailure();
            throw new Xunit.Sdk.XunitException(
                $"{what} (job {id}) ended {job.Status}: {failure?.ToUserMessage()}\n{string.Join("\n", log.Entries.Select(e => e.Message))}");
        }

        return job;
    }

    protected async Task<JobInfo> RunJobExpectingFailureAsync(Task<JobId> submit)
    {
        var id = await submit;
        var job = await Client.WaitForJobCompletionAsync(id);
        job.Status.ShouldBe(JobStatus.Error);
        return job;
    }

    /// <summary>A fake-hypervisor diskless instance, created and running; cleanup deletes it.</summary>
    protected async Task<string> CreateRunningDisklessAsync(IReadOnlyList<string>? tags = null, string? node = null)
    {
        var name = NewInstanceName();
        await RunJobAsync(
            Client.CreateInstanceAsync(new CreateInstanceRequest
            {
                Name = name,
                DiskTemplate = "diskless",
                Hypervisor = "fake",
                OsType = Target.SandboxOs,
                PrimaryNode = node ?? Target.Nodes[0],
                Nics = [new NicDefinition()],
                BeParams = new Dictionary<string, object?> { ["memory"] = 128, ["vcpus"] = 1 },
                Tags = tags,
            }),
            "create diskless");
        return name;
    }

    /// <summary>A unique tag for this run.</summary>
    protected static string NewTag(string purpose) => $"ct:{purpose}:{Convert.ToHexString(RandomNumberGenerator.GetBytes(3)).ToLowerInvariant()}";

    /// <summary>A raw HTTPS request, past the typed client, with the target's certificate pinned: for the status
    /// lines, headers and bodies the client hides.</summary>
    protected async Task<RawAnswer> RawAsync(
        HttpMethod method, string pathAndQuery, string? body = null, string? contentType = "application/json", (string User, string Password)? credentials = null, bool anonymous = false)
    {
        using var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                    certificate is not null && CertificateFingerprint.Matches(Target.CertificateSha256, CertificateFingerprint.Compute(certificate)),
            },
        };
        using var http = new HttpClient(handler) { BaseAddress = Target.Url, Timeout = TimeSpan.FromSeconds(60) };
        using var request = new HttpRequestMessage(method, pathAndQuery);
        if (!anonymous)
        {
            var (user, password) = credentials ?? (Target.User, Target.Password);
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        }

        if (body is not null)
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
            if (contentType is not null)
            {
                request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
            }
        }

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return new RawAnswer(
            (int)response.StatusCode,
            response.Content.Headers.ContentType?.ToString(),
            response.Headers.WwwAuthenticate.ToString(),
            response.Headers.ConnectionClose == true,
            text);
    }

    protected sealed record RawAnswer(int Status, string? ContentType, string WwwAuthenticate, bool ConnectionClose, string Body);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var name in _instancesToDelete.Keys)
        {
            try
            {
                var id = await Client.DeleteInstanceAsync(name, new() { ShutdownTimeout = 0 });
                var job = await Client.WaitForJobCompletionAsync(id);
                Output.WriteLine($"cleanup: deleted {name}: {job.Status}");
            }
            catch (RapiException ex)
            {
                // Most often the test already deleted it (404 inside the job or on submit).
                Output.WriteLine($"cleanup: {name}: {ex.Message}");
            }
        }

        Client.Dispose();
    }

    protected sealed class LogCollector : IProgress<JobLogEntry>
    {
        public ConcurrentQueue<JobLogEntry> Entries { get; } = new();

        public void Report(JobLogEntry value) => Entries.Enqueue(value);
    }
}
