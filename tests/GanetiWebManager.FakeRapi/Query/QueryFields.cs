using System.Globalization;
using System.Text.Json.Nodes;
using GanetiWebManager.FakeRapi.Answers;
using GanetiWebManager.FakeRapi.Jobs;
using GanetiWebManager.FakeRapi.Model;

namespace GanetiWebManager.FakeRapi.Query;

/// <summary>A query cell: Ganeti's status (0 normal, 1 unknown field, 2 no data, 3 unavailable, 4 node offline)
/// and the value (null unless the status is 0).</summary>
internal readonly record struct Cell(int Status, JsonNode? Value)
{
    public static Cell Of(JsonNode? value) => new(0, value);

    public static Cell Unavailable => new(3, null);

    public static Cell NoData => new(2, null);

    public static Cell NodeOffline => new(4, null);

    public static Cell UnknownField => new(1, null);

    /// <summary>A value that may be missing (an out-of-range index, an unset parameter): unavailable when null.</summary>
    public static Cell OrUnavailable(JsonNode? value) => value is null ? Unavailable : Of(value);
}

/// <summary>One query resource: its rows (in Ganeti's order) and how each field of a row is computed.</summary>
internal abstract class QueryResource
{
    public abstract string Name { get; }

    /// <summary>Whether answers can be cached per cluster version (jobs change without the cluster changing).</summary>
    public virtual bool Cacheable => true;

    public abstract IEnumerable<object> Rows(FakeCluster cluster);

    /// <summary>A field's cell, or null for a field this resource does not know.</summary>
    public abstract Cell? Get(FakeCluster cluster, object row, string field, QueryScratch scratch);

    public static QueryResource? Find(string name) => name switch
    {
        "instance" => InstanceQuery.Instance,
        "node" => NodeQuery.Instance,
        "group" => GroupQuery.Instance,
        "network" => NetworkQuery.Instance,
        "job" => JobQuery.Instance,
        _ => null,
    };

    protected static Cell Strings(IEnumerable<string?> values) => Cell.Of(new JsonArray(values.Select(v => (JsonNode?)v).ToArray()));

    protected static Cell Time(double? time) =>
        time is not { } t ? Cell.Of(null) : Cell.Of(t == Math.Floor(t) ? JsonValue.Create((long)t) : JsonValue.Create(t));

    protected static bool TryIndexed(string field, string prefix, out int index)
    {
        index = -1;
        return field.StartsWith(prefix, StringComparison.Ordinal)
            && int.TryParse(field.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out index);
    }
}

/// <summary>Values computed once per query and shared by its rows (node usage for node queries).</summary>
internal sealed class QueryScratch
{
    public Dictionary<string, NodeUsage>? NodeUsage { get; set; }
}

internal sealed class InstanceQuery : QueryResource
{
    public static readonly InstanceQuery Instance = new();

    public override string Name => "instance";

    public override IEnumerable<object> Rows(FakeCluster cluster) => cluster.SortedInstanceNames().Select(n => cluster.InstanceMap[n]);

