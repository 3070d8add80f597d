using GanetiWebManager.Web.Domain.Clusters;

namespace GanetiWebManager.Web.Tests.Domain.Clusters;

public sealed class ConsoleAddressMappingTests
{
    [Fact]
    public void Parse_RulesCommentsAndBlankLines_ResolvesPerNodeThenWildcard()
    {
        var mapping = ConsoleAddressMapping.Parse("# NAT for the VNC ports\nnode1.example.org = 10.0.0.11\r\n\n  Node2.Example.org=vnc2.example.org  \n* = 192.0.2.1\n", out var errors);

        errors.ShouldBeEmpty();
        mapping.Resolve("node1.example.org").ShouldBe("10.0.0.11");
        mapping.Resolve("NODE2.example.org").ShouldBe("vnc2.example.org");
        mapping.Resolve("node3.example.org").ShouldBe("192.0.2.1");
    }

    [Fact]
    public void Parse_Empty_ResolvesNothing()
    {
        var mapping = ConsoleAddressMapping.Parse("", out var errors);

        errors.ShouldBeEmpty();
        mapping.Resolve("node1").ShouldBeNull();
    }

    [Theory]
    [InlineData("node1 10.0.0.1", "Line 1: write \"node-name = address\"")]
    [InlineData("= 10.0.0.1", "Line 1: the node name before '=' is missing")]
    [InlineData("node1 =", "Line 1: the address after '=' is missing")]
    [InlineData("node_1 = 10.0.0.1", "Line 1: \"node_1\" is not a node name")]
    [InlineData("node1 = 10.0.0.300", "Line 1: \"10.0.0.300\" is not a host name or an IP address")]
    [InlineData("node1 = a b", "is not a host name or an IP address")]
    [InlineData("node1 = 10.0.0.1\nnode1 = 10.0.0.2", "Line 2: node1 is given twice")]
    [InlineData("* = 10.0.0.1\n\n* = 10.0.0.2", "Line 3: * is given twice")]
    [InlineData("node1 = 10.0.0.1 = x", "is not a host name or an IP address")]
    public void Parse_SyntaxErrors_NameTheLine(string text, string expected)
    {
        var mapping = ConsoleAddressMapping.Parse(text, out var errors);

        errors.ShouldHaveSingleItem().ShouldContain(expected);
        mapping.Resolve("node1").ShouldBeNull();
    }

    [Fact]
    public void Parse_SeveralErrors_ReportsEach()
    {
        ConsoleAddressMapping.Parse("bad\nnode1 = ok.example.org\nalso bad", out var errors);

        errors.Count.ShouldBe(2);
        errors[0].ShouldStartWith("Line 1:");
        errors[1].ShouldStartWith("Line 3:");
    }

    [Fact]
    public void Tidy_TrimsLinesAndDropsBlankOnes() =>
        ConsoleAddressMapping.Tidy("  a = b  \r\n\r\n * = c\n").ShouldBe("a = b\n* = c");
}
