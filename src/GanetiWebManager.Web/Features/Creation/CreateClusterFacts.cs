using System.Text.Json;
using GanetiWebManager.Web.Domain.Clusters;

namespace GanetiWebManager.Web.Features.Creation;

/// <summary>One range of the cluster's instance policy (<c>ipolicy.minmax[i]</c>): the min and max spec a VM must fit.</summary>
public sealed record IpolicyRange(IReadOnlyDictionary<string, long> Min, IReadOnlyDictionary<string, long> Max)
{
    public bool Fits(string key, long value) =>
        (!Min.TryGetValue(key, out var min) || value >= min) && (!Max.TryGetValue(key, out var max) || value <= max);
}

/// <summary>A node a VM may be placed on.</summary>
public sealed record PlacementNode(string Name, bool Usable, string? Why);

/// <summary>
/// What the wizard knows of a cluster, from the mirror (never from RAPI while rendering): enabled hypervisors and
/// disk templates, the OS list, defaults (beparams, nicparams, hvparams), the instance policy and the nodes. The
/// validator enforces the policy with these numbers, the cluster's own.
/// </summary>
public sealed class CreateClusterFacts
{
    public const string MemorySize = "memory-size";
    public const string CpuCount = "cpu-count";
    public const string DiskCount = "disk-count";
    public const string DiskSize = "disk-size";
    public const string NicCount = "nic-count";

    public int ClusterId { get; init; }

    public string Slug { get; init; } = "";

    public IReadOnlyList<string> Hypervisors { get; init; } = [];

    public string? DefaultHypervisor { get; init; }

    public IReadOnlyList<string> DiskTemplates { get; init; } = [];

    public IReadOnlyList<string> OperatingSystems { get; init; } = [];

    public string? DefaultIallocator { get; init; }

    public IReadOnlyList<IpolicyRange> IpolicyRanges { get; init; } = [];

    public IReadOnlyDictionary<string, long> IpolicyStd { get; init; } = new Dictionary<string, long>();

    /// <summary>Disk templates the instance policy allows (empty = no restriction known).</summary>
    public IReadOnlyList<string> IpolicyDiskTemplates { get; init; } = [];

    public int DefaultVcpus { get; init; } = 1;

    public long DefaultMinMemoryMiB { get; init; } = 128;

    public long DefaultMaxMemoryMiB { get; init; } = 128;

    public string? DefaultNicMode { get; init; }

