using System.Text.RegularExpressions;
using GanetiWebManager.Rapi.Security;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Features.LiveUpdates;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace GanetiWebManager.E2E.Clusters;

/// <summary>The registry in Chromium against the real Ganeti sandbox.</summary>
[Collection(PortalInBrowserGroup.Name)]
public sealed class ClusterRegistryTests(PortalInBrowserFixture fixture)
{
    [Fact]
    public async Task Superuser_AddsTheSandbox_ComparesTheFingerprint_TestsTheConnection_SavesAndSeesItListed()
    {
        var (context, page, consoleErrors) = await fixture.NewPageAsync();
        await using var _ = context;
        var ui = new ClusterRegistryUi(page);
        var url = new Uri(ClusterRegistryUi.Env("GANETI_RAPI_URL"));
        await ui.SignInAsSuperuserAsync();

        await ui.OpenListAsync();
        await page.GetByTestId("add-cluster").ClickAsync();
        await ui.WaitForEditorAsync();
        await ui.FillEndpointAsync(url.Host, url.Port);
        // The slug is suggested from the host name (an address here) as soon as the host is typed.
        await Expect(page.GetByLabel("Slug", new() { Exact = false })).ToHaveValueAsync("cluster-127-0-0-1");

        var fingerprint = await ui.FetchCertificateAsync();
        fingerprint.ShouldBe(CertificateFingerprint.Format(ClusterRegistryUi.Env("GANETI_RAPI_CERT_SHA256")));
        await Expect(ui.Editor.GetByTestId("certificate-validity")).ToContainTextAsync("UTC");
        // Saving before ticking the box is refused on the field.
        await ui.SaveAsync();
        await Expect(ui.FormError).ToContainTextAsync("Some fields need attention");
        await Expect(ui.Editor).ToContainTextAsync("Tick the box once you have compared the fingerprint");
        await ui.ConfirmCertificateAsync();

        await ui.FillAsync("Slug", "sandbox");
        await ui.FillAsync("Description", "The real two-node sandbox");
        await ui.FillCredentialsAsync(ClusterRegistryUi.Env("GANETI_RAPI_USER"), ClusterRegistryUi.Env("GANETI_RAPI_PASSWORD"));
        await ui.FillAsync("RAM (MiB)", "2048");
        await ui.FillAsync("vCPUs", "0");
        await ui.FillAsync("How the portal reaches each node", "* = 127.0.0.1");

        await ui.TestConnectionAsync();
        await Expect(ui.ConnectionReport).ToBeVisibleAsync(new() { Timeout = 20_000 });
        await Expect(ui.ConnectionReport.GetByTestId("report-version")).ToHaveTextAsync("3.0.2");
        await Expect(ui.ConnectionReport.GetByTestId("report-nodes")).ToHaveTextAsync("2");
        await Expect(ui.ConnectionReport.GetByTestId("report-master")).ToHaveTextAsync(ClusterRegistryUi.Env("GANETI_MASTER"));
        await Expect(ui.ConnectionReport.GetByTestId("report-write")).ToHaveTextAsync("The user may make changes.");
        await page.ScreenshotAsync(new() { Path = Path.Combine(PortalInBrowserFixture.ArtifactsDirectory, "cluster-add.png"), FullPage = true });

        await ui.SaveAsync();

        await Expect(page).ToHaveURLAsync(new Regex("/admin/clusters\\?saved=sandbox"), new() { Timeout = 20_000 });
        await Expect(page.GetByTestId("saved-notice")).ToContainTextAsync("Cluster sandbox saved");
        var row = ui.Row("sandbox");
        await Expect(row).ToContainTextAsync($"{url.Host}:{url.Port}");
        await Expect(row).ToContainTextAsync("The real two-node sandbox");
        await Expect(row.GetByTestId("cluster-access")).ToHaveTextAsync("Read-write");
        await Expect(row.GetByTestId("cluster-certificate")).ToHaveTextAsync("Pinned");
        await page.ScreenshotAsync(new() { Path = Path.Combine(PortalInBrowserFixture.ArtifactsDirectory, "cluster-list.png"), FullPage = true });

        // Editing shows the stored values but never the password, not even masked.
        await row.GetByRole(AriaRole.Button, new() { Name = "Edit sandbox" }).ClickAsync();
        await ui.WaitForEditorAsync();
        await Expect(page.GetByLabel("RAPI user", new() { Exact = true })).ToHaveValueAsync(ClusterRegistryUi.Env("GANETI_RAPI_USER"));
        await Expect(page.GetByLabel("RAPI password", new() { Exact = true })).ToHaveValueAsync("");
        (await page.ContentAsync()).ShouldNotContain(ClusterRegistryUi.Env("GANETI_RAPI_PASSWORD"));
        await Expect(page.GetByTestId("certificate-pinned")).ToContainTextAsync(fingerprint);
        await Expect(page.GetByLabel("RAM (MiB)")).ToHaveValueAsync("2048");
        consoleErrors.ShouldBeEmpty();
    }

