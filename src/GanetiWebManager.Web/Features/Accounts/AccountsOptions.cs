using System.ComponentModel.DataAnnotations;

namespace GanetiWebManager.Web.Features.Accounts;

/// <summary>Settings of the account features (section <c>Accounts</c>).</summary>
public sealed class AccountsOptions
{
    public const string SectionName = "Accounts";

    /// <summary>
    /// Whether people may register themselves at /account/register. Off by default; a registered account
    /// cannot sign in until a superuser approves it.
    /// </summary>
    public bool SelfRegistration { get; set; }

    /// <summary>
    /// How often an open page re-checks its user against the database (disabled, deleted, password changed).
    /// product-spec §3 asks for "within seconds"; issue 4 for at most 5.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:00:05")]
    public TimeSpan RevalidationInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a password reset link stays valid (it also stops working once used).</summary>
    [Range(typeof(TimeSpan), "00:05:00", "7.00:00:00")]
    public TimeSpan ResetLinkLifetime { get; set; } = TimeSpan.FromHours(24);
}
