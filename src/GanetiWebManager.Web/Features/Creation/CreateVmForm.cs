using System.Net;
using System.Text.RegularExpressions;
using FluentValidation;
using GanetiWebManager.Web.Domain.Templates;

namespace GanetiWebManager.Web.Features.Creation;

/// <summary>
/// The wizard's model (product-spec §7): where and what to create (a VM, a template, or both), as whom, under which
/// names, and the VM's settings. The same object goes to <see cref="CreateVmService"/>, which validates it again.
/// </summary>
public sealed class CreateVmForm
{
    public int ClusterId { get; set; }

    public bool CreateVm { get; set; } = true;

    public bool SaveTemplate { get; set; }

    /// <summary>The owner (<c>Persona.Key</c>: <c>user:&lt;guid&gt;</c> or <c>group:&lt;id&gt;</c>).</summary>
    public string? OwnerKey { get; set; }

    public string? InstanceName { get; set; }

    public string? TemplateName { get; set; }

    public string? TemplateDescription { get; set; }

    public VmSpec Spec { get; set; } = new();
}

/// <summary>Name rules shared by the wizard, templates and the service.</summary>
public static partial class CreateNames
{
    public const int MaxInstanceNameLength = 253;

    /// <summary>
    /// A host name as Ganeti takes it for an instance: lower-case RFC 1123 labels (letters, digits, inner hyphens,
    /// at most 63 characters each) separated by dots, 253 characters in all.
    /// </summary>
    public static bool IsValidInstanceName(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= MaxInstanceNameLength && HostnamePattern().IsMatch(name);

    public static bool IsValidTemplateName(string? name) =>
        !string.IsNullOrWhiteSpace(name) && name.Length <= VmTemplate.MaxNameLength && name.Trim() == name && !name.Any(char.IsControl);

    [GeneratedRegex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$", RegexOptions.CultureInvariant)]
    private static partial Regex HostnamePattern();
}

/// <summary>
/// The rules of a VM's settings on one cluster, with the cluster's own numbers (<see cref="CreateClusterFacts"/>):
/// enabled hypervisors, disk templates and OSes, the instance policy's ranges, node placement, hypervisor parameters.
/// </summary>
public sealed class VmSpecValidator : AbstractValidator<VmSpec>
{
    public const int MaxVcpus = 1024;
    public const long MaxMemoryMiB = 1L << 24; // 16 TiB: beyond any node, so a typo
    public const long MaxDiskMiB = 1L << 30;

    public VmSpecValidator(CreateClusterFacts facts)
    {
        RuleFor(s => s.Hypervisor)
            .Must(h => h is not null && facts.Hypervisors.Contains(h))
            .WithMessage(_ => $"Choose one of the cluster's hypervisors ({string.Join(", ", facts.Hypervisors)}).");

        RuleFor(s => s.Os)
            .Cascade(CascadeMode.Stop)
            .Must(os => !string.IsNullOrWhiteSpace(os))
            .WithMessage("Choose an operating system.")
            .Must(os => facts.OperatingSystems.Count == 0 || facts.OperatingSystems.Contains(os!))
            .WithMessage(s => facts.OperatingSystems.Count == 0 ? "" : $"The cluster has no OS named \"{s.Os}\".")
            .Must(_ => facts.OperatingSystems.Count > 0)
            .WithMessage("The cluster's OS list has not been read yet (the next sync reads it); try again in a moment.");

        RuleFor(s => s.OsParams)
            .Must(text => VmSpec.ParseOsParams(text) is not null)
            .WithMessage("OS parameters are key=value pairs, one per line or separated by commas.");

        RuleFor(s => s.Vcpus)
            .InclusiveBetween(1, MaxVcpus).WithMessage($"vCPUs are 1 to {MaxVcpus}.")
            .Must(v => Within(facts, CreateClusterFacts.CpuCount, v)).WithMessage(s => Range(facts, CreateClusterFacts.CpuCount, "vCPUs"));

        RuleFor(s => s.MinMemoryMiB)
            .InclusiveBetween(1, MaxMemoryMiB).WithMessage("Minimum memory must be at least 1 MiB.")
            .Must((s, min) => min <= s.MaxMemoryMiB).WithMessage("Minimum memory cannot be more than the maximum memory.");

        RuleFor(s => s.MaxMemoryMiB)
            .InclusiveBetween(1, MaxMemoryMiB).WithMessage($"Maximum memory is 1 to {MaxMemoryMiB:N0} MiB.")
            .Must(m => Within(facts, CreateClusterFacts.MemorySize, m)).WithMessage(_ => Range(facts, CreateClusterFacts.MemorySize, "Maximum memory", " MiB"));

        RuleFor(s => s.DiskTemplate)
            .Must(t => t is not null && facts.DiskTemplates.Contains(t))
            .WithMessage(_ => $"Choose one of the cluster's disk templates ({string.Join(", ", facts.DiskTemplates)}).")
            .Must(t => facts.IpolicyDiskTemplates.Count == 0 || facts.IpolicyDiskTemplates.Contains(t!))
            .WithMessage(s => $"The cluster's instance policy does not allow the {s.DiskTemplate} disk template.");

        RuleFor(s => s.Disks)
            .Must(d => d.Count == 0).When(s => s.IsDiskless, ApplyConditionTo.CurrentValidator).WithMessage("A diskless VM has no disks.")
            .Must(d => d.Count is >= 1 and <= VmSpec.MaxDisks).When(s => !s.IsDiskless, ApplyConditionTo.CurrentValidator).WithMessage($"Give 1 to {VmSpec.MaxDisks} disks.")
            .Must(d => Within(facts, CreateClusterFacts.DiskCount, d.Count)).When(s => !s.IsDiskless, ApplyConditionTo.CurrentValidator)
            .WithMessage(_ => Range(facts, CreateClusterFacts.DiskCount, "The number of disks"));

        RuleForEach(s => s.Disks).ChildRules(disk => disk.RuleFor(d => d.SizeMiB)
            .InclusiveBetween(1, MaxDiskMiB).WithMessage("A disk's size is at least 1 MiB.")
            .Must(size => Within(facts, CreateClusterFacts.DiskSize, size)).WithMessage(_ => Range(facts, CreateClusterFacts.DiskSize, "A disk's size", " MiB")));

        RuleFor(s => s.Nics)
            .Must(n => n.Count <= VmSpec.MaxNics).WithMessage($"At most {VmSpec.MaxNics} NICs.")
            .Must(n => Within(facts, CreateClusterFacts.NicCount, n.Count)).WithMessage(_ => Range(facts, CreateClusterFacts.NicCount, "The number of NICs"));

        RuleForEach(s => s.Nics).ChildRules(nic =>
        {
            nic.RuleFor(n => n.Mode)
                .Must(m => m is "bridged" or "routed" or "openvswitch")
                .When(n => string.IsNullOrWhiteSpace(n.Network), ApplyConditionTo.CurrentValidator)
                .WithMessage("Choose the NIC's mode (bridged, routed or openvswitch), or a network.");
            nic.RuleFor(n => n.Link)
                .Must(l => !string.IsNullOrWhiteSpace(l))
                .When(n => string.IsNullOrWhiteSpace(n.Network) && n.Mode is "bridged" or "openvswitch", ApplyConditionTo.CurrentValidator)
                .WithMessage("Give the link (the bridge or switch) of the NIC, or a network.")
                .Must(l => l is null || (l.Length <= 64 && !l.Any(char.IsWhiteSpace)))
                .WithMessage("A link is one word (a bridge or routing table).");
            nic.RuleFor(n => n.Network)
                .Must(n => n is null || (n.Length <= 64 && !n.Any(char.IsWhiteSpace)))
                .WithMessage("A network name is one word.");
        });

        RuleFor(s => s.UseIallocator)
            .Must(use => !use || facts.DefaultIallocator is not null)
            .WithMessage("The cluster has no default instance allocator: choose the nodes.");

        RuleFor(s => s.PrimaryNode)
            .Must(n => facts.Nodes.Any(x => x.Name == n && x.Usable))
            .When(s => !s.UseIallocator, ApplyConditionTo.CurrentValidator)
            .WithMessage(s => facts.Nodes.FirstOrDefault(x => x.Name == s.PrimaryNode) is { Why: { } why } ? $"{s.PrimaryNode} is {why}: choose another node." : "Choose the primary node.");

        RuleFor(s => s.SecondaryNode)
            .Must(n => facts.Nodes.Any(x => x.Name == n && x.Usable))
            .When(s => !s.UseIallocator && VmSpec.NeedsSecondary(s.DiskTemplate), ApplyConditionTo.CurrentValidator)
            .WithMessage(s => $"The {s.DiskTemplate} disk template mirrors to a second node: choose the secondary node.")
            .Must((s, n) => n != s.PrimaryNode)
            .When(s => !s.UseIallocator && VmSpec.NeedsSecondary(s.DiskTemplate), ApplyConditionTo.CurrentValidator)
            .WithMessage("The secondary node must differ from the primary node.");

        RuleFor(s => s.IpCheck)
            .Must((s, ip) => !ip || s.NameCheck)
            .WithMessage("Checking the IP address needs the name check (the address comes from DNS).");

        RuleFor(s => s.Hv).Custom((hv, context) =>
        {
            var spec = context.InstanceToValidate;
            foreach (var field in HvFields.For(spec.Hypervisor))
            {
                var value = field.Get(hv);
                var path = "Hv." + HvPropertyName(field);
                if (field.Kind == HvFieldKind.Choice && value is string choice && choice.Length > 0 && !field.Choices.Contains(choice))
                {
                    context.AddFailure(path, $"{field.Label}: choose one of {string.Join(", ", field.Choices)}.");
                }

                if (field.Kind == HvFieldKind.Text && value is string text && text.Length > 0)
                {
                    if (text.Length > 1024 || text.Any(char.IsControl))
                    {
                        context.AddFailure(path, $"{field.Label} is too long or contains control characters.");
                    }
                    else if (field.Key.EndsWith("_path", StringComparison.Ordinal) && !text.StartsWith('/'))
                    {
                        context.AddFailure(path, $"{field.Label} must be an absolute path (starting with /).");
                    }
                    else if (field.Key == "vnc_bind_address" && !IPAddress.TryParse(text, out _))
                    {
                        context.AddFailure(path, "The VNC bind address is an IP address (0.0.0.0 for all), or empty.");
                    }
                }
            }

            if (spec.Hypervisor == HvFields.Kvm && hv.BootOrder == "cdrom" && string.IsNullOrWhiteSpace(hv.CdromImagePath))
            {
                context.AddFailure("Hv.CdromImagePath", "Booting from CD-ROM needs a CD-ROM image path.");
            }

            if (spec.Hypervisor is HvFields.Kvm or HvFields.XenPvm && !string.IsNullOrWhiteSpace(hv.InitrdPath) && string.IsNullOrWhiteSpace(hv.KernelPath))
            {
                context.AddFailure("Hv.InitrdPath", "An initrd needs a kernel path.");
            }
        });

        // The ranges above are checked one by one against the policy's overall bounds; Ganeti wants the whole spec in
        // one min/max range. Reported once, on the spec itself (the review step shows it).
        RuleFor(s => s)
            .Must(s => facts.IpolicyViolation(s) is null)
            .When(s => EachWithinBounds(facts, s), ApplyConditionTo.CurrentValidator)
            .WithName("Spec")
            .OverridePropertyName("")
            .WithMessage(s => facts.IpolicyViolation(s) ?? "");
    }

    internal static string HvPropertyName(HvField field) => field.Key switch
    {
        "boot_order" => nameof(HvSpec.BootOrder),
        "cdrom_image_path" => nameof(HvSpec.CdromImagePath),
        "kernel_path" => nameof(HvSpec.KernelPath),
        "kernel_args" => nameof(HvSpec.KernelArgs),
        "root_path" => nameof(HvSpec.RootPath),
        "initrd_path" => nameof(HvSpec.InitrdPath),
        "disk_type" => nameof(HvSpec.DiskType),
        "nic_type" => nameof(HvSpec.NicType),
        "serial_console" => nameof(HvSpec.SerialConsole),
        "vnc_bind_address" => nameof(HvSpec.VncBindAddress),
        "acpi" => nameof(HvSpec.Acpi),
        "migration_mode" => nameof(HvSpec.MigrationMode),
        _ => field.Key,
    };

    /// <summary>Every single value within the policy's overall bounds (else its own rule already says what is wrong).</summary>
    private static bool EachWithinBounds(CreateClusterFacts facts, VmSpec s) =>
        Within(facts, CreateClusterFacts.MemorySize, s.MaxMemoryMiB) && Within(facts, CreateClusterFacts.CpuCount, s.Vcpus)
        && Within(facts, CreateClusterFacts.NicCount, s.Nics.Count)
        && (s.IsDiskless || (Within(facts, CreateClusterFacts.DiskCount, s.Disks.Count) && s.Disks.All(d => Within(facts, CreateClusterFacts.DiskSize, d.SizeMiB))));

    private static bool Within(CreateClusterFacts facts, string key, long value)
    {
        var (min, max) = facts.Bounds(key);
        return (min is null || value >= min) && (max is null || value <= max);
    }

    private static string Range(CreateClusterFacts facts, string key, string what, string unit = "")
    {
        var (min, max) = facts.Bounds(key);
        return $"{what} must be between {min ?? 0:N0}{unit} and {(max is { } m ? m.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) + unit : "any")} (the cluster's instance policy).";
    }
}

/// <summary>
/// The rules of the whole wizard: what to create, the owner among the allowed personas, an unused instance name, a
/// template name free on the cluster, and the settings (<see cref="VmSpecValidator"/>). The lookups are delegates so
/// that the page (for messages as the user types) and the service (before acting) run the very same rules.
/// </summary>
public sealed class CreateVmFormValidator : AbstractValidator<CreateVmForm>
{
    public CreateVmFormValidator(
        CreateClusterFacts facts,
        IReadOnlyCollection<string> allowedOwnerKeys,
        Func<string, CancellationToken, Task<bool>> instanceNameInUse,
        Func<string, CancellationToken, Task<bool>> templateNameInUse)
    {
        RuleFor(f => f.CreateVm)
            .Must((f, vm) => vm || f.SaveTemplate)
            .WithMessage("Choose what to create: a virtual machine, a template, or both.");

        RuleFor(f => f.OwnerKey)
            .Must(key => key is not null && allowedOwnerKeys.Contains(key))
            .When(f => f.CreateVm, ApplyConditionTo.CurrentValidator)
            .WithMessage(allowedOwnerKeys.Count == 0 ? "You may not create virtual machines on this cluster as anyone." : "Choose the owner among those offered.");

        RuleFor(f => f.InstanceName)
            .Cascade(CascadeMode.Stop)
            .Must(CreateNames.IsValidInstanceName)
            .When(f => f.CreateVm, ApplyConditionTo.CurrentValidator)
            .WithMessage("The name is a host name: lower-case letters, digits and hyphens, in dot-separated labels (e.g. web1 or web1.example.org).")
            .MustAsync(async (name, ct) => !await instanceNameInUse(name!, ct))
            .When(f => f.CreateVm && CreateNames.IsValidInstanceName(f.InstanceName), ApplyConditionTo.CurrentValidator)
            .WithMessage(f => $"The cluster already has a virtual machine named {f.InstanceName}.");

        RuleFor(f => f.TemplateName)
            .Must(CreateNames.IsValidTemplateName)
            .When(f => f.SaveTemplate, ApplyConditionTo.CurrentValidator)
            .WithMessage($"Give the template a name (up to {VmTemplate.MaxNameLength} characters, no leading or trailing spaces).")
            .MustAsync(async (name, ct) => !await templateNameInUse(name!, ct))
            .When(f => f.SaveTemplate && CreateNames.IsValidTemplateName(f.TemplateName), ApplyConditionTo.CurrentValidator)
            .WithMessage(f => $"The cluster already has a template named \"{f.TemplateName}\".");

        RuleFor(f => f.TemplateDescription)
            .MaximumLength(VmTemplate.MaxDescriptionLength)
            .WithMessage($"The description is at most {VmTemplate.MaxDescriptionLength} characters.");

        RuleFor(f => f.Spec).SetValidator(new VmSpecValidator(facts));
    }
}
