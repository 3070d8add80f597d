using System.Net;
using System.Net.Sockets;
using System.Text;
using GanetiWebManager.Rapi.Exceptions;
using GanetiWebManager.Rapi.Models;
using GanetiWebManager.Rapi.Tests.TestSupport;
using Microsoft.Extensions.Logging;

namespace GanetiWebManager.Rapi.Tests;

public sealed class RapiConnectionTests
{
    private readonly RecordingHandler _handler = new();

    private static string ErrorBody(int code, string message) =>
        $$"""{"code": {{code}}, "message": "{{message}}", "explain": "stock text"}""";

    private async Task<RapiException> FailAsync(HttpStatusCode status, string body, Func<GanetiRapiClient, Task>? call = null)
    {
        _handler.RespondJson(body, status);
        using var client = TestClient.Create(_handler);
        return await Should.ThrowAsync<RapiException>(() => (call ?? (c => c.GetInstanceAsync("web1")))(client));
    }

    [Fact]
    public async Task Send_400_ThrowsBadRequestWithDecodedMessage()
    {
        var ex = await FailAsync(HttpStatusCode.BadRequest, ErrorBody(400, "Invalid body parameters: &#x27;x&#x27; &lt;y&gt; &amp; &quot;z&quot;"));

        var bad = ex.ShouldBeOfType<RapiBadRequestException>();
        bad.StatusCode.ShouldBe(400);
        bad.ServerMessage.ShouldBe("Invalid body parameters: 'x' <y> & \"z\"");
        bad.Explain.ShouldBe("stock text");
        bad.Request.ShouldBe("GET /2/instances/web1");
        bad.Message.ShouldContain("'x' <y> & \"z\"");
        bad.IsTransient.ShouldBeFalse();
    }

    [Fact]
    public async Task Send_401_ThrowsAuthenticationWithoutCredentialsInMessage()
    {
        var ex = await FailAsync(HttpStatusCode.Unauthorized, ErrorBody(401, "Unauthorized"));

        ex.ShouldBeOfType<RapiAuthenticationException>().Message.ShouldContain("cluster.example.com:5080");
        ex.Message.ShouldNotContain(TestClient.Password);
    }

    [Fact]
    public async Task Send_403_ThrowsForbidden()
    {
        var ex = await FailAsync(HttpStatusCode.Forbidden, ErrorBody(403, "Forbidden"), c => c.StartupInstanceAsync("web1"));

        ex.ShouldBeOfType<RapiForbiddenException>().Message.ShouldContain("write");
    }

    [Fact]
    public async Task Send_404_ThrowsNotFound()
    {
        var ex = await FailAsync(HttpStatusCode.NotFound, ErrorBody(404, "Not Found"));

        ex.ShouldBeOfType<RapiNotFoundException>().Message.ShouldBe("Not found on the cluster: GET /2/instances/web1");
    }

    [Fact]
    public async Task Send_415_ThrowsUnsupportedMediaType()
    {
        var ex = await FailAsync(HttpStatusCode.UnsupportedMediaType, ErrorBody(415, "Unsupported Media Type"));

        ex.ShouldBeOfType<RapiUnsupportedMediaTypeException>();
    }

    [Fact]
    public async Task Send_500_ThrowsInternalServerError()
    {
        var ex = await FailAsync(HttpStatusCode.InternalServerError, ErrorBody(500, "Internal Server Error"), c => c.GetInstanceConsoleAsync("kvm1"));

        ex.ShouldBeOfType<RapiInternalServerErrorException>().Request.ShouldBe("GET /2/instances/kvm1/console");
    }

    [Fact]
    public async Task Send_501_ThrowsMethodNotSupported()
    {
        var ex = await FailAsync(HttpStatusCode.NotImplemented, ErrorBody(501, "Method PUT is unsupported for path /2/instances/f1/reinstall"));

        ex.ShouldBeOfType<RapiMethodNotSupportedException>().ServerMessage.ShouldStartWith("Method PUT");
    }

    [Theory]
    [InlineData(HttpStatusCode.BadGateway)]
    [InlineData(HttpStatusCode.GatewayTimeout)]
    public async Task Send_502Or504_ThrowsTransientMasterUnreachable(HttpStatusCode status)
    {
        var ex = await FailAsync(status, ErrorBody((int)status, "Can&#x27;t connect to master daemon"));

        var unreachable = ex.ShouldBeOfType<RapiMasterUnreachableException>();
        unreachable.StatusCode.ShouldBe((int)status);
        unreachable.IsTransient.ShouldBeTrue();
        unreachable.ServerMessage.ShouldBe("Can't connect to master daemon");
    }

