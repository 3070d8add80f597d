using FluentValidation;
using GanetiWebManager.Rapi.Security;
using GanetiWebManager.Web.Domain.Clusters;

namespace GanetiWebManager.Web.Features.Clusters.Registry;

/// <summary>
/// The rules of the cluster form. The page runs them as the admin types (through FluentValidator) and the service
/// runs them again before it saves. Values are checked as <see cref="ClusterForm.Normalized"/> would store them,
/// so " Ganeti.Example.ORG. " is a valid host name.
/// </summary>
public sealed class ClusterFormValidator : AbstractValidator<ClusterForm>
{
    public const int MaxDescriptionLength = 500;
    public const int MaxUsernameLength = 128;
    public const int MaxPasswordLength = 256;
    public const int MaxConsoleMappingLength = 4000;

    /// <summary>1 PiB of RAM or 1 EiB of disk in MiB: beyond any cluster, so a typo, not a quota.</summary>
    public const long MaxRamMiB = 1L << 30;
    public const long MaxDiskMiB = 1L << 40;
    public const int MaxVcpus = 1_000_000;

    public ClusterFormValidator(IClusterRegistryLookup lookup)
    {
        ArgumentNullException.ThrowIfNull(lookup);

        RuleFor(f => f.Hostname)
            .Cascade(CascadeMode.Stop)
            .Must(h => NetworkNames.Normalize(h).Length > 0).WithMessage("Give the host name or IP address of the cluster's RAPI (its master).")
            .Must(h => !h.Contains("://", StringComparison.Ordinal)).WithMessage("Give only the host name, without https:// (the portal always uses HTTPS).")
            .Must(h => !h.Contains('/', StringComparison.Ordinal)).WithMessage("Give only the host name, without a path.")
            .Must(h => NetworkNames.Normalize(h).Length <= NetworkNames.MaxHostnameLength).WithMessage($"A host name has at most {NetworkNames.MaxHostnameLength} characters.")
            .Must(h => !LooksLikeHostAndPort(NetworkNames.Normalize(h))).WithMessage("Give the port in the Port field, not after the host name.")
            .Must(h => NetworkNames.IsHostOrAddress(NetworkNames.Normalize(h)))
                .WithMessage("Not a host name or IP address: use letters, digits, '-' and '.' (no '_' or spaces), or an IPv4/IPv6 address.")
            .CustomAsync(async (hostname, context, ct) =>
            {
                var form = context.InstanceToValidate;
                if (form.Port is not (>= 1 and <= 65535) || form.Port is not { } port)
                {
                    return;
                }

                var other = await lookup.FindSlugByEndpointAsync(NetworkNames.Normalize(hostname), port, form.ExistingId, ct);
                if (other is not null)
                {
                    context.AddFailure($"{NetworkNames.Normalize(hostname)}:{port} is already registered as cluster \"{other}\".");
                }
            });

        RuleFor(f => f.Port)
            .Cascade(CascadeMode.Stop)
            .NotNull().WithMessage("Give the RAPI port (Ganeti's default is 5080).")
            .InclusiveBetween(1, 65535).WithMessage("A port is a number from 1 to 65535.");

        RuleFor(f => f.Slug)
            .Cascade(CascadeMode.Stop)
            .Must(s => Slug(s).Length > 0).WithMessage("Give a short name for the portal's links (the slug), e.g. the first part of the host name.")
            .Must(s => Slug(s).Length <= ClusterSlugs.MaxLength).WithMessage($"A slug has at most {ClusterSlugs.MaxLength} characters.")
            .Must(s => ClusterSlugs.IsValid(Slug(s)))
                .WithMessage("Use lower-case letters, digits and '-', starting with a letter and not ending with '-'.")
            .Must(s => !ClusterSlugs.Reserved.Contains(Slug(s))).WithMessage(f => $"\"{Slug(f.Slug)}\" is reserved by the portal's pages; choose another slug.")
            .MustAsync(async (form, slug, ct) => !await lookup.IsSlugTakenAsync(Slug(slug), form.ExistingId, ct))
                .WithMessage(f => $"Another cluster already uses the slug \"{Slug(f.Slug)}\".");

        RuleFor(f => f.Description)
            .Must(d => (d ?? "").Trim().Length <= MaxDescriptionLength).WithMessage($"The description has at most {MaxDescriptionLength} characters.");

        RuleFor(f => f.RapiUsername)
            .Cascade(CascadeMode.Stop)
            .Must(u => Trimmed(u).Length <= MaxUsernameLength).WithMessage($"A RAPI user name has at most {MaxUsernameLength} characters.")
            .Must(u => !Trimmed(u).Any(c => c == ':' || char.IsWhiteSpace(c) || char.IsControl(c)))
                .WithMessage("A RAPI user name has no spaces and no ':' (Ganeti's users file and HTTP authentication do not allow them).")
            .Must((form, user) => Trimmed(user).Length > 0 || string.IsNullOrEmpty(form.RapiPassword))
                .WithMessage("Give the RAPI user this password belongs to, or clear the password to register the cluster read-only.");

        RuleFor(f => f.RapiPassword)
            .Cascade(CascadeMode.Stop)
            .Must(p => (p ?? "").Length <= MaxPasswordLength).WithMessage($"A RAPI password has at most {MaxPasswordLength} characters.")
            .Must(p => !(p ?? "").Any(char.IsControl)).WithMessage("A RAPI password cannot contain control characters.")
            .Must((form, password) => Trimmed(form.RapiUsername).Length == 0 || !string.IsNullOrEmpty(password) || form.KeepsStoredPassword)
                .WithMessage(f => f.HasStoredPassword && f.StoredRapiUsername is not null
                    ? "A different RAPI user needs its password."
                    : "Give the RAPI user's password (or clear the user name to register the cluster read-only).");

        RuleFor(f => f.DefaultQuota.RamMiB)
            .InclusiveBetween(0, MaxRamMiB).When(f => f.DefaultQuota.RamMiB is not null)
            .WithMessage($"RAM is 0 (none) up to {MaxRamMiB:N0} MiB; leave it empty for unlimited.");
        RuleFor(f => f.DefaultQuota.DiskMiB)
            .InclusiveBetween(0, MaxDiskMiB).When(f => f.DefaultQuota.DiskMiB is not null)
            .WithMessage($"Disk is 0 (none) up to {MaxDiskMiB:N0} MiB; leave it empty for unlimited.");
        RuleFor(f => f.DefaultQuota.Vcpus)
            .InclusiveBetween(0, MaxVcpus).When(f => f.DefaultQuota.Vcpus is not null)
            .WithMessage($"vCPUs are 0 (none) up to {MaxVcpus:N0}; leave it empty for unlimited.");

        RuleFor(f => f.VncPassword)
            .Cascade(CascadeMode.Stop)
            .Must(p => (p ?? "").Length <= Console.VncPasswordProtector.SignificantLength)
                .WithMessage($"A VNC password has at most {Console.VncPasswordProtector.SignificantLength} characters: VNC authentication ignores the rest, so a longer one would be weaker than it looks.")
            .Must(p => (p ?? "").All(c => c is >= ' ' and <= '~'))
                .WithMessage("A VNC password is made of printable ASCII characters (VNC authentication cannot carry others).")
            .Must((form, p) => p is null || !form.ClearVncPassword)
                .WithMessage("Either type a new VNC password or remove the stored one, not both.");

        RuleFor(f => f.ConsoleAddressMapping)
            .Cascade(CascadeMode.Stop)
            .Must(m => (m ?? "").Length <= MaxConsoleMappingLength).WithMessage($"The console address mapping has at most {MaxConsoleMappingLength} characters.")
            .Custom((mapping, context) =>
            {
                Domain.Clusters.ConsoleAddressMapping.Parse(mapping, out var errors);
                foreach (var error in errors)
                {
                    context.AddFailure(error);
                }
            });

        RuleFor(f => f.CertificateSha256)
            .Cascade(CascadeMode.Stop)
            .NotEmpty().WithMessage("Fetch the cluster's certificate and compare its fingerprint before saving.")
            .Must(s => CertificateFingerprint.TryNormalize(s, out _)).WithMessage("A SHA-256 fingerprint has 64 hexadecimal digits.");

        RuleFor(f => f.CertificateConfirmed)
            .Equal(true).When(f => !string.IsNullOrEmpty(f.CertificateSha256))
            .WithMessage("Tick the box once you have compared the fingerprint with the cluster's.");
    }

    private static string Slug(string? slug) => (slug ?? "").Trim().ToLowerInvariant();

    private static string Trimmed(string? value) => (value ?? "").Trim();

    // "host:5080" (one colon, digits after it) is a port typed into the host field; IPv6 literals have several colons.
    private static bool LooksLikeHostAndPort(string host)
    {
        var colon = host.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && colon == host.LastIndexOf(':') && host[(colon + 1)..].All(char.IsAsciiDigit);
    }
}