    [Fact]
    public async Task Superuser_GivesAWrongPassword_SeesTheErrorAndNothingIsSaved()
    {
        var (context, page, consoleErrors) = await fixture.NewPageAsync();
        await using var _ = context;
        var ui = new ClusterRegistryUi(page);
        var url = new Uri(ClusterRegistryUi.Env("GANETI_RAPI_URL"));
        await ui.SignInAsSuperuserAsync();

        await ui.OpenAddFormAsync();
        // "localhost" reaches the same sandbox under another name, so this test does not collide with the one above.
        await ui.FillEndpointAsync("localhost", url.Port);
        await ui.FetchCertificateAsync();
        await page.ScreenshotAsync(new() { Path = Path.Combine(PortalInBrowserFixture.ArtifactsDirectory, "cluster-certificate.png") });
        await ui.ConfirmCertificateAsync();
        await ui.FillAsync("Slug", "wrong-password");
        await ui.FillCredentialsAsync(ClusterRegistryUi.Env("GANETI_RAPI_USER"), "not-the-password");

        await ui.TestConnectionAsync();
        await Expect(ui.TestError).ToContainTextAsync("refused the RAPI user name or password (HTTP 401)", new() { Timeout = 20_000 });
        await ui.SaveAsync();
        await Expect(ui.FormError).ToContainTextAsync("refused the RAPI user name or password (HTTP 401)", new() { Timeout = 20_000 });
        await Expect(ui.FormError).ToContainTextAsync("Nothing was saved.");
        await Expect(page).ToHaveURLAsync(new Regex("/admin/clusters/new$"));

        await ui.OpenListAsync();
        await Expect(ui.Row("wrong-password")).ToHaveCountAsync(0);
        consoleErrors.ShouldBeEmpty();
    }

    [Fact]
    public async Task Superuser_TypesAnUnknownHost_SeesWhyTheCertificateCannotBeFetched()
    {
        var (context, page, _) = await fixture.NewPageAsync();
        await using var __ = context;
        var ui = new ClusterRegistryUi(page);
        await ui.SignInAsSuperuserAsync();
        await ui.OpenAddFormAsync();

        await ui.FillEndpointAsync("no-such-host.invalid", 5080);
        await page.GetByTestId("fetch-certificate").ClickAsync();

        await Expect(page.GetByTestId("fetch-error")).ToHaveTextAsync(
            "The host name no-such-host.invalid cannot be resolved (DNS). Check its spelling, or give the cluster's IP address.", new() { Timeout = 20_000 });
        // Field rules show as the admin leaves a field.
        await ui.FillAsync("Port", "70000");
        await Expect(ui.Editor).ToContainTextAsync("A port is a number from 1 to 65535.");
        await ui.FillAsync("Slug", "Not A Slug");
        await Expect(ui.Editor).ToContainTextAsync("Use lower-case letters, digits and '-'");
    }