    [Fact]
    public async Task Send_503QueueFull_ThrowsTransientQueueFull()
    {
        var ex = await FailAsync(HttpStatusCode.ServiceUnavailable, ErrorBody(503, "Job queue is full, needs archiving"));

        ex.ShouldBeOfType<RapiJobQueueFullException>().IsTransient.ShouldBeTrue();
    }

    [Fact]
    public async Task Send_503Drained_ThrowsNonTransientDrained()
    {
        var ex = await FailAsync(HttpStatusCode.ServiceUnavailable, ErrorBody(503, "Job queue is drained, cannot submit"));

        ex.ShouldBeOfType<RapiJobQueueDrainedException>().IsTransient.ShouldBeFalse();
    }

    [Fact]
    public async Task Send_503Console_ThrowsConsoleUnavailable()
    {
        var ex = await FailAsync(HttpStatusCode.ServiceUnavailable, ErrorBody(503, "Instance console unavailable"), c => c.GetInstanceConsoleAsync("off1"));

        ex.ShouldBeOfType<RapiConsoleUnavailableException>().Message.ShouldContain("not running");
    }

    [Fact]
    public async Task Send_503Other_ThrowsServiceUnavailable()
    {
        var ex = await FailAsync(HttpStatusCode.ServiceUnavailable, ErrorBody(503, "Something else"));

        ex.GetType().ShouldBe(typeof(RapiServiceUnavailableException));
    }

    [Fact]
    public async Task Send_UnmappedStatusWithHtmlBody_ThrowsGenericHttpException()
    {
        _handler.Respond((_, _) => Task.FromResult(RecordingHandler.Json("<html>teapot</html>", (HttpStatusCode)418, "text/html")));
        using var client = TestClient.Create(_handler);

        var ex = await Should.ThrowAsync<RapiHttpException>(() => client.GetClusterInfoAsync());

        ex.GetType().ShouldBe(typeof(RapiHttpException));
        ex.StatusCode.ShouldBe(418);
        ex.ServerMessage.ShouldBeNull();
    }

    [Fact]
    public async Task Send_HtmlSuccessPage_ThrowsProtocolException()
    {
        _handler.Respond((_, _) => Task.FromResult(RecordingHandler.Json("<!DOCTYPE html><html><body>Welcome to nginx!</body></html>", HttpStatusCode.OK, "text/html")));
        using var client = TestClient.Create(_handler);

        var ex = await Should.ThrowAsync<RapiProtocolException>(() => client.GetClusterInfoAsync());

        ex.Message.ShouldContain("text/html");
    }

    [Fact]
    public async Task Send_WrongShape_ThrowsProtocolException()
    {
        _handler.RespondJson("""{"not": "a list"}""");
        using var client = TestClient.Create(_handler);

        await Should.ThrowAsync<RapiProtocolException>(() => client.GetInstancesAsync());
    }

    [Fact]
    public async Task Send_NullWhereObjectExpected_ThrowsProtocolException()
    {
        _handler.RespondJson("null");
        using var client = TestClient.Create(_handler);

        await Should.ThrowAsync<RapiProtocolException>(() => client.GetClusterInfoAsync());
    }

    [Fact]
    public async Task Send_JobIdAsNumericString_IsAccepted()
    {
        _handler.RespondJson("\"4711\"");
        using var client = TestClient.Create(_handler);

        (await client.StartupInstanceAsync("i1")).ShouldBe(new JobId(4711));
    }

    [Fact]
    public async Task Send_JsonBody_HasExactContentTypeAndLength()
    {
        _handler.RespondJson("1");
        using var client = TestClient.Create(_handler);

        await client.ShutdownInstanceAsync("i1", new() { Timeout = 5 });

        _handler.Last.ContentType.ShouldBe("application/json");
        _handler.Last.ContentLength.ShouldBe(Encoding.UTF8.GetByteCount("""{"timeout":5}"""));
    }

    [Fact]
    public async Task Send_SlowServer_ThrowsTimeoutNotCancellation()
    {
        _handler.Fallback = async (_, ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            return RecordingHandler.Json("2");
        };
        using var client = TestClient.Create(_handler, o => o with { RequestTimeout = TimeSpan.FromMilliseconds(100) });

        var ex = await Should.ThrowAsync<RapiTimeoutException>(() => client.GetVersionAsync());

        ex.Timeout.ShouldBe(TimeSpan.FromMilliseconds(100));
        ex.IsTransient.ShouldBeTrue();
    }

