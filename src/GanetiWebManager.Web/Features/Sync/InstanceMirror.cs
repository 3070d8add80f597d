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

    /// <summary>The owner its tags name, parsed once here (every pass looks at it).</summary>
    public OwnershipTag? Owner { get; } = OwnershipTag.FindIn(Tags);

    /// <summary>
    /// Every row of a marker query. Runs for every instance of every cluster every few seconds, so the field
    /// positions are resolved once per answer and cells are read by position.
    /// </summary>
    public static List<InstanceMarker> FromQuery(QueryResult result)
    {
        var at = QueryFields.Positions(result, Fields);
        var markers = new List<InstanceMarker>(result.Rows.Count);
        foreach (var row in result.Rows)
        {
            markers.Add(FromCells(row.Cells, at, Normalize(row.Cells[at[0]].AsString()) ?? ""));
        }

        return markers;
    }

    /// <summary>
    /// The rows of a marker query that are new or differ from what the snapshot holds, as markers; the rows
    /// that match are only counted, compared value by value on the JSON without building anything. An
    /// unchanged cluster of 5,000 instances then costs 5,000 name lookups, not 5,000 records.
    /// </summary>
    public static MarkerScan Scan(QueryResult result, ClusterSnapshot snapshot)
    {
        var at = QueryFields.Positions(result, Fields);
        var scan = new MarkerScan();
        foreach (var row in result.Rows)
        {
            var cells = row.Cells;
            var name = Normalize(cells[at[0]].AsString()) ?? "";
            if (snapshot.ByName.TryGetValue(name, out var known) && known.MissingSince is null && Matches(cells, at, known))
            {
                scan.Unchanged.Add(known.Id);
                scan.UnchangedNames.Add(name);
            }
            else
            {
                scan.Markers.Add(FromCells(cells, at, name));
            }
        }

        return scan;
    }

    private static InstanceMarker FromCells(IReadOnlyList<QueryCell> cells, int[] at, string name) => new(
        name,
        cells[at[1]].AsString(),
        cells[at[2]].AsInt64(),
        cells[at[3]].AsDouble(),
        Normalize(cells[at[4]].AsString()),
        QueryFields.Strings(cells[at[5]], lowerCase: true),
        cells[at[6]].AsString(),
        cells[at[7]].AsString(),
        QueryFields.Strings(cells[at[8]], lowerCase: false));

    // Same test as MirrorState.MatchesConfiguration, on the raw cells. A false "different" only costs building
    // the marker (the plan compares again); it never hides a change.
    private static bool Matches(IReadOnlyList<QueryCell> cells, int[] at, MirrorState known) =>
        QueryFields.SameString(cells[at[1]], known.Uuid)
        && cells[at[2]].AsInt64() == known.SerialNo
        && cells[at[3]].AsDouble() == known.Mtime
        && QueryFields.SameString(cells[at[4]], known.PrimaryNode)
        && QueryFields.SameStrings(cells[at[5]], known.SecondaryNodes)
        && QueryFields.SameString(cells[at[6]], known.AdminState)
        && QueryFields.SameString(cells[at[7]], known.Hypervisor);

    internal static string? Normalize(string? name) => name?.ToLowerInvariant();
}

/// <summary>A marker query read against the snapshot: markers for what is new or differs, ids of what does not.</summary>
public sealed class MarkerScan
{
    public List<InstanceMarker> Markers { get; } = [];

    public HashSet<long> Unchanged { get; } = [];

    public List<string> UnchangedNames { get; } = [];
}

/// <summary>The runtime state of one instance (changes without any configuration change).</summary>
public sealed record InstanceRuntime(string Name, string? Status, bool? OperState, long? OperRamMiB)
{
    public static readonly string[] Fields = ["name", "status", "oper_state", "oper_ram"];

    public static List<InstanceRuntime> FromQuery(QueryResult result)
    {
        var at = QueryFields.Positions(result, Fields);
        var states = new List<InstanceRuntime>(result.Rows.Count);
        foreach (var row in result.Rows)
        {
            var cells = row.Cells;
            states.Add(new InstanceRuntime(
                InstanceMarker.Normalize(cells[at[0]].AsString()) ?? "",
                cells[at[1]].AsString(),
                cells[at[2]].AsBoolean(),
                cells[at[3]].AsInt64()));
        }

        return states;
    }

    public bool Matches(MirrorState vm) => vm.Status == Status && vm.OperState == OperState && vm.OperRamMiB == OperRamMiB;
}

/// <summary>Reading <c>/2/query</c> answers by field position.</summary>
internal static class QueryFields
{
    public static int[] Positions(QueryResult result, string[] fields)
    {
        var positions = new int[fields.Length];
        for (var i = 0; i < fields.Length; i++)
        {
            positions[i] = -1;
            for (var j = 0; j < result.Fields.Count; j++)
            {
                if (result.Fields[j].Name == fields[i])
                {
                    positions[i] = j;
                    break;
                }
            }

            if (positions[i] < 0)
            {
                throw new Rapi.Exceptions.RapiProtocolException($"The query answer lacks the field '{fields[i]}'.");
            }
        }

        return positions;
    }

    public static bool SameString(QueryCell cell, string? value) =>
        cell.HasValue && cell.Value.ValueKind == System.Text.Json.JsonValueKind.String ? value is not null && cell.Value.ValueEquals(value) : value is null;

    public static bool SameStrings(QueryCell cell, List<string> values)
    {
        if (!cell.HasValue || cell.Value.ValueKind != System.Text.Json.JsonValueKind.Array)
        {
            return values.Count == 0;
        }

        if (cell.Value.GetArrayLength() != values.Count)
        {
            return false;
        }

        var i = 0;
        foreach (var item in cell.Value.EnumerateArray())
        {
            if (item.ValueKind != System.Text.Json.JsonValueKind.String || !item.ValueEquals(values[i++]))
            {
                return false;
            }
        }

        return true;
    }

    public static string[] Strings(QueryCell cell, bool lowerCase)
    {
        if (!cell.HasValue || cell.Value.ValueKind != System.Text.Json.JsonValueKind.Array || cell.Value.GetArrayLength() == 0)
        {
            return [];
        }

        var values = new string[cell.Value.GetArrayLength()];
        var i = 0;
        foreach (var item in cell.Value.EnumerateArray())
        {
            var text = item.ValueKind == System.Text.Json.JsonValueKind.String ? item.GetString() ?? "" : item.GetRawText();
            values[i++] = lowerCase ? text.ToLowerInvariant() : text;
        }

        return values;
    }
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
