using System.Text.RegularExpressions;
using GanetiWebManager.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace GanetiWebManager.E2E.Clusters;

/// <summary>
/// The cluster registry pages (/admin/clusters) as a superuser uses them, for browser tests. Other tests reuse
/// <see cref="AddSandboxClusterAsync"/> to register the real sandbox through the UI before watching its nodes and
/// instances appear.
/// </summary>
public sealed partial class ClusterRegistryUi(IPage page)
{
    public IPage Page { get; } = page;

    public ILocator Editor => Page.GetByTestId("cluster-editor");

    public ILocator FormError => Page.GetByTestId("form-error");

    public ILocator TestError => Page.GetByTestId("test-error");

    public ILocator ConnectionReport => Page.GetByTestId("connection-report");

    public ILocator Fingerprint => Editor.GetByTestId("certificate-sha256");

    /// <summary>The row of a cluster in the registry list.</summary>
    public ILocator Row(string slug) => Page.Locator($"[data-testid=cluster-row][data-slug=\"{slug}\"]");

    /// <summary>Signs in as the portal's superuser (PortalFactory's) if the page is not signed in yet.</summary>
    public async Task SignInAsSuperuserAsync()
    {
        await Page.GotoAsync("/account/login");
        await Page.GetByLabel("User name").FillAsync(PortalFactory.SuperuserName);
        await Page.GetByLabel("Password", new() { Exact = true }).FillAsync(PortalFactory.SuperuserPassword);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(Page.GetByTestId("current-user")).ToHaveTextAsync(PortalFactory.SuperuserName);
    }

    public async Task OpenListAsync()
    {
        await Page.GotoAsync("/admin/clusters");
        await Expect(Page.GetByTestId("registry-actions")).ToHaveAttributeAsync("data-interactive", "true");
    }

    public async Task OpenAddFormAsync()
    {
        await Page.GotoAsync("/admin/clusters/new");
        await WaitForEditorAsync();
    }

    public async Task OpenEditFormAsync(string slug)
    {
        await Page.GotoAsync($"/admin/clusters/{slug}/edit");
        await WaitForEditorAsync();
    }

    public async Task WaitForEditorAsync() => await Expect(Editor).ToHaveAttributeAsync("data-interactive", "true");

    /// <summary>Types into a field and leaves it, so that its change reaches the server (as a user tabbing on).</summary>
    public async Task FillAsync(string label, string value)
    {
        var field = Page.GetByLabel(label, new() { Exact = false }).First;
        await field.FillAsync(value);
        await field.PressAsync("Tab");
    }

    public async Task FillEndpointAsync(string host, int port)
    {
        await FillAsync("Host name or address", host);
        await FillAsync("Port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Clicks "Fetch certificate" and returns the fingerprint shown (colon-separated hex pairs).</summary>
    public async Task<string> FetchCertificateAsync()
    {
        await Page.GetByTestId("fetch-certificate").ClickAsync();
        await Expect(Fingerprint).ToHaveTextAsync(FingerprintPattern());
        return (await Fingerprint.TextContentAsync())!.Trim();
    }

    public Task ConfirmCertificateAsync() => Page.GetByLabel("I have compared this fingerprint with the cluster's").CheckAsync();

    public async Task FillCredentialsAsync(string user, string password)
    {
        await FillAsync("RAPI user", user);
        await FillAsync("RAPI password", password);
    }

    public Task TestConnectionAsync() => Page.GetByTestId("test-connection").ClickAsync();

    public Task SaveAsync() => Page.GetByTestId("save").ClickAsync();

    /// <summary>
    /// The whole "add a cluster" path for the real sandbox: endpoint, certificate (checked against
    /// GANETI_RAPI_CERT_SHA256 and accepted), slug, write user, save; ends on the list showing it.
    /// </summary>
    public async Task AddSandboxClusterAsync(string slug = "sandbox", string? host = null)
    {
        var url = new Uri(Env("GANETI_RAPI_URL"));
        await OpenAddFormAsync();
        await FillEndpointAsync(host ?? url.Host, url.Port);
        var fingerprint = await FetchCertificateAsync();
        if (!Rapi.Security.CertificateFingerprint.Matches(fingerprint, Env("GANETI_RAPI_CERT_SHA256")))
        {
            throw new InvalidOperationException($"The portal shows fingerprint {fingerprint}, not the sandbox's: refusing to accept it.");
        }

        await ConfirmCertificateAsync();
        await FillAsync("Slug", slug);
        await FillCredentialsAsync(Env("GANETI_RAPI_USER"), Env("GANETI_RAPI_PASSWORD"));
        await SaveAsync();
        await Expect(Page).ToHaveURLAsync(new Regex("/admin/clusters\\?saved="), new() { Timeout = 20_000 });
        await Expect(Row(slug)).ToBeVisibleAsync();
    }

    /// <summary>
    /// Waits until the list shows a good sync of the cluster (the list updates live). Needs a portal whose sync
    /// runs (<c>Sync:Enabled = true</c> in its settings). For tests that go on to watch its nodes and instances.
    /// </summary>
    public async Task WaitForFirstSyncAsync(string slug, float timeoutMs = 60_000)
    {
        await OpenListAsync();
        await Expect(Row(slug).GetByTestId("cluster-sync")).ToHaveTextAsync(new Regex("^Synced "), new() { Timeout = timeoutMs });
    }

    public static string Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
        ? value
        : throw new InvalidOperationException(
            $"{name} is not set. The registry's browser tests need the real Ganeti sandbox: `eval \"$(bash vagrant/ganeti-sandbox.sh env)\"`, or `sudo ./build.sh test`.");

    [GeneratedRegex("^([0-9A-F]{2}:){31}[0-9A-F]{2}$")]
    private static partial Regex FingerprintPattern();
}
