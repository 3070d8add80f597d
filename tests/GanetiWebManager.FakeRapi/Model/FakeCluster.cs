using System.Globalization;
using GanetiWebManager.FakeRapi.Jobs;

namespace GanetiWebManager.FakeRapi.Model;

/// <summary>
/// The simulated cluster: nodes, groups, networks, instances and the job queue. Thread-safe: every read and change
/// holds <see cref="Sync"/>. Changes that Ganeti records in its configuration go through <see cref="Touch"/> (bump
/// <c>serial_no</c>, set <c>mtime</c>); runtime changes (an instance that stops running, a node that goes down) only
/// invalidate the cached answers. Tests change it through the public methods below or the control endpoints.
/// </summary>
public sealed partial class FakeCluster
{
    private readonly Dictionary<string, FakeInstance> _instances = new(StringComparer.Ordinal);
    private readonly List<FakeNode> _nodes = [];
    private readonly List<FakeGroup> _groups = [];
    private readonly List<FakeNetwork> _networks = [];
    /// <summary>2023-11-14: generated objects were created after this and changed before about 2025.</summary>
    private const double GenerationEpoch = 1_700_000_000;

    private readonly Random _random;
    private int _nextGeneratedIndex = 1;
    private int _nextNetworkPort = 11000;
    private long _version;

    internal FakeCluster(FakeClusterOptions options)
    {
        Options = options;
        Time = options.TimeProvider;
        Defaults = ClusterDefaults.Load();
        Name = options.EffectiveClusterName;
        _random = new Random(options.Seed);
        Uuid = NewUuid();
        // Generated times do not depend on the clock, so that one seed always gives the same cluster.
        CTime = GenerationEpoch + _random.Next(86400) + Math.Round(_random.NextDouble(), 6);
        MTime = CTime + _random.Next(86400);
        Jobs = new JobScheduler(this);
        Generate();
    }

    internal Lock Sync { get; } = new();

    internal FakeClusterOptions Options { get; }

    internal TimeProvider Time { get; }

    internal ClusterDefaults Defaults { get; }

    internal string Uuid { get; }

    internal double CTime { get; }

    internal double MTime { get; set; }

    internal List<string> Tags { get; } = [];

    internal IReadOnlyList<FakeNode> NodeList => _nodes;

    internal IReadOnlyList<FakeGroup> GroupList => _groups;

    internal IReadOnlyList<FakeNetwork> NetworkList => _networks;

    internal IReadOnlyDictionary<string, FakeInstance> InstanceMap => _instances;

    internal ResponseCache Cache { get; } = new();

    /// <summary>The cluster name (<c>/2/info</c> <c>name</c>).</summary>
    public string Name { get; }

    /// <summary>The current master node.</summary>
    public string Master { get; internal set; } = "";

    /// <summary>Changes whenever anything an answer shows changes; answers are cached per version.</summary>
    public long Version
    {
        get
        {
            lock (Sync)
            {
                return _version;
            }
        }
    }

    /// <summary>The job queue: jobs, holding and releasing them.</summary>
    public JobScheduler Jobs { get; }

    public int InstanceCount
    {
        get
        {
            lock (Sync)
            {
                return _instances.Count;
            }
        }
    }

    public IReadOnlyList<string> InstanceNames
    {
        get
        {
            lock (Sync)
            {
                return SortedInstanceNames();
            }
        }
    }

    public IReadOnlyList<string> NodeNames
    {
        get
        {
            lock (Sync)
            {
                return _nodes.Select(n => n.Name).ToList();
            }
        }
    }

    public InstanceSnapshot? FindInstance(string name)
    {
        lock (Sync)
        {
            return _instances.TryGetValue(name, out var instance) ? Snapshot(instance) : null;
        }
    }

    public InstanceSnapshot GetInstance(string name) =>
        FindInstance(name) ?? throw new KeyNotFoundException($"No instance {name} in the fake cluster {Name}.");

    public NodeSnapshot GetNode(string name)
    {
        lock (Sync)
        {
            var node = FindNode(name) ?? throw new KeyNotFoundException($"No node {name} in the fake cluster {Name}.");
            return new NodeSnapshot(node.Name, node.Uuid, RoleLetter(node), node.Offline, node.Drained, node.Down, node.SerialNo,
                _instances.Values.Where(i => i.PrimaryNode == node.Name).Select(i => i.Name).Order(StringComparer.Ordinal).ToList(),
                _instances.Values.Where(i => i.SecondaryNodes.Contains(node.Name)).Select(i => i.Name).Order(StringComparer.Ordinal).ToList(),
                node.Tags.ToList());
        }
    }

