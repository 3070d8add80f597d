using System.Net;
using System.Net.WebSockets;
using GanetiWebManager.Testing;
using GanetiWebManager.Testing.Inventory;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Access;
using GanetiWebManager.Web.Domain.Audit;
using GanetiWebManager.Web.Domain.Accounts;
using GanetiWebManager.Web.Domain.Clusters;
using GanetiWebManager.Web.Domain.VirtualMachines;
using GanetiWebManager.Web.Features.Console;
using GanetiWebManager.Web.Features.LiveUpdates;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GanetiWebManager.Web.Tests.Features.Console;

/// <summary>
/// The relay endpoint in the real portal on Kestrel, reached by a real WebSocket client with a real sign-in
/// cookie; a <see cref="FakeVncNode"/> stands in for the node and counts connections, so every refusal is
/// shown to reach no node. The portal's clock is manual: ticket expiry and the periodic re-check move only
/// when a test advances it.
/// </summary>
public sealed class ConsoleRelayEndpointTests : IAsyncLifetime
{
    private const string NodePassword = "s3cr3t!";
    private const string BobPassword = "bob's long password 1";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    private readonly ManualTimeProvider _clock = new(TimeProvider.System.GetUtcNow());
    private TestDatabase _database = null!;
    private ClockedPortal _portal = null!;
    private FakeVncNode _node = null!;
    private Cluster _cluster = null!;
    private VirtualMachine _vm = null!;
    private VirtualMachine _otherVm = null!;
    private CookieContainer _adminCookies = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync("console");
        _portal = new ClockedPortal(_database, _clock);
        _node = new FakeVncNode(NodePassword);
        var services = _portal.Services;
        var inventory = new InventoryBuilder(services.GetRequiredService<IDbContextFactory<AppDbContext>>(), _clock);
        var protector = services.GetRequiredService<VncPasswordProtector>();
        // An unresolvable RAPI host: the console endpoint fails at once and the mirror gives the target, as with
        // Ganeti 3.0.2's 500. The mapping sends every node's VNC to loopback, where the fake node listens.
        _cluster = await inventory.AddClusterAsync("c1", c =>
        {
            c.RapiUsername = null;
            c.ConsoleAddressMapping = "* = 127.0.0.1";
            c.VncPasswordProtected = protector.Protect(NodePassword);
        });
        await inventory.AddNodeAsync(_cluster, "node1.c1.invalid", n => n.PrimaryIp = "192.0.2.10");
        _vm = await inventory.AddVmAsync(_cluster, "vm1.example.org", v => Vnc(v, _node.Port));
        _otherVm = await inventory.AddVmAsync(_cluster, "vm2.example.org", v => Vnc(v, _node.Port));

