using System.Net;
using System.Net.Sockets;

namespace GanetiWebManager.Web.Domain.Clusters;

/// <summary>What counts as a host name or an address where the portal connects to something (RAPI, VNC).</summary>
public static class NetworkNames
{
    public const int MaxHostnameLength = 253;

    /// <summary>
    /// A DNS host name (RFC 1123 labels: letters, digits and inner hyphens, 1–63 characters each, 253 in all;
    /// no underscores, no trailing dot) or an IPv4 / IPv6 address literal (IPv6 without brackets).
    /// </summary>
    public static bool IsHostOrAddress(string? value) => IsIpAddress(value) || IsDnsHostname(value);

    /// <summary>An IPv4 address in dotted-quad form or an IPv6 address (without brackets or a zone).</summary>
    public static bool IsIpAddress(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return false;
        }

        if (value.Contains(':', StringComparison.Ordinal))
        {
            return !value.Contains('%', StringComparison.Ordinal)
                && IPAddress.TryParse(value, out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6;
        }

        // IPAddress.TryParse also accepts "1", "1.2" and octal or hex parts: only the dotted quad is meant here.
        var parts = value.Split('.');
        return parts.Length == 4 && parts.All(p => p.Length is >= 1 and <= 3 && p.All(char.IsAsciiDigit) && int.Parse(p, System.Globalization.CultureInfo.InvariantCulture) <= 255);
    }

    public static bool IsDnsHostname(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > MaxHostnameLength)
        {
            return false;
        }

        var labels = value.Split('.');
        if (!labels.All(IsLabel))
        {
            return false;
        }

        // A name whose last label is all digits is an attempt at an address (e.g. 300.1.1.1), not a host name.
        return !labels[^1].All(char.IsAsciiDigit);
    }

    private static bool IsLabel(string label) =>
        label.Length is >= 1 and <= 63
        && label[0] != '-' && label[^1] != '-'
        && label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');

    /// <summary>Trims, lower-cases and drops a trailing dot (a fully qualified spelling of the same name).</summary>
    public static string Normalize(string? value)
    {
        var trimmed = (value ?? "").Trim();
        if (trimmed.Length > 1 && trimmed.EndsWith('.'))
        {
            trimmed = trimmed[..^1];
        }

        if (trimmed.Length > 2 && trimmed[0] == '[' && trimmed[^1] == ']')
        {
            trimmed = trimmed[1..^1];
        }

        return trimmed.ToLowerInvariant();
    }
}
