using System.Net;
using GanetiWebManager.Testing;
using GanetiWebManager.Testing.Inventory;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Accounts;
using GanetiWebManager.Web.Domain.Audit;
using GanetiWebManager.Web.Features.Audit;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GanetiWebManager.Web.Tests.Features.Audit;

/// <summary>The CSV export over HTTP: signed-in only, the same filters and visibility as the page.</summary>
public sealed class AuditExportEndpointTests : IAsyncLifetime
{
    private const string PlainPassword = "plain user's passphrase";
    private TestDatabase _database = null!;
    private PortalFactory _portal = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync("auditcsv");
        _portal = new PortalFactory(_database);
        using (_portal.CreateClient())
        {
            // Starting the host migrates the database and creates the superuser.
        }

        await using var scope = _portal.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var plain = new AppUser { UserName = "plain" };
        (await users.CreateAsync(plain, PlainPassword)).Succeeded.ShouldBeTrue();
        var contexts = _portal.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        var cluster = await new InventoryBuilder(contexts).AddClusterAsync("csv");
        await using var db = await contexts.CreateDbContextAsync();
        var now = TimeProvider.System.GetUtcNow();
        db.AuditLog.AddRange(
            new AuditEntry { At = now, ActorUserId = plain.Id, ActorName = "plain", Action = "vm.start", Outcome = AuditOutcome.Refused, Reason = "needs power", VmName = "mine.csv.invalid" },
            new AuditEntry { At = now, ActorName = "someone", Action = "vm.reboot", ClusterId = cluster.Id, ClusterSlug = "csv", VmName = "+other.csv.invalid" });
        await db.SaveChangesAsync();
    }

    public async Task DisposeAsync()
    {
        await _portal.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task Export_SignedOut_SentToLogin_NoData()
    {
        using var client = _portal.CreateClientWithoutRedirects();
        var response = await client.GetAsync(AuditEndpoints.ExportPath);
        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        response.Headers.Location!.AbsolutePath.ShouldBe("/account/login");
    }

    [Fact]
    public async Task Export_PlainUser_OwnActionsOnly_SuperuserAllAndFiltered()
    {
        using var plain = _portal.CreateClientWithoutRedirects();
        (await plain.PostLoginAsync("plain", PlainPassword)).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var response = await plain.GetAsync(AuditEndpoints.ExportPath);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/csv");
        response.Content.Headers.ContentDisposition!.DispositionType.ShouldBe("attachment");
        var text = await response.Content.ReadAsStringAsync();
        text.ShouldStartWith(AuditCsv.Header);
        text.ShouldContain("mine.csv.invalid");
        text.ShouldNotContain("other.csv.invalid");

        using var admin = _portal.CreateClientWithoutRedirects();
        (await admin.PostLoginAsync(PortalFactory.SuperuserName, PortalFactory.SuperuserPassword)).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var all = await (await admin.GetAsync(AuditEndpoints.ExportPath)).Content.ReadAsStringAsync();
        all.ShouldContain("mine.csv.invalid");
        all.ShouldContain(",'+other.csv.invalid,");
        var refused = await (await admin.GetAsync(AuditEndpoints.ExportPath + "?outcome=refused")).Content.ReadAsStringAsync();
        refused.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length.ShouldBe(2);
        refused.ShouldContain("mine.csv.invalid");
    }
}
