using GanetiWebManager.Rapi.Exceptions;
using GanetiWebManager.Rapi.Models;
using GanetiWebManager.Rapi.Security;
using Xunit.Abstractions;

namespace GanetiWebManager.Rapi.Tests.Contract;

/// <summary>Authentication, authorisation, error statuses, certificate pinning.</summary>
public abstract class RapiErrorContractTests(IRapiContractTarget target, ITestOutputHelper output)
    : RapiContractTestBase(target, output)
{
    [Fact]
    public async Task AnyCall_WrongPassword_ThrowsAuthentication()
    {
        using var client = CreateClient(Target.User, Target.Password + "-wrong");

        var ex = await Should.ThrowAsync<RapiAuthenticationException>(() => client.GetClusterInfoAsync());

        ex.StatusCode.ShouldBe(401);
        ex.Message.ShouldNotContain(Target.Password);
    }

    [Fact]
    public async Task Write_ReadOnlyUser_ThrowsForbidden()
    {
        using var readOnly = CreateClient(Target.ReadOnlyUser, Target.ReadOnlyPassword);

        var ex = await Should.ThrowAsync<RapiForbiddenException>(() => readOnly.AddClusterTagsAsync(["ct-readonly-must-fail"]));

        ex.StatusCode.ShouldBe(403);
    }

    [Fact]
    public async Task WaitForJobCompletionAsync_ReadOnlyUser_FallsBackToPolling()
    {
        var ids = await Client.GetJobIdsAsync();
        // A fresh cluster (the fake) has no job yet: make one that changes nothing.
        var id = ids.Count > 0 ? ids[0] : await Client.RedistributeConfigAsync();

        using var readOnly = CreateClient(Target.ReadOnlyUser, Target.ReadOnlyPassword);
        var job = await readOnly.WaitForJobCompletionAsync(id);

        job.IsFinalized.ShouldBeTrue();
    }

    [Fact]
    public async Task GetInstanceAsync_Unknown_ThrowsNotFound()
    {
        var ex = await Should.ThrowAsync<RapiNotFoundException>(() => Client.GetInstanceAsync("ct-does-not-exist"));

        ex.StatusCode.ShouldBe(404);
    }

    [Fact]
    public async Task GetJobAsync_Unknown_ThrowsNotFound()
    {
        await Should.ThrowAsync<RapiNotFoundException>(() => Client.GetJobAsync(new JobId(987654321)));
    }

    [Fact]
    public async Task WaitForJobChangeAsync_UnknownJob_ThrowsNotFound()
    {
        await Should.ThrowAsync<RapiNotFoundException>(() => Client.WaitForJobChangeAsync(new JobId(987654321), ["status"], null, null));
    }

    [Fact]
    public async Task WaitForJobCompletionAsync_UnknownJob_ThrowsNotFound()
    {
        await Should.ThrowAsync<RapiNotFoundException>(() => Client.WaitForJobCompletionAsync(new JobId(987654321)));
    }

    [Fact]
    public async Task CancelJobAsync_UnknownJob_ReportsFailureWithoutException()
    {
        var result = await Client.CancelJobAsync(new JobId(987654321));

        result.Success.ShouldBeFalse();
        result.Message.ShouldContain("987654321");
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/json; charset=utf-8")]
    public async Task Body_WrongContentType_ThrowsUnsupportedMediaType(string contentType)
    {
        var request = new RapiRequest(HttpMethod.Put, "/2/redistribute-config", "{}"u8.ToArray()) { ContentType = contentType };

        var ex = await Should.ThrowAsync<RapiUnsupportedMediaTypeException>(() => Client.SendRawAsync(request));

        ex.StatusCode.ShouldBe(415);
    }

    [Fact]
    public async Task Path_WrongMethod_ThrowsMethodNotSupported()
    {
        var request = new RapiRequest(HttpMethod.Put, "/version", "{}"u8.ToArray());

        await Should.ThrowAsync<RapiMethodNotSupportedException>(() => Client.SendRawAsync(request));
    }

    [Fact]
    public async Task AnyCall_WrongPin_RefusedWithPresentedFingerprint()
    {
        var wrongPin = new string('0', 64);
        using var client = CreateClient(Target.User, Target.Password, wrongPin);

        var ex = await Should.ThrowAsync<RapiCertificateException>(() => client.GetClusterInfoAsync());

        ex.ExpectedSha256.ShouldBe(wrongPin);
        CertificateFingerprint.Matches(Target.CertificateSha256, ex.PresentedSha256).ShouldBeTrue();
    }

    [Fact]
    public async Task GetServerCertificateAsync_Target_PresentsPinnedCertificate()
    {
        var certificate = await RapiCertificateProbe.GetServerCertificateAsync(Target.Url, TimeSpan.FromSeconds(10));

        CertificateFingerprint.Matches(Target.CertificateSha256, certificate.Sha256).ShouldBeTrue();
        Output.WriteLine($"{certificate.Subject} valid {certificate.NotBefore:u} .. {certificate.NotAfter:u}");
    }
}
