using System.Globalization;
using System.Text.Json;
using GanetiWebManager.Web.Components.Shared;
using GanetiWebManager.Web.Domain.VirtualMachines;
using GanetiWebManager.Web.Features.Quotas;

namespace GanetiWebManager.Web.Features.VirtualMachines.Actions;

/// <summary>
/// What a user asks to change on a VM (product-spec §8 "modify"): null or empty means "leave as it is". Memory is
/// one figure (Ganeti's maxmem and minmem set equal), hypervisor and OS parameters are the entries to set, disks
/// are added or grown (Ganeti cannot shrink them), NICs are added or removed.
/// </summary>
public sealed record VmModification
{
    public long? MemoryMiB { get; init; }

    public int? Vcpus { get; init; }

    public IReadOnlyDictionary<string, string> HvParams { get; init; } = new Dictionary<string, string>();

    public IReadOnlyDictionary<string, string> OsParams { get; init; } = new Dictionary<string, string>();

    public IReadOnlyList<long> AddDisksMiB { get; init; } = [];

    public IReadOnlyList<DiskGrowth> GrowDisks { get; init; } = [];

    public IReadOnlyList<NicSpec> AddNics { get; init; } = [];

    public IReadOnlyList<int> RemoveNics { get; init; } = [];
}

/// <summary>One line of the confirm page: what changes, in words ("memory increased from 512 MiB to 1 GiB").</summary>
public sealed record VmChangeLine(string Text, bool NeedsReboot);

/// <summary>
/// Compares a modification with the VM as the portal mirrors it: the human diff for the confirm page, the
/// reasons it cannot be sent, what it adds to the owner's quota, and the job that carries it.
/// </summary>
public static class VmModificationPlan
{
    public const int MaxVcpus = 256;
    public const long MaxMemoryMiB = 16L * 1024 * 1024;
    public const long MaxDiskMiB = 64L * 1024 * 1024;
    public const int MaxDevices = 16;

    /// <summary>Only what differs from the VM: unchanged figures and parameters drop out, so "no change" is detectable.</summary>
    public static VmModification Effective(VirtualMachine vm, VmModification change)
    {
        var hv = Parse(vm.HvParams);
        var os = Parse(vm.OsParams);
        return change with
        {
            MemoryMiB = change.MemoryMiB == vm.MaxMemoryMiB && change.MemoryMiB == (vm.MinMemoryMiB ?? vm.MaxMemoryMiB) ? null : change.MemoryMiB,
            Vcpus = change.Vcpus == vm.Vcpus ? null : change.Vcpus,
            HvParams = change.HvParams.Where(p => hv.GetValueOrDefault(p.Key) != p.Value).ToDictionary(p => p.Key, p => p.Value),
            OsParams = change.OsParams.Where(p => os.GetValueOrDefault(p.Key) != p.Value).ToDictionary(p => p.Key, p => p.Value),
            GrowDisks = [.. change.GrowDisks.Where(g => g.Index < 0 || g.Index >= vm.Disks.Count || g.NewSizeMiB != vm.Disks[g.Index].SizeMiB)],
        };
    }

    public static bool IsEmpty(VmModification change) =>
        change.MemoryMiB is null && change.Vcpus is null && change.HvParams.Count == 0 && change.OsParams.Count == 0
        && change.AddDisksMiB.Count == 0 && change.GrowDisks.Count == 0 && change.AddNics.Count == 0 && change.RemoveNics.Count == 0;

