using System.ComponentModel.DataAnnotations;

namespace GanetiWebManager.Web.Features.Accounts;

/// <summary>The superuser created on the first start, when the database has no user yet.</summary>
public sealed class BootstrapOptions
{
    public const string SectionName = "Bootstrap";

    [Required]
    [RegularExpression(UserNameRules.Pattern, ErrorMessage = UserNameRules.Description)]
    public string SuperuserName { get; set; } = "admin";

    /// <summary>When empty, a password is generated and printed once on the console.</summary>
    [StringLength(PasswordRules.MaximumLength, MinimumLength = PasswordRules.MinimumLength)]
    public string? SuperuserPassword { get; set; }

    [EmailAddress]
    public string? SuperuserEmail { get; set; }
}