        await using var scope = services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        (await users.CreateAsync(new AppUser { Id = Guid.NewGuid(), UserName = "bob", CreatedAt = _clock.GetUtcNow() }, BobPassword)).Succeeded.ShouldBeTrue();
        _adminCookies = await SignInAsync(PortalFactory.SuperuserName, PortalFactory.SuperuserPassword);
    }

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        await _portal.DisposeAsync();
        await _database.DisposeAsync();
    }

    private string Origin => _portal.BaseUrl;

    [Fact]
    public async Task Connect_ValidTicket_AuthenticatesToTheNodeAndRelaysBothWays()
    {
        var path = await IssueAsync(PortalFactory.SuperuserName, _vm.Id);

        var (socket, status) = await BrowserConsole.UpgradeAsync(_portal.BaseUrl, path, _adminCookies, Origin);
        using (socket)
        {
            status.ShouldBe(HttpStatusCode.SwitchingProtocols);
            socket.SubProtocol.ShouldBe("binary");
            using var timeout = new CancellationTokenSource(Patience);
            await BrowserConsole.HandshakeAsync(socket, timeout.Token);

            (await BrowserConsole.ReceiveAsync(socket, FakeVncNode.ServerInit.Length, timeout.Token)).ShouldBe(FakeVncNode.ServerInit);
            _node.Authenticated.ShouldBe(1, "the relay passed the node's VNC authentication with the cluster's password");
            var payload = Enumerable.Range(0, 200_000).Select(i => (byte)i).ToArray();
            var echo = BrowserConsole.ReceiveAsync(socket, payload.Length, timeout.Token);
            await BrowserConsole.SendAsync(socket, payload, timeout.Token);
            (await echo).ShouldBe(payload);

            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", timeout.Token);
            socket.State.ShouldBe(WebSocketState.Closed, "the relay answered the close handshake");
        }
    }

    [Fact]
    public async Task Connect_ReplayedTicket_RefusedWith403AndNoSecondNodeConnection()
    {
        var path = await IssueAsync(PortalFactory.SuperuserName, _vm.Id);
        var (first, firstStatus) = await BrowserConsole.UpgradeAsync(_portal.BaseUrl, path, _adminCookies, Origin);
        using (first)
        {
            firstStatus.ShouldBe(HttpStatusCode.SwitchingProtocols);
            using var timeout = new CancellationTokenSource(Patience);
            await BrowserConsole.HandshakeAsync(first, timeout.Token);

            var (replay, replayStatus) = await BrowserConsole.UpgradeAsync(_portal.BaseUrl, path, _adminCookies, Origin);
            replay.Dispose();

            replayStatus.ShouldBe(HttpStatusCode.Forbidden);
            _node.Accepted.ShouldBe(1);
        }
    }

    [Fact]
    public async Task Connect_ExpiredTicket_RefusedWith403AndReachesNoNode()
    {
        var path = await IssueAsync(PortalFactory.SuperuserName, _vm.Id);
        _clock.Advance(TimeSpan.FromSeconds(30));

        await ShouldBeRefusedAsync(path, _adminCookies, Origin);
    }

    [Fact]
    public async Task Connect_TicketOfAnotherVm_RefusedWith403AndSpent()
    {
        var path = await IssueAsync(PortalFactory.SuperuserName, _otherVm.Id);
        var crossVm = path.Replace(ConsoleRelayEndpoint.PathFor(_otherVm.Id), ConsoleRelayEndpoint.PathFor(_vm.Id), StringComparison.Ordinal);

        await ShouldBeRefusedAsync(crossVm, _adminCookies, Origin);
        // Presented once, even for the wrong VM: spent, so a leaked ticket cannot be probed around.
        await ShouldBeRefusedAsync(path, _adminCookies, Origin);
    }

    [Fact]
    public async Task Connect_ForgedTicket_RefusedWith403()
    {
        await IssueAsync(PortalFactory.SuperuserName, _vm.Id); // a real ticket exists, the forged one is not it
        var forged = ConsoleRelayEndpoint.PathFor(_vm.Id) + "?ticket=" + Convert.ToBase64String(new byte[32]).TrimEnd('=');

        await ShouldBeRefusedAsync(forged, _adminCookies, Origin);
        await ShouldBeRefusedAsync(ConsoleRelayEndpoint.PathFor(_vm.Id), _adminCookies, Origin);
    }

    [Theory]
    [InlineData("https://evil.example.org")]
    [InlineData("http://127.0.0.1:1")]
    [InlineData(null)]
    public async Task Connect_ForeignOrMissingOrigin_RefusedWith403(string? origin)
    {
        var path = await IssueAsync(PortalFactory.SuperuserName, _vm.Id);

        await ShouldBeRefusedAsync(path, _adminCookies, origin);
    }

    [Fact]
    public async Task Connect_WithoutSignIn_RefusedWith403NotARedirect()
    {
        var path = await IssueAsync(PortalFactory.SuperuserName, _vm.Id);

        await ShouldBeRefusedAsync(path, cookies: null, Origin);
    }

    [Fact]
    public async Task Connect_UserWithoutPowerHoldingATicket_RefusedWith403()
    {
        // Bob holds a ticket (as if his permission was revoked between issue and connect) but no power.
        var bob = await UserIdAsync("bob");
        var target = new ConsoleTarget(_cluster.Id, "127.0.0.1", _node.Port, "node1.c1.invalid", "mirror");
        var ticket = _portal.Services.GetRequiredService<ConsoleTicketStore>().Issue(bob, _vm.Id, target);
        var bobCookies = await SignInAsync("bob", BobPassword);

        await ShouldBeRefusedAsync($"{ConsoleRelayEndpoint.PathFor(_vm.Id)}?ticket={ticket}", bobCookies, Origin);
    }

    [Fact]
    public async Task Connect_TicketOfAnotherUser_RefusedWith403()
    {
        var path = await IssueAsync(PortalFactory.SuperuserName, _vm.Id);
        var bobCookies = await SignInAsync("bob", BobPassword);

        await ShouldBeRefusedAsync(path, bobCookies, Origin);
    }

    [Fact]
    public async Task Open_UserWithoutPower_GetsNoTicket()
    {
        await using var scope = _portal.Services.CreateAsyncScope();
        var bob = await TestPrincipals.OfAsync(_portal.Services, "bob");

        var grant = await scope.ServiceProvider.GetRequiredService<ConsoleService>().OpenAsync(bob, _vm.Id, CancellationToken.None);

        grant.Granted.ShouldBeFalse();
        grant.Problem.ShouldNotBeNullOrEmpty();
        _portal.Services.GetRequiredService<ConsoleTicketStore>().Count.ShouldBe(0);
    }

    [Fact]
    public async Task Connect_WrongVncPassword_ClosesWithAMessageNamingThePassword()
    {
        await ChangeAsync(async db =>
            (await db.Clusters.SingleAsync(c => c.Id == _cluster.Id)).VncPasswordProtected =
                _portal.Services.GetRequiredService<VncPasswordProtector>().Protect("wrong"));
        var path = await IssueAsync(PortalFactory.SuperuserName, _vm.Id);

        var (socket, status) = await BrowserConsole.UpgradeAsync(_portal.BaseUrl, path, _adminCookies, Origin);
        using (socket)
        {
            status.ShouldBe(HttpStatusCode.SwitchingProtocols);
            var (closeStatus, text) = await BrowserConsole.WaitForCloseAsync(socket, Patience);
            closeStatus.ShouldBe(WebSocketCloseStatus.InternalServerError);
            text.ShouldNotBeNull().ShouldContain("VNC password");
            _node.Authenticated.ShouldBe(0);
        }
    }

    [Fact]
    public async Task OpenSession_UserDisabled_ClosedAtTheNextRecheck()
    {
        using var socket = await OpenSessionAsync();
        await ChangeAsync(async db => (await db.Users.SingleAsync(u => u.UserName == PortalFactory.SuperuserName)).IsDisabled = true);

        var closing = BrowserConsole.WaitForCloseAsync(socket, Patience);
        _clock.Advance(TimeSpan.FromSeconds(2));
        var (status, text) = await closing;

        status.ShouldBe(WebSocketCloseStatus.PolicyViolation);
        text.ShouldNotBeNull().ShouldContain("disabled");
    }

    [Fact]
    public async Task OpenSession_PowerGrantRevoked_ClosedAtOnceWhenAccessChangeIsPublished()
    {
        await ChangeAsync(async db =>
        {
            var bob = await db.Users.SingleAsync(u => u.UserName == "bob");
            db.VmGrants.Add(new VmGrant { VirtualMachineId = _vm.Id, UserId = bob.Id, Permissions = VmPermissions.Power });
        });
        var bobCookies = await SignInAsync("bob", BobPassword);
        using var socket = await OpenSessionAsync("bob", bobCookies);
        _node.Authenticated.ShouldBe(1, "a plain power grant is enough for a console");

        await ChangeAsync(async db => db.VmGrants.RemoveRange(await db.VmGrants.Where(g => g.VirtualMachineId == _vm.Id).ToListAsync()));
        var closing = BrowserConsole.WaitForCloseAsync(socket, Patience);
        _portal.Services.GetRequiredService<LiveUpdateHub>().Publish(new AccessChanged());
        _clock.Advance(TimeSpan.FromMilliseconds(100));
        var (status, text) = await closing;

        status.ShouldBe(WebSocketCloseStatus.PolicyViolation);
        text.ShouldBe(ConsoleAccessCheck.NoPower);
    }

    [Fact]
    public async Task OpenAndClose_AreAudited()
    {
        using (var socket = await OpenSessionAsync())
        {
            using var timeout = new CancellationTokenSource(Patience);
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", timeout.Token);
        }

        await ShouldBeRefusedAsync(ConsoleRelayEndpoint.PathFor(_vm.Id) + "?ticket=forged", _adminCookies, Origin);

        var entries = await WaitForAuditAsync(3);
        entries.ShouldContain(e => e.Action == ConsoleAudit.OpenAction && e.Outcome == AuditOutcome.Allowed && e.VmName == _vm.Name && e.ActorName == PortalFactory.SuperuserName);
        entries.ShouldContain(e => e.Action == ConsoleAudit.CloseAction && e.Outcome == AuditOutcome.Allowed && e.Reason!.StartsWith("closed by the user", StringComparison.Ordinal));
        entries.ShouldContain(e => e.Action == ConsoleAudit.OpenAction && e.Outcome == AuditOutcome.Refused && e.Reason == "unknown or already used ticket");
    }

    [Fact]
    public async Task OpenSession_VmStopsAndTheSyncSaysSo_ClosedWithoutWaitingForTheTimer()
    {
        using var socket = await OpenSessionAsync();
        var inventory = new InventoryBuilder(_portal.Services.GetRequiredService<IDbContextFactory<AppDbContext>>(), _clock);
        await inventory.UpdateVmAsync(_vm.Id, v => v.Status = VmStates.AdminDown);

        var closing = BrowserConsole.WaitForCloseAsync(socket, Patience);
        _portal.Services.GetRequiredService<LiveUpdateHub>().Publish(new VirtualMachinesChanged(_cluster.Id, [_vm.Id]));
        _clock.Advance(TimeSpan.FromMilliseconds(100)); // the hub's coalescing delay, well short of the 2 s timer
        var (status, text) = await closing;

        status.ShouldBe(WebSocketCloseStatus.PolicyViolation);
        text.ShouldNotBeNull().ShouldContain("stopped");
    }

    [Fact]
    public async Task OpenSession_NodeClosesItsPort_BrowserGetsANormalClose()
    {
        using var socket = await OpenSessionAsync();

        var closing = BrowserConsole.WaitForCloseAsync(socket, Patience);
        _node.DropAll();
        var (status, _) = await closing;

        status.ShouldBe(WebSocketCloseStatus.NormalClosure);
    }

    private async Task<List<AuditEntry>> WaitForAuditAsync(int count)
    {
        // The close entry is written after the relay answered the close: give it a moment.
        for (var i = 0; ; i++)
        {
            await using var db = await _portal.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
            var entries = await db.AuditLog.AsNoTracking().Where(e => e.Action.StartsWith("console.")).ToListAsync();
            if (entries.Count >= count || i == 100)
            {
                return entries;
            }

            await Task.Delay(100, CancellationToken.None);
        }
    }

    private async Task<ClientWebSocket> OpenSessionAsync(string userName = PortalFactory.SuperuserName, CookieContainer? cookies = null)
    {
        var path = await IssueAsync(userName, _vm.Id);
        var (socket, status) = await BrowserConsole.UpgradeAsync(_portal.BaseUrl, path, cookies ?? _adminCookies, Origin);
        status.ShouldBe(HttpStatusCode.SwitchingProtocols);
        using var timeout = new CancellationTokenSource(Patience);
        await BrowserConsole.HandshakeAsync(socket, timeout.Token);
        await BrowserConsole.ReceiveAsync(socket, FakeVncNode.ServerInit.Length, timeout.Token);
        return socket;
    }

    private async Task ShouldBeRefusedAsync(string path, CookieContainer? cookies, string? origin)
    {
        var before = _node.Accepted;
        var (socket, status) = await BrowserConsole.UpgradeAsync(_portal.BaseUrl, path, cookies, origin);
        socket.Dispose();

        status.ShouldBe(HttpStatusCode.Forbidden);
        _node.Accepted.ShouldBe(before, "a refused upgrade must not reach the node");
    }

    private async Task<string> IssueAsync(string userName, long vmId)
    {
        await using var scope = _portal.Services.CreateAsyncScope();
        var user = await TestPrincipals.OfAsync(_portal.Services, userName);
        var grant = await scope.ServiceProvider.GetRequiredService<ConsoleService>().OpenAsync(user, vmId, CancellationToken.None);
        grant.Problem.ShouldBeNull();
        return grant.RelayPath!;
    }

    private async Task<Guid> UserIdAsync(string userName)
    {
        await using var db = await _portal.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        return await db.Users.Where(u => u.UserName == userName).Select(u => u.Id).SingleAsync();
    }

    private async Task<CookieContainer> SignInAsync(string userName, string password)
    {
        var cookies = new CookieContainer();
        using var handler = new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false };
        using var client = new HttpClient(handler) { BaseAddress = new Uri(_portal.BaseUrl) };
        var response = await client.PostLoginAsync(userName, password);
        response.StatusCode.ShouldBe(HttpStatusCode.Redirect, $"{userName} signs in");
        return cookies;
    }

    private static void Vnc(VirtualMachine vm, int port)
    {
        vm.NetworkPort = port;
        vm.HvParams = """{"vnc_bind_address": "0.0.0.0"}""";
        vm.PrimaryNode = "node1.c1.invalid";
    }

    private async Task ChangeAsync(Func<AppDbContext, Task> change)
    {
        await using var db = await _portal.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        await change(db);
        await db.SaveChangesAsync();
    }

    /// <summary>The portal on Kestrel (real WebSockets, real cookies) with a manual clock.</summary>
    private sealed class ClockedPortal(TestDatabase database, TimeProvider clock) : PortalFactory(database, kestrel: true)
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureServices(services => services.AddSingleton(clock));
        }
    }
}
