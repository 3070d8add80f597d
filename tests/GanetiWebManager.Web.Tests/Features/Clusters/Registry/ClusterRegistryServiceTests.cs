using GanetiWebManager.Rapi.Security;
using GanetiWebManager.Testing;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Clusters;
using GanetiWebManager.Web.Domain.Jobs;
using GanetiWebManager.Web.Domain.VirtualMachines;
using GanetiWebManager.Web.Features.Clusters.Registry;
using GanetiWebManager.Web.Features.LiveUpdates;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace GanetiWebManager.Web.Tests.Features.Clusters.Registry;

public sealed class RegistryServicesFixture : IAsyncLifetime
{
    internal RegistryServices Services { get; private set; } = null!;

    public async Task InitializeAsync() => Services = await RegistryServices.CreateAsync("registry");

    public async Task DisposeAsync() => await Services.DisposeAsync();
}

/// <summary>
/// The registry service against real PostgreSQL and the real Ganeti sandbox. In the sandbox's collection: run beside
/// the master-failover test, its calls met a RAPI that was failing over ("does not speak TLS").
/// </summary>
[Collection(RealClusterGroup.Name)]
public sealed class ClusterRegistryServiceTests(RegistryServicesFixture fixture) : IClassFixture<RegistryServicesFixture>, IAsyncLifetime
{
    private readonly RegistryServices _services = fixture.Services;

    private ClusterRegistryService Registry => _services.Registry;

