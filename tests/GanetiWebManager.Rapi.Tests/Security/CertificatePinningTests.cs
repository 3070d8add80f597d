using GanetiWebManager.Rapi.Exceptions;
using GanetiWebManager.Rapi.Security;
using GanetiWebManager.Rapi.Tests.TestSupport;

namespace GanetiWebManager.Rapi.Tests.Security;

public sealed class CertificatePinningTests
{
    private static GanetiRapiClient Client(LocalTlsServer server, string? pin, bool insecure = false) =>
        new(new RapiClientOptions
        {
            BaseUrl = server.BaseUrl,
            User = TestClient.User,
            Password = TestClient.Password,
            CertificateSha256 = pin,
            AllowInsecureCertificate = insecure,
        });

    [Fact]
    public async Task Request_PinMatches_SucceedsDespiteSelfSignedNameMismatch()
    {
        await using var server = new LocalTlsServer("2");
        using var client = Client(server, server.Fingerprint);

        (await client.GetVersionAsync()).ShouldBe(2);

        server.Requests.Single().ShouldContain($"Authorization: {TestClient.ExpectedAuthorization}");
    }

    [Fact]
    public async Task Request_PinWithColonsLowerCase_Matches()
    {
        await using var server = new LocalTlsServer("2");
        using var client = Client(server, CertificateFingerprint.Format(server.Fingerprint).ToLowerInvariant());

        (await client.GetVersionAsync()).ShouldBe(2);
    }

    [Fact]
    public async Task Request_PinMismatch_RefusedInHandshakeBeforeAnyHttpByte()
    {
        await using var server = new LocalTlsServer("2");
        var wrongPin = new string('a', 64);
        using var client = Client(server, wrongPin);

        var ex = await Should.ThrowAsync<RapiCertificateException>(() => client.GetClusterInfoAsync());
        await server.DrainAsync();

        ex.ExpectedSha256.ShouldBe(wrongPin);
        ex.PresentedSha256.ShouldBe(server.Fingerprint);
        ex.Message.ShouldContain(server.Fingerprint);
        ex.Message.ShouldNotContain(TestClient.Password);
        server.ApplicationBytesReceived.ShouldBe(0);
        server.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task Request_NoPinUntrustedCertificate_RefusedWithPresentedFingerprint()
    {
        await using var server = new LocalTlsServer("2");
        using var client = Client(server, pin: null);

        var ex = await Should.ThrowAsync<RapiCertificateException>(() => client.GetVersionAsync());
        await server.DrainAsync();

        ex.ExpectedSha256.ShouldBeNull();
        ex.PresentedSha256.ShouldBe(server.Fingerprint);
        server.ApplicationBytesReceived.ShouldBe(0);
    }

    [Fact]
    public async Task Request_AllowInsecureWithoutPin_Succeeds()
    {
        await using var server = new LocalTlsServer("2");
        using var client = Client(server, pin: null, insecure: true);

        (await client.GetVersionAsync()).ShouldBe(2);
    }

    [Fact]
    public async Task Request_PinMismatchEvenWhenInsecureAllowed_IsRefused()
    {
        await using var server = new LocalTlsServer("2");
        using var client = Client(server, new string('B', 64), insecure: true);

        await Should.ThrowAsync<RapiCertificateException>(() => client.GetVersionAsync());
    }

    [Fact]
    public async Task GetServerCertificateAsync_SelfSignedServer_ReturnsDetailsWithoutSendingHttp()
    {
        await using var server = new LocalTlsServer("2");

        var certificate = await RapiCertificateProbe.GetServerCertificateAsync(server.BaseUrl, TimeSpan.FromSeconds(5));
        await server.DrainAsync();

        certificate.Sha256.ShouldBe(server.Fingerprint);
        certificate.Sha256Formatted.Length.ShouldBe(95);
        certificate.Subject.ShouldBe("CN=ganeti.example.com");
        certificate.Issuer.ShouldBe("CN=ganeti.example.com");
        certificate.NotAfter.ShouldBeGreaterThan(certificate.NotBefore.AddYears(4));
        certificate.PolicyErrors.ShouldNotBe(System.Net.Security.SslPolicyErrors.None);
        server.ApplicationBytesReceived.ShouldBe(0);
    }

    [Fact]
    public async Task GetServerCertificateAsync_NothingListening_ThrowsConnectionException()
    {
        var port = 1;
        await Should.ThrowAsync<RapiConnectionException>(() => RapiCertificateProbe.GetServerCertificateAsync(new Uri($"https://127.0.0.1:{port}"), TimeSpan.FromSeconds(5)));
    }
}
