using System.Globalization;
using System.Text.Json;

namespace GanetiWebManager.Web.Features.Creation;

/// <summary>How a hypervisor parameter is entered: free text, a choice, or on/off.</summary>
public enum HvFieldKind
{
    Text,
    Choice,
    Flag,
}

/// <summary>One hypervisor parameter the wizard offers: its Ganeti key, label, kind, choices and where it lives in <see cref="HvSpec"/>.</summary>
public sealed record HvField(
    string Key,
    string Label,
    HvFieldKind Kind,
    IReadOnlyList<string> Choices,
    Func<HvSpec, object?> Get,
    Action<HvSpec, object?> Set,
    string? Help = null)
{
    /// <summary>The element id in the form (stable for browser tests): <c>hv-boot_order</c>.</summary>
    public string InputId => "hv-" + Key;
}

/// <summary>
/// The hypervisor parameters per hypervisor (kvm, xen-pvm, xen-hvm, fake), after GWM's wizard (gwm.md §7). Values
/// left at the cluster's default are not sent, so the VM keeps following the cluster's settings for them.
/// </summary>
public static class HvFields
{
    public const string Kvm = "kvm";
    public const string XenPvm = "xen-pvm";
    public const string XenHvm = "xen-hvm";
    public const string Fake = "fake";

    private static readonly string[] KvmDiskTypes = ["paravirtual", "ide", "scsi", "sd", "mtd", "pflash"];
    private static readonly string[] KvmNicTypes = ["paravirtual", "e1000", "rtl8139", "ne2k_isa", "ne2k_pci", "i82551", "i82557b", "i82559er", "pcnet"];
    private static readonly string[] HvmDiskTypes = ["ioemu", "paravirtual"];
    private static readonly string[] HvmNicTypes = ["ioemu", "paravirtual", "e1000", "rtl8139", "ne2k_isa", "ne2k_pci"];

    private static HvField Text(string key, string label, Func<HvSpec, string?> get, Action<HvSpec, string?> set, string? help = null) =>
        new(key, label, HvFieldKind.Text, [], s => get(s), (s, v) => set(s, v as string), help);

    private static HvField Choice(string key, string label, string[] choices, Func<HvSpec, string?> get, Action<HvSpec, string?> set) =>
        new(key, label, HvFieldKind.Choice, choices, s => get(s), (s, v) => set(s, v as string));

    private static HvField Flag(string key, string label, Func<HvSpec, bool?> get, Action<HvSpec, bool?> set, string? help = null) =>
        new(key, label, HvFieldKind.Flag, [], s => get(s), (s, v) => set(s, v as bool?), help);

    private static readonly HvField BootKvm = Choice("boot_order", "Boot from", ["disk", "cdrom", "network", "floppy"], s => s.BootOrder, (s, v) => s.BootOrder = v);
    private static readonly HvField BootHvm = Choice("boot_order", "Boot order", ["cd", "dc", "c", "d", "n", "a"], s => s.BootOrder, (s, v) => s.BootOrder = v);
    private static readonly HvField Cdrom = Text("cdrom_image_path", "CD-ROM image path", s => s.CdromImagePath, (s, v) => s.CdromImagePath = v, "An ISO file on the nodes, e.g. /srv/iso/debian.iso");
    private static readonly HvField Kernel = Text("kernel_path", "Kernel path", s => s.KernelPath, (s, v) => s.KernelPath = v, "Empty: boot the disk's own kernel");
    private static readonly HvField KernelArgs = Text("kernel_args", "Kernel arguments", s => s.KernelArgs, (s, v) => s.KernelArgs = v);
    private static readonly HvField Root = Text("root_path", "Root device", s => s.RootPath, (s, v) => s.RootPath = v);
    private static readonly HvField Initrd = Text("initrd_path", "Initrd path", s => s.InitrdPath, (s, v) => s.InitrdPath = v);
    private static readonly HvField SerialConsole = Flag("serial_console", "Serial console", s => s.SerialConsole, (s, v) => s.SerialConsole = v);
    private static readonly HvField Vnc = Text("vnc_bind_address", "VNC bind address", s => s.VncBindAddress, (s, v) => s.VncBindAddress = v, "0.0.0.0 for every address of the node; empty for no VNC");
    private static readonly HvField Acpi = Flag("acpi", "ACPI", s => s.Acpi, (s, v) => s.Acpi = v, "Without ACPI a shutdown stops the VM at once");