    /// <summary>Why the change cannot be sent (each problem a sentence), empty when it can.</summary>
    public static IReadOnlyList<string> Problems(VirtualMachine vm, VmModification change)
    {
        List<string> problems = [];
        if (change.MemoryMiB is { } memory && (memory < 32 || memory > MaxMemoryMiB))
        {
            problems.Add($"Memory must be between 32 MiB and {DisplayFormat.Mebibytes(MaxMemoryMiB)}.");
        }

        if (change.Vcpus is { } vcpus && (vcpus < 1 || vcpus > MaxVcpus))
        {
            problems.Add($"vCPUs must be between 1 and {MaxVcpus}.");
        }

        foreach (var size in change.AddDisksMiB.Where(s => s < 1 || s > MaxDiskMiB))
        {
            problems.Add($"A new disk of {size} MiB is not possible: between 1 MiB and {DisplayFormat.Mebibytes(MaxDiskMiB)}.");
        }

        foreach (var growth in change.GrowDisks)
        {
            if (growth.Index < 0 || growth.Index >= vm.Disks.Count)
            {
                problems.Add($"There is no disk {growth.Index}.");
            }
            else if (growth.NewSizeMiB < vm.Disks[growth.Index].SizeMiB)
            {
                problems.Add($"Disk {growth.Index} cannot shrink (from {DisplayFormat.Mebibytes(vm.Disks[growth.Index].SizeMiB)} to {DisplayFormat.Mebibytes(growth.NewSizeMiB)}): Ganeti only grows disks.");
            }
            else if (growth.NewSizeMiB > MaxDiskMiB)
            {
                problems.Add($"Disk {growth.Index} cannot exceed {DisplayFormat.Mebibytes(MaxDiskMiB)}.");
            }
        }

        if (vm.Disks.Count + change.AddDisksMiB.Count > MaxDevices)
        {
            problems.Add($"A VM has at most {MaxDevices} disks.");
        }

        if (vm.DiskTemplate is "diskless" && change.AddDisksMiB.Count > 0)
        {
            problems.Add("A diskless VM cannot get disks.");
        }

        foreach (var index in change.RemoveNics.Where(i => i < 0 || i >= vm.Nics.Count))
        {
            problems.Add($"There is no NIC {index}.");
        }

        if (change.RemoveNics.Distinct().Count() != change.RemoveNics.Count)
        {
            problems.Add("A NIC is removed only once.");
        }

        if (vm.Nics.Count - change.RemoveNics.Count + change.AddNics.Count > MaxDevices)
        {
            problems.Add($"A VM has at most {MaxDevices} NICs.");
        }

        foreach (var nic in change.AddNics.Where(n => string.IsNullOrWhiteSpace(n.Network) && string.IsNullOrWhiteSpace(n.Link)))
        {
            problems.Add("A new NIC needs a network or a link.");
        }

        foreach (var nic in change.AddNics.Where(n => n.Mode is not (null or "" or "bridged" or "routed" or "openvswitch")))
        {
            problems.Add($"NIC mode {nic.Mode} is not one of bridged, routed, openvswitch.");
        }

        foreach (var key in change.HvParams.Keys.Concat(change.OsParams.Keys).Where(k => !IsParameterName(k)))
        {
            problems.Add($"\"{key}\" is not a parameter name (letters, digits, _ and -).");
        }

        return problems;
    }

