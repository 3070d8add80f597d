using GanetiWebManager.Rapi.Security;

namespace GanetiWebManager.Rapi.Tests.Contract.RealCluster;

/// <summary>
/// The sandbox Ganeti cluster, described by the variables <c>vagrant/ganeti-sandbox.sh env</c> prints. Missing
/// variables fail every contract test with instructions: the suite never skips silently.
/// </summary>
public sealed class RealClusterTarget : IRapiContractTarget, IAsyncLifetime
{
    private static readonly string[] Required =
    [
        "GANETI_RAPI_URL", "GANETI_RAPI_USER", "GANETI_RAPI_PASSWORD", "GANETI_RAPI_RO_USER", "GANETI_RAPI_RO_PASSWORD",
        "GANETI_RAPI_CERT_SHA256", "GANETI_NODES", "GANETI_SANDBOX_OS",
    ];

    public RealClusterTarget()
    {
        var missing = Required.Where(v => string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(v))).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException(
                $"The RAPI contract tests need a real Ganeti cluster, but {string.Join(", ", missing)} {(missing.Count == 1 ? "is" : "are")} not set. " +
                "Start the sandbox and export its settings, then run the tests again:\n" +
                "    bash vagrant/ganeti-sandbox.sh up\n" +
                "    eval \"$(bash vagrant/ganeti-sandbox.sh env)\"\n" +
                "To run only the unit tests: dotnet test tests/GanetiWebManager.Rapi.Tests --filter \"Category!=Contract\"");
        }

        Url = new Uri(Get("GANETI_RAPI_URL"));
        User = Get("GANETI_RAPI_USER");
        Password = Get("GANETI_RAPI_PASSWORD");
        ReadOnlyUser = Get("GANETI_RAPI_RO_USER");
        ReadOnlyPassword = Get("GANETI_RAPI_RO_PASSWORD");
        CertificateSha256 = CertificateFingerprint.Normalize(Get("GANETI_RAPI_CERT_SHA256"));
        Nodes = Get("GANETI_NODES").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        SandboxOs = Get("GANETI_SANDBOX_OS");
        var osName = SandboxOs.Split('+')[0];
        AlternativeOs = $"{osName}+minimal";
    }

    public Uri Url { get; }

    public string User { get; }

    public string Password { get; }

    public string ReadOnlyUser { get; }

    public string ReadOnlyPassword { get; }

    public string CertificateSha256 { get; }

    public IReadOnlyList<string> Nodes { get; }

    public string SandboxOs { get; }

    public string AlternativeOs { get; }

    public IReadOnlyDictionary<string, object?> FailingOsParams { get; } = new Dictionary<string, object?> { ["fail"] = "true" };

    public bool KvmAvailable { get; private set; }

    // acpi=false: Ganeti kills qemu at once instead of waiting for an ACPI shutdown no guest OS will acknowledge.
    public IReadOnlyDictionary<string, object?> KvmFastHvParams { get; } = new Dictionary<string, object?>
    {
        ["acpi"] = false,
        ["kernel_path"] = "",
        ["initrd_path"] = "",
        ["vnc_bind_address"] = "0.0.0.0",
    };

    // Real 3.0.2 (the sandbox's Debian 12 package) has the console bug unless the sandbox patched it.
    public bool KvmConsoleReturns500 { get; private set; } = true;

    // The default instance policy's minimum disk size.
    public int SmallDiskSize => 1024;

    // Others use the shared sandbox at the same time: GANETI_TEST_PREFIX keeps our instances apart.
    public string InstanceNamePrefix { get; } = Environment.GetEnvironmentVariable("GANETI_TEST_PREFIX") is { Length: > 0 } prefix ? prefix : "ct-";

    public async Task InitializeAsync()
    {
        using var client = new GanetiRapiClient(new RapiClientOptions
        {
            BaseUrl = Url,
            User = User,
            Password = Password,
            CertificateSha256 = CertificateSha256,
        });
        var info = await client.GetClusterInfoAsync();
        KvmAvailable = info.EnabledHypervisors.Contains("kvm")
            && Environment.GetEnvironmentVariable("GANETI_KVM") is not "0";
        KvmConsoleReturns500 = Environment.GetEnvironmentVariable("GS_PATCH_CONSOLE") is not "1"
            && info.SoftwareVersion is { } version && (version.StartsWith("3.0.", StringComparison.Ordinal) || version.StartsWith("3.1.", StringComparison.Ordinal));
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static string Get(string name) => Environment.GetEnvironmentVariable(name)!.Trim();
}
