using System.Collections;
using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using Microsoft.AspNetCore.Components.Forms;

namespace GanetiWebManager.Web.Components.Shared.Forms;

/// <summary>
/// Translates FluentValidation property paths (<c>Quota.RamMiB</c>, <c>Disks[1].SizeMiB</c>, <c>Tags[0]</c>, or
/// empty for the model itself) into the <see cref="FieldIdentifier"/> Blazor uses: the object that owns the
/// property and its name. That is what <c>&lt;ValidationMessage For="() =&gt; Model.Quota.RamMiB" /&gt;</c>
/// and the input components look up, so nested models and collections show their messages in place.
/// </summary>
public static class ModelPaths
{
    private static readonly ConcurrentDictionary<(Type, string), PropertyInfo?> Properties = new();

    /// <summary>
    /// The field a path names. A path that cannot be followed (a null on the way, a renamed property) gives a field
    /// of the root model named after the whole path: the message still reaches a validation summary.
    /// </summary>
    public static FieldIdentifier ToFieldIdentifier(object root, string? path)
    {
        ArgumentNullException.ThrowIfNull(root);
        if (string.IsNullOrEmpty(path))
        {
            return new FieldIdentifier(root, string.Empty);
        }

        var segments = path.Split('.');
        var current = root;
        for (var i = 0; i < segments.Length; i++)
        {
            if (!TryParseSegment(segments[i], out var name, out var indexes))
            {
                return new FieldIdentifier(root, path);
            }

            if (i == segments.Length - 1)
            {
                // With an index (RuleForEach(x => x.Tags) gives "Tags[2]") the message belongs to the collection's field.
                return Find(current.GetType(), name) is null ? new FieldIdentifier(root, path) : new FieldIdentifier(current, name);
            }

            var next = Find(current.GetType(), name)?.GetValue(current);
            foreach (var index in indexes)
            {
                next = next is null ? null : Item(next, index);
            }

            if (next is null)
            {
                return new FieldIdentifier(root, path);
            }

            current = next;
        }

        return new FieldIdentifier(root, path);
    }

    private static PropertyInfo? Find(Type type, string name) =>
        Properties.GetOrAdd((type, name), key => key.Item1.GetProperty(key.Item2, BindingFlags.Public | BindingFlags.Instance) is { CanRead: true } p
            && p.GetIndexParameters().Length == 0 ? p : null);

    private static object? Item(object collection, string index)
    {
        if (collection is IDictionary dictionary)
        {
            return dictionary.Contains(index) ? dictionary[index] : null;
        }

        if (!int.TryParse(index, NumberStyles.None, CultureInfo.InvariantCulture, out var position))
        {
            return null;
        }

        if (collection is IList list)
        {
            return position < list.Count ? list[position] : null;
        }

        return collection is IEnumerable sequence ? sequence.Cast<object?>().Skip(position).FirstOrDefault() : null;
    }

    // "Name", "Name[3]", "Name[3][0]", "Name[key]"
    private static bool TryParseSegment(string segment, out string name, out List<string> indexes)
    {
        indexes = [];
        var bracket = segment.IndexOf('[', StringComparison.Ordinal);
        name = bracket < 0 ? segment : segment[..bracket];
        if (name.Length == 0)
        {
            return false;
        }

        var rest = bracket < 0 ? "" : segment[bracket..];
        while (rest.Length > 0)
        {
            var close = rest.IndexOf(']', StringComparison.Ordinal);
            if (rest[0] != '[' || close < 1)
            {
                return false;
            }

            indexes.Add(rest[1..close]);
            rest = rest[(close + 1)..];
        }

        return true;
    }
}
