using System.Text;
using GanetiWebManager.Rapi.Models;
using GanetiWebManager.Web.Domain.VirtualMachines;

namespace GanetiWebManager.Web.Features.Sync;

/// <summary>
/// The configuration change markers of one instance, read cheaply from <c>/2/query/instance</c>
/// (answered from the master's memory, no node RPC). A difference in any of them means "fetch it again".
/// Migrate and failover change the primary node without bumping serial_no (rapi.md §5), hence the nodes.
/// </summary>
public sealed record InstanceMarker(
    string Name,
    string? Uuid,
    long? SerialNo,
    double? Mtime,
    string? PrimaryNode,
    IReadOnlyList<string> SecondaryNodes,
    string? AdminState,
    string? Hypervisor,
    IReadOnlyList<string> Tags)
{
    public static readonly string[] Fields = ["name", "uuid", "serial_no", "mtime", "pnode", "snodes", "admin_state", "hypervisor", "tags"];

    public static InstanceMarker FromQueryRow(QueryRow row) => new(
        Normalize(row["name"].AsString()) ?? "",
        row["uuid"].AsString(),
        row["serial_no"].AsInt64(),
        row["mtime"].AsDouble(),
        Normalize(row["pnode"].AsString()),
        [.. (row["snodes"].AsStringList() ?? []).Select(n => Normalize(n) ?? "")],
        row["admin_state"].AsString(),
        row["hypervisor"].AsString(),
        [.. (row["tags"].AsStringList() ?? []).OfType<string>()]);

    internal static string? Normalize(string? name) => name?.ToLowerInvariant();
}

/// <summary>The runtime state of one instance (changes without any configuration change).</summary>
public sealed record InstanceRuntime(string Name, string? Status, bool? OperState, long? OperRamMiB)
{
    public static readonly string[] Fields = ["name", "status", "oper_state", "oper_ram"];

    public static InstanceRuntime FromQueryRow(QueryRow row) => new(
        InstanceMarker.Normalize(row["name"].AsString()) ?? "",
        row["status"].AsString(),
        row["oper_state"].AsBoolean(),
        row["oper_ram"].AsInt64());

    public bool Matches(MirrorState vm) => vm.Status == Status && vm.OperState == OperState && vm.OperRamMiB == OperRamMiB;
}

/// <summary>Copies what Ganeti says about an instance onto the portal's row (never the portal-only fields).</summary>
public static class InstanceMirror
{
    public static void Apply(VirtualMachine vm, InstanceInfo info, string? hypervisor)
    {
        vm.Name = info.Name.ToLowerInvariant();
        vm.Uuid = info.Uuid;
        vm.Status = info.Status;
        vm.OperState = info.OperState;
        vm.OperRamMiB = info.OperRam;
        vm.AdminState = info.AdminState;
        vm.Os = info.Os;
        vm.Hypervisor = hypervisor ?? vm.Hypervisor;
        vm.Vcpus = (int?)info.BeParams.GetInt64("vcpus");
        vm.MaxMemoryMiB = info.BeParams.GetInt64("maxmem") ?? info.BeParams.GetInt64("memory");
        vm.MinMemoryMiB = info.BeParams.GetInt64("minmem") ?? vm.MaxMemoryMiB;
        vm.DiskTemplate = info.DiskTemplate;
        vm.Disks = [.. info.DiskSizes.Select((size, i) => new VmDisk
        {
            SizeMiB = size,
            Name = At(info.DiskNames, i),
            Uuid = At(info.DiskUuids, i),
            Spindles = i < info.DiskSpindles.Count ? info.DiskSpindles[i] : null,
        })];
        vm.DiskTotalMiB = info.DiskSizes.Sum();
        vm.Nics = [.. info.NicMacs.Select((mac, i) => new VmNic
        {
            Mac = mac,
            Ip = At(info.NicIps, i),
            Mode = At(info.NicModes, i),
            Link = At(info.NicLinks, i),
            Network = At(info.NicNetworkNames, i) ?? At(info.NicNetworks, i),
            Name = At(info.NicNames, i),
            Uuid = At(info.NicUuids, i),
        })];
        vm.PrimaryNode = InstanceMarker.Normalize(info.PrimaryNode);
        vm.SecondaryNodes = [.. info.SecondaryNodes.Select(n => n.ToLowerInvariant())];
        vm.NetworkPort = info.NetworkPort;
        vm.HvParams = info.HvParams.Json.GetRawText();
        vm.BeParams = info.BeParams.Json.GetRawText();
        vm.OsParams = info.CustomOsParams.Json.GetRawText();
        vm.Tags = [.. info.Tags];
        vm.SerialNo = info.SerialNo;
        vm.Ctime = info.CTime;
        vm.Mtime = info.MTime;
        vm.SearchText = SearchTextOf(vm);
    }

    /// <summary>What the free-text search matches, lower-case: name, OS, nodes, addresses, tags.</summary>
    public static string SearchTextOf(VirtualMachine vm)
    {
        var text = new StringBuilder(vm.Name);
        Append(text, vm.Os);
        Append(text, vm.PrimaryNode);
        foreach (var node in vm.SecondaryNodes)
        {
            Append(text, node);
        }

        foreach (var nic in vm.Nics)
        {
            Append(text, nic.Ip);
            Append(text, nic.Mac);
            Append(text, nic.Network);
        }

        foreach (var tag in vm.Tags)
        {
            Append(text, tag);
        }

        return text.ToString().ToLowerInvariant();
    }

    private static void Append(StringBuilder text, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            text.Append(' ').Append(value);
        }
    }

    private static string? At(IReadOnlyList<string?> values, int index) => index < values.Count ? values[index] : null;
}