    [Fact]
    public async Task CertificateChangeRecordedBySync_ShowsOldAndNew_AdminAcceptsIt_ThenDeletesTheCluster()
    {
        var (context, page, consoleErrors) = await fixture.NewPageAsync();
        await using var _ = context;
        var ui = new ClusterRegistryUi(page);
        var sandboxPin = ClusterRegistryUi.Env("GANETI_RAPI_CERT_SHA256");
        await ui.SignInAsSuperuserAsync();
        // "localhost": another name for the sandbox, so that it does not collide with the other tests' registrations.
        await ui.AddSandboxClusterAsync("renewed", host: "localhost");

        // What the sync records when the cluster presents another certificate than the pinned one (here: the
        // pinned one is made up, the presented one is the sandbox's real certificate). The open list updates live.
        var oldPin = new string('b', 64);
        int clusterId;
        await using (var db = await fixture.Portal.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            clusterId = await db.Clusters.Where(c => c.Slug == "renewed").Select(c => c.Id).SingleAsync();
            await db.Clusters.Where(c => c.Id == clusterId).ExecuteUpdateAsync(u => u
                .SetProperty(c => c.CertificateSha256, oldPin)
                .SetProperty(c => c.PresentedCertificateSha256, sandboxPin.ToLowerInvariant()));
        }

        fixture.Portal.Services.GetRequiredService<LiveUpdateHub>().Publish(new ClusterChanged(clusterId));
        await Expect(ui.Row("renewed").GetByTestId("cluster-certificate")).ToHaveTextAsync("CHANGED — waiting for an admin");

        await ui.Row("renewed").GetByRole(AriaRole.Button, new() { Name = "Edit renewed" }).ClickAsync();
        await ui.WaitForEditorAsync();
        var warning = page.GetByTestId("certificate-changed");
        await Expect(warning).ToContainTextAsync("The cluster's certificate changed");
        await Expect(warning.GetByTestId("certificate-old")).ToHaveTextAsync(CertificateFingerprint.Format(oldPin));
        await Expect(warning.GetByTestId("certificate-new")).ToHaveTextAsync(CertificateFingerprint.Format(sandboxPin));
        await page.GetByTestId("fetch-presented").ClickAsync();
        await Expect(warning.GetByTestId("certificate-sha256")).ToHaveTextAsync(CertificateFingerprint.Format(sandboxPin));
        await Expect(page.GetByTestId("accept-certificate")).ToBeDisabledAsync();
        await page.ScreenshotAsync(new() { Path = Path.Combine(PortalInBrowserFixture.ArtifactsDirectory, "cluster-certificate-changed.png") });
        await warning.GetByLabel("I have compared this fingerprint with the cluster's").CheckAsync();
        await page.GetByTestId("accept-certificate").ClickAsync();

        await Expect(page.GetByTestId("form-notice")).ToHaveTextAsync("The new certificate is pinned; the sync resumes now.");
        await Expect(warning).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("certificate-pinned")).ToContainTextAsync(CertificateFingerprint.Format(sandboxPin));

        await ui.OpenListAsync();
        await Expect(ui.Row("renewed").GetByTestId("cluster-certificate")).ToHaveTextAsync("Pinned");
        await ui.Row("renewed").GetByRole(AriaRole.Button, new() { Name = "Delete renewed" }).ClickAsync();
        var dialog = page.GetByTestId("delete-dialog");
        await Expect(dialog).ToContainTextAsync("Nothing changes on the Ganeti cluster itself");
        await Expect(dialog.GetByTestId("delete-impact")).ToContainTextAsync("virtual");
        await dialog.GetByLabel("Type renewed to confirm").FillAsync("renewe");
        await Expect(dialog.GetByTestId("confirm-delete")).ToBeDisabledAsync();
        await dialog.GetByLabel("Type renewed to confirm").FillAsync("renewed");
        await dialog.GetByTestId("confirm-delete").ClickAsync();

        await Expect(page.GetByTestId("deleted-notice")).ToContainTextAsync("Cluster renewed deleted");
        await Expect(ui.Row("renewed")).ToHaveCountAsync(0);
        await using (var db = await fixture.Portal.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            (await db.Clusters.AnyAsync(c => c.Id == clusterId)).ShouldBeFalse();
        }

        consoleErrors.ShouldBeEmpty();
    }
}
