using GanetiWebManager.Testing;
using GanetiWebManager.Web.Domain.Clusters;
using GanetiWebManager.Web.Features.Clusters;
using Microsoft.Extensions.DependencyInjection;

namespace GanetiWebManager.Web.Tests.Features.Clusters;

public sealed class ClusterConnectorTests : IAsyncLifetime
{
    private TestDatabase _database = null!;
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync("connector");
        _services = await PortalServices.CreateAsync(_database);
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public void OptionsFor_StoredPassword_IsDecryptedAndTheCertificatePinned()
    {
        var connector = _services.GetRequiredService<ClusterConnector>();
        var cluster = new Cluster
        {
            Id = 7,
            Slug = "c",
            Hostname = "cluster.example.org",
            Port = 5081,
            RapiUsername = "portal",
            RapiPasswordProtected = connector.ProtectPassword("s3cret-pass"),
            CertificateSha256 = new string('a', 64),
        };

        var options = connector.OptionsFor(cluster);

        cluster.RapiPasswordProtected.ShouldNotContain("s3cret-pass");
        options.BaseUrl.ShouldBe(new Uri("https://cluster.example.org:5081/"));
        options.User.ShouldBe("portal");
        options.Password.ShouldBe("s3cret-pass");
        options.CertificateSha256.ShouldBe(new string('a', 64));
        options.ToString().ShouldNotContain("s3cret-pass");
    }

    [Fact]
    public void OptionsFor_ReadOnlyCluster_SendsNoCredentials()
    {
        var connector = _services.GetRequiredService<ClusterConnector>();

        var options = connector.OptionsFor(new Cluster { Slug = "ro", Hostname = "ro.example.org" });

        options.User.ShouldBeNull();
        options.Password.ShouldBeNull();
    }

    [Fact]
    public void GetClient_SameDetails_ReusesTheClient_ChangedDetails_MakesANewOne()
    {
        var connector = _services.GetRequiredService<ClusterConnector>();
        var cluster = new Cluster { Id = 1, Slug = "c", Hostname = "a.example.org", CertificateSha256 = new string('b', 64) };

        var first = connector.GetClient(cluster);
        connector.GetClient(cluster).ShouldBeSameAs(first);
        cluster.CertificateSha256 = new string('c', 64);

        connector.GetClient(cluster).ShouldNotBeSameAs(first);
    }
}
