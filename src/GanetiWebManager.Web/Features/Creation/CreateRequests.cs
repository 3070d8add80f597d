using System.Globalization;
using System.Text.Json;
using GanetiWebManager.Rapi.Requests;

namespace GanetiWebManager.Web.Features.Creation;

/// <summary>
/// Turns a validated spec into Ganeti's create request, and a stored create request (a failed job's intent) back
/// into a spec for "retry". One place, so that what the wizard shows is what Ganeti gets.
/// </summary>
public static class CreateRequests
{
    public static CreateInstanceRequest Build(string name, VmSpec spec, CreateClusterFacts facts, string ownershipTag)
    {
        var hvDefaults = facts.HvDefaultsOf(spec.Hypervisor);
        var hv = HvFields.ToParams(spec.Hypervisor, spec.Hv, hvDefaults);
        var osParams = VmSpec.ParseOsParams(spec.OsParams) ?? [];
        return new CreateInstanceRequest
        {
            Name = name,
            DiskTemplate = spec.DiskTemplate!,
            Disks = spec.IsDiskless ? [] : [.. spec.Disks.Select(d => new DiskDefinition { Size = d.SizeMiB })],
            Nics = [.. spec.Nics.Select(n => string.IsNullOrWhiteSpace(n.Network)
                ? new NicDefinition { Mode = Blank(n.Mode), Link = Blank(n.Link) }
                : new NicDefinition { Network = n.Network!.Trim() })],
            OsType = spec.Os,
            Hypervisor = spec.Hypervisor,
            IAllocator = spec.UseIallocator ? facts.DefaultIallocator : null,
            PrimaryNode = spec.UseIallocator ? null : spec.PrimaryNode,
            SecondaryNode = !spec.UseIallocator && VmSpec.NeedsSecondary(spec.DiskTemplate) ? spec.SecondaryNode : null,
            BeParams = new Dictionary<string, object?>
            {
                ["vcpus"] = spec.Vcpus,
                ["minmem"] = spec.MinMemoryMiB,
                ["maxmem"] = spec.MaxMemoryMiB,
            },
            HvParams = hv.Count == 0 ? null : hv,
            OsParams = osParams.Count == 0 ? null : osParams.ToDictionary(p => p.Key, p => (object?)p.Value),
            Start = spec.Start,
            NoInstall = spec.NoInstall ? true : null,
            NameCheck = spec.NameCheck,
            IpCheck = spec.IpCheck,
            Tags = [ownershipTag],
        };
    }

    /// <summary>A spec from a stored create request (the intent's JSON), filled in with the cluster's defaults where it said nothing.</summary>
    public static VmSpec ToSpec(CreateInstanceRequest request, CreateClusterFacts facts)
    {
        var spec = facts.DefaultSpec();
        spec.Hypervisor = request.Hypervisor ?? spec.Hypervisor;
        spec.Os = request.OsType;
        spec.DiskTemplate = request.DiskTemplate;
        spec.Disks = [.. request.Disks.Select(d => new DiskSpec { SizeMiB = d.Size ?? 0 })];
        spec.Nics = [.. request.Nics.Select(n => new NicSpec { Mode = n.Mode, Link = n.Link, Network = n.Network })];
        spec.UseIallocator = request.PrimaryNode is null;
        spec.PrimaryNode = request.PrimaryNode;
        spec.SecondaryNode = request.SecondaryNode;
        spec.Start = request.Start ?? true;
        spec.NoInstall = request.NoInstall ?? false;
        spec.NameCheck = request.NameCheck;
        spec.IpCheck = request.IpCheck;
        var be = Elements(request.BeParams);
        spec.Vcpus = Int(be, "vcpus") is { } vcpus ? (int)vcpus : spec.Vcpus;
        spec.MaxMemoryMiB = Int(be, "maxmem") ?? Int(be, "memory") ?? spec.MaxMemoryMiB;
        spec.MinMemoryMiB = Int(be, "minmem") ?? Int(be, "memory") ?? spec.MaxMemoryMiB;
        spec.Hv = HvFields.FromParams(spec.Hypervisor, Elements(request.HvParams), facts.HvDefaultsOf(spec.Hypervisor));
        spec.OsParams = string.Join("\n", Elements(request.OsParams).Select(p => $"{p.Key}={Text(p.Value)}"));
        return spec;
    }

    /// <summary>The ownership tag of a stored request, if any.</summary>
    public static string? OwnershipTagOf(CreateInstanceRequest request) =>
        request.Tags?.FirstOrDefault(t => t.StartsWith(Sync.OwnershipTag.Prefix, StringComparison.Ordinal));

    /// <summary>
    /// Parameter dictionaries read back from JSON hold <see cref="JsonElement"/>s; ones built in memory hold plain
    /// values. Both become elements here.
    /// </summary>
    internal static Dictionary<string, JsonElement> Elements(IReadOnlyDictionary<string, object?>? values)
    {
        var result = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var (key, value) in values ?? new Dictionary<string, object?>())
        {
            result[key] = value is JsonElement element ? element : JsonSerializer.SerializeToElement(value);
        }

        return result;
    }

    private static long? Int(Dictionary<string, JsonElement> values, string key) =>
        values.TryGetValue(key, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) ? n
        : values.TryGetValue(key, out var s) && s.ValueKind == JsonValueKind.String && long.TryParse(s.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var p) ? p
        : null;

    private static string Text(JsonElement value) => value.ValueKind == JsonValueKind.String ? value.GetString() ?? "" : value.GetRawText();

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
