namespace GanetiWebManager.Rapi.Tests.Contract;

/// <summary>
/// A RAPI server the contract suites run against: the real sandbox cluster (RealCluster/) or the fake RAPI server
/// (FakeCluster/). Everything that differs between targets lives here, never in the suites.
/// </summary>
public interface IRapiContractTarget
{
    Uri Url { get; }

    string User { get; }

    string Password { get; }

    string ReadOnlyUser { get; }

    string ReadOnlyPassword { get; }

    /// <summary>SHA-256 of the server certificate (any accepted spelling).</summary>
    string CertificateSha256 { get; }

    /// <summary>Node names; the first is used as primary node for node-local templates.</summary>
    IReadOnlyList<string> Nodes { get; }

    /// <summary>An OS whose create script fails when given <see cref="FailingOsParams"/> (e.g. <c>sandbox+default</c>).</summary>
    string SandboxOs { get; }

    /// <summary>OS parameters that make <see cref="SandboxOs"/>'s create script fail.</summary>
    IReadOnlyDictionary<string, object?> FailingOsParams { get; }

    /// <summary>Another variant of the OS, for reinstall.</summary>
    string AlternativeOs { get; }

    /// <summary>Whether kvm instances can be created.</summary>
    bool KvmAvailable { get; }

    /// <summary>Hypervisor parameters that make a diskless kvm guest start and stop fast.</summary>
    IReadOnlyDictionary<string, object?> KvmFastHvParams { get; }

    /// <summary>Ganeti 3.0.2 (and 3.1.1) answer the console of a kvm+VNC instance with a 500.</summary>
    bool KvmConsoleReturns500 { get; }

    /// <summary>A disk size the instance policy accepts (MiB).</summary>
    int SmallDiskSize { get; }

    /// <summary>Prefix of every instance the suites create (on a shared cluster each engineer has their own).</summary>
    string InstanceNamePrefix { get; }
}