    public override Cell? Get(FakeCluster cluster, object row, string field, QueryScratch scratch)
    {
        var i = (FakeInstance)row;
        switch (field)
        {
            case "name": return Cell.Of(i.Name);
            case "uuid": return Cell.Of(i.Uuid);
            case "serial_no": return Cell.Of(i.SerialNo);
            case "ctime": return Time(i.CTime);
            case "mtime": return Time(i.MTime);
            case "os": return Cell.Of(i.Os);
            case "pnode": return Cell.Of(i.PrimaryNode);
            case "snodes": return Strings(i.SecondaryNodes);
            case "pnode.group": return Cell.Of(GroupOfNode(cluster, i.PrimaryNode)?.Name);
            case "pnode.group.uuid": return Cell.Of(GroupOfNode(cluster, i.PrimaryNode)?.Uuid);
            case "snodes.group": return Strings(i.SecondaryNodes.Select(n => GroupOfNode(cluster, n)?.Name));
            case "snodes.group.uuid": return Strings(i.SecondaryNodes.Select(n => GroupOfNode(cluster, n)?.Uuid));
            case "admin_state": return Cell.Of(i.AdminState);
            case "admin_state_source": return Cell.Of(i.AdminStateSource);
            case "admin_up": return Cell.Of(i.AdminState == "up");
            case "disk_template": return Cell.Of(i.DiskTemplate);
            case "disk_usage": return Cell.Of(InstanceState.DiskUsage(i));
            case "disks_active": return Cell.Of(i.DisksActive);
            case "forthcoming": return Cell.Of(false);
            case "hypervisor": return Cell.Of(i.Hypervisor);
            case "network_port": return Cell.OrUnavailable(i.NetworkPort is { } port ? JsonValue.Create(port) : null);
            case "status": return Cell.Of(InstanceState.Status(cluster, i));
            case "tags": return Strings(i.Tags);
            case "oper_state": return Live(cluster, i, () => InstanceState.OperState(cluster, i));
            case "oper_ram": return LiveValue(cluster, i, InstanceState.OperRam(cluster, i));
            case "oper_vcpus": return LiveValue(cluster, i, InstanceState.OperVcpus(cluster, i));
            case "vcpus": return Cell.Of(InstanceState.BeParam(cluster, i, "vcpus"));
            case "beparams": return Cell.Of(cluster.Defaults.EffectiveBeParams(i.CustomBeParams).ToJsonObject());
            case "hvparams": return Cell.Of(cluster.Defaults.EffectiveHvParams(i.Hypervisor, i.CustomHvParams).ToJsonObject());
            case "osparams": return Cell.Of(ClusterDefaults.SortedParams(i.CustomOsParams).ToJsonObject());
            case "custom_beparams": return Cell.Of(cluster.Defaults.CustomBeParams(i.CustomBeParams).ToJsonObject());
            case "custom_hvparams": return Cell.Of(ClusterDefaults.SortedParams(i.CustomHvParams).ToJsonObject());
            case "custom_osparams": return Cell.Of(ClusterDefaults.SortedParams(i.CustomOsParams).ToJsonObject());
            case "custom_nicparams": return Cell.Of(new JsonArray(i.Nics.Select(n => (JsonNode?)n.Custom.ToJsonObject()).ToArray()));
            case "console": return Cell.Of(InstanceConsole.Describe(cluster, i));
            case "disk.count": return Cell.Of(i.Disks.Count);
            case "disk.sizes": return Cell.Of(new JsonArray(i.Disks.Select(d => (JsonNode?)d.Size).ToArray()));
            case "disk.spindles": return Cell.Of(new JsonArray(i.Disks.Select(d => (JsonNode?)d.Spindles).ToArray()));
            case "disk.names": return Strings(i.Disks.Select(d => d.Name));
            case "disk.uuids": return Strings(i.Disks.Select(d => d.Uuid));
            case "sda_size": return Cell.OrUnavailable(i.Disks.Count > 0 ? i.Disks[0].Size : null);
            case "sdb_size": return Cell.OrUnavailable(i.Disks.Count > 1 ? i.Disks[1].Size : null);
            case "nic.count": return Cell.Of(i.Nics.Count);
            case "nic.macs": return Strings(i.Nics.Select(n => n.Mac));
            case "nic.ips": return Strings(i.Nics.Select(n => n.Ip));
            case "nic.modes": return Strings(i.Nics.Select(n => n.Mode));
            case "nic.links": return Strings(i.Nics.Select(n => n.Link));
            case "nic.bridges": return Strings(i.Nics.Select(Bridge));
            case "nic.names": return Strings(i.Nics.Select(n => n.Name));
            case "nic.uuids": return Strings(i.Nics.Select(n => n.Uuid));
            case "nic.vlans": return Strings(i.Nics.Select(n => n.Vlan));
            case "nic.networks": return Strings(i.Nics.Select(n => n.NetworkUuid));
            case "nic.networks.names": return Strings(i.Nics.Select(n => cluster.FindNetworkByUuid(n.NetworkUuid)?.Name));
            case "ip": return Cell.OrUnavailable(i.Nics.Count > 0 ? i.Nics[0].Ip : null);
            case "mac": return Cell.OrUnavailable(i.Nics.Count > 0 ? i.Nics[0].Mac : null);
            case "bridge": return Cell.OrUnavailable(i.Nics.Count > 0 ? Bridge(i.Nics[0]) : null);
            case "nic_mode": return Cell.OrUnavailable(i.Nics.Count > 0 ? i.Nics[0].Mode : null);
            case "nic_link": return Cell.OrUnavailable(i.Nics.Count > 0 ? i.Nics[0].Link : null);
            case "nic_network": return Cell.OrUnavailable(i.Nics.Count > 0 ? i.Nics[0].NetworkUuid : null);
            default: break;
        }

        if (field.StartsWith("be/", StringComparison.Ordinal))
        {
            var be = cluster.Defaults.EffectiveBeParams(i.CustomBeParams);
            be["memory"] = be["maxmem"];
            return FieldCatalog.IsKnown(Name, field) ? Cell.OrUnavailable(be[field[3..]]) : null;
        }

        if (field.StartsWith("hv/", StringComparison.Ordinal))
        {
            return FieldCatalog.IsKnown(Name, field)
                ? Cell.OrUnavailable(cluster.Defaults.EffectiveHvParams(i.Hypervisor, i.CustomHvParams)[field[3..]]?.DeepClone())
                : null;
        }

        if (!FieldCatalog.IsKnown(Name, field))
        {
            return null;
        }

        return Indexed(cluster, i, field);
    }

