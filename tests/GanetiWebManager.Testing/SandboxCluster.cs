using GanetiWebManager.Rapi;
using GanetiWebManager.Rapi.Models;
using GanetiWebManager.Web.Domain.Clusters;

namespace GanetiWebManager.Testing;

/// <summary>
/// The real Ganeti sandbox (vagrant/ganeti-sandbox.sh) as tests see it: its RAPI address, users and
/// certificate from the environment (`eval "$(bash vagrant/ganeti-sandbox.sh env)"`), a direct RAPI client
/// for arranging state behind the portal's back, and registration in a portal database.
/// </summary>
public sealed class SandboxCluster : IDisposable
{
    private SandboxCluster(Uri url, string user, string password, string certificateSha256, IReadOnlyList<string> nodes, string os)
    {
        Url = url;
        User = user;
        Password = password;
        CertificateSha256 = certificateSha256;
        Nodes = nodes;
        SandboxOs = os;
        Rapi = new GanetiRapiClient(new RapiClientOptions { BaseUrl = url, User = user, Password = password, CertificateSha256 = certificateSha256 });
    }

    public Uri Url { get; }

    public string User { get; }

    public string Password { get; }

    public string CertificateSha256 { get; }

    public IReadOnlyList<string> Nodes { get; }

    public string SandboxOs { get; }

    /// <summary>Talks to the cluster directly, as an admin with gnt-* commands would.</summary>
    public IGanetiRapiClient Rapi { get; }

    public static SandboxCluster FromEnvironment()
    {
        static string Require(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{name} is not set. These tests need the real Ganeti sandbox: run `sudo bash vagrant/ganeti-sandbox.sh up` " +
                "and `eval \"$(bash vagrant/ganeti-sandbox.sh env)\"`, or run everything with `sudo ./build.sh test`.");

        return new SandboxCluster(
            new Uri(Require("GANETI_RAPI_URL")),
            Require("GANETI_RAPI_USER"),
            Require("GANETI_RAPI_PASSWORD"),
            Require("GANETI_RAPI_CERT_SHA256"),
            Require("GANETI_NODES").Split(' ', StringSplitOptions.RemoveEmptyEntries),
            Require("GANETI_SANDBOX_OS"));
    }

    /// <summary>Adds the sandbox to a portal's registry (password encrypted as the portal does) and returns it.</summary>
    public Task<Cluster> RegisterAsync(IServiceProvider services, string slug = "sandbox", Action<Cluster>? customize = null) =>
        ClusterRegistration.AddAsync(services, slug, Url, CertificateSha256, User, Password, customize);

    /// <summary>Creates a small fake-hypervisor instance and waits for the job; returns its name.</summary>
    public async Task<string> CreateInstanceAsync(string name, IEnumerable<string>? tags = null, bool start = true)
    {
        var job = await Rapi.CreateInstanceAsync(new Rapi.Requests.CreateInstanceRequest
        {
            Name = name,
            DiskTemplate = "diskless",
            Hypervisor = "fake",
            OsType = SandboxOs,
            PrimaryNode = Nodes[0],
            Disks = [],
            Nics = [new Rapi.Requests.NicDefinition()],
            BeParams = new Dictionary<string, object?> { ["memory"] = 128, ["vcpus"] = 1 },
            Tags = [.. tags ?? []],
            Start = start,
        });
        await WaitForSuccessAsync(job);
        return name;
    }

    public async Task WaitForSuccessAsync(JobId job)
    {
        var info = await Rapi.WaitForJobCompletionAsync(job);
        if (info.Status != JobStatus.Success)
        {
            throw new InvalidOperationException($"Job {job} ended {info.Status}: {info.GetFailure()?.ToUserMessage()}");
        }
    }

    /// <summary>Removes instances left by a test; ignores those already gone.</summary>
    public async Task DeleteInstancesAsync(IEnumerable<string> names)
    {
        var existing = (await Rapi.GetInstanceNamesAsync()).ToHashSet();
        foreach (var name in names.Where(existing.Contains))
        {
            await WaitForSuccessAsync(await Rapi.DeleteInstanceAsync(name, new Rapi.Requests.DeleteInstanceOptions { ShutdownTimeout = 0 }));
        }
    }

    public void Dispose() => Rapi.Dispose();
}
