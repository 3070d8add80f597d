using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace GanetiWebManager.Rapi.Tests.TestSupport;

internal static class TestClient
{
    public const string User = "portal";
    public const string Password = "s3cr3t-Pa55";

    public static readonly Uri BaseUrl = new("https://cluster.example.com:5080");

    public static RapiClientOptions Options(Func<RapiClientOptions, RapiClientOptions>? change = null)
    {
        var options = new RapiClientOptions { BaseUrl = BaseUrl, User = User, Password = Password };
        return change is null ? options : change(options);
    }

    public static GanetiRapiClient Create(
        RecordingHandler handler,
        Func<RapiClientOptions, RapiClientOptions>? change = null,
        TimeProvider? time = null,
        ILogger<GanetiRapiClient>? logger = null) =>
        new(Options(change), logger, time, handler);

    public static string ExpectedAuthorization =>
        "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:{Password}"));

    /// <summary>Parses a body and re-serialises it compactly, so tests compare JSON regardless of spacing.</summary>
    public static string Canonical(string json) => JsonSerializer.Serialize(JsonDocument.Parse(json).RootElement);
}

internal static class Fixture
{
    public static string Read(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", name));
}
