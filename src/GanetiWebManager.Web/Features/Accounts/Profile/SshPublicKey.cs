using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;

namespace GanetiWebManager.Web.Features.Accounts.Profile;

/// <summary>
/// An SSH public key in OpenSSH's one-line form (<c>algorithm base64-blob [comment]</c>), checked the way a
/// server would read it: the blob must decode, name the same algorithm as the line, and hold a key of the
/// right shape for it (RFC 4253 §6.6, RFC 5656, RFC 8709, OpenSSH's PROTOCOL.u2f). RSA keys need 2048 bits.
/// </summary>
public sealed record SshPublicKey(string Algorithm, string Blob, string Comment, string Fingerprint, int Bits)
{
    public const int MinimumRsaBits = 2048;
    public const int MaxCommentLength = 200;

    /// <summary>The algorithms the portal accepts; DSA and RSA under 2048 bits are too weak.</summary>
    public static readonly IReadOnlyList<string> Algorithms =
    [
        "ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
        "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
    ];

    /// <summary>The line as it goes into an authorized_keys file.</summary>
    public override string ToString() => Comment.Length == 0 ? $"{Algorithm} {Blob}" : $"{Algorithm} {Blob} {Comment}";

    public static bool TryParse(string? text, [NotNullWhen(true)] out SshPublicKey? key, [NotNullWhen(false)] out string? problem)
    {
        key = null;
        var line = (text ?? "").Trim();
        if (line.Length == 0)
        {
            problem = "Paste a public key, e.g. the contents of ~/.ssh/id_ed25519.pub.";
            return false;
        }

        if (line.Contains('\n', StringComparison.Ordinal) || line.Contains('\r', StringComparison.Ordinal))
        {
            problem = "Paste one key at a time (a single line).";
            return false;
        }

        if (line.StartsWith("-----BEGIN", StringComparison.Ordinal) || line.StartsWith("PuTTY", StringComparison.Ordinal))
        {
            problem = "This looks like a private key or a PuTTY file. Paste the public key in OpenSSH format (the .pub file).";
            return false;
        }

        var parts = line.Split([' ', '\t'], 3, StringSplitOptions.RemoveEmptyEntries);
        var algorithm = parts[0];
        if (!Algorithms.Contains(algorithm))
        {
            problem = algorithm == "ssh-dss"
                ? "DSA keys are no longer accepted (OpenSSH disabled them). Use an Ed25519 key."
                : $"\"{Shorten(algorithm)}\" is not a supported key type. Supported: {string.Join(", ", Algorithms)}.";
            return false;
        }

        if (parts.Length < 2)
        {
            problem = "The key data after the key type is missing.";
            return false;
        }

        byte[] blob;
        try
        {
            blob = Convert.FromBase64String(parts[1]);
        }
        catch (FormatException)
        {
            problem = "The key data is not valid base64; copy the whole line again.";
            return false;
        }

        var comment = parts.Length > 2 ? parts[2].Trim() : "";
        if (comment.Length > MaxCommentLength)
        {
            problem = $"The comment may be at most {MaxCommentLength} characters.";
            return false;
        }

        if (comment.Any(char.IsControl))
        {
            problem = "The comment contains control characters.";
            return false;
        }

        problem = Check(algorithm, blob, out var bits);
        if (problem is not null)
        {
            return false;
        }

        key = new SshPublicKey(algorithm, Convert.ToBase64String(blob), comment, FingerprintOf(blob), bits);
        return true;
    }

    /// <summary>OpenSSH's fingerprint: <c>SHA256:</c> and the unpadded base64 of the SHA-256 of the blob.</summary>
    public static string FingerprintOf(ReadOnlySpan<byte> blob) => "SHA256:" + Convert.ToBase64String(SHA256.HashData(blob)).TrimEnd('=');

    private static string? Check(string algorithm, byte[] blob, out int bits)
    {
        bits = 0;
        var reader = new WireReader(blob);
        if (!reader.TryString(out var embedded))
        {
            return "The key data is truncated.";
        }

        if (Encoding.ASCII.GetString(embedded) != algorithm)
        {
            return $"The key data is a {Shorten(Encoding.ASCII.GetString(embedded))} key, but the line says {algorithm}.";
        }

        switch (algorithm)
        {
            case "ssh-ed25519":
                if (!reader.TryString(out var ed) || ed.Length != 32)
                {
                    return "The Ed25519 key is malformed (it must hold 32 bytes).";
                }

                bits = 256;
                break;
            case "sk-ssh-ed25519@openssh.com":
                if (!reader.TryString(out var sked) || sked.Length != 32 || !reader.TryString(out var skedApp) || skedApp.Length == 0)
                {
                    return "The security-key Ed25519 key is malformed.";
                }

                bits = 256;
                break;
            case "ssh-rsa":
                if (!reader.TryString(out var exponent) || exponent.Length == 0 || !reader.TryString(out var modulus) || modulus.Length == 0)
                {
                    return "The RSA key is malformed.";
                }

                var n = new BigInteger(modulus, isUnsigned: true, isBigEndian: true);
                bits = (int)n.GetBitLength();
                if (bits < MinimumRsaBits)
                {
                    return $"The RSA key has {bits} bits; at least {MinimumRsaBits} are required.";
                }

                break;
            case "ecdsa-sha2-nistp256" or "ecdsa-sha2-nistp384" or "ecdsa-sha2-nistp521" or "sk-ecdsa-sha2-nistp256@openssh.com":
                var curve = algorithm.StartsWith("sk-", StringComparison.Ordinal) ? "nistp256" : algorithm["ecdsa-sha2-".Length..];
                // An uncompressed point: 0x04, then x and y of the curve's size.
                var pointLength = curve switch { "nistp256" => 65, "nistp384" => 97, _ => 133 };
                if (!reader.TryString(out var curveName) || Encoding.ASCII.GetString(curveName) != curve
                    || !reader.TryString(out var point) || point.Length != pointLength || point[0] != 0x04)
                {
                    return "The ECDSA key is malformed (its curve or point does not match its type).";
                }

                if (algorithm.StartsWith("sk-", StringComparison.Ordinal) && (!reader.TryString(out var skApp) || skApp.Length == 0))
                {
                    return "The security-key ECDSA key is malformed.";
                }

                bits = curve switch { "nistp256" => 256, "nistp384" => 384, _ => 521 };
                break;
        }

        return reader.AtEnd ? null : "The key data has extra bytes after the key.";
    }

    private static string Shorten(string text) => text.Length > 40 ? text[..40] + "…" : text;

    /// <summary>Reads SSH wire strings (a big-endian uint32 length, then that many bytes).</summary>
    private ref struct WireReader(ReadOnlySpan<byte> data)
    {
        private ReadOnlySpan<byte> _rest = data;

        public readonly bool AtEnd => _rest.IsEmpty;

        public bool TryString(out ReadOnlySpan<byte> value)
        {
            value = default;
            if (_rest.Length < 4)
            {
                return false;
            }

            var length = BinaryPrimitives.ReadUInt32BigEndian(_rest);
            if (length > (uint)(_rest.Length - 4))
            {
                return false;
            }

            value = _rest.Slice(4, (int)length);
            _rest = _rest[(4 + (int)length)..];
            return true;
        }
    }
}
