using Microsoft.AspNetCore.DataProtection;

namespace GanetiWebManager.Web.Features.Console;

/// <summary>
/// Encrypts a cluster's VNC password for the registry and decrypts it for the relay: the only two places that
/// touch it. A purpose of its own, so a RAPI password can never be decrypted as a VNC password or back.
/// </summary>
public sealed class VncPasswordProtector(IDataProtectionProvider dataProtection)
{
    /// <summary>VNC authentication uses the first 8 characters of a password; servers ignore the rest.</summary>
    public const int SignificantLength = 8;

    private readonly IDataProtector _protector = dataProtection.CreateProtector("GanetiWebManager.Clusters.VncPassword.v1");

    public string Protect(string password) => _protector.Protect(password);

    /// <summary>The plain password, or null when none is stored. Throws when the key ring lost the key.</summary>
    public string? Unprotect(string? protectedPassword) =>
        protectedPassword is null ? null : _protector.Unprotect(protectedPassword);
}