    /// <summary>A deterministic selection of about <paramref name="fraction"/> of the instances.</summary>
    public IReadOnlyList<string> PickInstances(double fraction, int seed = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fraction);
        lock (Sync)
        {
            var names = SortedInstanceNames();
            return PickInstances((int)Math.Round(names.Count * Math.Min(fraction, 1.0)), seed);
        }
    }

    /// <summary>A deterministic selection of <paramref name="count"/> instances.</summary>
    public IReadOnlyList<string> PickInstances(int count, int seed = 0)
    {
        lock (Sync)
        {
            var names = SortedInstanceNames().ToArray();
            new Random(seed).Shuffle(names);
            return names.Take(Math.Clamp(count, 0, names.Length)).Order(StringComparer.Ordinal).ToList();
        }
    }

    /// <summary>Stops instances as a shutdown job would: admin state down, not running, serial bumped.</summary>
    public void ShutdownInstances(IEnumerable<string> names) => ForEachInstance(names, i => SetAdminDown(i, "admin"));

    /// <summary>Starts instances as a startup job would.</summary>
    public void StartInstances(IEnumerable<string> names) => ForEachInstance(names, SetAdminUp);

    /// <summary>The guest stops by itself (crash, in-guest poweroff): only runtime state changes, so the status
    /// becomes <c>ERROR_down</c> while <c>serial_no</c> and <c>mtime</c> stay.</summary>
    public void CrashInstances(IEnumerable<string> names) => ForEachInstance(names, i =>
    {
        i.Running = false;
        RuntimeChanged(i);
    });

    /// <summary>A configuration change nobody made through RAPI (e.g. <c>gnt-instance modify</c> on the master).</summary>
    public void BumpSerial(IEnumerable<string> names) => ForEachInstance(names, i => Touch(i));

    public void SetInstanceTags(string name, IEnumerable<string> tags) => ForEachInstance([name], i =>
    {
        i.Tags.Clear();
        i.Tags.AddRange(tags);
        Touch(i);
    });

    /// <summary>Adds generated instances (as if created outside the portal) and returns their names.</summary>
    public IReadOnlyList<string> AddInstances(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        lock (Sync)
        {
            var names = new List<string>(count);
            for (var k = 0; k < count; k++)
            {
                names.Add(AddGeneratedInstance().Name);
            }

            return names;
        }
    }

    public void RemoveInstances(IEnumerable<string> names) => ForEachInstance(names, i => RemoveInstance(i.Name));

    /// <summary>The node stops answering RPCs (crash): its instances show <c>ERROR_nodedown</c>, its live values null.</summary>
    public void SetNodeDown(string name, bool down) => ChangeNode(name, n => n.Down = down, configChange: false);

    /// <summary>The node is marked offline in the configuration.</summary>
    public void SetNodeOffline(string name, bool offline) => ChangeNode(name, n =>
    {
        n.Offline = offline;
        if (offline)
        {
            n.MasterCandidate = false;
        }
    }, configChange: true);

    // ---- Internals used by the request handlers and jobs (callers hold Sync).

    internal void Prewarm()
    {
        lock (Sync)
        {
            Cache.Set("instances?bulk=1", _version, Answers.ObjectWriter.InstancesBulk(this));
        }
    }

    internal double Now() => EpochSeconds(Time.GetUtcNow());

    internal static double EpochSeconds(DateTimeOffset time) => (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10 / 1_000_000.0;

    internal string NewUuid()
    {
        Span<byte> bytes = stackalloc byte[16];
        _random.NextBytes(bytes);
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        var hex = Convert.ToHexString(bytes).ToLowerInvariant();
        return $"{hex[..8]}-{hex[8..12]}-{hex[12..16]}-{hex[16..20]}-{hex[20..]}";
    }

    internal string NewMac()
    {
        Span<byte> bytes = stackalloc byte[3];
        _random.NextBytes(bytes);
        return string.Create(CultureInfo.InvariantCulture, $"{(string)Defaults.Info["mac_prefix"]!}:{bytes[0]:x2}:{bytes[1]:x2}:{bytes[2]:x2}");
    }

    internal int NextNetworkPort() => _nextNetworkPort++;

    /// <summary>A configuration change of an object: <c>serial_no</c> + <paramref name="bumps"/>, <c>mtime</c> now.</summary>
    internal void Touch(ConfigObject item, int bumps = 1)
    {
        if (bumps <= 0)
        {
            return;
        }

        item.SerialNo += bumps;
        item.MTime = Now();
        if (item is FakeInstance instance)
        {
            instance.CachedJson = null;
        }

        _version++;
    }

    /// <summary>A runtime change: answers change, the configuration does not.</summary>
    internal void RuntimeChanged(FakeInstance instance)
    {
        instance.CachedJson = null;
        _version++;
    }

    internal void Changed() => _version++;

    internal void InvalidateInstancesOn(string node)
    {
        foreach (var instance in _instances.Values)
        {
            if (instance.PrimaryNode == node || instance.SecondaryNodes.Contains(node))
            {
                instance.CachedJson = null;
            }
        }

        _version++;
    }

    internal FakeInstance? FindInstanceInternal(string name) => _instances.GetValueOrDefault(name);

    internal FakeNode? FindNode(string name) => _nodes.Find(n => n.Name == name);

    internal FakeGroup? FindGroup(string name) => _groups.Find(g => g.Name == name);

    internal FakeGroup? FindGroupByUuid(string uuid) => _groups.Find(g => g.Uuid == uuid);

    internal FakeNetwork? FindNetwork(string name) => _networks.Find(n => n.Name == name);

    internal FakeNetwork? FindNetworkByUuid(string? uuid) => uuid is null ? null : _networks.Find(n => n.Uuid == uuid);

    internal List<string> SortedInstanceNames()
    {
        var names = _instances.Keys.ToList();
        names.Sort(StringComparer.Ordinal);
        return names;
    }

    internal void AddInstance(FakeInstance instance)
    {
        _instances.Add(instance.Name, instance);
        _version++;
    }

    internal void RemoveInstance(string name)
    {
        if (_instances.Remove(name, out var instance))
        {
            foreach (var nic in instance.Nics)
            {
                if (nic.Ip is not null)
                {
                    FindNetworkByUuid(nic.NetworkUuid)?.UsedAddresses.Remove(nic.Ip);
                }
            }

            _version++;
        }
    }

    internal void RenameInstance(FakeInstance instance, string newName)
    {
        _instances.Remove(instance.Name);
        instance.Name = newName;
        _instances.Add(newName, instance);
        Touch(instance, 2);
    }

    internal void SetAdminDown(FakeInstance instance, string source)
    {
        if (instance.AdminState == "down" && !instance.Running && !instance.DisksActive)
        {
            return;
        }

        // Ganeti records the admin state and the deactivated disks in two configuration updates.
        var bumps = (instance.AdminState != "down" ? 1 : 0) + (instance.DisksActive ? 1 : 0);
        instance.AdminState = "down";
        instance.AdminStateSource = source;
        instance.Running = false;
        instance.DisksActive = false;
        Touch(instance, Math.Max(bumps, 1));
    }

    internal void SetAdminUp(FakeInstance instance)
    {
        var changed = instance.AdminState != "up" || !instance.DisksActive;
        instance.AdminState = "up";
        instance.DisksActive = true;
        instance.Running = true;
        if (changed)
        {
            Touch(instance);
        }
        else
        {
            RuntimeChanged(instance);
        }
    }

    internal string RoleLetter(FakeNode node) =>
        node.Name == Master ? "M" : node.MasterCandidate ? "C" : node.Drained ? "D" : node.Offline ? "O" : "R";

    internal static string RoleName(string letter) => letter switch
    {
        "M" => "master",
        "C" => "master-candidate",
        "D" => "drained",
        "O" => "offline",
        _ => "regular",
    };

    internal InstanceSnapshot Snapshot(FakeInstance i) => new(
        i.Name, i.Uuid, InstanceState.Status(this, i), i.AdminState, i.Running, i.PrimaryNode, i.SecondaryNodes.ToList(),
        i.DiskTemplate, i.Hypervisor, i.Os, i.SerialNo, i.CTime, i.MTime, i.Tags.ToList(), i.Disks.Select(d => d.Size).ToList(),
        i.NetworkPort);

    private void ForEachInstance(IEnumerable<string> names, Action<FakeInstance> change)
    {
        lock (Sync)
        {
            foreach (var name in names.ToList())
            {
                var instance = FindInstanceInternal(name) ?? throw new KeyNotFoundException($"No instance {name} in the fake cluster {Name}.");
                change(instance);
            }
        }
    }

    private void ChangeNode(string name, Action<FakeNode> change, bool configChange)
    {
        lock (Sync)
        {
            var node = FindNode(name) ?? throw new KeyNotFoundException($"No node {name} in the fake cluster {Name}.");
            change(node);
            if (configChange)
            {
                Touch(node);
            }

            InvalidateInstancesOn(node.Name);
        }
    }
}

/// <summary>An instance as tests see it.</summary>
public sealed record InstanceSnapshot(
    string Name,
    string Uuid,
    string Status,
    string AdminState,
    bool Running,
    string PrimaryNode,
    IReadOnlyList<string> SecondaryNodes,
    string DiskTemplate,
    string Hypervisor,
    string Os,
    long SerialNo,
    double? CTime,
    double? MTime,
    IReadOnlyList<string> Tags,
    IReadOnlyList<long> DiskSizes,
    int? NetworkPort);

/// <summary>A node as tests see it.</summary>
public sealed record NodeSnapshot(
    string Name,
    string Uuid,
    string Role,
    bool Offline,
    bool Drained,
    bool Down,
    long SerialNo,
    IReadOnlyList<string> PrimaryInstances,
    IReadOnlyList<string> SecondaryInstances,
    IReadOnlyList<string> Tags);
