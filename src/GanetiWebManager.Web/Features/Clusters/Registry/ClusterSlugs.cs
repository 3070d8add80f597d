using System.Text;
using System.Text.RegularExpressions;
using GanetiWebManager.Web.Domain.Clusters;

namespace GanetiWebManager.Web.Features.Clusters.Registry;

/// <summary>
/// Cluster slugs: the short name in the portal's links. Lower-case letters, digits and hyphens, starting with a
/// letter (so it never looks like a numeric id) and not ending with a hyphen, at most 50 characters.
/// </summary>
public static partial class ClusterSlugs
{
    public const int MaxLength = 50;

    /// <summary>Words the portal's own routes use after <c>/clusters/</c> or <c>/admin/clusters/</c>.</summary>
    public static readonly IReadOnlySet<string> Reserved = new HashSet<string>(StringComparer.Ordinal) { "new", "edit", "add", "delete" };

    public static bool IsValid(string? slug) => slug is { Length: > 0 and <= MaxLength } && Pattern().IsMatch(slug);

    /// <summary>
    /// A slug made from a host name: its first DNS label (<c>ganeti-a.example.org</c> → <c>ganeti-a</c>), or for an
    /// address the address with hyphens (<c>cluster-10-0-0-1</c>). Empty when nothing usable remains.
    /// </summary>
    public static string FromHostname(string? hostname)
    {
        var host = NetworkNames.Normalize(hostname);
        string basis;
        if (NetworkNames.IsIpAddress(host))
        {
            basis = "cluster-" + host;
        }
        else
        {
            var first = host.Split('.')[0];
            basis = first.Length > 0 && char.IsAsciiDigit(first[0]) ? "cluster-" + first : first;
        }

        var slug = new StringBuilder();
        foreach (var c in basis)
        {
            var next = char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) ? c : '-';
            if (next == '-' && (slug.Length == 0 || slug[^1] == '-'))
            {
                continue;
            }

            slug.Append(next);
        }

        var text = slug.ToString();
        text = text.Length > MaxLength ? text[..MaxLength] : text;
        text = text.TrimEnd('-');
        if (Reserved.Contains(text))
        {
            text = "cluster-" + text;
        }

        return IsValid(text) ? text : "";
    }

    /// <summary>
    /// <paramref name="basis"/>, or <c>basis-2</c>, <c>basis-3</c>... the first one <paramref name="isTaken"/> denies;
    /// empty if none of the first hundred is free.
    /// </summary>
    public static async Task<string> FirstFreeAsync(string basis, Func<string, CancellationToken, Task<bool>> isTaken, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(isTaken);
        if (!IsValid(basis))
        {
            return "";
        }

        for (var n = 1; n <= 100; n++)
        {
            var suffix = n == 1 ? "" : "-" + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var candidate = (basis.Length + suffix.Length > MaxLength ? basis[..(MaxLength - suffix.Length)].TrimEnd('-') : basis) + suffix;
            if (!await isTaken(candidate, ct))
            {
                return candidate;
            }
        }

        return "";
    }

    [GeneratedRegex("^[a-z](?:[a-z0-9-]*[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
