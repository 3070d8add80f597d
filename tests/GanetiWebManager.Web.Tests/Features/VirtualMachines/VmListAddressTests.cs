using GanetiWebManager.Web.Features.VirtualMachines;

namespace GanetiWebManager.Web.Tests.Features.VirtualMachines;

public sealed class VmListAddressTests
{
    [Fact]
    public void For_DefaultQuery_IsThePlainList() => VmListAddress.For(new VmQuery()).ShouldBe("/vms");

    [Fact]
    public void For_EveryValue_IsInTheQueryStringEscaped()
    {
        var address = VmListAddress.For(new VmQuery
        {
            Cluster = "lab",
            Status = "ERROR_down",
            Owner = "group:ops",
            Node = "node1.lab",
            NodePlacement = VmNodePlacement.Secondary,
            Os = "debootstrap+default",
            Search = "web 10.0.0.1",
            Sort = VmSort.Memory,
            Descending = true,
            Page = 3,
            PageSize = 100,
        });

        address.ShouldBe("/vms?cluster=lab&status=ERROR_down&owner=group%3Aops&node=node1.lab&placement=secondary&os=debootstrap%2Bdefault&q=web%2010.0.0.1&sort=memory&dir=desc&page=3&size=100");
    }

    [Theory]
    [InlineData("memory", VmSort.Memory)]
    [InlineData("OWNER", VmSort.Owner)]
    [InlineData("3", VmSort.Name)]
    [InlineData("nonsense", VmSort.Name)]
    [InlineData(null, VmSort.Name)]
    public void ParseSort_UnknownValues_FallBackToName(string? value, VmSort expected) => VmListAddress.ParseSort(value).ShouldBe(expected);

    [Theory]
    [InlineData("2", 2)]
    [InlineData("0", 1)]
    [InlineData("-4", 1)]
    [InlineData("abc", 1)]
    [InlineData("99999999999999", 1)]
    public void ParsePage_OnlyPositiveNumbers(string value, int expected) => VmListAddress.ParsePage(value).ShouldBe(expected);

    [Theory]
    [InlineData("25", 25)]
    [InlineData("100", 100)]
    [InlineData("5000", 50)]
    [InlineData("x", 50)]
    public void ParsePageSize_OnlyOfferedSizes(string value, int expected) => VmListAddress.ParsePageSize(value).ShouldBe(expected);
}
