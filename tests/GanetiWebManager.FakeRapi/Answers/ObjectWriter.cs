using System.Text.Json;
using System.Text.Json.Nodes;
using GanetiWebManager.FakeRapi.Json;
using GanetiWebManager.FakeRapi.Model;

namespace GanetiWebManager.FakeRapi.Answers;

/// <summary>
/// The JSON of instances, nodes, groups, networks and the cluster, key for key in the order Ganeti 3.0.2 sends them
/// (compare Fixtures/Real). Callers hold the cluster's lock.
/// </summary>
internal static class ObjectWriter
{
    private static readonly int[] OctetShifts = [24, 16, 8, 0];

    public static byte[] Instance(FakeCluster cluster, FakeInstance instance)
    {
        if (instance.CachedJson is { } cached)
        {
            return cached;
        }

        var json = PythonJson.Write(w => WriteInstance(w, cluster, instance));
        instance.CachedJson = json;
        return json;
    }

    public static void WriteInstance(Utf8JsonWriter w, FakeCluster cluster, FakeInstance i)
    {
        w.WriteStartObject();
        w.WriteString("name", i.Name);
        w.WriteString("admin_state", i.AdminState);
        w.WriteString("os", i.Os);
        w.WriteString("pnode", i.PrimaryNode);
        WriteStrings(w, "snodes", i.SecondaryNodes);
        w.WriteString("disk_template", i.DiskTemplate);
        WriteStrings(w, "nic.ips", i.Nics.Select(n => n.Ip));
        WriteStrings(w, "nic.macs", i.Nics.Select(n => n.Mac));
        WriteStrings(w, "nic.modes", i.Nics.Select(n => n.Mode));
        WriteStrings(w, "nic.uuids", i.Nics.Select(n => n.Uuid));
        WriteStrings(w, "nic.names", i.Nics.Select(n => n.Name));
        WriteStrings(w, "nic.links", i.Nics.Select(n => n.Link));
        WriteStrings(w, "nic.networks", i.Nics.Select(n => n.NetworkUuid));
        WriteStrings(w, "nic.networks.names", i.Nics.Select(n => cluster.FindNetworkByUuid(n.NetworkUuid)?.Name));
        WriteStrings(w, "nic.bridges", i.Nics.Select(n => n.Mode == "bridged" ? n.Link : null));
        WriteNullableNumber(w, "network_port", i.NetworkPort);
        w.WriteStartArray("disk.sizes");
        foreach (var disk in i.Disks)
        {
            w.WriteNumberValue(disk.Size);
        }

        w.WriteEndArray();
        w.WriteStartArray("disk.spindles");
        foreach (var disk in i.Disks)
        {
            if (disk.Spindles is { } spindles)
            {
                w.WriteNumberValue(spindles);
            }
            else
            {
                w.WriteNullValue();
            }
        }

        w.WriteEndArray();
        w.WriteNumber("disk_usage", InstanceState.DiskUsage(i));
        WriteStrings(w, "disk.uuids", i.Disks.Select(d => d.Uuid));
        WriteStrings(w, "disk.names", i.Disks.Select(d => d.Name));
        var (hvparams, beparams) = cluster.Defaults.EncodedParams(i.Hypervisor, i.CustomHvParams, i.CustomBeParams);
        w.WritePropertyName("beparams");
        w.WriteRawValue(beparams, skipInputValidation: true); // RAPI adds the legacy "memory"
        w.WritePropertyName("hvparams");
        w.WriteRawValue(hvparams, skipInputValidation: true);
        var operState = InstanceState.OperState(cluster, i);
        if (operState is { } running)
        {
            w.WriteBoolean("oper_state", running);
        }
        else
        {
            w.WriteNull("oper_state");
        }

        WriteNullableNumber(w, "oper_ram", InstanceState.OperRam(cluster, i));
        WriteNullableNumber(w, "oper_vcpus", InstanceState.OperVcpus(cluster, i));
        w.WriteString("status", InstanceState.Status(cluster, i));
        w.WritePropertyName("custom_hvparams");
        ClusterDefaults.SortedParams(i.CustomHvParams).WriteTo(w);
        w.WritePropertyName("custom_beparams");
        cluster.Defaults.CustomBeParams(i.CustomBeParams).WriteTo(w);
        w.WriteStartArray("custom_nicparams");
        foreach (var nic in i.Nics)
        {
            nic.Custom.WriteTo(w);
        }

        w.WriteEndArray();
        WriteCommon(w, i);
        w.WriteEndObject();
    }

