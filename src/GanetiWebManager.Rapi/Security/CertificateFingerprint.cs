using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace GanetiWebManager.Rapi.Security;

/// <summary>SHA-256 certificate fingerprints as used for pinning: the hash of the certificate's DER encoding.</summary>
public static class CertificateFingerprint
{
    /// <summary>The fingerprint of a certificate, as 64 lower-case hex digits (as sha256sum prints them).</summary>
    public static string Compute(X509Certificate certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return Convert.ToHexStringLower(SHA256.HashData(certificate.GetRawCertData()));
    }

    /// <summary>Normalises a fingerprint (colons, spaces and case removed) to 64 lower-case hex digits (as sha256sum prints them).</summary>
    /// <exception cref="ArgumentException">Not a SHA-256 fingerprint.</exception>
    public static string Normalize(string fingerprint) =>
        TryNormalize(fingerprint, out var normalized)
            ? normalized
            : throw new ArgumentException("A SHA-256 fingerprint has 64 hexadecimal digits (colons allowed).", nameof(fingerprint));

    /// <summary>Tries to normalise a fingerprint to 64 lower-case hex digits (as sha256sum prints them).</summary>
    public static bool TryNormalize([NotNullWhen(true)] string? fingerprint, [NotNullWhen(true)] out string? normalized)
    {
        normalized = null;
        if (fingerprint is null)
        {
            return false;
        }

        var digits = new char[64];
        var count = 0;
        foreach (var c in fingerprint.Trim())
        {
            if (c is ':' or ' ')
            {
                continue;
            }

            if (!char.IsAsciiHexDigit(c) || count == digits.Length)
            {
                return false;
            }

            digits[count++] = char.ToLowerInvariant(c);
        }

        if (count != digits.Length)
        {
            return false;
        }

        normalized = new string(digits);
        return true;
    }

    /// <summary>Formats a fingerprint as colon-separated pairs (<c>AB:CD:...</c>), the usual display form.</summary>
    public static string Format(string fingerprint)
    {
        // Displayed the way openssl and browsers show fingerprints, so an admin can compare them by eye.
        var normalized = Normalize(fingerprint).ToUpperInvariant();
        return string.Join(':', Enumerable.Range(0, normalized.Length / 2).Select(i => normalized.Substring(i * 2, 2)));
    }

    /// <summary>Compares two fingerprints in any accepted spelling.</summary>
    public static bool Matches(string? expected, string? presented) =>
        TryNormalize(expected, out var a) && TryNormalize(presented, out var b)
        && CryptographicOperations.FixedTimeEquals(System.Text.Encoding.ASCII.GetBytes(a), System.Text.Encoding.ASCII.GetBytes(b));
}
