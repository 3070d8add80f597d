using System.Net;
using GanetiWebManager.Testing;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Accounts;
using GanetiWebManager.Web.Domain.Clusters;
using GanetiWebManager.Web.Features.Clusters;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GanetiWebManager.Web.Tests.Features.Clusters.Registry;

/// <summary>The registry pages over HTTP (their server-rendered first paint): who may open them and what they show.</summary>
public sealed class ClusterRegistryPagesTests : IAsyncLifetime
{
    private const string StoredPassword = "stored-rapi-secret-42";

    private TestDatabase _database = null!;
    private PortalFactory _portal = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync("registrypages");
        _portal = new PortalFactory(_database);
        _ = _portal.Server; // starts the portal: migrations and the superuser
        await using var scope = _portal.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        (await users.CreateAsync(new AppUser { UserName = "alice" }, "alice's passphrase")).Succeeded.ShouldBeTrue();
        await using var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        db.Clusters.Add(new Cluster
        {
            Slug = "prod",
            Hostname = "ganeti.example.org",
            RapiUsername = "portal",
            RapiPasswordProtected = scope.ServiceProvider.GetRequiredService<ClusterConnector>().ProtectPassword(StoredPassword),
            CertificateSha256 = new string('a', 64),
            PresentedCertificateSha256 = new string('b', 64),
            Description = "Production",
        });
        await db.SaveChangesAsync();
    }

    public async Task DisposeAsync()
    {
        await _portal.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Theory]
    [InlineData("/admin/clusters")]
    [InlineData("/admin/clusters/new")]
    [InlineData("/admin/clusters/prod/edit")]
    public async Task RegistryPages_OrdinaryUser_AreDenied(string path)
    {
        using var client = _portal.CreateClientWithoutRedirects();
        await client.PostLoginAsync("alice", "alice's passphrase");

        var response = await client.GetAsync(path);

        // The route's [Authorize] policy is enforced before any component renders.
        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        response.Headers.Location!.ToString().ShouldContain("/account/denied");
        (await response.Content.ReadAsStringAsync()).ShouldNotContain("ganeti.example.org");
    }

    [Fact]
    public async Task RegistryPages_Anonymous_RedirectToLogin()
    {
        using var client = _portal.CreateClientWithoutRedirects();

        var response = await client.GetAsync("/admin/clusters");

        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        response.Headers.Location!.ToString().ShouldContain("/account/login");
    }

    [Fact]
    public async Task List_Superuser_ShowsTheClusterWithItsCertificateWarning()
    {
        using var client = _portal.CreateClientWithoutRedirects();
        await client.PostLoginAsync(PortalFactory.SuperuserName, PortalFactory.SuperuserPassword);

        var html = await (await client.GetAsync("/admin/clusters")).Content.ReadAsStringAsync();

        html.ShouldContain("Clusters (administration)");
        html.ShouldContain("data-slug=\"prod\"");
        html.ShouldContain("ganeti.example.org:5080");
        html.ShouldContain("CHANGED — waiting for an admin");
        html.ShouldContain("Read-write");
    }

    [Fact]
    public async Task Edit_Superuser_ShowsBothFingerprintsButNeverThePassword()
    {
        using var client = _portal.CreateClientWithoutRedirects();
        await client.PostLoginAsync(PortalFactory.SuperuserName, PortalFactory.SuperuserPassword);

        var html = await (await client.GetAsync("/admin/clusters/prod/edit")).Content.ReadAsStringAsync();

        html.ShouldContain("The cluster's certificate changed");
        html.ShouldContain(string.Join(':', Enumerable.Repeat("AA", 32)));
        html.ShouldContain(string.Join(':', Enumerable.Repeat("BB", 32)));
        html.ShouldContain("value=\"portal\"");
        html.ShouldNotContain(StoredPassword);
        await using var db = await _portal.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        html.ShouldNotContain((await db.Clusters.SingleAsync()).RapiPasswordProtected!); // nor its encrypted form
    }

    [Fact]
    public async Task Edit_UnknownSlug_SaysSo()
    {
        using var client = _portal.CreateClientWithoutRedirects();
        await client.PostLoginAsync(PortalFactory.SuperuserName, PortalFactory.SuperuserPassword);

        var html = await (await client.GetAsync("/admin/clusters/nope/edit")).Content.ReadAsStringAsync();

        html.ShouldContain("There is no cluster &quot;nope&quot;.");
    }
}
