using System.ComponentModel.DataAnnotations;

namespace GanetiWebManager.Web.Features.Accounts;

/// <summary>
/// An optional SMTP server (section <c>Mail</c>). Without <see cref="Host"/> the portal sends no mail: password
/// reset links are shown to the superuser who issues them, to hand over.
/// </summary>
public sealed class MailOptions : IValidatableObject
{
    public const string SectionName = "Mail";

    public string? Host { get; set; }

    [Range(1, 65535)]
    public int Port { get; set; } = 587;

    /// <summary>STARTTLS (System.Net.Mail has no implicit TLS on port 465).</summary>
    public bool EnableSsl { get; set; } = true;

    public string? UserName { get; set; }

    public string? Password { get; set; }

    /// <summary>The sender address, e.g. <c>ganeti-portal@example.org</c>.</summary>
    [EmailAddress]
    public string? From { get; set; }

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Host);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (IsConfigured && string.IsNullOrWhiteSpace(From))
        {
            yield return new ValidationResult("Mail:From is required when Mail:Host is set.", [nameof(From)]);
        }

        if (string.IsNullOrEmpty(UserName) != string.IsNullOrEmpty(Password))
        {
            yield return new ValidationResult("Mail:UserName and Mail:Password go together.", [nameof(UserName), nameof(Password)]);
        }
    }
}
