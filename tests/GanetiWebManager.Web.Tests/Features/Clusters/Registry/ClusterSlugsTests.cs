using GanetiWebManager.Web.Features.Clusters.Registry;

namespace GanetiWebManager.Web.Tests.Features.Clusters.Registry;

public sealed class ClusterSlugsTests
{
    [Theory]
    [InlineData("ganeti-a.example.org", "ganeti-a")]
    [InlineData("Cluster.Ganeti.Test", "cluster")]
    [InlineData("127.0.0.1", "cluster-127-0-0-1")]
    [InlineData("::1", "cluster-1")]
    [InlineData("1and1.example.com", "cluster-1and1")]
    [InlineData("new.example.org", "cluster-new")]
    [InlineData("", "")]
    public void FromHostname_FirstLabelMadeUrlSafe(string hostname, string expected) => ClusterSlugs.FromHostname(hostname).ShouldBe(expected);

    [Fact]
    public void FromHostname_LongLabel_IsCutToFiftyWithoutATrailingHyphen()
    {
        var slug = ClusterSlugs.FromHostname(new string('a', 49) + "-b.example.org");

        slug.Length.ShouldBeLessThanOrEqualTo(ClusterSlugs.MaxLength);
        slug.ShouldNotEndWith("-");
        ClusterSlugs.IsValid(slug).ShouldBeTrue();
    }

    [Theory]
    [InlineData("a")]
    [InlineData("ganeti-a")]
    [InlineData("c2")]
    [InlineData("x--y")]
    public void IsValid_GoodSlugs(string slug) => ClusterSlugs.IsValid(slug).ShouldBeTrue();

    [Theory]
    [InlineData("")]
    [InlineData("2cluster")]
    [InlineData("-a")]
    [InlineData("a-")]
    [InlineData("Upper")]
    [InlineData("with space")]
    [InlineData("under_score")]
    [InlineData("dot.ted")]
    [InlineData("é")]
    public void IsValid_BadSlugs(string slug) => ClusterSlugs.IsValid(slug).ShouldBeFalse();

    [Fact]
    public void IsValid_FiftyOneCharacters_IsRefused() => ClusterSlugs.IsValid(new string('a', 51)).ShouldBeFalse();

    [Fact]
    public async Task FirstFreeAsync_TakenBasis_AppendsTheFirstFreeNumber()
    {
        var taken = new HashSet<string> { "ganeti", "ganeti-2" };

        var slug = await ClusterSlugs.FirstFreeAsync("ganeti", (s, _) => Task.FromResult(taken.Contains(s)), CancellationToken.None);

        slug.ShouldBe("ganeti-3");
    }

    [Fact]
    public async Task FirstFreeAsync_MaximalLengthBasis_StaysWithinFifty()
    {
        var basis = new string('a', 50);

        var slug = await ClusterSlugs.FirstFreeAsync(basis, (s, _) => Task.FromResult(s == basis), CancellationToken.None);

        slug.ShouldBe(new string('a', 48) + "-2");
    }
}
