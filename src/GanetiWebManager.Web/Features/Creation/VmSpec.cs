using System.Text.Json;
using System.Text.Json.Serialization;

namespace GanetiWebManager.Web.Features.Creation;

/// <summary>
/// What a VM is made of, as the wizard edits it (product-spec §7 steps 3–5): the shape stored in templates and
/// rebuilt from a failed create's request for "retry". Plain settable properties, because Blazor forms bind to it;
/// <see cref="VmSpecValidator"/> decides what is acceptable on a given cluster.
/// </summary>
public sealed class VmSpec
{
    public const int MaxDisks = 16;
    public const int MaxNics = 8;

    public string? Hypervisor { get; set; }

    /// <summary><c>provider+variant</c> as <c>/2/os</c> lists it.</summary>
    public string? Os { get; set; }

    /// <summary>OS parameters as <c>key=value</c>, one per line or separated by commas (e.g. <c>fail=true</c>).</summary>
    public string OsParams { get; set; } = "";

    public int Vcpus { get; set; } = 1;

    public long MinMemoryMiB { get; set; } = 128;

    public long MaxMemoryMiB { get; set; } = 128;

    public string? DiskTemplate { get; set; }

    public List<DiskSpec> Disks { get; set; } = [];

    public List<NicSpec> Nics { get; set; } = [];

    /// <summary>Let the cluster's instance allocator choose the nodes (when it has one).</summary>
    public bool UseIallocator { get; set; } = true;

    public string? PrimaryNode { get; set; }

    /// <summary>For disk templates that mirror to a second node (<c>drbd</c>).</summary>
    public string? SecondaryNode { get; set; }

    /// <summary>Boot the VM once created.</summary>
    public bool Start { get; set; } = true;

    /// <summary>Skip the OS install scripts.</summary>
    public bool NoInstall { get; set; }

    /// <summary>Check that the name resolves in DNS (Ganeti expands it to the FQDN).</summary>
    public bool NameCheck { get; set; }

    /// <summary>Check that the name's address is not in use (needs <see cref="NameCheck"/>).</summary>
    public bool IpCheck { get; set; }

    /// <summary>Hypervisor parameters by Ganeti key (only those of <see cref="Hypervisor"/> are sent).</summary>
    public HvSpec Hv { get; set; } = new();

    public VmSpec Clone() => JsonSerializer.Deserialize<VmSpec>(ToJson(), Json)!;

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>The stored JSON read back; null when it is not a spec (a damaged row never ends in a 500).</summary>
    public static VmSpec? FromJson(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<VmSpec>(json, Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Total disk in MiB (what the quota counts).</summary>
    [JsonIgnore]
    public long DiskTotalMiB => IsDiskless ? 0 : Disks.Sum(d => Math.Max(0, d.SizeMiB));

    [JsonIgnore]
    public bool IsDiskless => DiskTemplate == "diskless";

    /// <summary>Disk templates that need a secondary node.</summary>
    public static bool NeedsSecondary(string? diskTemplate) => diskTemplate == "drbd";

    /// <summary>OS parameters parsed (<c>key=value</c>, lines or commas); null when a piece is not of that form.</summary>
    public static Dictionary<string, string>? ParseOsParams(string? text)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var piece in (text ?? "").Split(['\n', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = piece.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                return null;
            }

            result[piece[..eq].Trim()] = piece[(eq + 1)..].Trim();
        }

        return result;
    }

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
}

public sealed class DiskSpec
{
    public long SizeMiB { get; set; } = 1024;
}

public sealed class NicSpec
{
    /// <summary><c>bridged</c>, <c>routed</c> or <c>openvswitch</c>; empty with a <see cref="Network"/>.</summary>
    public string? Mode { get; set; }

    public string? Link { get; set; }

    /// <summary>A Ganeti network instead of mode + link.</summary>
    public string? Network { get; set; }
}

/// <summary>
/// The hypervisor parameters the wizard offers (gwm.md §7). Null = the cluster's default. Which of them apply
/// depends on the hypervisor (<see cref="HvFields"/>).
/// </summary>
public sealed class HvSpec
{
    public string? BootOrder { get; set; }

    public string? CdromImagePath { get; set; }

    public string? KernelPath { get; set; }

    public string? KernelArgs { get; set; }

    public string? RootPath { get; set; }

    public string? InitrdPath { get; set; }

    public string? DiskType { get; set; }

    public string? NicType { get; set; }

    public bool? SerialConsole { get; set; }

    public string? VncBindAddress { get; set; }

    public bool? Acpi { get; set; }

    public string? MigrationMode { get; set; }
}
