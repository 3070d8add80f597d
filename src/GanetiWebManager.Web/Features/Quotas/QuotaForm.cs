using FluentValidation;

namespace GanetiWebManager.Web.Features.Quotas;

/// <summary>The three values of a quota as a form edits them: empty = unlimited, 0 = none.</summary>
public sealed class QuotaForm
{
    public long? RamMiB { get; set; }

    public long? DiskMiB { get; set; }

    public int? Vcpus { get; set; }

    /// <summary>The override's owner (<see cref="Persona.Key"/>) when adding one; unused otherwise.</summary>
    public string? OwnerKey { get; set; }

    public QuotaValues ToValues() => new(RamMiB, DiskMiB, Vcpus);

    public static QuotaForm From(QuotaLimits limits) => new() { RamMiB = limits.RamMiB, DiskMiB = limits.DiskMiB, Vcpus = limits.Vcpus };

    public static QuotaForm From(QuotaValues values) => new() { RamMiB = values.RamMiB, DiskMiB = values.DiskMiB, Vcpus = values.Vcpus };

    /// <summary>Parses <see cref="Persona.Key"/> / <see cref="Principal.Key"/> (<c>user:&lt;guid&gt;</c>, <c>group:&lt;id&gt;</c>).</summary>
    public static QuotaOwner? ParseOwner(string? key) =>
        key?.Split(':', 2) switch
        {
            ["user", var id] when Guid.TryParseExact(id, "N", out var user) => QuotaOwner.User(user),
            ["group", var id] when int.TryParse(id, System.Globalization.CultureInfo.InvariantCulture, out var group) => QuotaOwner.Group(group),
            _ => null,
        };
}

/// <summary>The rules of a quota form; the page runs them as the admin types and <see cref="QuotaAdminService"/> again before saving.</summary>
public sealed class QuotaFormValidator : AbstractValidator<QuotaForm>
{
    /// <summary>1 PiB of RAM, 1 EiB of disk, a million vCPUs: beyond any cluster, so a typo rather than a quota.</summary>
    public const long MaxRamMiB = 1L << 30;
    public const long MaxDiskMiB = 1L << 40;
    public const int MaxVcpus = 1_000_000;

    public QuotaFormValidator()
    {
        RuleFor(f => f.RamMiB).InclusiveBetween(0, MaxRamMiB).When(f => f.RamMiB is not null)
            .WithMessage($"RAM is 0 (none) up to {MaxRamMiB:N0} MiB; leave it empty for unlimited.");
        RuleFor(f => f.DiskMiB).InclusiveBetween(0, MaxDiskMiB).When(f => f.DiskMiB is not null)
            .WithMessage($"Disk is 0 (none) up to {MaxDiskMiB:N0} MiB; leave it empty for unlimited.");
        RuleFor(f => f.Vcpus).InclusiveBetween(0, MaxVcpus).When(f => f.Vcpus is not null)
            .WithMessage($"vCPUs are 0 (none) up to {MaxVcpus:N0}; leave it empty for unlimited.");
    }

    /// <summary>The first problem with <paramref name="values"/>, or null when they may be saved.</summary>
    public static string? Problem(QuotaValues values) =>
        new QuotaFormValidator().Validate(QuotaForm.From(values)).Errors.FirstOrDefault()?.ErrorMessage;
}
