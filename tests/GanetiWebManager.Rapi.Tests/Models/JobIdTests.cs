using System.Text.Json;
using GanetiWebManager.Rapi.Models;
using GanetiWebManager.Rapi.Serialization;

namespace GanetiWebManager.Rapi.Tests.Models;

public sealed class JobIdTests
{
    [Theory]
    [InlineData("1234")]
    [InlineData("\"1234\"")]
    public void Deserialize_NumberOrNumericString_Parses(string json)
    {
        JsonSerializer.Deserialize(json, RapiJsonContext.Default.JobId).ShouldBe(new JobId(1234));
    }

    [Theory]
    [InlineData("\"abc\"")]
    [InlineData("true")]
    [InlineData("\"-1\"")]
    public void Deserialize_Other_Throws(string json)
    {
        Should.Throw<JsonException>(() => JsonSerializer.Deserialize(json, RapiJsonContext.Default.JobId));
    }

    [Fact]
    public void ToString_IsInvariantDigits()
    {
        new JobId(123456789).ToString().ShouldBe("123456789");
        JobId.Parse("42").ShouldBe(new JobId(42));
    }
}