    [Fact]
    public async Task Send_CallerCancels_ThrowsOperationCanceled()
    {
        _handler.Fallback = async (_, ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            return RecordingHandler.Json("2");
        };
        using var client = TestClient.Create(_handler);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        var ex = await Should.ThrowAsync<OperationCanceledException>(() => client.GetVersionAsync(cts.Token));

        ex.ShouldNotBeAssignableTo<RapiException>();
    }

    [Fact]
    public async Task Send_LongPoll_UsesLongPollTimeout()
    {
        _handler.Fallback = async (_, ct) =>
        {
            await Task.Delay(TimeSpan.FromMilliseconds(300), ct);
            return RecordingHandler.Json("null");
        };
        using var client = TestClient.Create(_handler, o => o with { RequestTimeout = TimeSpan.FromMilliseconds(50), LongPollTimeout = TimeSpan.FromSeconds(10) });

        (await client.WaitForJobChangeAsync(new JobId(1), ["status"], null, null)).ShouldBeNull();
        await Should.ThrowAsync<RapiTimeoutException>(() => client.GetVersionAsync());
    }

    [Fact]
    public async Task Send_ConnectionRefused_ThrowsConnectionExceptionNamingHostAndPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var client = new GanetiRapiClient(new RapiClientOptions { BaseUrl = new Uri($"https://127.0.0.1:{port}"), User = "u", Password = "p" });

        var ex = await Should.ThrowAsync<RapiConnectionException>(() => client.GetVersionAsync());

        ex.Host.ShouldBe("127.0.0.1");
        ex.Port.ShouldBe(port);
        ex.Message.ShouldContain($"127.0.0.1:{port}");
        ex.IsTransient.ShouldBeTrue();
    }

    [Fact]
    public async Task Send_UnresolvableHost_ThrowsConnectionException()
    {
        using var client = new GanetiRapiClient(new RapiClientOptions { BaseUrl = new Uri("https://no-such-cluster.invalid:5080") });

        var ex = await Should.ThrowAsync<RapiConnectionException>(() => client.GetVersionAsync());

        ex.Message.ShouldContain("no-such-cluster.invalid");
    }

    [Fact]
    public async Task Send_ServerAcceptsButNeverAnswers_ThrowsTimeout()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var client = new GanetiRapiClient(new RapiClientOptions
        {
            BaseUrl = new Uri($"https://127.0.0.1:{port}"),
            ConnectTimeout = TimeSpan.FromMilliseconds(300),
            RequestTimeout = TimeSpan.FromSeconds(5),
        });

        var ex = await Should.ThrowAsync<RapiTimeoutException>(() => client.GetVersionAsync());

        // The TCP connection is accepted by the backlog; the TLS handshake never completes.
        ex.Timeout.ShouldBeLessThanOrEqualTo(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Logging_EveryRequest_LogsMethodPathStatusButNeverCredentials()
    {
        var logger = new CapturingLogger<GanetiRapiClient>();
        _handler.RespondJson("2")
            .RespondJson(ErrorBody(401, "Unauthorized"), HttpStatusCode.Unauthorized)
            .RespondJson("7");
        using var client = TestClient.Create(_handler, logger: logger);

        await client.GetVersionAsync();
        await Should.ThrowAsync<RapiAuthenticationException>(() => client.GetClusterInfoAsync());
        await client.CreateInstanceAsync(new() { Name = "i1", DiskTemplate = "diskless", Reason = "m1" });

        var text = logger.AllText;
        text.ShouldContain("GET /version -> 200");
        text.ShouldContain("GET /2/info -> 401");
        text.ShouldContain("POST /2/instances?reason=m1 -> 200");
        logger.Entries.ShouldAllBe(e => e.Level == LogLevel.Debug);
        text.ShouldNotContain(TestClient.Password);
        text.ShouldNotContain(TestClient.ExpectedAuthorization["Basic ".Length..]);
        text.ShouldNotContain("Basic ");
    }

    [Fact]
    public void Constructor_InsecureWithoutPin_LogsWarning()
    {
        var logger = new CapturingLogger<GanetiRapiClient>();

        using var client = TestClient.Create(_handler, o => o with { AllowInsecureCertificate = true }, logger: logger);

        logger.Entries.ShouldContain(e => e.Level == LogLevel.Warning && e.Text.Contains("Certificate validation is disabled"));
        logger.AllText.ShouldNotContain(TestClient.Password);
    }
}
