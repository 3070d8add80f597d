using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace GanetiWebManager.Rapi;

/// <summary>
/// Builds RAPI paths and query strings. Names go into paths unencoded because RAPI matches them on the raw path
/// against <c>[\w._-]+</c>; anything else would be a 404 (or, for <c>..</c>, a different path), so such names are
/// refused before sending.
/// </summary>
internal static partial class RapiPath
{
    [GeneratedRegex(@"^[\w.\-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    // Ganeti's tag rule: at most 128 characters of [\w.+*/:@-].
    [GeneratedRegex(@"^[\w.+*/:@\-]{1,128}$", RegexOptions.CultureInvariant)]
    private static partial Regex TagPattern();

    /// <summary>Validates an object name for use in a path.</summary>
    public static string Name(string? value, string paramName)
    {
        if (string.IsNullOrEmpty(value) || !NamePattern().IsMatch(value) || value.All(c => c == '.'))
        {
            throw new ArgumentException(
                $"'{value}' is not a valid Ganeti name: use letters, digits, '.', '_' and '-' only.", paramName);
        }

        return value;
    }

    /// <summary>Validates tags and returns them as a list (at least one).</summary>
    public static IReadOnlyList<string> Tags(IEnumerable<string> tags, string paramName)
    {
        ArgumentNullException.ThrowIfNull(tags, paramName);
        var list = tags.ToList();
        if (list.Count == 0)
        {
            throw new ArgumentException("Give at least one tag.", paramName);
        }

        foreach (var tag in list)
        {
            if (tag is null || !TagPattern().IsMatch(tag))
            {
                throw new ArgumentException(
                    $"'{tag}' is not a valid Ganeti tag: at most 128 characters of letters, digits and . + * / : @ - _", paramName);
            }
        }

        return list;
    }
}

/// <summary>A query string. Booleans are sent as <c>1</c>/<c>0</c> because RAPI parses them with <c>int()</c>;
/// lists repeat the key.</summary>
internal sealed class QueryString
{
    private readonly List<KeyValuePair<string, string>> _items = [];

    public QueryString Add(string key, string? value)
    {
        if (value is not null)
        {
            _items.Add(new(key, value));
        }

        return this;
    }

    public QueryString Add(string key, int value) => Add(key, value.ToString(CultureInfo.InvariantCulture));

    /// <summary>Adds <c>key=1</c> when the flag is set; RAPI treats an absent flag as 0.</summary>
    public QueryString Flag(string key, bool value) => value ? Add(key, "1") : this;

    public QueryString Reason(string? reason) => string.IsNullOrEmpty(reason) ? this : Add("reason", reason);

    public QueryString DryRun(bool dryRun) => Flag("dry-run", dryRun);

    public QueryString Tags(IEnumerable<string> tags)
    {
        foreach (var tag in tags)
        {
            Add("tag", tag);
        }

        return this;
    }

    public string AppendTo(string path)
    {
        if (_items.Count == 0)
        {
            return path;
        }

        var builder = new StringBuilder(path).Append('?');
        for (var i = 0; i < _items.Count; i++)
        {
            if (i > 0)
            {
                builder.Append('&');
            }

            builder.Append(Uri.EscapeDataString(_items[i].Key)).Append('=').Append(Uri.EscapeDataString(_items[i].Value));
        }

        return builder.ToString();
    }
}