    /// <summary><c>/2/instances?bulk=1</c>: the cached instance JSONs joined, sorted by name.</summary>
    public static byte[] InstancesBulk(FakeCluster cluster)
    {
        var names = cluster.SortedInstanceNames();
        var items = new byte[names.Count][];
        for (var k = 0; k < names.Count; k++)
        {
            items[k] = Instance(cluster, cluster.InstanceMap[names[k]]);
        }

        return PythonJson.JoinList(items);
    }

    public static byte[] Links(IEnumerable<string> names, string idKey, string uriPrefix) => PythonJson.Write(w =>
    {
        w.WriteStartArray();
        foreach (var name in names)
        {
            w.WriteStartObject();
            w.WriteString(idKey, name);
            w.WriteString("uri", uriPrefix + name);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    });

    public static void WriteNode(Utf8JsonWriter w, FakeCluster cluster, FakeNode n, NodeUsage usage, bool detail)
    {
        var live = NodeLive.Of(n, usage);
        w.WriteStartObject();
        w.WriteString("name", n.Name);
        w.WriteBoolean("offline", n.Offline);
        w.WriteBoolean("master_candidate", n.MasterCandidate);
        w.WriteBoolean("drained", n.Drained);
        WriteNullableNumber(w, "dtotal", live?.DiskTotal);
        WriteNullableNumber(w, "dfree", live?.DiskFree);
        w.WriteNull("sptotal");
        w.WriteNull("spfree");
        WriteNullableNumber(w, "mtotal", live?.MemoryTotal);
        WriteNullableNumber(w, "mnode", live?.MemoryNode);
        WriteNullableNumber(w, "mfree", live?.MemoryFree);
        w.WriteNumber("pinst_cnt", usage.Primaries.Count);
        w.WriteNumber("sinst_cnt", usage.Secondaries.Count);
        WriteNullableNumber(w, "ctotal", live?.CpuTotal);
        WriteNullableNumber(w, "cnos", live?.CpuNodeOs);
        WriteNullableNumber(w, "cnodes", live?.CpuNodes);
        WriteNullableNumber(w, "csockets", live?.CpuSockets);
        w.WriteString("pip", n.PrimaryIp);
        w.WriteString("sip", n.SecondaryIp);
        w.WriteString("role", cluster.RoleLetter(n));
        WriteStrings(w, "pinst_list", usage.Primaries);
        WriteStrings(w, "sinst_list", usage.Secondaries);
        w.WriteBoolean("master_capable", n.MasterCapable);
        w.WriteBoolean("vm_capable", n.VmCapable);
        w.WritePropertyName("ndparams");
        EffectiveNdParams(cluster, n).WriteTo(w);
        w.WriteString("group.uuid", n.GroupUuid);
        WriteCommon(w, n);
        if (detail)
        {
            w.WriteString("secondary_ip", n.SecondaryIp);
        }

        w.WriteEndObject();
    }

    public static OrderedParams EffectiveNdParams(FakeCluster cluster, FakeNode node)
    {
        var result = OrderedParams.From(cluster.Defaults.NdParams);
        result.Overlay(node.CustomNdParams);
        return result;
    }

    public static void WriteGroup(Utf8JsonWriter w, FakeCluster cluster, FakeGroup g)
    {
        var nodes = cluster.NodeList.Where(n => n.GroupUuid == g.Uuid).Select(n => n.Name).ToList();
        w.WriteStartObject();
        w.WriteString("alloc_policy", g.AllocPolicy);
        w.WriteString("name", g.Name);
        w.WriteNumber("node_cnt", nodes.Count);
        WriteStrings(w, "node_list", nodes);
        w.WritePropertyName("ipolicy");
        PythonJson.WriteNode(w, cluster.Defaults.IPolicy);
        w.WritePropertyName("custom_ipolicy");
        w.WriteStartObject();
        w.WriteEndObject();
        w.WritePropertyName("diskparams");
        PythonJson.WriteNode(w, cluster.Defaults.DiskParams);
        w.WritePropertyName("custom_diskparams");
        w.WriteStartObject();
        w.WriteEndObject();
        w.WritePropertyName("ndparams");
        PythonJson.WriteNode(w, cluster.Defaults.NdParams);
        w.WritePropertyName("custom_ndparams");
        w.WriteStartObject();
        w.WriteEndObject();
        WriteCommon(w, g);
        w.WriteEndObject();
    }

    public static void WriteNetwork(Utf8JsonWriter w, FakeCluster cluster, FakeNetwork n)
    {
        var (free, reserved, map, external) = NetworkMap(n);
        w.WriteStartObject();
        w.WriteString("name", n.Name);
        w.WriteString("network", n.Network);
        WriteNullableString(w, "gateway", n.Gateway);
        w.WriteNull("network6");
        w.WriteNull("gateway6");
        w.WriteNull("mac_prefix");
        w.WriteNumber("free_count", free);
        w.WriteNumber("reserved_count", reserved);
        w.WriteString("map", map);
        w.WriteStartArray("group_list");
        foreach (var (group, mode, link, vlan) in n.Groups)
        {
            w.WriteStartArray();
            w.WriteStringValue(group);
            w.WriteStringValue(mode);
            w.WriteStringValue(link);
            w.WriteStringValue(vlan);
            w.WriteEndArray();
        }

        w.WriteEndArray();
        WriteStrings(w, "inst_list", cluster.InstanceMap.Values.Where(i => i.Nics.Any(c => c.NetworkUuid == n.Uuid)).Select(i => i.Name).Order(StringComparer.Ordinal));
        w.WriteString("external_reservations", external);
        WriteCommon(w, n);
        w.WriteEndObject();
    }

    /// <summary>Free and reserved counts, the <c>X.</c> map and the external reservations of a network. Large
    /// networks (a /16 has 65,536 addresses) get a map of that length, as in Ganeti.</summary>
    public static (long Free, long Reserved, string Map, string External) NetworkMap(FakeNetwork n)
    {
        var slash = n.Network.IndexOf('/', StringComparison.Ordinal);
        var bits = int.Parse(n.Network[(slash + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        var size = 1L << (32 - bits);
        var baseAddress = ToNumber(n.Network[..slash]);
        var map = new char[size];
        Array.Fill(map, '.');
        foreach (var address in n.UsedAddresses)
        {
            var offset = ToNumber(address) - baseAddress;
            if (offset >= 0 && offset < size)
            {
                map[offset] = 'X';
            }
        }

        var external = new List<string> { n.Network[..slash] };
        if (n.Gateway is not null)
        {
            external.Add(n.Gateway);
        }

        external.Add(FromNumber(baseAddress + size - 1));
        var reserved = map.LongCount(c => c == 'X');
        return (size - reserved, reserved, new string(map), string.Join(", ", external));
    }

    public static byte[] ClusterInfo(FakeCluster cluster)
    {
        var info = (JsonObject)cluster.Defaults.Info.DeepClone();
        var drbd = cluster.Options.EnabledDiskTemplates.Contains("drbd");
        var lvm = drbd || cluster.Options.EnabledDiskTemplates.Contains("plain");
        info["name"] = cluster.Name;
        info["master"] = cluster.Master;
        info["default_hypervisor"] = cluster.Options.EnabledHypervisors[0];
        info["enabled_hypervisors"] = new JsonArray(cluster.Options.EnabledHypervisors.Select(h => (JsonNode?)h).ToArray());
        info["enabled_disk_templates"] = new JsonArray(cluster.Options.EnabledDiskTemplates.Select(t => (JsonNode?)t).ToArray());
        info["ipolicy"]!["disk-templates"] = new JsonArray(cluster.Options.EnabledDiskTemplates.Select(t => (JsonNode?)t).ToArray());
        info["volume_group_name"] = lvm ? "xenvg" : null;
        info["drbd_usermode_helper"] = drbd ? "/bin/true" : null;
        info["ctime"] = cluster.CTime;
        info["mtime"] = cluster.MTime;
        info["uuid"] = cluster.Uuid;
        info["tags"] = new JsonArray(cluster.Tags.Select(t => (JsonNode?)t).ToArray());
        info["candidate_pool_size"] = cluster.Options.CandidatePoolSize;
        info["vg_name"] = lvm ? "xenvg" : null;
        info["drbd_helper"] = drbd ? "/bin/true" : null;
        return PythonJson.Serialize(info);
    }

    private static long ToNumber(string address)
    {
        var parts = address.Split('.');
        return parts.Aggregate(0L, (acc, p) => (acc << 8) + long.Parse(p, System.Globalization.CultureInfo.InvariantCulture));
    }

    private static string FromNumber(long value) =>
        string.Join('.', OctetShifts.Select(shift => ((value >> shift) & 0xFF).ToString(System.Globalization.CultureInfo.InvariantCulture)));

    private static void WriteCommon(Utf8JsonWriter w, ConfigObject o)
    {
        WriteTime(w, "ctime", o.CTime);
        WriteTime(w, "mtime", o.MTime);
        w.WriteString("uuid", o.Uuid);
        w.WriteNumber("serial_no", o.SerialNo);
        WriteStrings(w, "tags", o.Tags);
    }

    public static void WriteTime(Utf8JsonWriter w, string name, double? time)
    {
        if (time is not { } t)
        {
            w.WriteNull(name);
        }
        else if (t == Math.Floor(t) && Math.Abs(t) < 1e15)
        {
            // Ganeti keeps integral times (the default group's ctime 0) as ints.
            w.WriteNumber(name, (long)t);
        }
        else
        {
            w.WriteNumber(name, t);
        }
    }

    public static void WriteStrings(Utf8JsonWriter w, string name, IEnumerable<string?> values)
    {
        w.WriteStartArray(name);
        foreach (var value in values)
        {
            if (value is null)
            {
                w.WriteNullValue();
            }
            else
            {
                w.WriteStringValue(value);
            }
        }

        w.WriteEndArray();
    }

    private static void WriteNullableNumber(Utf8JsonWriter w, string name, long? value)
    {
        if (value is { } v)
        {
            w.WriteNumber(name, v);
        }
        else
        {
            w.WriteNull(name);
        }
    }

    private static void WriteNullableString(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }
}

/// <summary>What a node carries: its instances (sorted) and the memory and disk they use.</summary>
internal sealed class NodeUsage
{
    public List<string> Primaries { get; } = [];

    public List<string> Secondaries { get; } = [];

    public long UsedMemory { get; set; }

    public long UsedDisk { get; set; }

    /// <summary>One pass over the instances for all nodes (a bulk answer would otherwise be nodes × instances).</summary>
    public static Dictionary<string, NodeUsage> Compute(FakeCluster cluster)
    {
        var result = cluster.NodeList.ToDictionary(n => n.Name, _ => new NodeUsage(), StringComparer.Ordinal);
        foreach (var name in cluster.SortedInstanceNames())
        {
            var instance = cluster.InstanceMap[name];
            if (result.TryGetValue(instance.PrimaryNode, out var primary))
            {
                primary.Primaries.Add(name);
                if (instance.Running)
                {
                    primary.UsedMemory += InstanceState.MaxMem(cluster, instance);
                }

                if (InstanceState.HasDiskOn(instance, instance.PrimaryNode))
                {
                    primary.UsedDisk += InstanceState.DiskUsage(instance);
                }
            }

            foreach (var node in instance.SecondaryNodes)
            {
                if (result.TryGetValue(node, out var secondary))
                {
                    secondary.Secondaries.Add(name);
                    secondary.UsedDisk += InstanceState.DiskUsage(instance);
                }
            }
        }

        return result;
    }
}

/// <summary>A node's live values; null when the node is offline (never asked) or down (RPC fails).</summary>
internal sealed record NodeLive(long DiskTotal, long DiskFree, long MemoryTotal, long MemoryNode, long MemoryFree, int CpuTotal, int CpuNodeOs, int CpuNodes, int CpuSockets)
{
    public static NodeLive? Of(FakeNode n, NodeUsage usage) =>
        n.Offline || n.Down
            ? null
            : new NodeLive(
                n.DiskTotal,
                Math.Max(0, n.DiskTotal - usage.UsedDisk),
                n.MemoryTotal,
                n.MemoryNode,
                Math.Max(0, n.MemoryTotal - n.MemoryNode - usage.UsedMemory),
                n.CpuTotal,
                n.CpuNodeOs,
                n.CpuNodes,
                n.CpuSockets);
}
