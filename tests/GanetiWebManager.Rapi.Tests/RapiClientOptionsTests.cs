using GanetiWebManager.Rapi.Tests.TestSupport;

namespace GanetiWebManager.Rapi.Tests;

public sealed class RapiClientOptionsTests
{
    [Fact]
    public void ToString_WithPassword_HidesIt()
    {
        var text = TestClient.Options().ToString();

        text.ShouldNotContain(TestClient.Password);
        text.ShouldContain("Password = ***");
        text.ShouldContain("cluster.example.com");
    }

    [Theory]
    [InlineData("http://cluster:5080")]
    [InlineData("https://user:pw@cluster:5080")]
    public void Validate_BadBaseUrl_Throws(string url)
    {
        Should.Throw<ArgumentException>(() => new RapiClientOptions { BaseUrl = new Uri(url) }.Validate());
    }

    [Fact]
    public void Validate_BadPin_Throws()
    {
        Should.Throw<ArgumentException>(() => TestClient.Options(o => o with { CertificateSha256 = "abc" }).Validate());
    }

    [Fact]
    public void Validate_UserWithoutPassword_Throws()
    {
        Should.Throw<ArgumentException>(() => TestClient.Options(o => o with { Password = null }).Validate());
    }

    [Fact]
    public void Validate_ColonPinAnyCase_IsAccepted()
    {
        var pin = string.Join(':', Enumerable.Repeat("aB", 32));

        Should.NotThrow(() => TestClient.Options(o => o with { CertificateSha256 = pin }).Validate());
    }
}