    private static Cell? Indexed(FakeCluster cluster, FakeInstance i, string field)
    {
        var slash = field.LastIndexOf('/');
        if (slash < 0 || !TryIndexed(field, field[..(slash + 1)], out var index))
        {
            return Cell.NoData;
        }

        var disk = index < i.Disks.Count ? i.Disks[index] : null;
        var nic = index < i.Nics.Count ? i.Nics[index] : null;
        return field[..slash] switch
        {
            "disk.size" => Cell.OrUnavailable(disk?.Size),
            "disk.spindles" => Cell.OrUnavailable(disk?.Spindles),
            "disk.name" => Cell.OrUnavailable(disk?.Name),
            "disk.uuid" => Cell.OrUnavailable(disk?.Uuid),
            "nic.mac" => Cell.OrUnavailable(nic?.Mac),
            "nic.ip" => Cell.OrUnavailable(nic?.Ip),
            "nic.mode" => Cell.OrUnavailable(nic?.Mode),
            "nic.link" => Cell.OrUnavailable(nic?.Link),
            "nic.bridge" => Cell.OrUnavailable(nic is null ? null : Bridge(nic)),
            "nic.name" => Cell.OrUnavailable(nic?.Name),
            "nic.uuid" => Cell.OrUnavailable(nic?.Uuid),
            "nic.vlan" => Cell.OrUnavailable(nic?.Vlan),
            "nic.network" => Cell.OrUnavailable(nic?.NetworkUuid),
            "nic.network.name" => Cell.OrUnavailable(cluster.FindNetworkByUuid(nic?.NetworkUuid)?.Name),
            _ => Cell.NoData,
        };
    }

    private static string? Bridge(FakeNic nic) => nic.Mode == "bridged" ? nic.Link : null;

    private static FakeGroup? GroupOfNode(FakeCluster cluster, string node) =>
        cluster.FindNode(node) is { } n ? cluster.FindGroupByUuid(n.GroupUuid) : null;

    private static Cell Live(FakeCluster cluster, FakeInstance i, Func<bool?> value) => InstanceState.PrimaryHealth(cluster, i) switch
    {
        InstanceState.NodeHealth.Offline => Cell.NodeOffline,
        InstanceState.NodeHealth.Down => Cell.NoData,
        _ => Cell.Of(value()),
    };

