using GanetiWebManager.Web.Components.Shared.Forms;
using Microsoft.AspNetCore.Components.Forms;

namespace GanetiWebManager.Web.Tests.Components.Shared.Forms;

public sealed class ModelPathsTests
{
    private readonly Order _order = new() { Lines = [new OrderLine(), new OrderLine()], Tags = ["a", ""] };

    [Fact]
    public void ToFieldIdentifier_PlainProperty_IsOnTheRoot() =>
        ModelPaths.ToFieldIdentifier(_order, "Name").ShouldBe(new FieldIdentifier(_order, "Name"));

    [Fact]
    public void ToFieldIdentifier_NestedProperty_IsOnTheNestedObject() =>
        ModelPaths.ToFieldIdentifier(_order, "Address.City").ShouldBe(new FieldIdentifier(_order.Address, "City"));

    [Fact]
    public void ToFieldIdentifier_CollectionItemProperty_IsOnThatItem() =>
        ModelPaths.ToFieldIdentifier(_order, "Lines[1].Quantity").ShouldBe(new FieldIdentifier(_order.Lines[1], "Quantity"));

    [Fact]
    public void ToFieldIdentifier_CollectionItemItself_IsTheCollectionField() =>
        ModelPaths.ToFieldIdentifier(_order, "Tags[1]").ShouldBe(new FieldIdentifier(_order, "Tags"));

    [Fact]
    public void ToFieldIdentifier_Empty_IsTheModelItself() =>
        ModelPaths.ToFieldIdentifier(_order, "").ShouldBe(new FieldIdentifier(_order, string.Empty));

    [Theory]
    [InlineData("Missing.City")]
    [InlineData("Lines[7].Quantity")]
    [InlineData("Lines[x].Quantity")]
    [InlineData("Address.Nope")]
    [InlineData("Lines[1.Quantity")]
    public void ToFieldIdentifier_PathThatCannotBeFollowed_FallsBackToTheRootNamedAfterThePath(string path) =>
        ModelPaths.ToFieldIdentifier(_order, path).ShouldBe(new FieldIdentifier(_order, path));

    [Fact]
    public void ToFieldIdentifier_NullOnTheWay_FallsBackToTheRoot()
    {
        _order.Address = null!;

        ModelPaths.ToFieldIdentifier(_order, "Address.City").ShouldBe(new FieldIdentifier(_order, "Address.City"));
    }
}
