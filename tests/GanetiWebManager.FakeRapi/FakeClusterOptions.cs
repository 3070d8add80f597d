namespace GanetiWebManager.FakeRapi;

/// <summary>What the simulated cluster looks like and how its server behaves. Every default imitates the real
/// Ganeti 3.0.2 sandbox, except where the name says otherwise (job speed, for one, defaults to fast).</summary>
public sealed record FakeClusterOptions
{
    /// <summary>Domain of the cluster, node and generated instance names (<c>cluster.&lt;domain&gt;</c>,
    /// <c>node1.&lt;domain&gt;</c>, ...).</summary>
    public string Domain { get; init; } = "fake.test";

    /// <summary>Cluster name; <c>cluster.&lt;Domain&gt;</c> when not set.</summary>
    public string? ClusterName { get; init; }

    /// <summary>Number of nodes (at least 1). The first is the master; the first <see cref="CandidatePoolSize"/> are
    /// master candidates.</summary>
    public int Nodes { get; init; } = 2;

    /// <summary>Number of node groups the nodes are spread over (the first is <c>default</c>).</summary>
    public int Groups { get; init; } = 1;

    /// <summary>Instances generated at start (deterministically from <see cref="Seed"/>).</summary>
    public int Instances { get; init; }

    /// <summary>Seed of everything generated: names, UUIDs, MACs, sizes, states, tags.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Master candidates among the nodes (Ganeti's <c>candidate_pool_size</c>).</summary>
    public int CandidatePoolSize { get; init; } = 10;

    /// <summary>Networks generated at start (named <c>net1</c>, <c>net2</c>, ...); some generated NICs use them.</summary>
    public int Networks { get; init; } = 1;

    /// <summary>Enabled hypervisors; the first is the default. Generated instances use all of them.</summary>
    public IReadOnlyList<string> EnabledHypervisors { get; init; } = ["kvm", "xen-pvm", "xen-hvm", "fake"];

    /// <summary>Enabled disk templates. Unlike the sandbox, plain and drbd are on (their shapes come from rapi.md).</summary>
    public IReadOnlyList<string> EnabledDiskTemplates { get; init; } = ["drbd", "plain", "file", "sharedfile", "diskless"];

    /// <summary>Operating systems <c>GET /2/os</c> lists. <c>sandbox+*</c> behave like the sandbox's test OS:
    /// <c>osparams fail=true</c> makes the create script fail.</summary>
    public IReadOnlyList<string> OperatingSystems { get; init; } =
        ["debootstrap+default", "debootstrap+minimal", "noop", "sandbox+default", "sandbox+minimal", "sandbox+slow"];

    /// <summary>Listen address of both ports.</summary>
    public string ListenAddress { get; init; } = "127.0.0.1";

    /// <summary>HTTPS port of the RAPI (0 = any free port).</summary>
    public int Port { get; init; }

    /// <summary>Plain-HTTP port that serves only the control endpoints (0 = any free port). Faults never touch it, so a
    /// test can reach the fake even while it drops every RAPI connection.</summary>
    public int ControlPort { get; init; }

    public string WriteUser { get; init; } = "fake-admin";

    public string WritePassword { get; init; } = "fake-admin-password";

    public string ReadOnlyUser { get; init; } = "fake-ro";

    public string ReadOnlyPassword { get; init; } = "fake-ro-password";

    /// <summary>Debian runs ganeti-rapi with <c>--require-authentication</c>: even GETs need a valid user. Upstream's
    /// default (false) lets anonymous GETs through.</summary>
    public bool RequireAuthentication { get; init; } = true;

    /// <summary>Time a job stays queued before it starts.</summary>
    public TimeSpan JobQueueDelay { get; init; } = TimeSpan.FromMilliseconds(2);

    /// <summary>Time each step (log line) of a running opcode takes; a job of n log lines runs about n × this.</summary>
    public TimeSpan JobStepDelay { get; init; } = TimeSpan.FromMilliseconds(2);

    /// <summary>How long <c>/2/jobs/N/wait</c> blocks without a change (Ganeti: 10 s).</summary>
    public TimeSpan JobWaitTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>New jobs stay queued until <c>Cluster.Jobs.Release()</c> (or the control endpoint) lets them run.</summary>
    public bool HoldJobs { get; init; }

    /// <summary>Ganeti 3.0.2/3.1.1 answer the console of a kvm instance with VNC with a 500 (a luxid type bug); false
    /// answers the VNC description instead.</summary>
    public bool KvmConsoleReturns500 { get; init; } = true;

    /// <summary>Most requests kept in the request log (the oldest are dropped).</summary>
    public int RequestLogCapacity { get; init; } = 200_000;

    /// <summary>Request bodies longer than this are kept truncated in the request log.</summary>
    public int RequestLogBodyLimit { get; init; } = 64 * 1024;

    /// <summary>Clock for timestamps and delays.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    internal string EffectiveClusterName => ClusterName ?? $"cluster.{Domain}";

    internal void Validate()
    {
        if (Nodes < 1)
        {
            throw new ArgumentException("A cluster needs at least one node.", nameof(Nodes));
        }

        if (Groups < 1 || Groups > Nodes)
        {
            throw new ArgumentException("Groups must be between 1 and the number of nodes.", nameof(Groups));
        }

        if (Instances < 0 || Networks < 0)
        {
            throw new ArgumentException("Instances and Networks cannot be negative.");
        }

        if (EnabledHypervisors.Count == 0 || EnabledDiskTemplates.Count == 0)
        {
            throw new ArgumentException("Enable at least one hypervisor and one disk template.");
        }
    }
}
