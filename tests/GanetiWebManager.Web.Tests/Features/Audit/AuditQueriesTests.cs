using System.Security.Claims;
using GanetiWebManager.Testing;
using GanetiWebManager.Testing.Inventory;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Access;
using GanetiWebManager.Web.Domain.Accounts;
using GanetiWebManager.Web.Domain.Audit;
using GanetiWebManager.Web.Domain.Clusters;
using GanetiWebManager.Web.Features.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GanetiWebManager.Web.Tests.Features.Audit;

/// <summary>Who sees which audit entries (product-spec §11), the filters, the per-object views and the CSV export.</summary>
public sealed class AuditQueriesTests : IAsyncLifetime
{
    private TestDatabase _database = null!;
    private ServiceProvider _services = null!;
    private IServiceScope? _scope;
    private IDbContextFactory<AppDbContext> _contexts = null!;
    private Cluster _a = null!;
    private Cluster _b = null!;
    private AppUser _adminOfA = null!;
    private AppUser _alice = null!;
    private AppUser _bob = null!;
    private Group _team = null!;
    private long _vmId;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync("auditq");
        _services = await PortalServices.CreateAsync(_database);
        _contexts = _services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        var build = new InventoryBuilder(_contexts);
        _a = await build.AddClusterAsync("alpha");
        _b = await build.AddClusterAsync("beta");
        _adminOfA = await build.AddUserAsync("carla");
        _alice = await build.AddUserAsync("alice");
        _bob = await build.AddUserAsync("bob");
        _team = await build.AddGroupAsync("team", "Team");
        var vm = await build.AddVmAsync(_b, "owned.beta.invalid", v => v.OwnerUserId = _bob.Id);
        _vmId = vm.Id;
        await using var db = await _contexts.CreateDbContextAsync();
        db.ClusterGrants.Add(new ClusterGrant { ClusterId = _a.Id, UserId = _adminOfA.Id, Permissions = ClusterPermissions.Admin });
        db.GroupGrants.Add(new GroupGrant { TargetGroupId = _team.Id, UserId = _alice.Id, Permissions = GroupPermissions.Admin });
        var at = build.Now.AddDays(-3);
        db.AuditLog.AddRange(
            Entry("vm.start", _bob, at, e => { e.ClusterId = _a.Id; e.ClusterSlug = "alpha"; e.VmName = "web.alpha.invalid"; }),
            Entry("vm.start", _bob, at.AddDays(1), e => { e.ClusterId = _b.Id; e.ClusterSlug = "beta"; e.VirtualMachineId = _vmId; e.VmName = "owned.beta.invalid"; }),
            Entry("vm.reboot", _alice, at.AddDays(2), e =>
            {
                e.ClusterId = _b.Id;
                e.ClusterSlug = "beta";
                e.Outcome = AuditOutcome.Refused;
                e.Reason = "needs power";
                e.VmName = "=HYPERLINK(\"http://evil\")";
            }),
            Entry("group.members.set", _bob, at.AddDays(2), e => { e.GroupId = _team.Id; e.GroupSlug = "team"; e.SubjectUserId = _alice.Id; e.SubjectUserName = "alice"; }),
            Entry("vm.owner.set", _bob, at.AddDays(2), e => { e.ClusterId = _b.Id; e.GroupId = _team.Id; e.VmName = "secret.beta.invalid"; }));
        await db.SaveChangesAsync();
    }

    public async Task DisposeAsync()
    {
        _scope?.Dispose();
        await _services.DisposeAsync();
        await _database.DisposeAsync();
    }

    private static AuditEntry Entry(string action, AppUser actor, DateTimeOffset at, Action<AuditEntry> configure)
    {
        var entry = new AuditEntry { Action = action, ActorUserId = actor.Id, ActorName = actor.UserName!, At = at };
        configure(entry);
        return entry;
    }

    // One scope, like one circuit: the query services are scoped.
    private IServiceProvider Scoped => (_scope ??= _services.CreateScope()).ServiceProvider;

    private static ClaimsPrincipal Principal(AppUser user) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, user.Id.ToString()), new Claim(ClaimTypes.Name, user.UserName!)], "test"));

    private AuditQueries Audit => Scoped.GetRequiredService<AuditQueries>();

    private async Task<List<string>> SeenAsync(ClaimsPrincipal user, AuditQuery? query = null) =>
        [.. (await Audit.ListAsync(user, query ?? new AuditQuery(), default)).Rows.Select(r => $"{r.Action}@{r.VmName ?? r.GroupSlug}")];

    [Fact]
    public async Task ListAsync_EachRole_SeesExactlyWhatTheSpecAllows()
    {
        var superuser = await TestPrincipals.AddSuperuserAsync(_database.ConnectionString);
        (await SeenAsync(superuser)).Count.ShouldBe(5);
        // Admin of alpha: alpha's entries only (bob's beta actions and the group's are not theirs).
        (await SeenAsync(Principal(_adminOfA))).ShouldBe(["vm.start@web.alpha.invalid"]);
        // Alice: her own refusal, and the group she administers (not the owner change on a cluster she does not administer).
        (await SeenAsync(Principal(_alice))).ShouldBe(["group.members.set@team", "vm.reboot@=HYPERLINK(\"http://evil\")"], ignoreOrder: true);
        // Bob: his own actions, wherever they were.
        (await SeenAsync(Principal(_bob))).Count.ShouldBe(4);
        (await SeenAsync(TestPrincipals.Anonymous())).ShouldBeEmpty();
    }

    [Fact]
    public async Task ListAsync_VmLog_ItsOwnerSeesOthersEntries_OthersDoNot()
    {
        var carla = Principal(_adminOfA);
        // Bob owns the VM (owner ⇒ VM admin): its log is his to read; alice's refusal on beta is not on this VM.
        (await SeenAsync(Principal(_bob), new AuditQuery { VirtualMachineId = _vmId })).ShouldBe(["vm.start@owned.beta.invalid"]);
        (await SeenAsync(carla, new AuditQuery { VirtualMachineId = _vmId })).ShouldBeEmpty();
    }

    [Fact]
    public async Task ListAsync_Filters_NarrowByUserActionOutcomeObjectAndTime()
    {
        var superuser = await TestPrincipals.AddSuperuserAsync(_database.ConnectionString);
        (await SeenAsync(superuser, new AuditQuery { UserId = _alice.Id })).Count.ShouldBe(2);   // by her, and on her
        (await SeenAsync(superuser, new AuditQuery { Action = "vm" })).Count.ShouldBe(4);
        (await SeenAsync(superuser, new AuditQuery { Action = "vm.start" })).Count.ShouldBe(2);
        (await SeenAsync(superuser, new AuditQuery { Outcome = AuditOutcome.Refused })).Count.ShouldBe(1);
        (await SeenAsync(superuser, new AuditQuery { ObjectName = "alpha" })).ShouldBe(["vm.start@web.alpha.invalid"]);
        (await SeenAsync(superuser, new AuditQuery { GroupId = _team.Id })).Count.ShouldBe(2);
        (await SeenAsync(superuser, new AuditQuery { ClusterId = _b.Id, Actor = "ali" })).Count.ShouldBe(1);
        var first = (await Audit.ListAsync(superuser, new AuditQuery(), default)).Rows.Min(r => r.At);
        (await SeenAsync(superuser, new AuditQuery { From = first.AddHours(1) })).Count.ShouldBe(4);
        (await SeenAsync(superuser, new AuditQuery { To = first.AddHours(1) })).Count.ShouldBe(1);
        // A wildcard typed by the user is taken literally.
        (await SeenAsync(superuser, new AuditQuery { ObjectName = "%" })).ShouldBeEmpty();
    }

    [Fact]
    public async Task ListAsync_ObjectDeleted_EntriesStillNamedAndListed()
    {
        await using (var db = await _contexts.CreateDbContextAsync())
        {
            await db.VirtualMachines.Where(v => v.Id == _vmId).ExecuteDeleteAsync();
        }

        var superuser = await TestPrincipals.AddSuperuserAsync(_database.ConnectionString);
        (await SeenAsync(superuser, new AuditQuery { VirtualMachineId = _vmId })).ShouldBe(["vm.start@owned.beta.invalid"]);
    }

    [Fact]
    public async Task ExportCsvAsync_PermissionFiltered_EscapedAgainstFormulas()
    {
        using var csv = new StringWriter();
        var count = await Audit.ExportCsvAsync(Principal(_alice), new AuditQuery(), csv, default);

        count.ShouldBe(2);
        var lines = csv.ToString().Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        lines.Length.ShouldBe(3);
        lines[0].ShouldStartWith("time_utc,actor,");
        csv.ToString().ShouldNotContain("secret.beta.invalid");
        csv.ToString().ShouldNotContain("web.alpha.invalid");
        // The VM name a spreadsheet would run is quoted and starts with an apostrophe.
        csv.ToString().ShouldContain(",\"'=HYPERLINK(\"\"http://evil\"\")\",");
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("=1+2", "'=1+2")]
    [InlineData("+1", "'+1")]
    [InlineData("-1", "'-1")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("two\nlines", "\"two\nlines\"")]
    [InlineData("\tcmd", "'\tcmd")]
    [InlineData("", "")]
    public void Escape_Field_QuotedAndNeutralised(string value, string expected) => AuditCsv.Escape(value).ShouldBe(expected);

    [Fact]
    public void AuditQuery_RoundTripsThroughItsQueryString()
    {
        var query = new AuditQuery { ClusterId = 3, NodeName = "n1", Action = "vm", Outcome = AuditOutcome.Refused, ObjectName = "a&b", From = new DateTimeOffset(2026, 1, 2, 0, 0, 0, TimeSpan.Zero) };
        var parsed = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(query.ToQueryString());
        AuditQuery.Parse(k => parsed.TryGetValue(k, out var v) ? v.ToString() : null).ShouldBe(query);
    }
}