    private static Cell LiveValue(FakeCluster cluster, FakeInstance i, long? value) => InstanceState.PrimaryHealth(cluster, i) switch
    {
        InstanceState.NodeHealth.Offline => Cell.NodeOffline,
        InstanceState.NodeHealth.Down => Cell.NoData,
        _ => Cell.OrUnavailable(value),
    };
}

internal sealed class NodeQuery : QueryResource
{
    public static readonly NodeQuery Instance = new();

    public override string Name => "node";

    public override IEnumerable<object> Rows(FakeCluster cluster) => cluster.NodeList;

    public override Cell? Get(FakeCluster cluster, object row, string field, QueryScratch scratch)
    {
        var n = (FakeNode)row;
        scratch.NodeUsage ??= NodeUsage.Compute(cluster);
        var usage = scratch.NodeUsage[n.Name];
        var live = NodeLive.Of(n, usage);
        var missing = n.Offline ? Cell.NodeOffline : Cell.NoData;
        switch (field)
        {
            case "name": return Cell.Of(n.Name);
            case "uuid": return Cell.Of(n.Uuid);
            case "serial_no": return Cell.Of(n.SerialNo);
            case "ctime": return Time(n.CTime);
            case "mtime": return Time(n.MTime);
            case "tags": return Strings(n.Tags);
            case "role": return Cell.Of(cluster.RoleLetter(n));
            case "master": return Cell.Of(n.Name == cluster.Master);
            case "master_candidate": return Cell.Of(n.MasterCandidate);
            case "master_capable": return Cell.Of(n.MasterCapable);
            case "vm_capable": return Cell.Of(n.VmCapable);
            case "offline": return Cell.Of(n.Offline);
            case "drained": return Cell.Of(n.Drained);
            case "group": return Cell.Of(cluster.FindGroupByUuid(n.GroupUuid)?.Name);
            case "group.uuid": return Cell.Of(n.GroupUuid);
            case "pip": return Cell.Of(n.PrimaryIp);
            case "sip": return Cell.Of(n.SecondaryIp);
            case "pinst_cnt": return Cell.Of(usage.Primaries.Count);
            case "sinst_cnt": return Cell.Of(usage.Secondaries.Count);
            case "pinst_list": return Strings(usage.Primaries);
            case "sinst_list": return Strings(usage.Secondaries);
            case "ndparams": return Cell.Of(ObjectWriter.EffectiveNdParams(cluster, n).ToJsonObject());
            case "custom_ndparams": return Cell.Of(n.CustomNdParams.ToJsonObject());
            case "powered" or "hv_state" or "disk_state": return Cell.Unavailable;
            case "sptotal" or "spfree": return Cell.NoData;
            case "bootid": return live is null ? missing : Cell.Of(n.BootId);
            case "mtotal": return live is null ? missing : Cell.Of(live.MemoryTotal);
            case "mnode": return live is null ? missing : Cell.Of(live.MemoryNode);
            case "mfree": return live is null ? missing : Cell.Of(live.MemoryFree);
            case "dtotal": return live is null ? missing : Cell.Of(live.DiskTotal);
            case "dfree": return live is null ? missing : Cell.Of(live.DiskFree);
            case "ctotal": return live is null ? missing : Cell.Of(live.CpuTotal);
            case "cnos": return live is null ? missing : Cell.Of(live.CpuNodeOs);
            case "cnodes": return live is null ? missing : Cell.Of(live.CpuNodes);
            case "csockets": return live is null ? missing : Cell.Of(live.CpuSockets);
            default: break;
        }

        return field.StartsWith("ndp/", StringComparison.Ordinal) && FieldCatalog.IsKnown(Name, field)
            ? Cell.OrUnavailable(ObjectWriter.EffectiveNdParams(cluster, n)[field[4..]]?.DeepClone())
            : null;
    }
}

internal sealed class GroupQuery : QueryResource
{
    public static readonly GroupQuery Instance = new();

    public override string Name => "group";

    public override IEnumerable<object> Rows(FakeCluster cluster) => cluster.GroupList.OrderBy(g => g.Name, StringComparer.Ordinal);

