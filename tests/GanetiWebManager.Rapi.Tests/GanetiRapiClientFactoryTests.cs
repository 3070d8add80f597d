using GanetiWebManager.Rapi.Tests.TestSupport;

namespace GanetiWebManager.Rapi.Tests;

public sealed class GanetiRapiClientFactoryTests
{
    [Fact]
    public void Create_ValidOptions_ReturnsClientWithThoseOptions()
    {
        var factory = new GanetiRapiClientFactory();

        using var client = factory.Create(TestClient.Options());

        client.ShouldBeOfType<GanetiRapiClient>().Options.BaseUrl.ShouldBe(TestClient.BaseUrl);
    }

    [Fact]
    public void Create_InvalidOptions_Throws()
    {
        var factory = new GanetiRapiClientFactory();

        Should.Throw<ArgumentException>(() => factory.Create(new RapiClientOptions { BaseUrl = new Uri("http://insecure:5080") }));
    }
}
