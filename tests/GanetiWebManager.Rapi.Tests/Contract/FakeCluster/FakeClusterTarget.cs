using GanetiWebManager.FakeRapi;

namespace GanetiWebManager.Rapi.Tests.Contract.FakeCluster;

/// <summary>
/// The fake RAPI server (tests/GanetiWebManager.FakeRapi), one per suite class, shaped like the two-node sandbox: two
/// nodes, the sandbox's test OS (whose create script fails on <c>fail=true</c>), the fake and kvm hypervisors, the
/// diskless/file/sharedfile templates, and a few generated instances so that the read suites see real data.
/// </summary>
public sealed class FakeClusterTarget : IRapiContractTarget, IAsyncLifetime
{
    private FakeRapiServer? _server;

    public FakeRapiServer Server => _server ?? throw new InvalidOperationException("The fake RAPI server is not started.");

    public Uri Url => Server.BaseUrl;

    public string User => Server.WriteUser.Name;

    public string Password => Server.WriteUser.Password;

    public string ReadOnlyUser => Server.ReadOnlyUser.Name;

    public string ReadOnlyPassword => Server.ReadOnlyUser.Password;

    public string CertificateSha256 => Server.CertificateSha256;

    public IReadOnlyList<string> Nodes => Server.Cluster.NodeNames;

    public string SandboxOs => "sandbox+default";

    public IReadOnlyDictionary<string, object?> FailingOsParams { get; } = new Dictionary<string, object?> { ["fail"] = "true" };

    public string AlternativeOs => "sandbox+minimal";

    public bool KvmAvailable => true;

    public IReadOnlyDictionary<string, object?> KvmFastHvParams { get; } = new Dictionary<string, object?>
    {
        ["acpi"] = false,
        ["kernel_path"] = "",
        ["initrd_path"] = "",
        ["vnc_bind_address"] = "0.0.0.0",
    };

    // The fake imitates Ganeti 3.0.2 here too.
    public bool KvmConsoleReturns500 => true;

    public int SmallDiskSize => 1024;

    public string InstanceNamePrefix => "ct-";

    public async Task InitializeAsync() =>
        _server = await FakeRapiServer.StartAsync(new FakeClusterOptions
        {
            Nodes = 2,
            Instances = 12,
            Seed = 3,
            // What the sandbox enables: the contract is the same on both targets.
            EnabledHypervisors = ["fake", "kvm"],
            EnabledDiskTemplates = ["diskless", "file", "sharedfile"],
            JobStepDelay = TimeSpan.FromMilliseconds(3),
        });

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
