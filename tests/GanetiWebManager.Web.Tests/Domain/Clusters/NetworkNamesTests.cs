using GanetiWebManager.Web.Domain.Clusters;

namespace GanetiWebManager.Web.Tests.Domain.Clusters;

public sealed class NetworkNamesTests
{
    [Theory]
    [InlineData("ganeti.example.org")]
    [InlineData("node1")]
    [InlineData("a-b.c-d.example")]
    [InlineData("127.0.0.1")]
    [InlineData("10.255.0.1")]
    [InlineData("::1")]
    [InlineData("fe80::1:2")]
    [InlineData("xn--bcher-kva.example")]
    public void IsHostOrAddress_ValidNames_AreAccepted(string value) => NetworkNames.IsHostOrAddress(value).ShouldBeTrue();

    [Theory]
    [InlineData("")]
    [InlineData("-lead.example.org")]
    [InlineData("trail-.example.org")]
    [InlineData("under_score.example.org")]
    [InlineData("two..dots")]
    [InlineData("with space")]
    [InlineData("300.1.1.1")]
    [InlineData("1.2.3")]
    [InlineData("fe80::1%eth0")]
    [InlineData("https://x.org")]
    [InlineData("host:5080")]
    public void IsHostOrAddress_InvalidNames_AreRefused(string value) => NetworkNames.IsHostOrAddress(value).ShouldBeFalse();

    [Fact]
    public void IsHostOrAddress_LabelOf64Characters_IsRefused() =>
        NetworkNames.IsHostOrAddress(new string('a', 64) + ".example.org").ShouldBeFalse();

    [Fact]
    public void IsHostOrAddress_NameLongerThan253_IsRefused() =>
        NetworkNames.IsHostOrAddress(string.Join('.', Enumerable.Repeat(new string('a', 60), 5))).ShouldBeFalse();

    [Theory]
    [InlineData(" Ganeti.Example.ORG. ", "ganeti.example.org")]
    [InlineData("[::1]", "::1")]
    [InlineData(null, "")]
    public void Normalize_TrimsLowerCasesAndDropsTheRootDot(string? value, string expected) => NetworkNames.Normalize(value).ShouldBe(expected);
}
