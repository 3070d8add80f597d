using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using GanetiWebManager.Rapi;

namespace GanetiWebManager.FakeRapi.Tests.TestSupport;

/// <summary>Clients for a fake server: the portal's RAPI client, a raw HTTPS client, and the control client.</summary>
internal static class FakeClients
{
    public static GanetiRapiClient Rapi(FakeRapiServer server, bool readOnly = false, string? pin = null, TimeSpan? timeout = null, bool longPolls = true)
    {
        var user = readOnly ? server.ReadOnlyUser : server.WriteUser;
        return new GanetiRapiClient(new RapiClientOptions
        {
            BaseUrl = server.BaseUrl,
            User = user.Name,
            Password = user.Password,
            CertificateSha256 = pin ?? server.CertificateSha256,
            RequestTimeout = timeout ?? TimeSpan.FromSeconds(30),
            ConnectTimeout = TimeSpan.FromSeconds(5),
            JobPollMinInterval = TimeSpan.FromMilliseconds(20),
            JobPollMaxInterval = TimeSpan.FromMilliseconds(200),
            MaxConcurrentLongPolls = longPolls ? 4 : 0,
        });
    }

    /// <summary>An HTTPS client that trusts exactly the server's current certificate and sends the write user.</summary>
    public static HttpClient Raw(FakeRapiServer server, bool authenticate = true)
    {
        var pin = server.CertificateSha256;
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                    certificate is not null && Convert.ToHexStringLower(SHA256.HashData(certificate.GetRawCertData())) == pin,
            },
        };
        var client = new HttpClient(handler) { BaseAddress = server.BaseUrl, Timeout = TimeSpan.FromSeconds(30) };
        if (authenticate)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
                "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{server.WriteUser.Name}:{server.WriteUser.Password}")));
        }

        return client;
    }

    public static HttpClient Control(FakeRapiServer server) => new() { BaseAddress = server.ControlUrl, Timeout = TimeSpan.FromSeconds(30) };

    public static async Task<JsonNode> GetJsonAsync(this HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        response.EnsureSuccessStatusCode();
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    public static StringContent Json(string json)
    {
        var content = new StringContent(json, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }
}

internal static class Fixture
{
    public static JsonNode Real(string name) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "Real", name + ".json")))!;
}
