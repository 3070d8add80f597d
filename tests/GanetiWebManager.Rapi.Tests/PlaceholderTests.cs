namespace GanetiWebManager.Rapi.Tests;

public class PlaceholderTests
{
    [Fact]
    public void Builds() => typeof(Placeholder).ShouldNotBeNull();
}
