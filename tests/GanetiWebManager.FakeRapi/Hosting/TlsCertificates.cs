using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace GanetiWebManager.FakeRapi.Hosting;

/// <summary>Self-signed certificates like the one <c>gnt-cluster init</c> makes: RSA 2048, SHA-256,
/// <c>CN=ganeti.example.com</c>, five years, no SAN (so only a pin can trust it).</summary>
internal static class TlsCertificates
{
    public static X509Certificate2 Create(TimeProvider time)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=ganeti.example.com", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var now = time.GetUtcNow();
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(5));
        // A round trip through PKCS#12 gives a certificate whose private key SslStream can use on every platform.
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>SHA-256 of the DER encoding, 64 lowercase hex digits (the spelling the portal pins).</summary>
    public static string Sha256(X509Certificate2 certificate) => Convert.ToHexStringLower(SHA256.HashData(certificate.RawData));
}
