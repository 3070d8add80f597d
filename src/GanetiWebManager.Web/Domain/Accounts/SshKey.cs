namespace GanetiWebManager.Web.Domain.Accounts;

/// <summary>
/// An SSH public key of a user (product-spec §1: several per user), stored as OpenSSH writes it:
/// the algorithm, the base64 key blob and an optional comment. Validated and fingerprinted on the way in.
/// </summary>
public sealed class SshKey
{
    public long Id { get; set; }

    public Guid UserId { get; set; }

    /// <summary>The algorithm, e.g. <c>ssh-ed25519</c>.</summary>
    public required string Algorithm { get; set; }

    /// <summary>The key blob in base64, as in an authorized_keys line.</summary>
    public required string Blob { get; set; }

    public string Comment { get; set; } = "";

    /// <summary>OpenSSH's fingerprint, <c>SHA256:</c> + unpadded base64 of the blob's SHA-256.</summary>
    public required string Fingerprint { get; set; }

    public DateTimeOffset AddedAt { get; set; }
}
