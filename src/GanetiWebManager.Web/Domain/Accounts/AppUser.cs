using Microsoft.AspNetCore.Identity;

namespace GanetiWebManager.Web.Domain.Accounts;

/// <summary>A person who signs in to the portal. Identity holds the credentials; the portal adds its flags.</summary>
public sealed class AppUser : IdentityUser<Guid>
{
    /// <summary>Superusers hold every permission on every object (product-spec §3).</summary>
    public bool IsSuperuser { get; set; }

    /// <summary>A disabled user keeps their history (audit, ownership) but cannot sign in.</summary>
    public bool IsDisabled { get; set; }

    /// <summary>
    /// A self-registered account waiting for a superuser's approval: it cannot sign in until approved
    /// (rejecting it deletes it).
    /// </summary>
    public bool IsAwaitingApproval { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