    private static readonly Dictionary<string, HvField[]> ByHypervisor = new(StringComparer.Ordinal)
    {
        [Kvm] =
        [
            BootKvm, Cdrom, Kernel, KernelArgs, Root, Initrd,
            Choice("disk_type", "Disk type", KvmDiskTypes, s => s.DiskType, (s, v) => s.DiskType = v),
            Choice("nic_type", "NIC type", KvmNicTypes, s => s.NicType, (s, v) => s.NicType = v),
            SerialConsole, Vnc, Acpi,
        ],
        [XenPvm] = [Kernel, KernelArgs, Root, Initrd],
        [XenHvm] =
        [
            BootHvm, Cdrom,
            Choice("disk_type", "Disk type", HvmDiskTypes, s => s.DiskType, (s, v) => s.DiskType = v),
            Choice("nic_type", "NIC type", HvmNicTypes, s => s.NicType, (s, v) => s.NicType = v),
            Vnc, Acpi,
        ],
        [Fake] = [Choice("migration_mode", "Migration mode", ["live", "non-live"], s => s.MigrationMode, (s, v) => s.MigrationMode = v)],
    };

    /// <summary>The fields of <paramref name="hypervisor"/>; none for one the wizard does not know (lxc...): the cluster's defaults apply.</summary>
    public static IReadOnlyList<HvField> For(string? hypervisor) =>
        hypervisor is not null && ByHypervisor.TryGetValue(hypervisor, out var fields) ? fields : [];

    public static string Label(string hypervisor) => hypervisor switch
    {
        Kvm => "KVM",
        XenPvm => "Xen (PVM)",
        XenHvm => "Xen (HVM)",
        Fake => "Fake (testing)",
        "lxc" => "LXC",
        _ => hypervisor,
    };

    /// <summary>Fills every field of <paramref name="hypervisor"/> with the cluster's default (what the form starts from).</summary>
    public static HvSpec Defaults(string? hypervisor, IReadOnlyDictionary<string, JsonElement> clusterHv)
    {
        var spec = new HvSpec();
        foreach (var field in For(hypervisor))
        {
            if (clusterHv.TryGetValue(field.Key, out var value))
            {
                field.Set(spec, Read(field, value));
            }
        }

        return spec;
    }

    /// <summary>
    /// The hvparams to send: the fields of <paramref name="hypervisor"/> whose value differs from the cluster's default.
    /// An emptied text field is sent as "" (e.g. no kernel), a field never set is left out.
    /// </summary>
    public static Dictionary<string, object?> ToParams(string? hypervisor, HvSpec spec, IReadOnlyDictionary<string, JsonElement> clusterHv)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var field in For(hypervisor))
        {
            var value = field.Get(spec);
            if (value is null)
            {
                continue;
            }

            var current = clusterHv.TryGetValue(field.Key, out var element) ? Read(field, element) : null;
            if (!Equals(Normalise(value), Normalise(current)))
            {
                result[field.Key] = value is string text ? text.Trim() : value;
            }
        }

        return result;
    }

    /// <summary>A spec's fields from hvparams (a VM's own, or a create request's).</summary>
    public static HvSpec FromParams(string? hypervisor, IReadOnlyDictionary<string, JsonElement> hvparams, IReadOnlyDictionary<string, JsonElement> clusterHv)
    {
        var spec = Defaults(hypervisor, clusterHv);
        foreach (var field in For(hypervisor))
        {
            if (hvparams.TryGetValue(field.Key, out var value))
            {
                field.Set(spec, Read(field, value));
            }
        }

        return spec;
    }

    private static object? Normalise(object? value) => value is string s ? s.Trim() : value;

    private static object? Read(HvField field, JsonElement value) => field.Kind switch
    {
        HvFieldKind.Flag => value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.String when bool.TryParse(value.GetString(), out var b) => b,
            _ => null,
        },
        _ => value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            JsonValueKind.True or JsonValueKind.False => value.GetBoolean().ToString(CultureInfo.InvariantCulture).ToLowerInvariant(),
            _ => null,
        },
    };
}