    public override Cell? Get(FakeCluster cluster, object row, string field, QueryScratch scratch)
    {
        var g = (FakeGroup)row;
        var nodes = cluster.NodeList.Where(n => n.GroupUuid == g.Uuid).Select(n => n.Name).ToList();
        switch (field)
        {
            case "name": return Cell.Of(g.Name);
            case "uuid": return Cell.Of(g.Uuid);
            case "serial_no": return Cell.Of(g.SerialNo);
            case "ctime": return Time(g.CTime);
            case "mtime": return Time(g.MTime);
            case "tags": return Strings(g.Tags);
            case "alloc_policy": return Cell.Of(g.AllocPolicy);
            case "node_cnt": return Cell.Of(nodes.Count);
            case "node_list": return Strings(nodes);
            case "pinst_cnt" or "pinst_list":
                var instances = cluster.SortedInstanceNames().Where(i => nodes.Contains(cluster.InstanceMap[i].PrimaryNode)).ToList();
                return field == "pinst_cnt" ? Cell.Of(instances.Count) : Strings(instances);
            case "ipolicy": return Cell.Of(cluster.Defaults.IPolicy.DeepClone());
            case "diskparams": return Cell.Of(cluster.Defaults.DiskParams.DeepClone());
            case "ndparams": return Cell.Of(cluster.Defaults.NdParams.DeepClone());
            case "custom_ipolicy" or "custom_diskparams" or "custom_ndparams": return Cell.Of(new JsonObject());
            default: break;
        }

        return field.StartsWith("ndp/", StringComparison.Ordinal) && FieldCatalog.IsKnown(Name, field)
            ? Cell.OrUnavailable(cluster.Defaults.NdParams[field[4..]]?.DeepClone())
            : null;
    }
}

internal sealed class NetworkQuery : QueryResource
{
    public static readonly NetworkQuery Instance = new();

    public override string Name => "network";

    public override IEnumerable<object> Rows(FakeCluster cluster) => cluster.NetworkList.OrderBy(n => n.Name, StringComparer.Ordinal);

    public override Cell? Get(FakeCluster cluster, object row, string field, QueryScratch scratch)
    {
        var n = (FakeNetwork)row;
        switch (field)
        {
            case "name": return Cell.Of(n.Name);
            case "uuid": return Cell.Of(n.Uuid);
            case "serial_no": return Cell.Of(n.SerialNo);
            case "ctime": return Time(n.CTime);
            case "mtime": return Time(n.MTime);
            case "tags": return Strings(n.Tags);
            case "network": return Cell.Of(n.Network);
            case "gateway": return Cell.Of(n.Gateway);
            case "network6" or "gateway6" or "mac_prefix": return Cell.Of(null);
            case "group_cnt": return Cell.Of(n.Groups.Count);
            case "group_list":
                return Cell.Of(new JsonArray(n.Groups.Select(g => (JsonNode?)new JsonArray(g.Group, g.Mode, g.Link, g.Vlan)).ToArray()));
            default: break;
        }

        var instances = cluster.SortedInstanceNames().Where(i => cluster.InstanceMap[i].Nics.Any(c => c.NetworkUuid == n.Uuid)).ToList();
        var (free, reserved, map, external) = ObjectWriter.NetworkMap(n);
        return field switch
        {
            "inst_cnt" => Cell.Of(instances.Count),
            "inst_list" => Strings(instances),
            "free_count" => Cell.Of(free),
            "reserved_count" => Cell.Of(reserved),
            "map" => Cell.Of(map),
            "external_reservations" => Cell.Of(external),
            _ => null,
        };
    }
}

internal sealed class JobQuery : QueryResource
{
    public static readonly JobQuery Instance = new();

    public override string Name => "job";

    public override bool Cacheable => false;

    public override IEnumerable<object> Rows(FakeCluster cluster) => cluster.Jobs.All;

    public override Cell? Get(FakeCluster cluster, object row, string field, QueryScratch scratch) =>
        JobFields.Get((FakeJob)row, field) is var (known, value) && known ? Cell.Of(value) : null;
}