    /// <summary>The human diff, one line per change.</summary>
    public static IReadOnlyList<VmChangeLine> Describe(VirtualMachine vm, VmModification change)
    {
        List<VmChangeLine> lines = [];
        if (change.MemoryMiB is { } memory)
        {
            lines.Add(new(Compared("memory", vm.MaxMemoryMiB, memory, DisplayFormat.Mebibytes), true));
        }

        if (change.Vcpus is { } vcpus)
        {
            lines.Add(new(Compared("vCPUs", vm.Vcpus, vcpus, v => v?.ToString(CultureInfo.InvariantCulture) ?? "—"), true));
        }

        var hv = Parse(vm.HvParams);
        foreach (var (key, value) in change.HvParams.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            lines.Add(new(hv.TryGetValue(key, out var old) ? $"hypervisor parameter {key} changed from \"{old}\" to \"{value}\"" : $"hypervisor parameter {key} set to \"{value}\"", true));
        }

        var os = Parse(vm.OsParams);
        foreach (var (key, value) in change.OsParams.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            lines.Add(new(os.TryGetValue(key, out var old) ? $"OS parameter {key} changed from \"{old}\" to \"{value}\"" : $"OS parameter {key} set to \"{value}\"", false));
        }

        foreach (var size in change.AddDisksMiB)
        {
            lines.Add(new($"disk of {DisplayFormat.Mebibytes(size)} added", false));
        }

        foreach (var growth in change.GrowDisks.Where(g => g.Index >= 0 && g.Index < vm.Disks.Count))
        {
            lines.Add(new($"disk {growth.Index} grown from {DisplayFormat.Mebibytes(vm.Disks[growth.Index].SizeMiB)} to {DisplayFormat.Mebibytes(growth.NewSizeMiB)}", false));
        }

        foreach (var index in change.RemoveNics.Order())
        {
            var nic = index >= 0 && index < vm.Nics.Count ? vm.Nics[index] : null;
            lines.Add(new($"NIC {index}{(nic?.Mac is { } mac ? $" ({mac})" : "")} removed", false));
        }

        foreach (var nic in change.AddNics)
        {
            lines.Add(new(nic.Network is { Length: > 0 } network ? $"NIC on network {network} added" : $"NIC ({nic.Mode ?? "bridged"} on {nic.Link}) added", false));
        }

        return lines;
    }

    /// <summary>
    /// What the change adds to the owner's usage: increases only (a decrease frees nothing until the job has run, and
    /// then the mirror shows it). RAM and vCPUs count only when the VM is meant to run (product-spec §5).
    /// </summary>
    public static ResourceAmounts QuotaNeed(VirtualMachine vm, VmModification change)
    {
        var up = vm.AdminState == VmStates.AdminUp;
        var ram = up && change.MemoryMiB is { } memory ? Math.Max(0, memory - (vm.MaxMemoryMiB ?? 0)) : 0;
        var cpus = up && change.Vcpus is { } vcpus ? Math.Max(0, vcpus - (vm.Vcpus ?? 0)) : 0;
        var disk = change.AddDisksMiB.Sum()
            + change.GrowDisks.Where(g => g.Index >= 0 && g.Index < vm.Disks.Count).Sum(g => Math.Max(0, g.NewSizeMiB - vm.Disks[g.Index].SizeMiB));
        return new ResourceAmounts(ram, disk, cpus);
    }

    public static ModifyInstance ToAction(VirtualMachine vm, VmModification change, bool rebootAfter) => new(
        vm.Name,
        change.MemoryMiB,
        change.Vcpus,
        change.HvParams.Count > 0 ? change.HvParams : null,
        change.OsParams.Count > 0 ? change.OsParams : null,
        change.AddDisksMiB,
        change.GrowDisks,
        change.AddNics,
        change.RemoveNics,
        rebootAfter);

    private static string Compared<T>(string what, T? before, T after, Func<T?, string> format)
        where T : struct, IComparable<T> =>
        before is not { } old ? $"{what} set to {format(after)}"
        : after.CompareTo(old) > 0 ? $"{what} increased from {format(old)} to {format(after)}"
        : after.CompareTo(old) < 0 ? $"{what} decreased from {format(old)} to {format(after)}"
        : $"{what} stays {format(after)}";

    private static bool IsParameterName(string key) =>
        key.Length is > 0 and <= 64 && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');

    /// <summary>A mirrored parameter object as text values (how the form shows and compares them).</summary>
    public static Dictionary<string, string> Parse(string json)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            using var document = JsonDocument.Parse(string.IsNullOrWhiteSpace(json) ? "{}" : json);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return result;
            }

            foreach (var property in document.RootElement.EnumerateObject())
            {
                result[property.Name] = property.Value.ValueKind switch
                {
                    JsonValueKind.String => property.Value.GetString() ?? "",
                    JsonValueKind.True => "true",
                    JsonValueKind.False => "false",
                    JsonValueKind.Null => "",
                    _ => property.Value.GetRawText(),
                };
            }
        }
        catch (JsonException)
        {
            // A malformed mirror shows as "no parameters"; the sync rewrites it.
        }

        return result;
    }
}
