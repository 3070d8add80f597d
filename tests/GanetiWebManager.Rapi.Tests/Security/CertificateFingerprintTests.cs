using GanetiWebManager.Rapi.Security;

namespace GanetiWebManager.Rapi.Tests.Security;

public sealed class CertificateFingerprintTests
{
    private const string Upper = "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF";
    private const string Lower = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    [Theory]
    [InlineData(Upper)]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    [InlineData("01:23:45:67:89:AB:CD:EF:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF")]
    [InlineData("  01 23 45 67 89 AB CD EF 01 23 45 67 89 AB CD EF 01 23 45 67 89 AB CD EF 01 23 45 67 89 AB CD EF ")]
    public void Normalize_AcceptedSpellings_GiveLowerHex(string input)
    {
        CertificateFingerprint.Normalize(input).ShouldBe(Lower);
    }

    [Theory]
    [InlineData("")]
    [InlineData("0123")]
    [InlineData("G123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF")]
    [InlineData(Upper + "00")]
    public void Normalize_Invalid_Throws(string input)
    {
        Should.Throw<ArgumentException>(() => CertificateFingerprint.Normalize(input));
    }

    [Fact]
    public void Format_AnySpelling_GivesUpperColonPairsLikeOpenssl()
    {
        CertificateFingerprint.Format(Lower).ShouldStartWith("01:23:45:67:89:AB:CD:EF:");
    }

    [Fact]
    public void Matches_DifferentSpellings_AreEqual()
    {
        CertificateFingerprint.Matches(Upper, CertificateFingerprint.Format(Upper).ToLowerInvariant()).ShouldBeTrue();
        CertificateFingerprint.Matches(Upper, new string('0', 64)).ShouldBeFalse();
        CertificateFingerprint.Matches(null, Upper).ShouldBeFalse();
    }
}
