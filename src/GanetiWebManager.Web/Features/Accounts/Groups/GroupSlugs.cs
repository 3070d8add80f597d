using System.Text.RegularExpressions;

namespace GanetiWebManager.Web.Features.Accounts.Groups;

/// <summary>
/// Group slugs name a group in Ganeti ownership tags (<c>gwm:owner:group:&lt;slug&gt;</c>, see
/// <c>Features/Sync/OwnershipTag</c>). Ganeti allows tags of at most 128 characters of <c>[\w.+*/:@-]</c>; the
/// portal keeps slugs to lower-case letters, digits, <c>.</c>, <c>_</c> and <c>-</c>, starting with a letter,
/// at most 100 characters (the column), so every slug makes a valid tag. The sync compares slugs without regard
/// to case, so lower case keeps one group per tag. A slug never changes once the group exists: tags on
/// instances would otherwise point at nobody (ADR 0007).
/// </summary>
public static partial class GroupSlugs
{
    public const int MaxLength = 100;

    public const string Description = "A slug is 1 to 100 lower-case letters, digits and . _ - and starts with a letter.";

    public static bool IsValid(string? slug) => slug is { Length: > 0 and <= MaxLength } && Pattern().IsMatch(slug);

    [GeneratedRegex("^[a-z][a-z0-9._-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