    public string? DefaultNicLink { get; init; }

    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, JsonElement>> HvDefaults { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<string, JsonElement>>();

    public IReadOnlyList<PlacementNode> Nodes { get; init; } = [];

    public IReadOnlyDictionary<string, JsonElement> HvDefaultsOf(string? hypervisor) =>
        hypervisor is not null && HvDefaults.TryGetValue(hypervisor, out var values) ? values : new Dictionary<string, JsonElement>();

    /// <summary>The smallest and largest value any policy range allows for <paramref name="key"/> (null = no bound).</summary>
    public (long? Min, long? Max) Bounds(string key)
    {
        long? min = null, max = null;
        foreach (var range in IpolicyRanges)
        {
            if (range.Min.TryGetValue(key, out var lo))
            {
                min = min is null ? lo : Math.Min(min.Value, lo);
            }

            if (range.Max.TryGetValue(key, out var hi))
            {
                max = max is null ? hi : Math.Max(max.Value, hi);
            }
        }

        return (min, max);
    }

    /// <summary>
    /// Why a spec breaks the instance policy, or null. Ganeti accepts a spec that fits one of the min/max ranges
    /// entirely; disk count is not checked for diskless VMs (as Ganeti does).
    /// </summary>
    public string? IpolicyViolation(VmSpec spec)
    {
        if (IpolicyRanges.Count == 0)
        {
            return null;
        }

        var values = new List<(string Key, long Value)>
        {
            (MemorySize, spec.MaxMemoryMiB),
            (CpuCount, spec.Vcpus),
            (NicCount, spec.Nics.Count),
        };
        if (!spec.IsDiskless)
        {
            values.Add((DiskCount, spec.Disks.Count));
            values.AddRange(spec.Disks.Select(d => (DiskSize, d.SizeMiB)));
        }

        if (IpolicyRanges.Any(r => values.All(v => r.Fits(v.Key, v.Value))))
        {
            return null;
        }

        // Name the first value no range admits; when each fits some range but not together, say so.
        foreach (var (key, value) in values)
        {
            if (!IpolicyRanges.Any(r => r.Fits(key, value)))
            {
                var (min, max) = Bounds(key);
                return $"{Describe(key)} {value} is outside the cluster's instance policy ({min?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "0"}–{max?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "∞"}).";
            }
        }

        return "This combination of memory, vCPUs, disks and NICs fits none of the cluster's instance policy ranges.";
    }

    public static string Describe(string key) => key switch
    {
        MemorySize => "Maximum memory (MiB)",
        CpuCount => "vCPU count",
        DiskCount => "Disk count",
        DiskSize => "Disk size (MiB)",
        NicCount => "NIC count",
        _ => key,
    };

    /// <summary>Reads the mirror's cluster info and nodes.</summary>
    public static CreateClusterFacts From(Cluster cluster, IEnumerable<Node> nodes)
    {
        var ranges = new List<IpolicyRange>();
        var std = new Dictionary<string, long>();
        var ipolicyTemplates = new List<string>();
        int vcpus = 1;
        long minMem = 128, maxMem = 128;
        string? nicMode = null, nicLink = null;
        var hv = new Dictionary<string, IReadOnlyDictionary<string, JsonElement>>(StringComparer.Ordinal);

        try
        {
            using var doc = JsonDocument.Parse(string.IsNullOrWhiteSpace(cluster.Info.Parameters) ? "{}" : cluster.Info.Parameters);
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                if (root.TryGetProperty("ipolicy", out var ipolicy) && ipolicy.ValueKind == JsonValueKind.Object)
                {
                    if (ipolicy.TryGetProperty("minmax", out var minmax) && minmax.ValueKind == JsonValueKind.Array)
                    {
                        foreach (var pair in minmax.EnumerateArray())
                        {
                            if (pair.ValueKind == JsonValueKind.Object && pair.TryGetProperty("min", out var lo) && pair.TryGetProperty("max", out var hi))
                            {
                                ranges.Add(new IpolicyRange(Numbers(lo), Numbers(hi)));
                            }
                        }
                    }

                    if (ipolicy.TryGetProperty("std", out var s))
                    {
                        std = Numbers(s);
                    }

                    if (ipolicy.TryGetProperty("disk-templates", out var dts) && dts.ValueKind == JsonValueKind.Array)
                    {
                        ipolicyTemplates.AddRange(dts.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!));
                    }
                }

                if (root.TryGetProperty("beparams", out var be) && be.ValueKind == JsonValueKind.Object
                    && be.TryGetProperty("default", out var bed) && bed.ValueKind == JsonValueKind.Object)
                {
                    var b = Numbers(bed);
                    vcpus = b.TryGetValue("vcpus", out var v) ? (int)Math.Clamp(v, 1, 1024) : 1;
                    maxMem = b.TryGetValue("maxmem", out var mx) ? mx : b.GetValueOrDefault("memory", 128);
                    minMem = b.TryGetValue("minmem", out var mn) ? mn : maxMem;
                }

                if (root.TryGetProperty("nicparams", out var nic) && nic.ValueKind == JsonValueKind.Object
                    && nic.TryGetProperty("default", out var nicd) && nicd.ValueKind == JsonValueKind.Object)
                {
                    nicMode = nicd.TryGetProperty("mode", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
                    nicLink = nicd.TryGetProperty("link", out var l) && l.ValueKind == JsonValueKind.String ? l.GetString() : null;
                }

                if (root.TryGetProperty("hvparams", out var hvs) && hvs.ValueKind == JsonValueKind.Object)
                {
                    foreach (var one in hvs.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Object))
                    {
                        hv[one.Name] = one.Value.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.Ordinal);
                    }
                }
            }
        }
        catch (JsonException)
        {
            // A damaged mirror gives the plain defaults; the sync rewrites it at its next pass.
        }

        return new CreateClusterFacts
        {
            ClusterId = cluster.Id,
            Slug = cluster.Slug,
            Hypervisors = cluster.Info.EnabledHypervisors,
            DefaultHypervisor = cluster.Info.DefaultHypervisor,
            DiskTemplates = cluster.Info.EnabledDiskTemplates,
            OperatingSystems = cluster.Info.OperatingSystems,
            DefaultIallocator = string.IsNullOrWhiteSpace(cluster.Info.DefaultIallocator) ? null : cluster.Info.DefaultIallocator,
            IpolicyRanges = ranges,
            IpolicyStd = std,
            IpolicyDiskTemplates = ipolicyTemplates,
            DefaultVcpus = vcpus,
            DefaultMinMemoryMiB = minMem,
            DefaultMaxMemoryMiB = maxMem,
            DefaultNicMode = nicMode,
            DefaultNicLink = nicLink,
            HvDefaults = hv,
            Nodes = nodes
                .Where(n => n.MissingSince is null)
                .OrderBy(n => n.Name, StringComparer.Ordinal)
                .Select(n => new PlacementNode(
                    n.Name,
                    !n.Offline && !n.Drained && n.VmCapable,
                    n.Offline ? "offline" : n.Drained ? "drained" : !n.VmCapable ? "not VM-capable" : null))
                .ToList(),
        };
    }

    /// <summary>A spec filled with the cluster's defaults (hypervisor, beparams, nicparams, hvparams, policy std disk).</summary>
    public VmSpec DefaultSpec()
    {
        var hypervisor = DefaultHypervisor is not null && Hypervisors.Contains(DefaultHypervisor) ? DefaultHypervisor : Hypervisors.Count > 0 ? Hypervisors[0] : null;
        var template = DiskTemplates.Count > 0 ? DiskTemplates[0] : null;
        var diskSize = IpolicyStd.TryGetValue(DiskSize, out var d) ? d : Bounds(DiskSize).Min ?? 1024;
        return new VmSpec
        {
            Hypervisor = hypervisor,
            DiskTemplate = template,
            Vcpus = DefaultVcpus,
            MinMemoryMiB = DefaultMinMemoryMiB,
            MaxMemoryMiB = DefaultMaxMemoryMiB,
            Disks = template == "diskless" ? [] : [new DiskSpec { SizeMiB = Math.Max(1, diskSize) }],
            Nics = [new NicSpec { Mode = DefaultNicMode, Link = DefaultNicLink }],
            UseIallocator = DefaultIallocator is not null,
            Hv = HvFields.Defaults(hypervisor, HvDefaultsOf(hypervisor)),
        };
    }

    private static Dictionary<string, long> Numbers(JsonElement element)
    {
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        if (element.ValueKind != JsonValueKind.Object)
        {
            return result;
        }

        foreach (var p in element.EnumerateObject())
        {
            if (p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetInt64(out var n))
            {
                result[p.Name] = n;
            }
            else if (p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetDouble(out var f))
            {
                result[p.Name] = (long)f;
            }
        }

        return result;
    }
}