    public async Task InitializeAsync()
    {
        _services.Authentication.User = TestAuthenticationStateProvider.Superuser();
        await using var db = await CreateDbAsync();
        await db.Clusters.ExecuteDeleteAsync();
        _services.TakeSyncRequests();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private Task<AppDbContext> CreateDbAsync() =>
        _services.Provider.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();

    private async Task<List<Cluster>> StoredClustersAsync()
    {
        await using var db = await CreateDbAsync();
        return await db.Clusters.AsNoTracking().ToListAsync();
    }

    private async Task<Cluster> CreateSandboxAsync(string slug = "sandbox")
    {
        var outcome = await Registry.CreateAsync(Forms.Sandbox(slug), CancellationToken.None);
        outcome.Error.ShouldBeNull();
        outcome.Succeeded.ShouldBeTrue();
        _services.TakeSyncRequests();
        return (await StoredClustersAsync()).Single(c => c.Slug == slug);
    }

    // ---- Fetching the certificate

    [Fact]
    public async Task FetchCertificateAsync_Sandbox_ReturnsItsFingerprintAndDetails()
    {
        var check = await Registry.FetchCertificateAsync(Sandbox.Host, Sandbox.Port, CancellationToken.None);

        check.Problem.ShouldBeNull();
        var certificate = check.Value.ShouldNotBeNull();
        CertificateFingerprint.Matches(certificate.Sha256, Sandbox.CertificateSha256).ShouldBeTrue();
        certificate.Sha256Formatted.ShouldBe(CertificateFingerprint.Format(Sandbox.CertificateSha256));
        certificate.Subject.ShouldNotBeNullOrEmpty();
        certificate.NotAfter.ShouldBeGreaterThan(certificate.NotBefore);
    }

    [Fact]
    public async Task FetchCertificateAsync_UnknownHost_SaysTheNameCannotBeResolved()
    {
        var check = await Registry.FetchCertificateAsync("no-such-host.invalid", 5080, CancellationToken.None);

        check.Value.ShouldBeNull();
        check.Problem.ShouldBe("The host name no-such-host.invalid cannot be resolved (DNS). Check its spelling, or give the cluster's IP address.");
    }

    [Fact]
    public async Task FetchCertificateAsync_NothingListening_SaysConnectionRefused()
    {
        var port = SilentServer.FreePort();

        var check = await Registry.FetchCertificateAsync("127.0.0.1", port, CancellationToken.None);

        check.Problem.ShouldBe($"Nothing accepts connections on 127.0.0.1:{port} (connection refused). Check the port (RAPI's default is 5080) and that ganeti-rapi runs on the master.");
    }

    [Fact]
    public async Task FetchCertificateAsync_ServerNeverAnswers_TimesOutWithAClearMessage()
    {
        using var silent = new SilentServer();

        var check = await Registry.FetchCertificateAsync("127.0.0.1", silent.Port, CancellationToken.None);

        check.Problem.ShouldBe($"127.0.0.1:{silent.Port} did not answer within 2 s. The host may be down, or a firewall drops the connection.");
    }

    [Theory]
    [InlineData("bad host", 5080, "valid host name")]
    [InlineData("ganeti.example.org", 0, "port from 1 to 65535")]
    [InlineData("ganeti.example.org", null, "port from 1 to 65535")]
    public async Task FetchCertificateAsync_InvalidEndpoint_ConnectsNowhere(string host, int? port, string expected)
    {
        var check = await Registry.FetchCertificateAsync(host, port, CancellationToken.None);

        check.Problem.ShouldNotBeNull().ShouldContain(expected);
    }

    // ---- Testing the connection

    [Fact]
    public async Task TestConnectionAsync_Sandbox_ReportsVersionMasterNodesAndWriteAccess()
    {
        var outcome = await Registry.TestConnectionAsync(Forms.Sandbox(), CancellationToken.None);

        outcome.Error.ShouldBeNull();
        var report = outcome.Report.ShouldNotBeNull();
        report.SoftwareVersion.ShouldBe("3.0.2");
        report.MasterNode.ShouldBe(Sandbox.Master);
        report.NodeCount.ShouldBe(Sandbox.NodeCount);
        report.NodeCount.ShouldBe(2);
        report.WriteAccess.ShouldBe(WriteAccess.Yes);
        (await StoredClustersAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task TestConnectionAsync_ReadOnlyRapiUser_ReportsThatItCanOnlyRead()
    {
        var form = Forms.Sandbox();
        form.RapiUsername = Sandbox.ReadOnlyUser;
        form.RapiPassword = Sandbox.ReadOnlyPassword;

        var outcome = await Registry.TestConnectionAsync(form, CancellationToken.None);

        outcome.Report.ShouldNotBeNull().WriteAccess.ShouldBe(WriteAccess.No);
    }

    [Fact]
    public async Task TestConnectionAsync_WrongPassword_SaysTheClusterRefusedTheCredentials()
    {
        var form = Forms.Sandbox();
        form.RapiPassword = "definitely-not-it";

        var outcome = await Registry.TestConnectionAsync(form, CancellationToken.None);

        outcome.Report.ShouldBeNull();
        outcome.Error.ShouldNotBeNull().ShouldStartWith($"The cluster at {Sandbox.Host}:{Sandbox.Port} refused the RAPI user name or password (HTTP 401).");
        outcome.Error.ShouldNotContain("definitely-not-it");
    }

    [Fact]
    public async Task TestConnectionAsync_InvalidConnectionFields_ReturnsFieldFailuresOnly()
    {
        var form = Forms.Sandbox();
        form.Port = 70000;
        form.Slug = ""; // not a connection field: not reported by the test
        form.CertificateConfirmed = false;

        var outcome = await Registry.TestConnectionAsync(form, CancellationToken.None);

        outcome.Failures.Select(f => f.PropertyName).ShouldBe([nameof(ClusterForm.Port), nameof(ClusterForm.CertificateConfirmed)], ignoreOrder: true);
    }

    // ---- Adding

    [Fact]
    public async Task CreateAsync_Sandbox_StoresThePinnedRowWithAnEncryptedPasswordAndRequestsASync()
    {
        var changes = new List<PortalChange>();
        // The filter sees every published change, synchronously: enough to record them.
        using var subscription = _services.LiveUpdates.Subscribe(c => { lock (changes) { changes.Add(c); } return false; }, () => Task.CompletedTask);

        var outcome = await Registry.CreateAsync(Forms.Sandbox(), CancellationToken.None);

        outcome.Succeeded.ShouldBeTrue();
        outcome.Report.ShouldNotBeNull().SoftwareVersion.ShouldBe("3.0.2");
        var cluster = (await StoredClustersAsync()).ShouldHaveSingleItem();
        cluster.Id.ShouldBe(outcome.ClusterId!.Value);
        cluster.Slug.ShouldBe("sandbox");
        cluster.Hostname.ShouldBe(Sandbox.Host);
        cluster.Port.ShouldBe(Sandbox.Port);
        cluster.RapiUsername.ShouldBe(Sandbox.User);
        cluster.IsReadOnly.ShouldBeFalse();
        cluster.CertificateSha256.ShouldBe(Sandbox.CertificateSha256.ToLowerInvariant());
        cluster.PresentedCertificateSha256.ShouldBeNull();
        cluster.DefaultQuota.RamMiB.ShouldBe(4096);
        cluster.DefaultQuota.DiskMiB.ShouldBeNull(); // unlimited
        cluster.DefaultQuota.Vcpus.ShouldBe(0); // none
        cluster.ConsoleAddressMapping.ShouldBe("* = 127.0.0.1");
        _services.TakeSyncRequests().ShouldBe([cluster.Id]);
        lock (changes)
        {
            changes.ShouldContain(new ClusterChanged(cluster.Id));
        }
    }

    [Fact]
    public async Task CreateAsync_Sandbox_PasswordIsStoredEncryptedAndDecryptsForTheSync()
    {
        var cluster = await CreateSandboxAsync();

        await using var connection = new NpgsqlConnection(_services.Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT row_to_json(c)::text FROM clusters c", connection);
        var row = (string)(await command.ExecuteScalarAsync())!;
        row.ShouldNotContain(Sandbox.Password);
        cluster.RapiPasswordProtected.ShouldNotBeNullOrEmpty();
        _services.Connector.OptionsFor(cluster).Password.ShouldBe(Sandbox.Password);
    }

    [Fact]
    public async Task CreateAsync_WrongPassword_ClearMessageAndNothingSaved()
    {
        var form = Forms.Sandbox();
        form.RapiPassword = "wrong-password";

        var outcome = await Registry.CreateAsync(form, CancellationToken.None);

        outcome.Succeeded.ShouldBeFalse();
        outcome.Error.ShouldNotBeNull().ShouldContain("refused the RAPI user name or password (HTTP 401)");
        outcome.Error.ShouldEndWith("Nothing was saved.");
        (await StoredClustersAsync()).ShouldBeEmpty();
        _services.TakeSyncRequests().ShouldBeEmpty();
    }

    [Fact]
    public async Task CreateAsync_ReadOnlyRapiUserAsTheWriteUser_IsRefused()
    {
        var form = Forms.Sandbox();
        form.RapiUsername = Sandbox.ReadOnlyUser;
        form.RapiPassword = Sandbox.ReadOnlyPassword;

        var outcome = await Registry.CreateAsync(form, CancellationToken.None);

        outcome.Error.ShouldNotBeNull().ShouldContain($"The RAPI user \"{Sandbox.ReadOnlyUser}\" can only read");
        (await StoredClustersAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task CreateAsync_NoCredentialsOnAClusterThatRequiresThemForReading_ExplainsWhy()
    {
        var form = Forms.Sandbox();
        form.RapiUsername = null;
        form.RapiPassword = null;

        var outcome = await Registry.CreateAsync(form, CancellationToken.None);

        outcome.Error.ShouldNotBeNull().ShouldContain("requires a user name and password even for reading (HTTP 401), so it cannot be registered read-only");
        (await StoredClustersAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task CreateAsync_NothingListening_ClearMessageAndNothingSaved()
    {
        var form = Forms.Sandbox();
        form.Hostname = "127.0.0.1";
        form.Port = SilentServer.FreePort();

        var outcome = await Registry.CreateAsync(form, CancellationToken.None);

        outcome.Error.ShouldNotBeNull().ShouldStartWith($"Nothing accepts connections on 127.0.0.1:{form.Port} (connection refused).");
        (await StoredClustersAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task CreateAsync_UnknownHost_ClearMessageAndNothingSaved()
    {
        var form = Forms.Sandbox();
        form.Hostname = "no-such-host.invalid";

        var outcome = await Registry.CreateAsync(form, CancellationToken.None);

        outcome.Error.ShouldNotBeNull().ShouldStartWith("The host name no-such-host.invalid cannot be resolved (DNS).");
        (await StoredClustersAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task CreateAsync_TlsServerAnsweringHtml_SaysItIsNotGanetiAndSavesNothing()
    {
        await using var server = await StubTlsServer.StartAsync("text/html", "<!DOCTYPE html><html><body><h1>Welcome to nginx!</h1></body></html>");
        var fetched = await Registry.FetchCertificateAsync("127.0.0.1", server.Port, CancellationToken.None);
        var form = Forms.Sandbox();
        form.Hostname = "127.0.0.1";
        form.Port = server.Port;
        form.CertificateSha256 = fetched.Value.ShouldNotBeNull().Sha256;

        var outcome = await Registry.CreateAsync(form, CancellationToken.None);

        outcome.Error.ShouldNotBeNull().ShouldStartWith($"127.0.0.1:{server.Port} answered, but not as a Ganeti RAPI does (it did not send Ganeti's JSON; perhaps a web page).");
        (await StoredClustersAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task CreateAsync_TlsServerAnsweringOtherJson_SaysItIsNotGanetiAndSavesNothing()
    {
        await using var server = await StubTlsServer.StartAsync("application/json", """{"status": "ok", "service": "something else"}""");
        var form = Forms.Sandbox();
        form.Hostname = "127.0.0.1";
        form.Port = server.Port;
        form.CertificateSha256 = server.Fingerprint;

        var outcome = await Registry.CreateAsync(form, CancellationToken.None);

        outcome.Error.ShouldNotBeNull().ShouldContain("answered, but not as a Ganeti RAPI does (its /2/info answer has no software_version)");
        (await StoredClustersAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task CreateAsync_CertificateChangedBetweenFetchAndSave_IsRefusedBeforeAnythingIsSent()
    {
        await using var server = await StubTlsServer.StartAsync("application/json", "{}");
        var fetched = (await Registry.FetchCertificateAsync("127.0.0.1", server.Port, CancellationToken.None)).Value.ShouldNotBeNull();
        server.ReplaceCertificate();
        var form = Forms.Sandbox();
        form.Hostname = "127.0.0.1";
        form.Port = server.Port;
        form.CertificateSha256 = fetched.Sha256;

        var outcome = await Registry.CreateAsync(form, CancellationToken.None);

        outcome.Error.ShouldNotBeNull().ShouldStartWith($"127.0.0.1:{server.Port} now presents a different certificate (SHA-256 {CertificateFingerprint.Format(server.Fingerprint)})");
        outcome.Error.ShouldContain("Nothing was sent to it.");
        server.Requests.ShouldBe(0); // the password never left the portal
        (await StoredClustersAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task CreateAsync_SandboxWithAnotherFingerprint_IsRefused()
    {
        var form = Forms.Sandbox();
        form.CertificateSha256 = new string('a', 64);

        var outcome = await Registry.CreateAsync(form, CancellationToken.None);

        outcome.Error.ShouldNotBeNull().ShouldContain("now presents a different certificate");
        (await StoredClustersAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task CreateAsync_InvalidForm_IsRefusedOnTheServerWhateverThePageChecked()
    {
        var form = Forms.Sandbox();
        form.Hostname = "https://" + Sandbox.Host;
        form.Slug = "Bad Slug";
        form.DefaultQuota.RamMiB = -1;
        form.ConsoleAddressMapping = "node1 10.0.0.1";
        form.CertificateConfirmed = false;

        var outcome = await Registry.CreateAsync(form, CancellationToken.None);

        outcome.Failures.Select(f => f.PropertyName).Distinct().ShouldBe(
            ["Hostname", "Slug", "DefaultQuota.RamMiB", "ConsoleAddressMapping", "CertificateConfirmed"], ignoreOrder: true);
        (await StoredClustersAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task CreateAsync_SlugOrEndpointAlreadyRegistered_IsRefusedOnTheField()
    {
        await CreateSandboxAsync("first");

        var outcome = await Registry.CreateAsync(Forms.Sandbox("first"), CancellationToken.None);

        outcome.Failures.ShouldContain(f => f.PropertyName == "Slug" && f.ErrorMessage.Contains("already uses the slug"));
        outcome.Failures.ShouldContain(f => f.PropertyName == "Hostname" && f.ErrorMessage.Contains("is already registered as cluster \"first\""));
        (await StoredClustersAsync()).Count.ShouldBe(1);
    }

    [Fact]
    public async Task SuggestSlugAsync_TakenSlug_SuggestsTheNextFreeOne()
    {
        (await Registry.SuggestSlugAsync("Sandbox.ganeti.test", null, CancellationToken.None)).ShouldBe("sandbox");
        await CreateSandboxAsync();

        (await Registry.SuggestSlugAsync("sandbox.other.test", null, CancellationToken.None)).ShouldBe("sandbox-2");
    }

    // ---- Editing

    [Fact]
    public async Task GetForEditAsync_StoredCluster_NeverCarriesThePassword()
    {
        var cluster = await CreateSandboxAsync();

        var view = (await Registry.GetForEditAsync("sandbox", CancellationToken.None)).ShouldNotBeNull();

        view.Id.ShouldBe(cluster.Id);
        view.Form.RapiPassword.ShouldBeNull();
        view.Form.HasStoredPassword.ShouldBeTrue();
        view.Form.RapiUsername.ShouldBe(Sandbox.User);
        view.Form.CertificateConfirmed.ShouldBeTrue();
        view.PinnedSha256.ShouldBe(Sandbox.CertificateSha256.ToLowerInvariant());
        (await Registry.GetForEditAsync("nope", CancellationToken.None)).ShouldBeNull();
    }

    [Fact]
    public async Task UpdateAsync_PasswordLeftBlank_KeepsTheStoredPassword()
    {
        var cluster = await CreateSandboxAsync();
        var form = (await Registry.GetForEditAsync("sandbox", CancellationToken.None))!.Form;
        form.Description = "renamed";
        form.DefaultQuota.RamMiB = null;

        var outcome = await Registry.UpdateAsync(cluster.Id, form, CancellationToken.None);

        outcome.Succeeded.ShouldBeTrue();
        var stored = (await StoredClustersAsync()).Single();
        stored.Description.ShouldBe("renamed");
        stored.DefaultQuota.RamMiB.ShouldBeNull();
        stored.RapiPasswordProtected.ShouldBe(cluster.RapiPasswordProtected);
        _services.Connector.OptionsFor(stored).Password.ShouldBe(Sandbox.Password);
        _services.TakeSyncRequests().ShouldBe([cluster.Id]);
    }

    [Fact]
    public async Task UpdateAsync_VncPassword_StoredEncryptedKeptWhenBlankRemovedOnRequest()
    {
        var cluster = await CreateSandboxAsync();
        var protector = _services.Provider.GetRequiredService<GanetiWebManager.Web.Features.Console.VncPasswordProtector>();
        var form = (await Registry.GetForEditAsync("sandbox", CancellationToken.None))!.Form;
        form.VncPassword = "vnc-pw1";

        (await Registry.UpdateAsync(cluster.Id, form, CancellationToken.None)).Succeeded.ShouldBeTrue();
        var stored = (await StoredClustersAsync()).Single().VncPasswordProtected;
        stored.ShouldNotBeNull().ShouldNotContain("vnc-pw1");
        protector.Unprotect(stored).ShouldBe("vnc-pw1");

        var again = (await Registry.GetForEditAsync("sandbox", CancellationToken.None))!.Form;
        again.VncPassword.ShouldBeNull("a stored password is never rendered back");
        again.HasStoredVncPassword.ShouldBeTrue();
        again.Description = "kept";
        (await Registry.UpdateAsync(cluster.Id, again, CancellationToken.None)).Succeeded.ShouldBeTrue();
        (await StoredClustersAsync()).Single().VncPasswordProtected.ShouldBe(stored);

        var clear = (await Registry.GetForEditAsync("sandbox", CancellationToken.None))!.Form;
        clear.ClearVncPassword = true;
        (await Registry.UpdateAsync(cluster.Id, clear, CancellationToken.None)).Succeeded.ShouldBeTrue();
        (await StoredClustersAsync()).Single().VncPasswordProtected.ShouldBeNull();
    }

    [Fact]
    public async Task UpdateAsync_NewUserWithoutPassword_IsRefused()
    {
        var cluster = await CreateSandboxAsync();
        var form = (await Registry.GetForEditAsync("sandbox", CancellationToken.None))!.Form;
        form.RapiUsername = Sandbox.ReadOnlyUser;

        var outcome = await Registry.UpdateAsync(cluster.Id, form, CancellationToken.None);

        outcome.Failures.ShouldHaveSingleItem().PropertyName.ShouldBe(nameof(ClusterForm.RapiPassword));
        (await StoredClustersAsync()).Single().RapiUsername.ShouldBe(Sandbox.User);
    }

    [Fact]
    public async Task UpdateAsync_PageClaimsAStoredPasswordForAnotherUser_IsNotBelieved()
    {
        var cluster = await CreateSandboxAsync();
        var form = (await Registry.GetForEditAsync("sandbox", CancellationToken.None))!.Form;
        form.RapiUsername = "someone-else";
        form.StoredRapiUsername = "someone-else"; // a tampered page

        var outcome = await Registry.UpdateAsync(cluster.Id, form, CancellationToken.None);

        outcome.Failures.ShouldHaveSingleItem().PropertyName.ShouldBe(nameof(ClusterForm.RapiPassword));
    }

    [Fact]
    public async Task UpdateAsync_WrongNewPassword_IsRefusedAndTheOldOneKept()
    {
        var cluster = await CreateSandboxAsync();
        var form = (await Registry.GetForEditAsync("sandbox", CancellationToken.None))!.Form;
        form.RapiPassword = "wrong-password";
        form.Description = "should not be saved";

        var outcome = await Registry.UpdateAsync(cluster.Id, form, CancellationToken.None);

        outcome.Error.ShouldNotBeNull().ShouldContain("HTTP 401");
        var stored = (await StoredClustersAsync()).Single();
        stored.Description.ShouldBe(cluster.Description);
        _services.Connector.OptionsFor(stored).Password.ShouldBe(Sandbox.Password);
    }

    [Fact]
    public async Task UpdateAsync_ClearingBothCredentials_WouldMakeItReadOnlyButTheSandboxNeedsThem()
    {
        var cluster = await CreateSandboxAsync();
        var form = (await Registry.GetForEditAsync("sandbox", CancellationToken.None))!.Form;
        form.RapiUsername = "";
        form.RapiPassword = "";

        form.Normalized().IsReadOnly.ShouldBeTrue();
        var outcome = await Registry.UpdateAsync(cluster.Id, form, CancellationToken.None);

        outcome.Error.ShouldNotBeNull().ShouldContain("cannot be registered read-only");
        (await StoredClustersAsync()).Single().RapiUsername.ShouldBe(Sandbox.User);
    }

    [Fact]
    public async Task CreateAsync_NoCredentialsOnAnOpenRapi_StoresAReadOnlyClusterAfterAGet()
    {
        await using var open = await StubTlsServer.StartOpenRapiAsync();
        var form = Forms.Sandbox("open");
        form.Hostname = "127.0.0.1";
        form.Port = open.Port;
        form.CertificateSha256 = open.Fingerprint;
        form.RapiUsername = "";
        form.RapiPassword = "";

        var outcome = await Registry.CreateAsync(form, CancellationToken.None);

        outcome.Error.ShouldBeNull();
        outcome.Report.ShouldNotBeNull().WriteAccess.ShouldBe(WriteAccess.NotApplicable);
        outcome.Report.NodeCount.ShouldBe(1);
        open.Requests.ShouldBe(2); // GET /2/info and GET /2/nodes, nothing else
        var stored = (await StoredClustersAsync()).ShouldHaveSingleItem();
        stored.IsReadOnly.ShouldBeTrue();
        stored.RapiPasswordProtected.ShouldBeNull();
        (await Registry.ListAsync(CancellationToken.None)).Single().IsReadOnly.ShouldBeTrue();
    }

    [Fact]
    public async Task UpdateAsync_ClearingBothCredentialsOfAnOpenRapi_MakesTheClusterReadOnly()
    {
        await using var open = await StubTlsServer.StartOpenRapiAsync();
        var cluster = await CreateSandboxAsync();
        await using (var db = await CreateDbAsync())
        {
            // The sandbox's row, pointed at a RAPI that lets anyone read (the sandbox itself requires credentials).
            await db.Clusters.Where(c => c.Id == cluster.Id).ExecuteUpdateAsync(u => u
                .SetProperty(c => c.Port, open.Port).SetProperty(c => c.CertificateSha256, open.Fingerprint));
        }

        var form = (await Registry.GetForEditAsync("sandbox", CancellationToken.None))!.Form;
        form.HasStoredPassword.ShouldBeTrue();
        form.RapiUsername = "";
        form.RapiPassword = "";

        var outcome = await Registry.UpdateAsync(cluster.Id, form, CancellationToken.None);

        outcome.Error.ShouldBeNull();
        var stored = (await StoredClustersAsync()).Single();
        stored.IsReadOnly.ShouldBeTrue();
        stored.RapiUsername.ShouldBeNull();
        stored.RapiPasswordProtected.ShouldBeNull();
    }

    [Fact]
    public async Task UpdateAsync_DescriptionOnlyWhileTheClusterIsDown_SavesWithoutConnecting()
    {
        var cluster = await CreateSandboxAsync();
        await using (var db = await CreateDbAsync())
        {
            // As if the cluster had moved away: nothing answers on the stored port any more.
            await db.Clusters.Where(c => c.Id == cluster.Id).ExecuteUpdateAsync(u => u.SetProperty(c => c.Port, SilentServer.FreePort()));
        }

        var form = (await Registry.GetForEditAsync("sandbox", CancellationToken.None))!.Form;
        form.Description = "down for maintenance";

        var outcome = await Registry.UpdateAsync(cluster.Id, form, CancellationToken.None);

        outcome.Succeeded.ShouldBeTrue();
        outcome.Report.ShouldBeNull();
    }

    [Fact]
    public async Task UpdateAsync_HostnameChangedWithoutAcceptingItsCertificate_IsRefused()
    {
        var cluster = await CreateSandboxAsync();
        var form = (await Registry.GetForEditAsync("sandbox", CancellationToken.None))!.Form;
        form.Hostname = "localhost";
        form.CertificateConfirmed = false; // what the page does when the endpoint changes

        var outcome = await Registry.UpdateAsync(cluster.Id, form, CancellationToken.None);

        outcome.Failures.ShouldContain(f => f.PropertyName == nameof(ClusterForm.CertificateConfirmed));
        (await StoredClustersAsync()).Single().Hostname.ShouldBe(Sandbox.Host);
    }

    [Fact]
    public async Task TestConnectionAsync_StoredPasswordNoLongerDecrypts_AsksToTypeItAgain()
    {
        var cluster = await CreateSandboxAsync();
        await using (var db = await CreateDbAsync())
        {
            // As after losing the data-protection key ring: the stored value cannot be unprotected.
            await db.Clusters.Where(c => c.Id == cluster.Id).ExecuteUpdateAsync(u => u.SetProperty(c => c.RapiPasswordProtected, "CfDJ8-not-a-protected-value"));
        }

        var form = (await Registry.GetForEditAsync("sandbox", CancellationToken.None))!.Form;
        var test = await Registry.TestConnectionAsync(form, CancellationToken.None); // keeps the password: must decrypt it
        form.Hostname = "localhost"; // a connection change, so saving tests (and needs the password) too
        var save = await Registry.UpdateAsync(cluster.Id, form, CancellationToken.None);

        test.Error.ShouldNotBeNull().ShouldContain("can no longer be decrypted");
        save.Error.ShouldNotBeNull().ShouldContain("Type the password again.");
        (await StoredClustersAsync()).Single().Hostname.ShouldBe(Sandbox.Host);
    }

    [Fact]
    public async Task UpdateAsync_DeletedMeanwhile_SaysSo()
    {
        var outcome = await Registry.UpdateAsync(123456, Forms.Sandbox(), CancellationToken.None);

        outcome.Error.ShouldNotBeNull().ShouldContain("no longer exists");
    }

    // ---- A certificate change recorded by the sync

    [Fact]
    public async Task AcceptPresentedCertificateAsync_ChangeRecordedBySync_PinsTheNewOneClearsTheFlagAndRequestsASync()
    {
        var cluster = await CreateSandboxAsync();
        var oldPin = new string('b', 64);
        await SimulateCertificateChangeAsync(cluster.Id, oldPin, Sandbox.CertificateSha256);
        (await Registry.ListAsync(CancellationToken.None)).Single().CertificateState.ShouldBe(CertificateState.Changed);
        var view = (await Registry.GetForEditAsync("sandbox", CancellationToken.None))!;
        view.PinnedSha256.ShouldBe(oldPin);
        view.PresentedSha256.ShouldBe(Sandbox.CertificateSha256.ToLowerInvariant());

        var outcome = await Registry.AcceptPresentedCertificateAsync(cluster.Id, CertificateFingerprint.Format(Sandbox.CertificateSha256), CancellationToken.None);

        outcome.Succeeded.ShouldBeTrue();
        var stored = (await StoredClustersAsync()).Single();
        stored.CertificateSha256.ShouldBe(Sandbox.CertificateSha256.ToLowerInvariant());
        stored.PresentedCertificateSha256.ShouldBeNull();
        _services.TakeSyncRequests().ShouldBe([cluster.Id]);
        (await Registry.ListAsync(CancellationToken.None)).Single().CertificateState.ShouldBe(CertificateState.Pinned);
    }

    [Fact]
    public async Task AcceptPresentedCertificateAsync_ClusterPresentsAnotherThanConfirmed_ChangesNothing()
    {
        var cluster = await CreateSandboxAsync();
        var oldPin = new string('b', 64);
        await SimulateCertificateChangeAsync(cluster.Id, oldPin, Sandbox.CertificateSha256);

        var outcome = await Registry.AcceptPresentedCertificateAsync(cluster.Id, new string('c', 64), CancellationToken.None);

        outcome.Error.ShouldNotBeNull().ShouldContain("yet another certificate");
        var stored = (await StoredClustersAsync()).Single();
        stored.CertificateSha256.ShouldBe(oldPin);
        stored.PresentedCertificateSha256.ShouldNotBeNull();
        _services.TakeSyncRequests().ShouldBeEmpty();
    }

    [Fact]
    public async Task UpdateAsync_WhileACertificateChangeWaits_PointsToAcceptingItFirst()
    {
        var cluster = await CreateSandboxAsync();
        await SimulateCertificateChangeAsync(cluster.Id, new string('b', 64), Sandbox.CertificateSha256);
        var form = (await Registry.GetForEditAsync("sandbox", CancellationToken.None))!.Form;
        form.RapiPassword = Sandbox.Password; // a connection change: tested with the old pin

        var outcome = await Registry.UpdateAsync(cluster.Id, form, CancellationToken.None);

        outcome.Error.ShouldNotBeNull().ShouldContain("accept the new certificate first");
    }

    private async Task SimulateCertificateChangeAsync(int clusterId, string oldPin, string presented)
    {
        await using var db = await CreateDbAsync();
        await db.Clusters.Where(c => c.Id == clusterId).ExecuteUpdateAsync(u => u
            .SetProperty(c => c.CertificateSha256, oldPin)
            .SetProperty(c => c.PresentedCertificateSha256, presented.ToLowerInvariant()));
    }

    // ---- Deleting

    [Fact]
    public async Task DeleteAsync_TypedSlug_RemovesTheClusterWithItsNodesVmsJobsAndErrors()
    {
        var cluster = await CreateSandboxAsync();
        await using (var db = await CreateDbAsync())
        {
            db.Nodes.Add(new Node { ClusterId = cluster.Id, Name = "node1.ganeti.test" });
            db.VirtualMachines.Add(new VirtualMachine { ClusterId = cluster.Id, Name = "vm1" });
            db.Jobs.Add(new Job { ClusterId = cluster.Id, Operation = "instance.startup" });
            db.ClusterErrors.Add(new ClusterError { ClusterId = cluster.Id, Message = "timeout" });
            await db.SaveChangesAsync();
        }

        var impact = (await Registry.GetDeletionImpactAsync(cluster.Id, CancellationToken.None)).ShouldNotBeNull();
        impact.ShouldBe(new ClusterDeletionImpact(cluster.Id, "sandbox", 1, 1, 1, 1));

        var outcome = await Registry.DeleteAsync(cluster.Id, "sandbox", CancellationToken.None);

        outcome.Succeeded.ShouldBeTrue();
        await using var check = await CreateDbAsync();
        (await check.Clusters.CountAsync()).ShouldBe(0);
        (await check.Nodes.CountAsync()).ShouldBe(0);
        (await check.VirtualMachines.CountAsync()).ShouldBe(0);
        (await check.Jobs.CountAsync()).ShouldBe(0);
        (await check.ClusterErrors.CountAsync()).ShouldBe(0);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Sandbox")]
    [InlineData("sandbo")]
    public async Task DeleteAsync_SlugNotTypedExactly_DeletesNothing(string typed)
    {
        var cluster = await CreateSandboxAsync();

        var outcome = await Registry.DeleteAsync(cluster.Id, typed, CancellationToken.None);

        outcome.Error.ShouldNotBeNull().ShouldContain("Type the cluster's slug, sandbox, exactly");
        (await StoredClustersAsync()).Count.ShouldBe(1);
    }

    // ---- Only superusers

    [Fact]
    public async Task EveryAction_OrdinaryUser_IsRefusedAndChangesNothing()
    {
        var cluster = await CreateSandboxAsync();
        _services.Authentication.User = TestAuthenticationStateProvider.OrdinaryUser();
        var ct = CancellationToken.None;

        var actions = new Dictionary<string, Func<Task>>
        {
            ["list"] = () => Registry.ListAsync(ct),
            ["get"] = () => Registry.GetForEditAsync("sandbox", ct),
            ["suggest"] = () => Registry.SuggestSlugAsync("x.example.org", null, ct),
            ["fetch"] = () => Registry.FetchCertificateAsync(Sandbox.Host, Sandbox.Port, ct),
            ["test"] = () => Registry.TestConnectionAsync(Forms.Sandbox("other"), ct),
            ["create"] = () => Registry.CreateAsync(Forms.Sandbox("other"), ct),
            ["update"] = () => Registry.UpdateAsync(cluster.Id, Forms.Sandbox("renamed"), ct),
            ["accept"] = () => Registry.AcceptPresentedCertificateAsync(cluster.Id, Sandbox.CertificateSha256, ct),
            ["impact"] = () => Registry.GetDeletionImpactAsync(cluster.Id, ct),
            ["delete"] = () => Registry.DeleteAsync(cluster.Id, "sandbox", ct),
        };
        foreach (var (name, action) in actions)
        {
            var ex = await Should.ThrowAsync<UnauthorizedAccessException>(action, name);
            ex.Message.ShouldBe(ClusterRegistryService.NotSuperuserMessage);
        }

        _services.Authentication.User = TestAuthenticationStateProvider.Anonymous();
        await Should.ThrowAsync<UnauthorizedAccessException>(() => Registry.DeleteAsync(cluster.Id, "sandbox", ct));

        var stored = (await StoredClustersAsync()).ShouldHaveSingleItem();
        stored.Slug.ShouldBe("sandbox");
        _services.TakeSyncRequests().ShouldBeEmpty();
    }

    // ---- The list

    [Fact]
    public async Task ListAsync_ShowsAccessCertificateAndSyncState()
    {
        var cluster = await CreateSandboxAsync();

        var row = (await Registry.ListAsync(CancellationToken.None)).ShouldHaveSingleItem();

        row.Id.ShouldBe(cluster.Id);
        row.Endpoint.ShouldBe($"{Sandbox.Host}:{Sandbox.Port}");
        row.IsReadOnly.ShouldBeFalse();
        row.CertificateState.ShouldBe(CertificateState.Pinned);
        row.Sync.Status.ShouldBe(Web.Features.Health.ClusterHealthStatus.NeverSynced);
        RegistryDisplay.Sync(row.Sync).ShouldBe("Not synced yet");
    }
}
