using System.Diagnostics.CodeAnalysis;

namespace GanetiWebManager.Web.Features.Sync;

/// <summary>
/// The Ganeti instance tag that records a VM's owner, <c>gwm:owner:user:&lt;name&gt;</c> or
/// <c>gwm:owner:group:&lt;slug&gt;</c> (product-spec §6): how a portal rebuilt from an empty database
/// recovers its owners.
/// </summary>
public sealed record OwnershipTag(OwnerKind Kind, string Name)
{
    public const string Prefix = "gwm:owner:";
    private const string UserPrefix = Prefix + "user:";
    private const string GroupPrefix = Prefix + "group:";

    public override string ToString() => (Kind == OwnerKind.User ? UserPrefix : GroupPrefix) + Name;

    public static bool TryParse(string tag, [NotNullWhen(true)] out OwnershipTag? result)
    {
        result = tag.StartsWith(UserPrefix, StringComparison.Ordinal) && tag.Length > UserPrefix.Length ? new(OwnerKind.User, tag[UserPrefix.Length..])
            : tag.StartsWith(GroupPrefix, StringComparison.Ordinal) && tag.Length > GroupPrefix.Length ? new(OwnerKind.Group, tag[GroupPrefix.Length..])
            : null;
        return result is not null;
    }

    /// <summary>The owner named by an instance's tags; null when none, or when several disagree (an admin decides).</summary>
    public static OwnershipTag? FindIn(IEnumerable<string> tags)
    {
        OwnershipTag? found = null;
        foreach (var tag in tags)
        {
            if (TryParse(tag, out var parsed))
            {
                if (found is not null && found != parsed)
                {
                    return null;
                }

                found = parsed;
            }
        }

        return found;
    }
}

public enum OwnerKind
{
    User,
    Group,
}
